//! `nabla train`: split, standardise, check, train, evaluate, diagnose.

use crate::args::{BinaryHeadArg, OptimizerArg, OutputFormat, TrainArgs};
use crate::estimators::Estimator;
use crate::graph::{self, GRAPH_ROWS};
use crate::html;
use crate::inspect;
use crate::load::{infer_kind, load, read_table_checks};
use crate::outcome::{DataSummary, Outcome, Split, Training};
use crate::output::{self, say};
use crate::report::print_report;
use nabla_autodiff::dump::GraphDump;
use nabla_autodiff::{Float, Tensor};
use nabla_models::data::{
    CsvStream, DataError, Dataset, Standardizer, Table, TargetKind, Targets, split_indices,
    stratified_split, stratified_split_indices, train_test_split,
};
use nabla_models::diagnose::check_dataset;
use nabla_models::estimator::FitError;
use nabla_models::estimator::{
    BinaryHead, ClassWeights, Classifier, ClassifierConfig, NetworkConfig, OptimizerKind,
    Regressor, RegressorConfig, Validation,
};
use nabla_models::train::{
    Callback, EarlyStopping, FitOptions, History, HistoryFormat, ProgressBar,
};
use nabla_ops::Activation;
use std::collections::BTreeMap;
use std::error::Error;
use std::path::Path;
use std::time::Duration;

/// Trains on `args.file` and prints what happened.
pub fn run(args: &TrainArgs) -> Result<(), Box<dyn Error>> {
    if let Some(path) = &args.history
        && HistoryFormat::of(path).is_none()
    {
        return Err(format!(
            "--history {} names neither a .csv nor a .json file; give a path ending in .csv \
             or .json (the format is chosen by the extension)",
            path.display()
        )
        .into());
    }
    check_folder("--history", args.history.as_deref())?;
    check_folder("--graph", args.graph.as_deref())?;
    if let Some(path) = &args.graph {
        graph::format_of(path)?;
    }
    if let Some(dir) = &args.report {
        html::check_folder(dir)?;
    }
    if args.format == OutputFormat::Json {
        output::keep_stdout_for_json();
    }
    let mut outcome = Outcome {
        command: "train",
        settings: settings(args),
        evaluated_on: "test",
        ..Outcome::default()
    };
    if let Some(lines) = args.stream {
        run_streamed(args, lines, &mut outcome)?;
    } else {
        run_in_memory(args, &mut outcome)?;
    }
    if let Some(dir) = &args.report {
        // The data summary reads the whole file, which a streamed run avoids.
        let inspect = match args.stream {
            None => Some(inspect::summary(&args.data)?),
            Some(_) => None,
        };
        let index = html::write(dir, &outcome, inspect.as_deref(), &outcome.figures)?;
        say!("wrote the report to {}", index.display());
    }
    if args.format == OutputFormat::Json {
        output::write(format_args!("{}\n", outcome.to_json()));
    }
    Ok(())
}

/// [`run`] with the whole file in memory.
fn run_in_memory(args: &TrainArgs, outcome: &mut Outcome) -> Result<(), Box<dyn Error>> {
    let loaded = load(&args.data)?;
    let data = &loaded.data;
    outcome.data = print_data(
        args,
        data.n_rows(),
        data.n_features(),
        data.targets(),
        loaded.kind,
    );
    let regression = loaded.kind == TargetKind::Continuous;
    let (train, test) = if regression {
        train_test_split(data, args.test_fraction, args.seed)?
    } else {
        stratified_split(data, args.test_fraction, args.seed)?
    };
    drop(loaded); // the splits hold copies of every row
    outcome.split = Some(print_split(args, train.n_rows(), test.n_rows()));
    let network = network_config(args)?;
    let rows = TrainingRows::InMemory(&train);
    if regression {
        train_model(args, regressor(network), rows, &test, outcome)
    } else {
        train_model(args, classifier(args, network), rows, &test, outcome)
    }
}

