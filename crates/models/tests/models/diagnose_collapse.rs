//! "All my predictions are the same class", as a real run: breast_cancer cut down to 5%
//! malignant, unscaled, SGD at learning rate 1. A PyTorch MLP under exactly this protocol
//! predicts benign for every test row on all five split seeds (accuracy 0.947, malignant
//! recall 0). nabla must diagnose the collapse and accuracy at the majority baseline, name
//! unscaled features, imbalance and the learning rate among the causes, and its suggested fix
//! must end the collapse with malignant recall of at least 0.8 (mean over the seeds; PyTorch
//! with pos_weight reaches 0.83).

use nabla_models::data::{CsvOptions, Dataset, Standardizer, stratified_split};
use nabla_models::diagnose::{Report, Severity};
use nabla_models::estimator::{ClassWeights, Classifier, ClassifierConfig, OptimizerKind};
use nabla_models::train::History;
use nabla_ops::Init;

const SEEDS: [u64; 5] = [0, 1, 2, 3, 4];
const MALIGNANT: usize = 1;

/// The class names are the CSV's values: "0" benign, "1" malignant.
/// Every benign row and the first 19 malignant rows, in file order (376 rows, 5% malignant).
fn five_percent_malignant() -> Dataset {
    let path = format!(
        "{}/../../data/breast_cancer.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let data = Dataset::from_csv(path, &CsvOptions::labels("malignant")).unwrap();
    let classes = data.targets().class_indices().unwrap();
    let mut malignant_kept = 0;
    let rows: Vec<usize> = (0..data.n_rows())
        .filter(|&r| {
            if classes[r] == MALIGNANT {
                malignant_kept += 1;
                malignant_kept <= 19
            } else {
                true
            }
        })
        .collect();
    let cut = data.select(&rows).unwrap();
    assert_eq!(cut.targets().class_counts(), Some(vec![357, 19]));
    cut
}

struct Run {
    report: Report,
    recall: f64,
    accuracy: f64,
}

fn run(train: &Dataset, test: &Dataset, config: ClassifierConfig) -> Run {
    let mut model = Classifier::<f32>::new(config);
    let history: History = model.fit(train.features(), train.targets()).unwrap();
    let report = model
        .diagnose(
            &history,
            train.features(),
            train.targets(),
            Some((test.features(), test.targets())),
        )
        .unwrap();
    let eval = model.evaluate(test.features(), test.targets()).unwrap();
    let confusion = eval.confusion.unwrap();
    Run {
        report,
        recall: confusion.recall(MALIGNANT),
        accuracy: eval.accuracy,
    }
}

fn collapsing_config(seed: u64) -> ClassifierConfig {
    let mut config = ClassifierConfig::default();
    config.network.standardize = false;
    config.network.hidden = vec![64];
    config.network.init = Some(Init::TorchDefault);
    config.network.optimizer = OptimizerKind::sgd(1.0);
    config.network.fit.epochs = 50;
    config.network.fit.batch_size = 32;
    config.network.fit.seed = seed;
    config
}

/// What the collapse diagnosis suggests: standardise, weight the classes, Adam 1e-3 for 200
/// epochs.
fn fixed_config(seed: u64) -> ClassifierConfig {
    let mut config = collapsing_config(seed);
    config.class_weights = ClassWeights::Balanced;
    config.network.optimizer = OptimizerKind::adam(1e-3);
    config.network.fit.epochs = 200;
    config
}

#[test]
fn collapse_is_diagnosed_with_its_causes_and_the_suggested_fix_ends_it() {
    let data = five_percent_malignant();
    let mut fixed_recalls = Vec::new();
    for seed in SEEDS {
        let (train, test) = stratified_split(&data, 0.3, seed).unwrap();
        assert_eq!(test.targets().class_counts(), Some(vec![107, 6]));

        // Before training: hints only (scales, imbalance), so fit goes ahead.
        let before = Classifier::<f32>::new(collapsing_config(seed))
            .check(train.features(), train.targets())
            .unwrap();
        assert!(before.contains("feature-scales") && before.contains("class-imbalance"));
        assert_eq!(before.at_least(Severity::Warning).count(), 0, "{before}");
        if seed == 0 {
            println!("seed 0, before training:\n{before}");
        }

        let broken = run(&train, &test, collapsing_config(seed));
        if seed == 0 {
            println!("seed 0, as configured:\n{}", broken.report);
        }
        assert_eq!(broken.recall, 0.0, "seed {seed}");
        assert!(
            (broken.accuracy - 107.0 / 113.0).abs() < 1e-12,
            "seed {seed}"
        );
        let collapse = broken
            .report
            .get("collapsed-predictions")
            .unwrap_or_else(|| panic!("seed {seed}: no collapse found in\n{}", broken.report));
        assert_eq!(collapse.severity, Severity::Error);
        assert_eq!(collapse.evidence("share predicted 0"), Some(1.0));
        let causes = collapse.cause_codes();
        for cause in ["feature-scales", "class-imbalance", "learning-rate"] {
            assert!(causes.contains(&cause), "seed {seed}: {causes:?}");
        }
        let imbalance =
            &collapse.causes[causes.iter().position(|&c| c == "class-imbalance").unwrap()];
        assert!((imbalance.evidence("share of 1").unwrap() - 13.0 / 263.0).abs() < 1e-12);
        for step in [
            "Standardizer",
            "ClassWeights::Balanced",
            "adam(1e-3)",
            "200 epochs",
        ] {
            assert!(
                collapse.fix.contains(step),
                "seed {seed}: {step} not in {}",
                collapse.fix
            );
        }
        // Accuracy is exactly the benign share: at the majority baseline, not just near it.
        let baseline = broken
            .report
            .get("below-majority-baseline")
            .expect("below the majority baseline");
        assert_eq!(baseline.evidence("recall of 1"), Some(0.0));
        assert_eq!(baseline.evidence("majority share"), Some(107.0 / 113.0));
        assert!(!broken.report.contains("accuracy-paradox"));

        // The suggested fix, with the scaler fitted on the training split.
        let scaler = Standardizer::fit(train.features()).unwrap();
        let (train, test) = (
            scaler.transform_dataset(&train).unwrap(),
            scaler.transform_dataset(&test).unwrap(),
        );
        let fixed = run(&train, &test, fixed_config(seed));
        if seed == 0 {
            println!("seed 0, fixed:\n{}", fixed.report);
        }
        assert_eq!(
            fixed.report.at_least(Severity::Warning).count(),
            0,
            "seed {seed}: the fix must end the collapse and the paradox:\n{}",
            fixed.report
        );
        fixed_recalls.push(fixed.recall);
    }
    let mean = fixed_recalls.iter().sum::<f64>() / fixed_recalls.len() as f64;
    println!("malignant recall after the fix, per seed {fixed_recalls:?}, mean {mean:.3}");
    assert!(mean >= 0.8, "mean malignant recall {mean}");
}
