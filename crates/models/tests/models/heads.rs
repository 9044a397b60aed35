//! The output layer and loss follow the target, and class names survive to predictions.

use nabla_autodiff::Tensor;
use nabla_models::data::Targets;
use nabla_models::estimator::{BinaryHead, Classifier, ClassifierConfig, Task};
use nabla_models::head::{Head, Loss};
use nabla_ops::Activation;

fn labels(indices: Vec<usize>, names: &[&str]) -> Targets {
    Targets::labels(indices, names).unwrap()
}

fn head_for(config: ClassifierConfig, y: &Targets) -> Head {
    Classifier::<f32>::new(config).head_for(y).unwrap()
}

#[test]
fn the_rules_pick_each_head() {
    let binary = labels(vec![0, 1, 1], &["benign", "malignant"]);
    let head = head_for(ClassifierConfig::default(), &binary);
    assert_eq!(
        (head.units, head.activation, head.loss),
        (1, Activation::Sigmoid, Loss::BCE)
    );
    assert_eq!(head.to_string(), "1 sigmoid unit + binary cross-entropy");

    let softmax = ClassifierConfig {
        binary_head: BinaryHead::Softmax,
        ..Default::default()
    };
    let head = head_for(softmax, &binary);
    assert_eq!(
        (head.units, head.activation, head.loss),
        (2, Activation::Softmax, Loss::CCE)
    );

    let species = labels(vec![0, 2, 1], &["setosa", "versicolor", "virginica"]);
    let head = head_for(ClassifierConfig::default(), &species);
    assert_eq!(
        (head.units, head.activation, head.loss),
        (3, Activation::Softmax, Loss::SPARSE_CCE)
    );

    let one_hot = Targets::one_hot(
        Tensor::from_vec(vec![0., 1., 0., 1., 0., 0.], &[2, 3]),
        &["a", "b", "c"],
    )
    .unwrap();
    let head = head_for(ClassifierConfig::default(), &one_hot);
    assert_eq!(
        (head.units, head.activation, head.loss),
        (3, Activation::Softmax, Loss::CCE)
    );

    let gases = Targets::multi_hot(
        Tensor::from_vec(vec![1., 0., 1., 0., 1., 0.], &[2, 3]),
        &["He", "Ne", "Xe"],
    )
    .unwrap();
    let head = head_for(ClassifierConfig::default(), &gases);
    assert_eq!(
        (head.units, head.activation, head.loss),
        (3, Activation::Sigmoid, Loss::BCE)
    );
    assert_eq!(
        Classifier::<f32>::task_for(&gases).unwrap(),
        Task::MultiLabel { labels: 3 }
    );

    let regression = Head::regression(2);
    assert_eq!(
        regression.to_string(),
        "2 linear units + mean squared error"
    );
    let continuous = Targets::continuous(Tensor::zeros(&[3, 1])).unwrap();
    assert!(
        Classifier::<f32>::task_for(&continuous)
            .unwrap_err()
            .to_string()
            .contains("use a Regressor")
    );
}

#[test]
fn a_linear_output_with_a_logits_loss_predicts_probabilities() {
    let head = Head {
        units: 1,
        activation: Activation::Identity,
        loss: Loss::BinaryCrossEntropy { from_logits: true },
    };
    assert_eq!(head.prediction_activation(), Activation::Sigmoid);
    let head = Head {
        units: 3,
        activation: Activation::Identity,
        loss: Loss::SparseCategoricalCrossEntropy { from_logits: true },
    };
    assert_eq!(head.prediction_activation(), Activation::Softmax);
    assert_eq!(
        Head::regression(1).prediction_activation(),
        Activation::Identity
    );
}

/// Rows whose noble gases are a function of three binary features, repeated for training.
fn gases(rows: usize) -> (Tensor<f64>, Targets) {
    let x = Tensor::from_fn(&[rows, 3], |i| {
        f64::from(u8::from((i / 3 + i % 3) % 2 == 0 || (i / 3) % 5 == i % 3))
    });
    let y = Tensor::from_fn(&[rows, 3], |i| x.data()[i]);
    (x, Targets::multi_hot(y, &["He", "Ne", "Xe"]).unwrap())
}

#[test]
fn predictions_read_as_class_and_label_names() {
    // Multi-class: the class is the index of the one hot feature.
    let x = Tensor::from_fn(&[60, 3], |i| f64::from(u8::from((i / 3) % 3 == i % 3)));
    let y = labels((0..60).map(|r| r % 3).collect(), &["Ar", "Kr", "Rn"]);
    let mut model = Classifier::<f32>::default();
    model.config.network.fit.epochs = 60;
    model.fit(&x, &y).unwrap();
    let probe = Tensor::from_vec(vec![0., 1., 0., 0., 0., 1.], &[2, 3]);
    assert_eq!(model.predict_names(&probe).unwrap(), ["Kr", "Rn"]);

    // Multi-label: each gas is present when its feature is on.
    let (x, y) = gases(90);
    let mut model = Classifier::<f32>::default();
    model.config.network.fit.epochs = 100;
    model.fit(&x, &y).unwrap();
    let probe = Tensor::from_vec(vec![1., 0., 1., 0., 1., 0.], &[2, 3]);
    let names = model.predict_label_names(&probe).unwrap();
    assert_eq!(names, [vec!["He", "Xe"], vec!["Ne"]]);
    let proba = model.predict_proba(&probe).unwrap();
    assert_eq!(proba.shape(), &[2, 3], "one probability per label");
    // The threshold is a setting: at the highest probability no label is predicted (the rule is
    // "above the threshold"), just below it exactly one.
    let highest = proba.max();
    model.config.threshold = highest;
    assert!(
        model
            .predict_labels(&probe)
            .unwrap()
            .iter()
            .all(Vec::is_empty)
    );
    model.config.threshold = highest - 1e-9;
    assert_eq!(
        model
            .predict_labels(&probe)
            .unwrap()
            .iter()
            .map(Vec::len)
            .sum::<usize>(),
        1
    );
}
