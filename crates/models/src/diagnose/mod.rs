//! Diagnostics: say, with the evidence and the fix, when a network's output layer and loss do
//! not fit its target, and why a trained network predicts one class or failed to train.
//!
//! A [`Diagnosis`] has a stable code, a [`Severity`], what was found (with numbers), what to
//! change, and the numbers as data; a [`Report`] holds several and prints them readably.
//!
//! **Before training**, [`check_configuration`] (or `Classifier::check`, `Regressor::check`)
//! reads the target's encoding ([`infer_encoding`]), compares the head with the one that fits
//! it ([`recommend_head`]) and looks at the data. `fit` runs the same check and refuses with
//! [`FitError::Diagnosed`](crate::estimator::FitError::Diagnosed) when it finds an error,
//! unless `NetworkConfig::ignore_diagnostics` is set; the warnings and hints it found come
//! back in [`History::diagnoses`](crate::train::History::diagnoses).
//!
//! | code | severity | trigger |
//! |---|---|---|
//! | `output-not-probabilities` | error | a linear/ReLU/tanh/... output feeding a loss that reads probabilities |
//! | `softmax-single-unit` | error | a softmax over one unit (it always outputs 1) |
//! | `activation-applied-twice` | error | a sigmoid or softmax output feeding a with-logits loss |
//! | `units-mismatch` | error | output units not matching the classes, labels or target columns |
//! | `label-out-of-range` | error | integer labels outside `0..k` (cannot be overridden) |
//! | `one-hot-row-sum` | error | one-hot rows that do not sum to 1 |
//! | `non-finite-values` | error | NaN or infinite features or targets |
//! | `regression-instead-of-classification` | warning | a regression loss (MSE, MAE, Huber) on class targets, such as 1 linear unit + MSE on 0/1 |
//! | `softmax-with-binary-cross-entropy` | warning | softmax + binary cross-entropy on 3 or more exclusive classes |
//! | `softmax-on-multi-hot` | warning | multi-hot targets on a softmax or categorical head |
//! | `few-distinct-integer-targets` | warning | a regressor on at most 10 distinct non-negative integers |
//! | `feature-scales` | hint | features far from unit scale or on very different scales |
//! | `class-imbalance` | hint | a class below half the even share (a multi-hot label below 5%) |
//! | `constant-features` | hint | feature columns with one value |
//!
//! **After training**, [`diagnose_training`] (or `Classifier::diagnose`,
//! `Regressor::diagnose`) reads the [`History`](crate::train::History), the predictions and
//! their [`Scores`] on the test (or training) rows, and the trained network:
//!
//! | code | severity | trigger |
//! |---|---|---|
//! | `non-finite-loss` | error | the loss or gradient became non-finite (step and learning rate) |
//! | `non-finite-metric` | error | a metric on the judged rows is NaN or infinite (R², RMSE, log loss) |
//! | `r2-below-zero` | error | a regressor's R² below 0: worse than predicting the rows' mean |
//! | `collapsed-predictions` | error | nearly every row predicted as one class; causes ranked: `learning-rate`, `feature-scales`, `class-imbalance`, `dead-relu`, `underfitting` |
//! | `below-majority-baseline` | error | accuracy at or below the share of the most common class (what always predicting it scores) |
//! | `accuracy-paradox` | warning | accuracy above the majority class's share by at most a point |
//! | `unseen-classes` | warning | judged rows of classes that had no training row |
//! | `dead-relu` | warning (hint from 25%) | at least half of a hidden layer's units never activate |
//! | `exploding-gradients` | warning | a layer's gradient norm above 1000 over an epoch |
//! | `vanishing-gradients` | warning | a layer's gradient norm below 1/1000 of the output layer's |
//!
//! ```
//! use nabla_autodiff::Tensor;
//! use nabla_models::data::Targets;
//! use nabla_models::diagnose::{Severity, check_configuration, infer_encoding, recommend_head};
//! use nabla_models::head::Head;
//! let x = Tensor::from_vec(vec![0.1, 0.7, -0.4, 1.2], &[4, 1]);
//! let y = Targets::labels(vec![0, 1, 0, 1], &["benign", "malignant"])?;
//! let head = recommend_head(infer_encoding(&y));
//! assert_eq!(head, Head::binary());
//! let wrong = Head { units: 1, ..Head::multi_class(2, false) }; // a softmax over one unit
//! let report = check_configuration(&wrong, &y, &x);
//! assert_eq!(report.get("softmax-single-unit").unwrap().severity, Severity::Error);
//! println!("{report}");
//! # Ok::<(), nabla_models::data::DataError>(())
//! ```

mod config;
mod data;
mod encoding;
mod estimator;
mod evaluation;
mod network;
mod report;
mod training;

pub use config::{check_configuration, check_dataset};
pub use data::{ColumnStats, FeatureStats};
pub use encoding::{
    MAX_LABEL_VALUES, TargetEncoding, infer_encoding, infer_encoding_of_columns, recommend_head,
};
pub use evaluation::Scores;
pub use network::{LayerActivity, dead_units};
pub use report::{Diagnosis, Report, Severity};
pub use training::{ClassOutcome, TrainingRun, diagnose_training};

pub(crate) use estimator::gate;
