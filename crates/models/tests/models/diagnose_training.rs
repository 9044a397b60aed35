//! After-training diagnoses from real runs: a non-finite loss (SGD at learning rate 10 on
//! unscaled diabetes), vanishing gradients in a deep sigmoid network, a test R² below zero,
//! each silent on the corrected setup, and held-out rows of a class training never saw.

use nabla_models::data::{CsvOptions, Dataset, Standardizer, stratified_split};
use nabla_models::diagnose::Severity;
use nabla_models::estimator::{
    Classifier, ClassifierConfig, OptimizerKind, Regressor, RegressorConfig,
};
use nabla_models::layer::Layer;
use nabla_ops::Activation;

fn load(file: &str, options: &CsvOptions) -> Dataset {
    let path = format!("{}/../../data/{file}", env!("CARGO_MANIFEST_DIR"));
    Dataset::from_csv(path, options).unwrap()
}

#[test]
fn a_non_finite_loss_is_diagnosed_with_its_step_and_the_model_keeps_finite_weights() {
    // A PyTorch MLP's loss under this configuration turns non-finite within ten steps.
    let data = load("diabetes.csv", &CsvOptions::continuous(&["progression"]));
    let (x, y) = (data.features(), data.targets());
    let mut config = RegressorConfig::default();
    config.network.standardize = false;
    config.network.optimizer = OptimizerKind::sgd(10.0);
    config.network.fit.epochs = 5;
    let mut model = Regressor::<f32>::new(config.clone());
    let history = model.fit(x, y).unwrap();
    let report = model.diagnose(&history, x, y, None).unwrap();
    println!("{report}");
    let nf = history.non_finite.as_ref().expect("the run must blow up");
    assert!(nf.step <= 10, "step {}", nf.step);
    let d = report.get("non-finite-loss").expect("non-finite diagnosis");
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.evidence("step"), Some(nf.step as f64));
    assert_eq!(d.evidence("learning rate"), Some(10.0));
    assert!(
        d.finding
            .contains(&format!("at step {} (epoch 1)", nf.step))
    );
    assert!(
        d.fix.contains("clip_norm") && d.fix.contains("to 1 or below"),
        "{}",
        d.fix
    );
    assert_eq!(d.cause_codes(), vec!["learning-rate", "feature-scales"]);
    // The last finite weights are kept: every weight and prediction is finite.
    let net = model.network().unwrap();
    assert!(
        net.params()
            .iter()
            .all(|p| p.value().data().iter().all(|v| v.is_finite()))
    );
    assert!(
        model
            .predict(x)
            .unwrap()
            .data()
            .iter()
            .all(|v| v.is_finite())
    );

    // Corrected: standardised features and the default Adam 1e-3.
    let (_, xs) = Standardizer::fit_transform(x).unwrap();
    config.network.optimizer = OptimizerKind::adam(1e-3);
    let mut model = Regressor::<f32>::new(config);
    let history = model.fit(&xs, y).unwrap();
    let report = model.diagnose(&history, &xs, y, None).unwrap();
    assert!(history.non_finite.is_none());
    assert_eq!(report.at_least(Severity::Warning).count(), 0, "{report}");
}

fn iris_classifier(hidden: Vec<usize>, activation: Activation) -> ClassifierConfig {
    let mut config = ClassifierConfig::default();
    config.network.hidden = hidden;
    config.network.activation = activation;
    config.network.fit.epochs = 20;
    config
}

