//! Before-training diagnoses on the bundled data: the classic "regression instead of
//! classification" configuration, no false alarms on the correct configurations, and every
//! error and warning triggered by a wrong setup and silent on the corrected one.

use nabla_autodiff::Tensor;
use nabla_models::data::{CsvOptions, Dataset, Standardizer, Targets};
use nabla_models::diagnose::{Report, Severity, check_dataset, infer_encoding, recommend_head};
use nabla_models::estimator::{
    BinaryHead, Classifier, ClassifierConfig, FitError, Regressor, RegressorConfig,
};
use nabla_models::head::{Head, Loss};
use nabla_ops::Activation;

/// A bundled file. Digits keep all 64 pixels (named as the features), so that the blank ones
/// the `constant-features` hint is about are there.
fn load(file: &str, options: &CsvOptions) -> Dataset {
    let path = format!("{}/../../data/{file}", env!("CARGO_MANIFEST_DIR"));
    let options = match file {
        "digits.csv" => {
            let pixels: Vec<String> = (0..64).map(|i| format!("px{i}")).collect();
            options.clone().with_features(&pixels)
        }
        _ => options.clone(),
    };
    Dataset::from_csv(path, &options).unwrap()
}

fn breast_cancer() -> Dataset {
    load("breast_cancer.csv", &CsvOptions::labels("malignant"))
}

fn iris() -> Dataset {
    load("iris.csv", &CsvOptions::labels("species"))
}

fn standardised(data: &Dataset) -> Dataset {
    Standardizer::fit(data.features())
        .unwrap()
        .transform_dataset(data)
        .unwrap()
}

/// The codes of the warnings and errors.
fn alarms(report: &Report) -> Vec<&'static str> {
    report.at_least(Severity::Warning).map(|d| d.code).collect()
}

fn with_head(head: Head, epochs: usize) -> Classifier<f32> {
    let mut config = ClassifierConfig {
        head: Some(head),
        ..ClassifierConfig::default()
    };
    config.network.fit.epochs = epochs;
    Classifier::new(config)
}

/// The report `fit` would act on for this head, on standardised data.
fn check_head(head: Head, data: &Dataset) -> Report {
    with_head(head, 1)
        .check(data.features(), data.targets())
        .unwrap()
}

/// Two labels per digit image: whether the digit is odd, and whether it is 5 or more.
fn multi_label_digits() -> Dataset {
    let data = load("digits.csv", &CsvOptions::labels("digit"));
    let digits = data.targets().class_indices().unwrap();
    let values = Tensor::from_fn(&[digits.len(), 2], |i| {
        let d = digits[i / 2];
        let yes = if i % 2 == 0 { d % 2 == 1 } else { d >= 5 };
        f64::from(u8::from(yes))
    });
    let names = ["odd", "five_or_more"];
    let targets = Targets::multi_hot(values, &names).unwrap();
    Dataset::new(
        data.features().clone(),
        data.feature_names(),
        targets,
        &names,
    )
    .unwrap()
}

