//! `nabla train`: split, standardise, check, train, evaluate, diagnose.

use crate::args::{BinaryHeadArg, Kind, OptimizerArg, TrainArgs};
use crate::load::load;
use nabla_models::data::{Dataset, Standardizer, stratified_split, train_test_split};
use nabla_models::diagnose::{Report, check_dataset};
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
    println!(
        "{}: {} rows, {} features, target {} ({})",
        args.data.file.display(),
        data.n_rows(),
        data.n_features(),
        data.target_names().join(", "),
        nabla_models::diagnose::infer_encoding(data.targets())
    );
    let regression = loaded.kind == Kind::Continuous;
    let (train, test) = if regression {
        train_test_split(data, args.test_fraction, args.seed)?
    } else {
        stratified_split(data, args.test_fraction, args.seed)?
    };
    let (train, test) = if args.no_standardize {
        println!(
            "split: {} training rows, {} test rows; features as given",
            train.n_rows(),
            test.n_rows()
        );
        (train, test)
    } else {
        let scaler = Standardizer::fit(train.features())?;
        println!(
            "split: {} training rows, {} test rows; features standardised on the training rows",
            train.n_rows(),
            test.n_rows()
        );
        (
            scaler.transform_dataset(&train)?,
            scaler.transform_dataset(&test)?,
        )
    };
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
            ..FitOptions::default()
        },
        validation: if args.early_stopping.is_some() {
            Validation::Split(0.1)
        } else {
            Validation::None
        },
        ignore_diagnostics: args.ignore_diagnostics,
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
    println!("output: {head}");
    print_report("before training", &check_dataset(&head, train));
    for callback in callbacks(args) {
        model.add_callback(callback);
    }
    let history = model.fit(train.features(), train.targets())?;
    if let Some(net) = model.network() {
        println!("{}", net.summary(train.n_features()));
    }
    print_history_end(&history);
    let eval = model.evaluate(test.features(), test.targets())?;
    println!("test accuracy {:.4}", eval.accuracy);
    if eval.log_loss.is_finite() {
        println!("test log loss {:.4}", eval.log_loss);
    }
    if let Some(auc) = eval.roc_auc {
        println!("test ROC AUC {auc:.4}");
    }
    if let Some(confusion) = &eval.confusion {
        println!("{confusion}");
    }
    let names = model.class_names().unwrap_or_default();
    for (name, acc) in names.iter().zip(&eval.per_label_accuracy) {
        println!("  label {name:<20} accuracy {acc:.4}");
    }
    let report = model.diagnose(
        &history,
        train.features(),
        train.targets(),
        Some((test.features(), test.targets())),
    )?;
    print_report("after training", &report);
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
    println!("output: {head}");
    print_report("before training", &check_dataset(&head, train));
    for callback in callbacks(args) {
        model.add_callback(callback);
    }
    let history = model.fit(train.features(), train.targets())?;
    print_history_end(&history);
    let eval = model.evaluate(test.features(), test.targets())?;
    println!(
        "test R^2 {:.4}, RMSE {:.4}, MAE {:.4}, median absolute error {:.4} (target units)",
        eval.r2, eval.rmse, eval.mae, eval.median_absolute_error
    );
    print_report(
        "after training",
        &model.diagnose(&history, train.features())?,
    );
    Ok(())
}

fn print_history_end(history: &History) {
    if let Some(reason) = &history.stopped_early {
        println!("stopped: {reason}");
    }
    if let Some(last) = history.last() {
        println!("after {} epochs: {last}", history.epochs.len());
    }
}

fn print_report(when: &str, report: &Report) {
    if report.is_empty() {
        println!("diagnoses {when}: none");
    } else {
        println!("diagnoses {when}:\n{report}");
    }
}
