//! Settings no training can use are refused by `fit` before any work, with an error naming
//! the setting as the library spells it, its value and what it must be; never a panic.

use nabla_models::data::{CsvOptions, Dataset};
use nabla_models::estimator::{Classifier, FitError, OptimizerKind, Regressor, Validation};

fn iris() -> Dataset {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/iris.csv");
    Dataset::from_csv(path, &CsvOptions::labels("species")).unwrap()
}

fn refusal(model: &mut Classifier<f32>) -> String {
    let data = iris();
    match model.fit(data.features(), data.targets()) {
        Err(e @ FitError::Invalid { .. }) => e.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A change to a default classifier's settings.
type Setting = fn(&mut Classifier<f32>);

#[test]
fn absurd_network_settings_are_refused_up_front() {
    let cases: [(&str, Setting); 8] = [
        ("NetworkConfig::hidden is [64, 0, 8]", |m| {
            m.config.network.hidden = vec![64, 0, 8]
        }),
        ("FitOptions::epochs is 0", |m| {
            m.config.network.fit.epochs = 0
        }),
        ("FitOptions::batch_size is 0", |m| {
            m.config.network.fit.batch_size = 0
        }),
        ("learning rate of NetworkConfig::optimizer is 0", |m| {
            m.config.network.optimizer = OptimizerKind::adam(0.0)
        }),
        ("learning rate of NetworkConfig::optimizer is NaN", |m| {
            m.config.network.optimizer = OptimizerKind::sgd(f64::NAN)
        }),
        ("FitOptions::clip_norm is -1", |m| {
            m.config.network.fit.clip_norm = Some(-1.0)
        }),
        ("NetworkConfig::validation holds out 1.5", |m| {
            m.config.network.validation = Validation::Split(1.5)
        }),
        ("ClassifierConfig::threshold is 2", |m| {
            m.config.threshold = 2.0
        }),
    ];
    for (expected, set) in cases {
        let mut model = Classifier::<f32>::default();
        set(&mut model);
        let text = refusal(&mut model);
        assert!(text.contains(expected), "{expected:?} not in: {text}");
    }
}

#[test]
fn the_regressor_refuses_them_too() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/diabetes.csv");
    let data = Dataset::from_csv(path, &CsvOptions::continuous(&["progression"])).unwrap();
    let mut model = Regressor::<f32>::default();
    model.config.network.hidden = vec![0];
    let err = model.fit(data.features(), data.targets()).unwrap_err();
    assert!(
        err.to_string().contains("NetworkConfig::hidden is [0]"),
        "{err}"
    );
}

#[test]
fn values_that_would_overflow_are_refused_before_training() {
    use nabla_autodiff::Tensor;
    use nabla_models::data::Targets;
    let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[4, 1]);
    let y = Targets::continuous(Tensor::from_vec(vec![1.0, 2.0, 1e300, 4.0], &[4, 1])).unwrap();
    let err = Regressor::<f64>::default()
        .fit(&x, &y)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the value at row 2, column 0 is 1e300,"),
        "{err}"
    );
    assert!(err.contains("beyond 1e150 in magnitude"), "{err}");
    // Unstandardised features beyond f32's range would be infinite in an f32 network.
    let x = Tensor::from_vec(vec![1.0, 2e39, 3.0, 4.0], &[4, 1]);
    let y = Targets::labels(vec![0, 1, 0, 1], &["a", "b"]).unwrap();
    let mut model = Classifier::<f32>::default();
    model.config.network.standardize = false;
    let err = model.fit(&x, &y).unwrap_err().to_string();
    assert!(
        err.contains(
            "the feature at row 1, column 0 is 2e39, beyond the range of the model's f32 weights"
        ),
        "{err}"
    );
    // Standardised, the same features train.
    model.config.network.standardize = true;
    model.config.network.fit.epochs = 1;
    assert!(model.fit(&x, &y).is_ok());
}