#[test]
fn one_linear_unit_with_mse_on_breast_cancer_is_regression_instead_of_classification() {
    let data = standardised(&breast_cancer());
    let (x, y) = (data.features(), data.targets());
    let wrong = Head::regression(1);
    assert_eq!(wrong.to_string(), "1 linear unit + mean squared error");
    let mut model = with_head(wrong, 5);
    let report = model.check(x, y).unwrap();
    println!("{report}");
    assert_eq!(
        alarms(&report),
        vec!["regression-instead-of-classification"]
    );
    let d = report.get("regression-instead-of-classification").unwrap();
    assert_eq!(d.severity, Severity::Warning);
    let recommended = recommend_head(infer_encoding(y));
    assert_eq!(recommended, Head::binary());
    assert!(
        d.fix.contains("use 1 sigmoid unit + binary cross-entropy"),
        "{}",
        d.fix
    );
    assert!(d.finding.contains("2 classes (0, 1)"), "{}", d.finding);
    // A warning does not stop training: the misconfigured run trains.
    let history = model.fit(x, y).unwrap();
    assert_eq!(history.epochs.len(), 5);
    // The recommended head is what a Classifier picks by itself.
    assert_eq!(
        Classifier::<f32>::default().head_for(y).unwrap(),
        recommended
    );

    // The same mistake through a Regressor on the 0/1 column loaded as continuous.
    let as_numbers = standardised(&load(
        "breast_cancer.csv",
        &CsvOptions::continuous(&["malignant"]),
    ));
    let report = Regressor::<f32>::default()
        .check(as_numbers.features(), as_numbers.targets())
        .unwrap();
    let d = report.get("regression-instead-of-classification").unwrap();
    assert!(d.fix.contains("use a Classifier") && d.fix.contains("1 sigmoid unit"));
    // A sigmoid output trained with MSE is the same mistake.
    let sigmoid_mse = Head {
        loss: Loss::MeanSquaredError,
        ..Head::binary()
    };
    assert_eq!(
        alarms(&check_head(sigmoid_mse, &data)),
        vec!["regression-instead-of-classification"]
    );
    assert!(check_head(Head::binary(), &data).is_empty());
}

#[test]
fn correct_configurations_on_every_shipped_data_set_raise_no_alarm() {
    let labelled = [
        ("iris.csv", "species"),
        ("wine.csv", "cultivar"),
        ("breast_cancer.csv", "malignant"),
        ("digits.csv", "digit"),
    ];
    let mut sets: Vec<(String, Dataset, Head)> = Vec::new();
    for (file, target) in labelled {
        let data = load(file, &CsvOptions::labels(target));
        for binary_head in [BinaryHead::Sigmoid, BinaryHead::Softmax] {
            let model = Classifier::<f32>::new(ClassifierConfig {
                binary_head,
                ..ClassifierConfig::default()
            });
            let head = model.head_for(data.targets()).unwrap();
            sets.push((format!("{file} ({head})"), data.clone(), head));
        }
    }
    let diabetes = load("diabetes.csv", &CsvOptions::continuous(&["progression"]));
    let head = Regressor::<f32>::default().head_for(diabetes.targets());
    sets.push(("diabetes.csv".into(), diabetes, head));
    let multi = multi_label_digits();
    sets.push(("multi-label digits".into(), multi, Head::multi_label(2)));

    for (name, data, head) in &sets {
        let raw = check_dataset(head, data);
        assert_eq!(alarms(&raw), Vec::<&str>::new(), "{name}:\n{raw}");
        let scaled = check_dataset(head, &standardised(data));
        assert_eq!(alarms(&scaled), Vec::<&str>::new(), "{name}:\n{scaled}");
        assert!(!scaled.contains("feature-scales"), "{name}:\n{scaled}");
        println!(
            "{name}, unscaled: {:?}; standardised: {:?}",
            raw.codes(),
            scaled.codes()
        );
    }
    // The hints the raw data deserve: scales where columns differ, digits' blank pixels.
    let raw_hints = |i: usize| check_dataset(&sets[i].2, &sets[i].1).codes();
    assert_eq!(
        raw_hints(0),
        Vec::<&str>::new(),
        "iris is close to unit scale"
    );
    assert_eq!(raw_hints(2), vec!["feature-scales"], "wine");
    assert_eq!(
        raw_hints(6),
        vec!["constant-features", "feature-scales"],
        "digits"
    );
    assert_eq!(raw_hints(8), vec!["feature-scales"], "diabetes");
}

/// Expects `code` (of severity `severity`) from `wrong` and no alarm from `right`.
fn triggers(code: &str, severity: Severity, wrong: &Report, right: &Report) {
    let d = wrong
        .get(code)
        .unwrap_or_else(|| panic!("{code} not found in\n{wrong}"));
    assert_eq!(d.severity, severity, "{d}");
    assert!(!d.finding.is_empty() && !d.fix.is_empty());
    assert_eq!(
        alarms(right),
        Vec::<&str>::new(),
        "corrected setup for {code}:\n{right}"
    );
}

