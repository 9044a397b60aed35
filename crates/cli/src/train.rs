//! `nabla train`: split, standardise, check, train, evaluate, diagnose.

use crate::args::{BinaryHeadArg, OptimizerArg, TrainArgs};
use crate::load::load;
use crate::output::say;
use crate::report::{print_classification, print_regression, print_report};
use nabla_models::data::{Dataset, Standardizer, TargetKind, stratified_split, train_test_split};
use nabla_models::diagnose::check_dataset;
use nabla_models::estimator::{
    BinaryHead, ClassWeights, Classifier, ClassifierConfig, NetworkConfig, OptimizerKind,
    Regressor, RegressorConfig, Validation,
};
use nabla_models::train::{Callback, EarlyStopping, FitOptions, History, ProgressPrinter};
use nabla_ops::Activation;
use std::error::Error;

/// Trains on `args.file` and prints what happened.
pub fn run(args: &TrainArgs) -> Result<(), Box<dyn Error>> {
    let loaded = load(&args.data)?;
    let data = &loaded.data;
    say!(
        "{}: {} rows, {} features, target {} ({})",
        args.data.file.display(),
        data.n_rows(),
        data.n_features(),
        data.target_names().join(", "),
        match loaded.kind {
            // As asked: not the classes its values might look like.
            TargetKind::Continuous => "continuous".to_string(),
            _ => nabla_models::diagnose::infer_encoding(data.targets()).to_string(),
        }
    );
    let regression = loaded.kind == TargetKind::Continuous;
    let (train, test) = if regression {
        train_test_split(data, args.test_fraction, args.seed)?
    } else {
        stratified_split(data, args.test_fraction, args.seed)?
    };
    drop(loaded); // the splits hold copies of every row
    say!(
        "split: {} training rows, {} test rows; {}",
        train.n_rows(),
        test.n_rows(),
        if args.no_standardize {
            "features as given"
        } else {
            "features standardised on the training rows (kept with the model)"
        }
    );
    let network = network_config(args)?;
    if regression {
        train_regressor(args, network, &train, &test)
    } else {
        train_classifier(args, network, &train, &test)
    }
}

fn network_config(args: &TrainArgs) -> Result<NetworkConfig, Box<dyn Error>> {
    let activation: Activation = args.activation.parse()?;
    let lr = args.lr;
    let optimizer = match args.optimizer {
        OptimizerArg::Adam => OptimizerKind::adam(lr),
        OptimizerArg::Adamw => OptimizerKind::AdamW {
            lr,
            weight_decay: 0.01,
        },
        OptimizerArg::Sgd => OptimizerKind::sgd(lr),
        OptimizerArg::Rmsprop => OptimizerKind::RmsProp { lr },
    };
    Ok(NetworkConfig {
        hidden: args.hidden.clone(),
        activation,
        optimizer,
        fit: FitOptions {
            epochs: args.epochs,
            batch_size: args.batch_size,
            seed: args.seed,
            clip_norm: args.clip_norm,
            ..FitOptions::default()
        },
        validation: if args.early_stopping.is_some() {
            Validation::Split(0.1)
        } else {
            Validation::None
        },
        ignore_diagnostics: args.ignore_diagnostics,
        standardize: !args.no_standardize,
        ..NetworkConfig::default()
    })
}

/// The progress display and early stopping the options ask for.
fn callbacks(args: &TrainArgs) -> Vec<Box<dyn Callback>> {
    let mut list: Vec<Box<dyn Callback>> = Vec::new();
    if args.print_every > 0 {
        list.push(Box::new(ProgressPrinter::every(args.print_every)));
    }
    if let Some(patience) = args.early_stopping {
        let stop = EarlyStopping::new("val_loss").patience(patience);
        list.push(Box::new(stop.restore_best_weights(true)));
    }
    list
}

fn train_classifier(
    args: &TrainArgs,
    network: NetworkConfig,
    train: &Dataset,
    test: &Dataset,
) -> Result<(), Box<dyn Error>> {
    let config = ClassifierConfig {
        network,
        binary_head: match args.binary_head {
            BinaryHeadArg::Sigmoid => BinaryHead::Sigmoid,
            BinaryHeadArg::Softmax => BinaryHead::Softmax,
        },
        threshold: args.threshold,
        class_weights: if args.balanced {
            ClassWeights::Balanced
        } else {
            ClassWeights::None
        },
        head: None,
    };
    let mut model = Classifier::<f32>::new(config);
    let head = model.head_for(train.targets())?;
    say!("output: {head}");
    print_report(
        "before training",
        &check_dataset(&head, &as_trained(args, train)?),
    );
    for callback in callbacks(args) {
        model.add_callback(callback);
    }
    let history = model.fit_dataset(train)?;
    if let Some(net) = model.network() {
        say!("{}", net.summary(train.n_features()));
    }
    print_history_end(&history);
    print_classification("test", &model, test)?;
    let report = model.diagnose(
        &history,
        train.features(),
        train.targets(),
        Some((test.features(), test.targets())),
    )?;
    print_report("after training", &report);
    if let Some(path) = &args.save {
        model.save(path)?;
        say!("saved the model to {}", path.display());
    }
    Ok(())
}

fn train_regressor(
    args: &TrainArgs,
    network: NetworkConfig,
    train: &Dataset,
    test: &Dataset,
) -> Result<(), Box<dyn Error>> {
    let mut model = Regressor::<f32>::new(RegressorConfig {
        network,
        ..RegressorConfig::default()
    });
    let head = model.head_for(train.targets());
    say!("output: {head}");
    print_report(
        "before training",
        &check_dataset(&head, &as_trained(args, train)?),
    );
    for callback in callbacks(args) {
        model.add_callback(callback);
    }
    let history = model.fit_dataset(train)?;
    print_history_end(&history);
    print_regression("test", &model, test)?;
    let report = model.diagnose(
        &history,
        train.features(),
        train.targets(),
        Some((test.features(), test.targets())),
    )?;
    print_report("after training", &report);
    if let Some(path) = &args.save {
        model.save(path)?;
        say!("saved the model to {}", path.display());
    }
    Ok(())
}

/// The training rows as the network sees them (standardised unless `--no-standardize`), for
/// the before-training checks.
fn as_trained(args: &TrainArgs, train: &Dataset) -> Result<Dataset, Box<dyn Error>> {
    if args.no_standardize {
        return Ok(train.clone());
    }
    Ok(Standardizer::fit(train.features())?.transform_dataset(train)?)
}

fn print_history_end(history: &History) {
    if let Some(reason) = &history.stopped_early {
        say!("stopped: {reason}");
    }
    if let Some(last) = history.last() {
        say!("after {} epochs: {last}", history.epochs.len());
    }
}