#[test]
fn vanishing_gradients_in_a_deep_sigmoid_network() {
    let data = load("iris.csv", &CsvOptions::labels("species"));
    let (train, _) = stratified_split(&data, 0.2, 0).unwrap();
    let train = Standardizer::fit(train.features())
        .unwrap()
        .transform_dataset(&train)
        .unwrap();
    let (x, y) = (train.features(), train.targets());

    let mut deep = Classifier::<f32>::new(iris_classifier(vec![16; 8], Activation::Sigmoid));
    let history = deep.fit(x, y).unwrap();
    assert_eq!(history.grad_norm_layers.len(), 9);
    assert_eq!(history.grad_norms.len(), 20);
    let report = deep.diagnose(&history, x, y, None).unwrap();
    println!("{report}");
    let d = report
        .get("vanishing-gradients")
        .expect("vanishing gradients");
    let (layer, output) = (
        d.evidence("layer gradient norm").unwrap(),
        d.evidence("output gradient norm").unwrap(),
    );
    assert!(layer < 1e-3 * output, "{layer} vs {output}");
    assert_eq!(output, *history.grad_norms.last().unwrap().last().unwrap());
    // The untrained early layers leave the network predicting one class; vanishing gradients
    // come first among the causes.
    let collapse = report.get("collapsed-predictions").expect("collapse");
    assert_eq!(collapse.cause_codes()[0], "vanishing-gradients");

    let mut shallow = Classifier::<f32>::new(iris_classifier(vec![16], Activation::Relu));
    let history = shallow.fit(x, y).unwrap();
    let report = shallow.diagnose(&history, x, y, None).unwrap();
    assert!(!report.contains("vanishing-gradients"), "{report}");
    assert!(!report.contains("exploding-gradients"), "{report}");
}

#[test]
fn a_test_r2_below_zero_is_diagnosed_with_the_evaluated_numbers() {
    // The target left unscaled and one epoch at learning rate 1e-6: the network still
    // predicts about 0 where the target averages 152.
    let data = load("diabetes.csv", &CsvOptions::continuous(&["progression"]));
    let rows = |range: std::ops::Range<usize>| data.select(&range.collect::<Vec<_>>()).unwrap();
    let (train, test) = (rows(0..350), rows(350..442));
    let mut model = Regressor::<f32>::default();
    model.config.standardize_target = false;
    model.config.network.optimizer = OptimizerKind::adam(1e-6);
    model.config.network.fit.epochs = 1;
    let history = model.fit(train.features(), train.targets()).unwrap();
    let eval = model.evaluate(test.features(), test.targets()).unwrap();
    assert!(eval.r2 < -1.0, "R^2 {}", eval.r2);
    let held_out = Some((test.features(), test.targets()));
    let report = model
        .diagnose(&history, train.features(), train.targets(), held_out)
        .unwrap();
    let d = report.get("r2-below-zero").expect("R^2 below zero");
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.evidence("R²"), Some(eval.r2));
    assert_eq!(d.evidence("RMSE"), Some(eval.rmse));
    assert!(d.fix.contains("(to 1.000e-7)"), "{}", d.fix);

    // Trained with the defaults, the same rows score well above zero and nothing is said.
    let mut model = Regressor::<f32>::default();
    let history = model.fit(train.features(), train.targets()).unwrap();
    let report = model
        .diagnose(&history, train.features(), train.targets(), held_out)
        .unwrap();
    assert!(!report.contains("r2-below-zero"), "{report}");
    assert!(!report.contains("non-finite-metric"), "{report}");
}

#[test]
fn held_out_rows_of_a_class_missing_from_training_are_diagnosed() {
    // Train on setosa and versicolor only; the held-out rows include 10 virginica.
    let data = load("iris.csv", &CsvOptions::labels("species"));
    let (train, test) = stratified_split(&data, 0.2, 0).unwrap();
    let train_rows: Vec<usize> = (0..train.n_rows())
        .filter(|&r| train.targets().class_indices().unwrap()[r] != 2)
        .collect();
    let train = train.select(&train_rows).unwrap();
    assert_eq!(train.targets().class_counts(), Some(vec![40, 40, 0]));
    let mut model = Classifier::<f32>::new(iris_classifier(vec![16], Activation::Relu));
    let history = model.fit(train.features(), train.targets()).unwrap();
    let report = model
        .diagnose(
            &history,
            train.features(),
            train.targets(),
            Some((test.features(), test.targets())),
        )
        .unwrap();
    let d = report.get("unseen-classes").expect("unseen classes");
    assert_eq!(
        d.finding,
        "10 of the 30 held-out rows belong to 1 class with no training row (virginica): the \
         model was never shown it and cannot learn to predict it"
    );
    assert_eq!(d.evidence("rows of unseen classes"), Some(10.0));
}
