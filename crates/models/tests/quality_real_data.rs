//! Accuracy on real data under the protocol of data/README.md: 80/20 split (stratified for
//! classes) with seeds 0..4, features standardised with the training split's statistics, one
//! hidden layer of 64 ReLU units, Adam 1e-3, batch 32, 200 epochs. Each bar is the mean over
//! the five seeds and meets or beats what a plain PyTorch MLP reaches under the same protocol.

use nabla_autodiff::Tensor;
use nabla_models::data::{CsvOptions, Dataset, Targets, prepare_split};
use nabla_models::estimator::{BinaryHead, Classifier, ClassifierConfig, Regressor};

const SEEDS: [u64; 5] = [0, 1, 2, 3, 4];

fn data_path(file: &str) -> String {
    format!("{}/../../data/{file}", env!("CARGO_MANIFEST_DIR"))
}

fn classifier(seed: u64, binary_head: BinaryHead) -> Classifier<f32> {
    let mut config = ClassifierConfig {
        binary_head,
        ..ClassifierConfig::default()
    };
    config.network.fit.seed = seed;
    Classifier::new(config)
}

fn mean_test_accuracy(file: &str, target: &str, binary_head: BinaryHead) -> f64 {
    let data = Dataset::from_csv(data_path(file), &CsvOptions::labels(target)).unwrap();
    let accs: Vec<f64> = SEEDS
        .iter()
        .map(|&seed| {
            let (train, test) = prepare_split(&data, 0.2, seed).unwrap();
            let mut model = classifier(seed, binary_head);
            model.fit(train.features(), train.targets()).unwrap();
            model
                .evaluate(test.features(), test.targets())
                .unwrap()
                .accuracy
        })
        .collect();
    let mean = accs.iter().sum::<f64>() / accs.len() as f64;
    eprintln!("{file}: test accuracy per seed {accs:?}, mean {mean:.4}");
    mean
}

#[test]
fn iris_reaches_the_pytorch_bar() {
    assert!(mean_test_accuracy("iris.csv", "species", BinaryHead::Sigmoid) >= 0.94);
}

#[test]
fn wine_reaches_the_pytorch_bar() {
    assert!(mean_test_accuracy("wine.csv", "cultivar", BinaryHead::Sigmoid) >= 0.98);
}

#[test]
fn digits_reach_the_pytorch_bar() {
    assert!(mean_test_accuracy("digits.csv", "digit", BinaryHead::Sigmoid) >= 0.97);
}

#[test]
fn breast_cancer_sigmoid_and_softmax_heads_agree_and_reach_the_bar() {
    let sigmoid = mean_test_accuracy("breast_cancer.csv", "malignant", BinaryHead::Sigmoid);
    let softmax = mean_test_accuracy("breast_cancer.csv", "malignant", BinaryHead::Softmax);
    assert!(sigmoid >= 0.955, "sigmoid head {sigmoid}");
    assert!(softmax >= 0.955, "softmax head {softmax}");
    assert!(
        (sigmoid - softmax).abs() <= 0.01,
        "heads differ: {sigmoid} vs {softmax}"
    );
}

#[test]
fn diabetes_regression_beats_the_unscaled_target_bar() {
    let data = Dataset::from_csv(
        data_path("diabetes.csv"),
        &CsvOptions::continuous(&["progression"]),
    )
    .unwrap();
    let r2s: Vec<f64> = SEEDS
        .iter()
        .map(|&seed| {
            let (train, test) = prepare_split(&data, 0.2, seed).unwrap();
            let mut model = Regressor::<f32>::default();
            model.config.network.fit.seed = seed;
            model.fit(train.features(), train.targets()).unwrap();
            model.evaluate(test.features(), test.targets()).unwrap().r2
        })
        .collect();
    let mean = r2s.iter().sum::<f64>() / r2s.len() as f64;
    eprintln!("diabetes: test R^2 per seed {r2s:?}, mean {mean:.4}");
    assert!(mean >= 0.40, "mean R^2 {mean}");
}

/// Four labels per digit image: even, greater than 4, prime, zero.
fn digit_labels(digits: &[usize]) -> Targets {
    let rules: [fn(usize) -> bool; 4] = [
        |d| d % 2 == 0,
        |d| d > 4,
        |d| matches!(d, 2 | 3 | 5 | 7),
        |d| d == 0,
    ];
    let values = Tensor::from_fn(&[digits.len(), 4], |i| {
        f64::from(u8::from(rules[i % 4](digits[i / 4])))
    });
    Targets::multi_hot(values, &["even", "greater_than_4", "prime", "zero"]).unwrap()
}

#[test]
fn multi_label_digits_reach_097_on_every_label() {
    let data = Dataset::from_csv(data_path("digits.csv"), &CsvOptions::labels("digit")).unwrap();
    let digits = data.targets().class_indices().unwrap();
    let multi = Dataset::new(
        data.features().clone(),
        data.feature_names(),
        digit_labels(&digits),
        &["even", "greater_than_4", "prime", "zero"],
    )
    .unwrap();
    let mut per_label = [0.0; 4];
    for &seed in &SEEDS {
        let (train, test) = prepare_split(&multi, 0.2, seed).unwrap();
        let mut model = classifier(seed, BinaryHead::Sigmoid);
        model.fit(train.features(), train.targets()).unwrap();
        let eval = model.evaluate(test.features(), test.targets()).unwrap();
        for (acc, sum) in eval.per_label_accuracy.iter().zip(per_label.iter_mut()) {
            *sum += acc / SEEDS.len() as f64;
        }
    }
    eprintln!("multi-label digits: mean accuracy per label {per_label:?}");
    for (name, acc) in ["even", "greater_than_4", "prime", "zero"]
        .iter()
        .zip(per_label)
    {
        assert!(acc >= 0.97, "label {name}: {acc}");
    }
}