/// [`run`] reading the file `lines` lines at a time: the split is the one [`run`] makes
/// (from the targets, which the stream keeps), the test rows are read into memory, and the
/// training rows are streamed.
fn run_streamed(
    args: &TrainArgs,
    lines: usize,
    outcome: &mut Outcome,
) -> Result<(), Box<dyn Error>> {
    let data = &args.data;
    read_table_checks(data)?;
    let kind = match data.kind {
        Some(kind) => kind,
        None => infer_kind(
            &Table::from_csv_head(&data.file, &data.read_options(), lines)?,
            &data.targets,
        )?,
    };
    let mut stream = CsvStream::open(&data.file, &data.csv_options(kind), lines).map_err(|e| {
        let fitted_on_block = matches!(e, DataError::Empty { .. } | DataError::NotNumeric { .. });
        if fitted_on_block {
            format!(
                "{e}\nwith --stream {lines}, the columns are read from the first {lines} lines; \
                 give --stream more lines"
            )
        } else {
            e.to_string()
        }
    })?;
    for notice in stream.notices() {
        say!("note: {notice}");
    }
    outcome.data = print_data(
        args,
        stream.n_rows(),
        stream.n_features(),
        stream.targets(),
        kind,
    );
    let regression = kind == TargetKind::Continuous;
    let (train, test) = if regression {
        split_indices(stream.n_rows(), args.test_fraction, args.seed)?
    } else {
        stratified_split_indices(&stream.targets().strata()?, args.test_fraction, args.seed)?
    };
    stream.refit_fills(&train)?;
    outcome.split = Some(print_split(args, train.len(), test.len()));
    say!(
        "streaming the training rows from the file in blocks of {lines} lines; the encoding \
         and the standardisation are fitted on the first block"
    );
    let test = stream.select(&test)?;
    let first_block = train.partition_point(|&r| r < stream.sample_features().shape()[0]);
    let sample = stream.select(&train[..first_block])?;
    let rows = TrainingRows::Streamed {
        stream: &stream,
        rows: &train,
        sample: &sample,
    };
    let network = network_config(args)?;
    if regression {
        train_model(args, regressor(network), rows, &test, outcome)
    } else {
        train_model(args, classifier(args, network), rows, &test, outcome)
    }
}

/// The options that shape a run, as the command line spells them.
fn settings(args: &TrainArgs) -> BTreeMap<&'static str, String> {
    let hidden: Vec<String> = args.hidden.iter().map(|h| h.to_string()).collect();
    let mut settings = BTreeMap::from([
        ("hidden", hidden.join(",")),
        ("activation", args.activation.clone()),
        ("optimizer", format!("{:?}", args.optimizer).to_lowercase()),
        ("lr", args.lr.to_string()),
        ("epochs", args.epochs.to_string()),
        ("batch-size", args.batch_size.to_string()),
        ("seed", args.seed.to_string()),
        ("test-fraction", args.test_fraction.to_string()),
        ("no-standardize", args.no_standardize.to_string()),
        ("balanced", args.balanced.to_string()),
        (
            "binary-head",
            format!("{:?}", args.binary_head).to_lowercase(),
        ),
        ("threshold", args.threshold.to_string()),
    ]);
    let optional = [
        ("early-stopping", args.early_stopping.map(|p| p.to_string())),
        ("clip-norm", args.clip_norm.map(|c| c.to_string())),
        ("stream", args.stream.map(|l| l.to_string())),
    ];
    settings.extend(optional.into_iter().filter_map(|(k, v)| Some((k, v?))));
    settings
}

fn print_data(
    args: &TrainArgs,
    rows: usize,
    features: usize,
    targets: &Targets,
    kind: TargetKind,
) -> DataSummary {
    let encoding = match kind {
        // As asked: not the classes its values might look like.
        TargetKind::Continuous => "continuous".to_string(),
        _ => nabla_models::diagnose::infer_encoding(targets).to_string(),
    };
    say!(
        "{}: {rows} rows, {features} features, target {} ({encoding})",
        args.data.file.display(),
        args.data.targets.join(", "),
    );
    DataSummary {
        file: args.data.file.display().to_string(),
        rows,
        features,
        target: args.data.targets.clone(),
        encoding,
    }
}

fn print_split(args: &TrainArgs, train: usize, test: usize) -> Split {
    say!(
        "split: {train} training rows, {test} test rows; {}",
        if args.no_standardize {
            "features as given"
        } else {
            "features standardised on the training rows (kept with the model)"
        }
    );
    Split {
        train_rows: train,
        test_rows: test,
    }
}

/// The rows a model trains on.
enum TrainingRows<'a> {
    /// Every training row, in memory.
    InMemory(&'a Dataset),
    /// Rows `rows` of a stream, read from the file block by block; `sample` holds those of
    /// its first block (what the checks before and after training look at).
    Streamed {
        stream: &'a CsvStream,
        rows: &'a [usize],
        sample: &'a Dataset,
    },
}

impl TrainingRows<'_> {
    /// The training rows in memory: all of them, or the streamed ones of the first block.
    fn in_memory(&self) -> &Dataset {
        match self {
            TrainingRows::InMemory(data) => data,
            TrainingRows::Streamed { sample, .. } => sample,
        }
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
    if args.print_every > 0 && !args.quiet {
        let mut progress = ProgressBar::new().every(args.print_every);
        if args.verbose {
            progress = progress.step_lines(Duration::from_secs(2));
        }
        list.push(Box::new(progress));
    }
    if let Some(patience) = args.early_stopping {
        let stop = EarlyStopping::new("val_loss").patience(patience);
        list.push(Box::new(stop.restore_best_weights(true)));
    }
    list
}

