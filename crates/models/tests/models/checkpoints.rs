//! Checkpoints during training: `ModelCheckpoint` keeps the best model by a monitored metric,
//! and a run stopped after k epochs and resumed from its checkpoint ends with exactly the
//! weights of an uninterrupted run (weights, optimiser state, epoch, random generator and row
//! order all restored).

use nabla_autodiff::Tensor;
use nabla_models::data::{CsvOptions, Dataset};
use nabla_models::estimator::{Classifier, FitError, OptimizerKind, Validation};
use nabla_models::layer::{Dense, Dropout, Layer, Sequential};
use nabla_models::persist::describe;
use nabla_models::train::{EarlyStopping, ModelCheckpoint};
use nabla_ops::Activation;
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nabla-checkpoints-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn iris() -> Dataset {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/iris.csv");
    Dataset::from_csv(path, &CsvOptions::labels("species")).unwrap()
}

/// A classifier whose body uses dropout, so that resuming must restore the random generator
/// as well as the weights and the optimiser.
fn classifier(optimizer: OptimizerKind, epochs: usize) -> Classifier<f64> {
    let mut model = Classifier::<f64>::default().with_body(|rng| {
        Sequential::new()
            .with(Dense::new(4, 16, Activation::Relu, rng))
            .with(Dropout::new(0.3))
    });
    let network = &mut model.config.network;
    network.optimizer = optimizer;
    network.fit.epochs = epochs;
    network.fit.batch_size = 16;
    network.validation = Validation::Split(0.2);
    network.standardize = true;
    model
}

fn weights(model: &Classifier<f64>) -> Vec<(String, Vec<u64>)> {
    model
        .network()
        .unwrap()
        .state()
        .into_iter()
        .map(|(name, t)| (name, t.data().iter().map(|v| v.to_bits()).collect()))
        .collect()
}

#[test]
fn a_resumed_run_ends_with_the_weights_of_an_uninterrupted_one() {
    let data = iris();
    let optimizers = [
        ("adam", OptimizerKind::adam(0.01)),
        (
            "sgd with nesterov momentum",
            OptimizerKind::Sgd {
                lr: 0.05,
                momentum: 0.9,
                nesterov: true,
                weight_decay: 1e-4,
            },
        ),
        ("rmsprop", OptimizerKind::RmsProp { lr: 0.005 }),
    ];
    for (name, optimizer) in optimizers {
        let mut uninterrupted = classifier(optimizer, 12);
        uninterrupted.fit(data.features(), data.targets()).unwrap();

        let checkpoint = scratch(&format!("resume-{}.safetensors", name.replace(' ', "-")));
        let mut first = classifier(optimizer, 5);
        first.add_callback(ModelCheckpoint::new(&checkpoint));
        first.fit(data.features(), data.targets()).unwrap();
        let training = describe(&checkpoint).unwrap().training.unwrap();
        assert_eq!(training.epoch, 5);

        let mut resumed = classifier(optimizer, 12);
        resumed.config.network.fit.resume_from = Some(checkpoint.clone());
        let history = resumed.fit(data.features(), data.targets()).unwrap();
        assert_eq!(history.epochs.first().map(|e| e.epoch), Some(6), "{name}");
        assert_eq!(history.epochs.len(), 7, "{name}");
        assert_eq!(
            weights(&resumed),
            weights(&uninterrupted),
            "{name}: the resumed run's weights differ"
        );
        // The generator's position matters (dropout masks and shuffles come from it): the
        // same checkpoint with the generator rewound to its start resumes elsewhere.
        rewind_generator(&checkpoint);
        let mut rewound = classifier(optimizer, 12);
        rewound.config.network.fit.resume_from = Some(checkpoint);
        rewound.fit(data.features(), data.targets()).unwrap();
        assert_ne!(weights(&rewound), weights(&uninterrupted), "{name}");
    }
}

/// Sets the checkpoint's recorded generator position back to 0.
fn rewind_generator(path: &std::path::Path) {
    let bytes = std::fs::read(path).unwrap();
    let (_, metadata) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut meta = metadata.metadata().clone().unwrap();
    let key = nabla_models::persist::MODEL_KEY;
    let mut json: serde_json::Value = serde_json::from_str(&meta[key]).unwrap();
    json["training"]["rng"]["word_pos"] = serde_json::Value::String("0".into());
    meta.insert(key.to_string(), json.to_string());
    let views: Vec<_> = file.iter().map(|(n, v)| (n.to_string(), v)).collect();
    std::fs::write(path, safetensors::serialize(views, Some(meta)).unwrap()).unwrap();
}

#[test]
fn the_monitored_checkpoint_holds_the_best_epochs_model() {
    let data = iris();
    let best = scratch("best.safetensors");
    let mut model = classifier(OptimizerKind::adam(0.05), 80);
    model.add_callback(ModelCheckpoint::new(&best).monitor("val_loss"));
    model.add_callback(
        EarlyStopping::new("val_loss")
            .patience(8)
            .restore_best_weights(true),
    );
    let history = model.fit(data.features(), data.targets()).unwrap();
    let val: Vec<f64> = history.epochs.iter().map(|e| e.val_loss.unwrap()).collect();
    let best_epoch = (0..val.len())
        .min_by(|&a, &b| val[a].total_cmp(&val[b]))
        .unwrap()
        + 1;
    assert!(
        best_epoch < history.epochs.len(),
        "stopped early after the best"
    );
    assert_eq!(describe(&best).unwrap().training.unwrap().epoch, best_epoch);
    // The checkpoint is a model file: it predicts what the restored best weights predict.
    let loaded = Classifier::<f64>::load(&best).unwrap();
    let x: &Tensor<f64> = data.features();
    let (a, b) = (
        loaded.predict_proba(x).unwrap(),
        model.predict_proba(x).unwrap(),
    );
    assert_eq!(a.data(), b.data());
}

#[test]
fn resuming_from_the_wrong_file_says_why() {
    let data = iris();
    let saved = scratch("plain-model.safetensors");
    let mut model = classifier(OptimizerKind::adam(0.01), 2);
    model.fit(data.features(), data.targets()).unwrap();
    model.save(&saved).unwrap();
    let mut resumed = classifier(OptimizerKind::adam(0.01), 4);
    resumed.config.network.fit.resume_from = Some(saved);
    let err = resumed.fit(data.features(), data.targets()).unwrap_err();
    assert!(matches!(err, FitError::Checkpoint(_)), "{err}");
    assert!(err.to_string().contains("not a checkpoint"), "{err}");

    let checkpoint = scratch("other-network.safetensors");
    let mut first = classifier(OptimizerKind::adam(0.01), 2);
    first.add_callback(ModelCheckpoint::new(&checkpoint));
    first.fit(data.features(), data.targets()).unwrap();
    let mut other = Classifier::<f64>::default();
    other.config.network.hidden = vec![8];
    other.config.network.fit.resume_from = Some(checkpoint);
    let err = other.fit(data.features(), data.targets()).unwrap_err();
    assert!(
        err.to_string()
            .contains("the checkpoint's network is not the one this fit builds"),
        "{err}"
    );
}
