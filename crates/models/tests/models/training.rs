//! The training loop end to end: determinism, the non-finite stop, callbacks, weights and
//! validation data, summaries.

use nabla_autodiff::Tensor;
use nabla_models::data::{CsvOptions, Dataset, Targets, prepare_split};
use nabla_models::estimator::{
    Classifier, ClassifierConfig, FitExtras, OptimizerKind, Regressor, RegressorConfig,
};
use nabla_models::head::Head;
use nabla_models::layer::{Dense, Layer, Sequential};
use nabla_models::optim::Adam;
use nabla_models::train::{
    Callback, EarlyStopping, FitOptions, ReduceLrOnPlateau, TargetData, TrainData, Trainer,
    evaluate_loss,
};
use nabla_ops::Activation;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn load(file: &str, options: &CsvOptions) -> Dataset {
    Dataset::from_csv(
        format!("{}/../../data/{file}", env!("CARGO_MANIFEST_DIR")),
        options,
    )
    .unwrap()
}

fn weights_of(model: &Classifier<f32>) -> Vec<Vec<f32>> {
    model
        .network()
        .unwrap()
        .params()
        .iter()
        .map(|p| p.value().data().to_vec())
        .collect()
}

fn quick_classifier(seed: u64) -> Classifier<f32> {
    let mut config = ClassifierConfig::default();
    config.network.fit = FitOptions {
        epochs: 5,
        seed,
        ..FitOptions::default()
    };
    Classifier::new(config)
}

#[test]
fn the_same_seed_gives_the_same_model_bit_for_bit() {
    let (train, _) =
        prepare_split(&load("iris.csv", &CsvOptions::labels("species")), 0.2, 0).unwrap();
    let fit = |seed| {
        let mut m = quick_classifier(seed);
        m.fit(train.features(), train.targets()).unwrap();
        weights_of(&m)
    };
    assert_eq!(fit(7), fit(7));
    assert_ne!(
        fit(7),
        fit(8),
        "the seed must matter, or this test could not fail"
    );
}

#[test]
fn a_diverging_run_stops_at_the_non_finite_step_and_keeps_finite_weights() {
    // Unscaled diabetes features with SGD at learning rate 10 (a PyTorch MLP's loss turns
    // non-finite within ten steps).
    let data = load("diabetes.csv", &CsvOptions::continuous(&["progression"]));
    let mut config = RegressorConfig::default();
    config.network.optimizer = OptimizerKind::sgd(10.0);
    config.network.fit.epochs = 5;
    let mut model = Regressor::<f32>::new(config);
    let history = model.fit(data.features(), data.targets()).unwrap();
    let bad = history
        .non_finite
        .clone()
        .expect("training must stop on a non-finite loss");
    assert!(bad.step <= 10, "stopped at step {}", bad.step);
    assert_eq!(bad.learning_rate, 10.0);
    assert!(
        history
            .stopped_early
            .as_deref()
            .unwrap()
            .contains(&format!("step {}", bad.step))
    );
    for p in model.network().unwrap().params() {
        assert!(
            p.value().all_finite(),
            "{} holds non-finite weights",
            p.name()
        );
    }
}

#[test]
fn early_stopping_restores_the_best_validation_weights() {
    let data = load("breast_cancer.csv", &CsvOptions::labels("malignant"));
    let (train, val) = prepare_split(&data, 0.2, 1).unwrap();
    let labels = |d: &Dataset| TargetData::Labels(d.targets().class_indices().unwrap());
    let to_train = |d: &Dataset| TrainData::<f64> {
        x: d.features().clone(),
        y: labels(d),
        sample_weights: None,
    };
    let (train, val) = (to_train(&train), to_train(&val));
    let head = Head::binary();
    let mut rng = StdRng::seed_from_u64(0);
    let mut net = Sequential::new()
        .with(Dense::new(30, 64, Activation::Relu, &mut rng))
        .with(Dense::new(64, 1, Activation::Identity, &mut rng));
    let mut adam = Adam::new(0.01);
    let mut callbacks: Vec<Box<dyn Callback>> = vec![Box::new(
        EarlyStopping::new("val_loss")
            .patience(3)
            .restore_best_weights(true),
    )];
    let no_metrics = |_: &Tensor<f64>, _: &TargetData<f64>| Vec::new();
    let mut trainer = Trainer {
        model: &mut net,
        head,
        optimizer: &mut adam,
        class_weights: None,
        metrics: &no_metrics,
        callbacks: &mut callbacks,
        saved_as: None,
    };
    let history = trainer
        .fit(
            &train,
            Some(&val),
            &FitOptions {
                epochs: 300,
                ..FitOptions::default()
            },
        )
        .unwrap();
    let reason = history
        .stopped_early
        .as_deref()
        .expect("overfitting at lr 0.01 must trigger it");
    assert!(
        reason.starts_with("early stopping: val_loss did not improve for 3 epochs"),
        "{reason}"
    );
    assert!(history.epochs.len() < 300);
    let best = history
        .series("val_loss")
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    let now = evaluate_loss(&net, &head, &val, None).unwrap();
    assert!(
        (now - best).abs() < 1e-12,
        "restored loss {now} but the best epoch had {best}"
    );
    let last = history.last().unwrap().val_loss.unwrap();
    assert!(
        last > best,
        "the last epoch should be worse than the best ({last} vs {best})"
    );
}