/// The classifier the options ask for.
fn classifier(args: &TrainArgs, network: NetworkConfig) -> Classifier<f32> {
    Classifier::new(ClassifierConfig {
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
    })
}

/// The regressor the options ask for.
fn regressor(network: NetworkConfig) -> Regressor<f32> {
    Regressor::new(RegressorConfig {
        network,
        ..RegressorConfig::default()
    })
}

/// Checks, trains, evaluates on `test`, diagnoses and saves `model`, printing each step and
/// recording it in `outcome`.
fn train_model(
    args: &TrainArgs,
    mut model: impl Estimator,
    rows: TrainingRows<'_>,
    test: &Dataset,
    outcome: &mut Outcome,
) -> Result<(), Box<dyn Error>> {
    let train = rows.in_memory();
    // The head depends on the targets' classes, which every selection of rows keeps.
    let head = model.head_for(train.targets())?;
    say!("output: {head}");
    outcome.output = Some(head.to_string());
    let before = check_dataset(&head, &as_trained(args, train)?);
    print_report("before training", &before);
    outcome.add_diagnoses("before training", &before);
    for callback in callbacks(args) {
        model.add_callback(callback);
    }
    let history = match &rows {
        TrainingRows::InMemory(data) => model.fit_dataset(data)?,
        TrainingRows::Streamed { stream, rows, .. } => model.fit_stream(stream, rows)?,
    };
    if let Some(net) = model.network() {
        say!("{}", net.summary(train.n_features()));
    }
    print_history_end(&history);
    outcome.training = Some(Training::of(&history));
    write_history(args, &history)?;
    write_graph(args, train, |x, y| model.loss_graph(x, y))?;
    let pictures = model.evaluate("test", test, outcome, args.report.is_some())?;
    if args.report.is_some() {
        outcome.figures.push(html::history_figure(&history));
        outcome.figures.extend(pictures);
    }
    let report = model.diagnose(&history, train, test)?;
    print_report("after training", &report);
    outcome.add_diagnoses("after training", &report);
    if let Some(path) = &args.save {
        model.save(path)?;
        say!("saved the model to {}", path.display());
        outcome.saved_model = Some(path.display().to_string());
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

/// Refuses an output file of `flag` whose folder does not exist, before any work is done.
fn check_folder(flag: &str, path: Option<&Path>) -> Result<(), String> {
    match path.and_then(Path::parent) {
        Some(folder) if !folder.as_os_str().is_empty() && !folder.is_dir() => Err(format!(
            "{flag}: the folder {} does not exist; create it, or give a path in a folder that \
             exists",
            folder.display()
        )),
        _ => Ok(()),
    }
}

/// Writes the graph of the trained model's loss on the first training rows where `--graph`
/// says, if it does; `loss_graph` is the estimator's.
fn write_graph<T: Float>(
    args: &TrainArgs,
    train: &Dataset,
    loss_graph: impl FnOnce(&Tensor<f64>, &Targets) -> Result<GraphDump<T>, FitError>,
) -> Result<(), Box<dyn Error>> {
    let Some(path) = &args.graph else {
        return Ok(());
    };
    let rows: Vec<usize> = (0..train.n_rows().min(GRAPH_ROWS)).collect();
    let first = train.select(&rows)?;
    let dump = loss_graph(first.features(), first.targets())?;
    graph::write(path, graph::format_of(path)?, &dump)?;
    say!(
        "wrote the graph of the loss on the first {} training rows to {}",
        rows.len(),
        path.display()
    );
    Ok(())
}

/// Writes the history where `--history` says, if it does.
fn write_history(args: &TrainArgs, history: &History) -> Result<(), Box<dyn Error>> {
    if let Some(path) = &args.history {
        history.write(path).map_err(|e| {
            format!(
                "--history {}: the history could not be written ({e}); give a path in a \
                 folder that exists and can be written",
                path.display()
            )
        })?;
        say!(
            "wrote the history of {} epochs to {}",
            history.epochs.len(),
            path.display()
        );
    }
    Ok(())
}

fn print_history_end(history: &History) {
    if let Some(reason) = &history.stopped_early {
        say!("stopped: {reason}");
    }
    if let Some(last) = history.last() {
        say!("after {} epochs: {last}", history.epochs.len());
    }
}