#[test]
fn errors_stop_fit_unless_overridden_and_are_silent_when_corrected() {
    let bc = standardised(&breast_cancer());
    let linear_bce = Head {
        activation: Activation::Identity,
        ..Head::binary()
    };
    triggers(
        "output-not-probabilities",
        Severity::Error,
        &check_head(linear_bce, &bc),
        &check_head(Head::binary(), &bc),
    );
    // fit refuses with the printed report, and trains when told to ignore it.
    let mut model = with_head(linear_bce, 2);
    match model.fit(bc.features(), bc.targets()) {
        Err(FitError::Diagnosed(report)) => {
            assert!(report.get("output-not-probabilities").is_some(), "{report}");
            assert!(
                report
                    .to_string()
                    .contains("error[output-not-probabilities]"),
                "{report}"
            )
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    model.config.network.ignore_diagnostics = true;
    assert_eq!(
        model.fit(bc.features(), bc.targets()).unwrap().epochs.len(),
        2
    );

    let softmax_one = Head {
        units: 1,
        ..Head::binary_softmax()
    };
    triggers(
        "softmax-single-unit",
        Severity::Error,
        &check_head(softmax_one, &bc),
        &check_head(Head::binary_softmax(), &bc),
    );

    let twice = Head {
        loss: Loss::BinaryCrossEntropy { from_logits: true },
        ..Head::binary()
    };
    let linear_logits = Head {
        activation: Activation::Identity,
        ..twice
    };
    triggers(
        "activation-applied-twice",
        Severity::Error,
        &check_head(twice, &bc),
        &check_head(linear_logits, &bc),
    );

    let iris = standardised(&iris());
    triggers(
        "units-mismatch",
        Severity::Error,
        &check_head(Head::multi_class(2, true), &iris),
        &check_head(Head::multi_class(3, true), &iris),
    );
}

#[test]
fn target_errors_are_found_and_bad_labels_cannot_be_overridden() {
    let x = Tensor::from_vec(vec![-1.0, 1.0, -0.5, 0.5, 0.0, 2.0], &[3, 2]);
    let names = ["a", "b", "c"];
    let bad_labels = Targets::Labels {
        indices: vec![0, 3, 1],
        class_names: names.iter().map(|s| s.to_string()).collect(),
    };
    let good_labels = Targets::labels(vec![0, 2, 1], &names).unwrap();
    let model = Classifier::<f32>::default();
    let wrong = model.check(&x, &bad_labels).unwrap();
    triggers(
        "label-out-of-range",
        Severity::Error,
        &wrong,
        &model.check(&x, &good_labels).unwrap(),
    );
    assert!(
        wrong
            .get("label-out-of-range")
            .unwrap()
            .finding
            .contains("row 1 has label 3"),
        "{wrong}"
    );
    let mut ignoring = Classifier::<f32>::default();
    ignoring.config.network.ignore_diagnostics = true;
    assert_eq!(
        ignoring.fit(&x, &bad_labels).unwrap_err(),
        FitError::LabelOutOfRange {
            row: 1,
            label: 3,
            classes: 3
        }
    );

    let bad_hot = Targets::OneHot {
        values: Tensor::from_vec(vec![1., 0., 0., 0., 1., 1., 0., 0., 0.], &[3, 3]),
        class_names: names.iter().map(|s| s.to_string()).collect(),
    };
    let good_hot = Targets::one_hot(
        Tensor::from_vec(vec![1., 0., 0., 0., 1., 0., 0., 0., 1.], &[3, 3]),
        &names,
    )
    .unwrap();
    let wrong = model.check(&x, &bad_hot).unwrap();
    triggers(
        "one-hot-row-sum",
        Severity::Error,
        &wrong,
        &model.check(&x, &good_hot).unwrap(),
    );
    let d = wrong.get("one-hot-row-sum").unwrap();
    assert_eq!(d.evidence("rows not summing to 1"), Some(2.0));
    assert!(d.finding.contains("row 1 sums to 2"), "{d}");

    let mut holes = x.clone();
    holes.data_mut()[3] = f64::NAN;
    triggers(
        "non-finite-values",
        Severity::Error,
        &model.check(&holes, &good_labels).unwrap(),
        &model.check(&x, &good_labels).unwrap(),
    );
}

#[test]
fn warnings_are_found_and_silent_when_corrected() {
    let iris_hot = {
        let d = iris();
        let classes = d.targets().class_indices().unwrap();
        let values = Tensor::from_fn(&[classes.len(), 3], |i| {
            f64::from(u8::from(classes[i / 3] == i % 3))
        });
        let names = ["setosa", "versicolor", "virginica"];
        let y = Targets::one_hot(values, &names).unwrap();
        standardised(&Dataset::new(d.features().clone(), d.feature_names(), y, &names).unwrap())
    };
    let softmax_bce = Head {
        loss: Loss::BCE,
        ..Head::multi_class(3, false)
    };
    triggers(
        "softmax-with-binary-cross-entropy",
        Severity::Warning,
        &check_head(softmax_bce, &iris_hot),
        &check_head(Head::multi_class(3, false), &iris_hot),
    );

    let multi = standardised(&multi_label_digits());
    triggers(
        "softmax-on-multi-hot",
        Severity::Warning,
        &check_head(Head::multi_class(2, false), &multi),
        &check_head(Head::multi_label(2), &multi),
    );

    // The digit read as a number: ten distinct integers.
    let digits_as_numbers = standardised(&load("digits.csv", &CsvOptions::continuous(&["digit"])));
    let digits = standardised(&load("digits.csv", &CsvOptions::labels("digit")));
    let regressor = Regressor::<f32>::new(RegressorConfig::default());
    let wrong = regressor
        .check(digits_as_numbers.features(), digits_as_numbers.targets())
        .unwrap();
    triggers(
        "few-distinct-integer-targets",
        Severity::Warning,
        &wrong,
        &Classifier::<f32>::default()
            .check(digits.features(), digits.targets())
            .unwrap(),
    );
    let d = wrong.get("few-distinct-integer-targets").unwrap();
    assert_eq!(d.evidence("distinct values"), Some(10.0));
    assert!(
        d.fix
            .contains("10 softmax units + sparse categorical cross-entropy"),
        "{d}"
    );
}

#[test]
fn fit_returns_the_before_training_hints_in_its_history() {
    let wine = load("wine.csv", &CsvOptions::labels("cultivar"));
    let mut raw = Classifier::<f32>::default();
    raw.config.network.standardize = false;
    raw.config.network.fit.epochs = 1;
    let history = raw.fit(wine.features(), wine.targets()).unwrap();
    assert_eq!(history.diagnoses.codes(), vec!["feature-scales"]);
    let d = history.diagnoses.get("feature-scales").unwrap();
    // proline's and nonflavanoid_phenols' population standard deviations, and proline's 1680.
    let close = |name: &str, want: f64| (d.evidence(name).unwrap() - want).abs() < 1e-3;
    assert!(close("largest standard deviation", 314.0217), "{d}");
    assert!(close("smallest standard deviation", 0.1241), "{d}");
    assert!(close("largest absolute value", 1680.0), "{d}");
    let shown = history.diagnoses.to_string();
    assert!(
        shown.starts_with(
            "hint[feature-scales]: features are on very different scales: column 12 ranges 278 \
             to 1680"
        ),
        "{shown}"
    );
    // The default standardises, and then there is nothing to say.
    let mut model = Classifier::<f32>::default();
    model.config.network.fit.epochs = 1;
    let history = model.fit(wine.features(), wine.targets()).unwrap();
    assert!(history.diagnoses.is_empty(), "{}", history.diagnoses);
}

#[test]
fn fit_with_ignored_errors_keeps_them_in_its_history() {
    let data = standardised(&breast_cancer());
    let mut model = with_head(
        Head {
            units: 1,
            ..Head::multi_class(2, false)
        },
        1,
    );
    model.config.network.ignore_diagnostics = true;
    let history = model.fit(data.features(), data.targets()).unwrap();
    assert!(history.diagnoses.has_errors(), "{}", history.diagnoses);
    assert!(history.diagnoses.contains("softmax-single-unit"));
}