#[test]
fn plateau_callback_lowers_the_learning_rate_in_steps() {
    let data = load("iris.csv", &CsvOptions::labels("species"));
    let (train, _) = prepare_split(&data, 0.2, 0).unwrap();
    let mut model = quick_classifier(0);
    model.config.network.fit.epochs = 7;
    model.config.network.optimizer = OptimizerKind::adam(0.1);
    // min_delta 10: no epoch counts as an improvement after the first.
    model.add_callback(
        ReduceLrOnPlateau::new("loss")
            .patience(2)
            .factor(0.5)
            .min_delta(10.0),
    );
    let history = model.fit(train.features(), train.targets()).unwrap();
    let rates: Vec<f64> = history.epochs.iter().map(|e| e.learning_rate).collect();
    assert_eq!(rates, [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
}

#[test]
fn zero_sample_weights_remove_a_class_from_the_loss() {
    let data = load("breast_cancer.csv", &CsvOptions::labels("malignant"));
    let (train, test) = prepare_split(&data, 0.2, 0).unwrap();
    let labels = train.targets().class_indices().unwrap();
    let weights: Vec<f64> = labels
        .iter()
        .map(|&c| if c == 1 { 0.0 } else { 1.0 })
        .collect();
    let mut model = quick_classifier(0);
    model.config.network.fit.epochs = 20;
    model.fit(train.features(), train.targets()).unwrap();
    let malignant_share = |m: &Classifier<f32>| {
        let p = m.predict(test.features()).unwrap();
        p.iter().filter(|&&c| c == 1).count() as f64 / p.len() as f64
    };
    let unweighted = malignant_share(&model);
    model
        .fit_with(
            train.features(),
            train.targets(),
            FitExtras {
                sample_weights: Some(&weights),
                ..Default::default()
            },
        )
        .unwrap();
    let weighted = malignant_share(&model);
    eprintln!(
        "malignant share of predictions: unweighted {unweighted}, malignant rows weighted 0: {weighted}"
    );
    assert!(unweighted > 0.3, "{unweighted}");
    // Ignored weights would leave the share where it was; rows of weight zero pull nothing.
    assert!(
        weighted < unweighted / 2.0,
        "weights had no effect: {weighted} vs {unweighted}"
    );

    let bad = model.fit_with(
        train.features(),
        train.targets(),
        FitExtras {
            sample_weights: Some(&weights[1..]),
            ..Default::default()
        },
    );
    let message = bad.unwrap_err().to_string();
    assert!(
        message.contains(&format!(
            "{} sample weights were given for {} rows",
            labels.len() - 1,
            labels.len()
        )),
        "{message}"
    );
}

#[test]
fn validation_data_is_scored_every_epoch() {
    let data = load("wine.csv", &CsvOptions::labels("cultivar"));
    let (train, val) = prepare_split(&data, 0.2, 0).unwrap();
    let mut model = quick_classifier(0);
    let history = model
        .fit_with(
            train.features(),
            train.targets(),
            FitExtras {
                validation_data: Some((val.features(), val.targets())),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(history.series("val_loss").len(), 5);
    let final_val_accuracy = history.last().unwrap().get("val_accuracy").unwrap();
    let evaluated = model
        .evaluate(val.features(), val.targets())
        .unwrap()
        .accuracy;
    assert!(
        (final_val_accuracy - evaluated).abs() < 1e-12,
        "{final_val_accuracy} vs {evaluated}"
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let data = load("iris.csv", &CsvOptions::labels("species"));
    let mut model = quick_classifier(0);
    let err = model.predict(data.features()).unwrap_err().to_string();
    assert!(err.contains("has not been fitted yet"), "{err}");
    let short = Targets::labels(vec![0, 1], &["a", "b"]).unwrap();
    let err = model.fit(data.features(), &short).unwrap_err().to_string();
    assert!(
        err.contains("features have 150 rows but targets have 2"),
        "{err}"
    );
    model.fit(data.features(), data.targets()).unwrap();
    let narrow = Tensor::zeros(&[3, 2]);
    let err = model.predict(&narrow).unwrap_err().to_string();
    assert!(err.contains("fitted on 4 features but got 2"), "{err}");
    let nan = Tensor::from_vec(vec![1.0, f64::NAN, 0.0, 0.0], &[1, 4]);
    let err = model.predict(&nan).unwrap_err().to_string();
    assert!(err.contains("row 0, column 1 is NaN"), "{err}");
    let err = Regressor::<f32>::default()
        .fit(data.features(), data.targets())
        .unwrap_err()
        .to_string();
    assert!(err.contains("use a Classifier"), "{err}");
}

#[test]
fn summary_lists_layers_shapes_and_parameter_counts() {
    let mut rng = StdRng::seed_from_u64(0);
    let net = Sequential::<f32>::new()
        .with(Dense::new(30, 64, Activation::Relu, &mut rng))
        .with(nabla_models::layer::Dropout::new(0.5))
        .with(Dense::new(64, 1, Activation::Sigmoid, &mut rng));
    let summary = net.summary(30);
    assert_eq!(summary.total_params(), 30 * 64 + 64 + 64 + 1);
    let text = summary.to_string();
    assert!(
        text.contains("dense 64 relu") && text.contains("[batch, 64]"),
        "{text}"
    );
    assert!(text.ends_with("total parameters: 2049"), "{text}");
}

#[test]
fn a_validation_split_holds_rows_out_of_training() {
    use nabla_models::estimator::Validation;
    let data = load("iris.csv", &CsvOptions::labels("species"));
    let (train, _) = prepare_split(&data, 0.2, 0).unwrap();
    let mut model = quick_classifier(0);
    model.config.network.validation = Validation::Split(0.25);
    let history = model.fit(train.features(), train.targets()).unwrap();
    assert_eq!(history.series("val_loss").len(), 5);
    assert_eq!(history.series("val_accuracy").len(), 5);
    // 120 rows, a quarter held out: 90 training rows in batches of 32 = 3 steps per epoch.
    assert_eq!(history.steps, 5 * 3);
}

#[test]
fn training_metrics_read_each_rows_output_from_the_step_that_trained_on_it() {
    // Two batches per epoch without shuffling: rows 0-2 are scored with the starting weights,
    // rows 3-5 with the weights after the first step; the metric sees every row once.
    let x = Tensor::from_fn(&[6, 2], |i| (i as f64 * 0.37).sin());
    let labels = [0, 1, 0, 1, 1, 0];
    let data = |rows: std::ops::Range<usize>| TrainData::<f64> {
        x: x.narrow(0, rows.start, rows.len()),
        y: TargetData::Labels(labels[rows].to_vec()),
        sample_weights: None,
    };
    let head = Head::binary();
    let network = || {
        let mut rng = StdRng::seed_from_u64(3);
        Sequential::new().with(Dense::new(2, 1, Activation::Identity, &mut rng))
    };
    // The metric reports the sum of the outputs it is given.
    let sum = |out: &Tensor<f64>, _: &TargetData<f64>| {
        vec![("sum".to_string(), out.data().iter().sum::<f64>())]
    };
    let fit = |net: &mut Sequential<f64>, train: &TrainData<f64>| {
        let mut adam = Adam::new(0.5);
        let mut trainer = Trainer {
            model: net,
            head,
            optimizer: &mut adam,
            class_weights: None,
            metrics: &sum,
            callbacks: &mut [],
            saved_as: None,
        };
        let options = FitOptions {
            epochs: 1,
            batch_size: 3,
            shuffle: false,
            ..FitOptions::default()
        };
        trainer.fit(train, None, &options).unwrap()
    };
    let outputs = |net: &Sequential<f64>| nabla_models::train::predict_outputs(net, &head, &x);

    let start = outputs(&network());
    // The weights after the first step: the same network and optimiser, trained on rows 0-2.
    let mut after_one_step = network();
    fit(&mut after_one_step, &data(0..3));
    let middle = outputs(&after_one_step);
    let expected: f64 =
        start.data()[..3].iter().sum::<f64>() + middle.data()[3..].iter().sum::<f64>();

    let mut net = network();
    let history = fit(&mut net, &data(0..6));
    let reported = history.epochs[0].get("sum").unwrap();
    assert!(
        (reported - expected).abs() < 1e-12,
        "{reported} vs {expected}"
    );
    // Not the final weights' outputs (what a pass after the epoch would report).
    let end: f64 = outputs(&net).data().iter().sum();
    assert!((reported - end).abs() > 1e-3, "{reported} vs {end}");
}
