//! The command line: subcommands and their options.

use clap::{Args, Parser, Subcommand, ValueEnum};
use nabla_models::data::{CsvOptions, ReadOptions, TargetKind};
use std::path::PathBuf;

/// Train and diagnose neural networks on CSV data. The output layer and loss follow the
/// target; problems with the configuration or the training run are explained with the fix.
#[derive(Debug, Parser)]
#[command(name = "nabla", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model on a CSV file, evaluate it on held-out rows and diagnose the run.
    Train(Box<TrainArgs>),
    /// Describe a CSV file's target, recommend the output layer and loss, and check the data.
    Inspect(DataArgs),
    /// Predict the target of each row of a CSV file with a saved model.
    Predict(PredictArgs),
    /// Evaluate a saved model on a labelled CSV file: metrics and diagnoses.
    Evaluate(EvaluateArgs),
    /// Describe a saved model: its layers, head, classes, features and metadata.
    Show(ShowArgs),
}

/// Options of `nabla predict`.
#[derive(Debug, Clone, Args)]
pub struct PredictArgs {
    /// The model file (written by `nabla train --save`).
    pub model: PathBuf,
    /// The CSV file of new rows: a header naming the model's feature columns (any order; the
    /// target column may be there or not), then one row per sample.
    pub file: PathBuf,
    /// Write the predictions to this CSV file (atomically) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write each class's (or label's) probability.
    #[arg(long)]
    pub proba: bool,
    /// The field delimiter: `,` `;` `tab` `|` or another single character (detected from the
    /// first lines when not given).
    #[arg(long, value_parser = delimiter)]
    pub delimiter: Option<u8>,
}

/// Options of `nabla evaluate`.
#[derive(Debug, Clone, Args)]
pub struct EvaluateArgs {
    /// The model file (written by `nabla train --save`).
    pub model: PathBuf,
    /// A labelled CSV file: the model's feature columns and its target column(s).
    pub file: PathBuf,
    /// The field delimiter: `,` `;` `tab` `|` or another single character (detected from the
    /// first lines when not given).
    #[arg(long, value_parser = delimiter)]
    pub delimiter: Option<u8>,
    /// What to print on standard output: `text` for people, or `json`, one object with the
    /// metrics, the diagnoses (with their codes) and the run's summary, for scripts.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Write a report to this folder (created if needed): the pictures as SVG files and one
    /// self-contained index.html (metrics, diagnoses, pictures, configuration, data summary)
    /// to open in a browser.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
}

/// Options of `nabla show`.
#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    /// The model file.
    pub model: PathBuf,
}

/// Which file and which target columns.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// The CSV file (header row, then one row per sample).
    pub file: PathBuf,
    /// Target column; repeat for one-hot, multi-hot or multi-output targets.
    #[arg(short, long = "target", required = true)]
    pub targets: Vec<String>,
    /// How the target columns encode the target: continuous (real values), labels (one
    /// column of class labels, text or integers), one-hot (one 0/1 column per class, a single
    /// 1 per row), multi-hot (one 0/1 column per label), or auto to read it from the values.
    #[arg(long, default_value = "auto", value_parser = parse_kind)]
    pub kind: std::option::Option<TargetKind>,
    /// The field delimiter: `,` `;` `tab` `|` or another single character (detected from the
    /// first lines when not given).
    #[arg(long, value_parser = delimiter)]
    pub delimiter: Option<u8>,
    /// More texts that mark a missing value, comma-separated (besides the empty field, NA,
    /// N/A, NaN, nan, null, NULL, None and ?).
    #[arg(long, value_delimiter = ',')]
    pub na_values: Vec<String>,
    /// Columns that are not features, comma-separated or repeated.
    #[arg(long, value_delimiter = ',')]
    pub drop: Vec<String>,
    /// Only these columns are features, comma-separated (none is then left out as constant or
    /// identifier-like).
    #[arg(long, value_delimiter = ',')]
    pub features: Option<Vec<String>>,
    /// Add a 0/1 feature per column with missing values, 1 where a value was imputed.
    #[arg(long)]
    pub missing_indicators: bool,
}

impl DataArgs {
    /// How to read the file: the delimiter, and the missing-value markers with `--na-values`.
    pub fn read_options(&self) -> ReadOptions {
        let mut options = ReadOptions {
            delimiter: self.delimiter,
            ..ReadOptions::default()
        };
        options
            .missing_values
            .extend(self.na_values.iter().cloned());
        options
    }

    /// The loading options for targets of `kind`, with the column choices of the flags.
    pub fn csv_options(&self, kind: TargetKind) -> CsvOptions {
        let read = self.read_options();
        let mut options = CsvOptions::new(kind, &self.targets)
            .with_missing_values(&read.missing_values)
            .with_drop(&self.drop)
            .with_missing_indicators(self.missing_indicators);
        if let Some(d) = self.delimiter {
            options = options.with_delimiter(d);
        }
        if let Some(f) = &self.features {
            options = options.with_features(f);
        }
        options
    }
}

/// A field delimiter: one character, or `tab`.
fn delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        t if t.len() == 1 && t.is_ascii() && t != "\"" && t != "\n" && t != "\r" => {
            Ok(t.as_bytes()[0])
        }
        _ => Err(format!(
            "{text:?} is not a delimiter; give one character such as , ; | or the word tab"
        )),
    }
}

/// A count that must be at least 1 (epochs, rows per step, units, patience).
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("it must be at least 1".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "{text:?} is not a whole number; give one of at least 1"
        )),
    }
}

/// A finite number greater than 0 (the learning rate).
fn positive_number(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        Ok(v) => Err(format!("{v} is not a finite number greater than 0")),
        Err(_) => Err(format!("{text:?} is not a number")),
    }
}

/// A number strictly between 0 and 1 (the test share, the decision threshold).
fn fraction(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v < 1.0 => Ok(v),
        Ok(v) => Err(format!("{v} is not strictly between 0 and 1")),
        Err(_) => Err(format!("{text:?} is not a number")),
    }
}

/// `auto` (none: read the encoding from the values) or a [`TargetKind`] by name.
fn parse_kind(text: &str) -> Result<Option<TargetKind>, String> {
    match text.trim() {
        "auto" => Ok(None),
        name => name.parse().map(Some),
    }
}

/// Options of `nabla train`.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// The data.
    #[command(flatten)]
    pub data: DataArgs,
    /// Units of each hidden layer, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "64", value_parser = at_least_one)]
    pub hidden: Vec<usize>,
    /// Activation of the hidden layers (relu, tanh, gelu, leaky_relu(0.01), ...).
    #[arg(long, default_value = "relu")]
    pub activation: String,
    /// The optimiser.
    #[arg(long, value_enum, default_value_t = OptimizerArg::Adam)]
    pub optimizer: OptimizerArg,
    /// Learning rate.
    #[arg(long, default_value_t = 1e-3, value_parser = positive_number)]
    pub lr: f64,
    /// Passes over the training rows.
    #[arg(long, default_value_t = 200, value_parser = at_least_one)]
    pub epochs: usize,
    /// Rows per step.
    #[arg(long, default_value_t = 32, value_parser = at_least_one)]
    pub batch_size: usize,
    /// Seed of the split, the initial weights and the shuffling.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Share of rows held out for testing (stratified for classes).
    #[arg(long, default_value_t = 0.2, value_parser = fraction)]
    pub test_fraction: f64,
    /// Train on the features as they are, without standardising them.
    #[arg(long)]
    pub no_standardize: bool,
    /// Weight the loss so that each class carries the same total weight.
    #[arg(long)]
    pub balanced: bool,
    /// Output for binary targets: one sigmoid unit, or two softmax units.
    #[arg(long, value_enum, default_value_t = BinaryHeadArg::Sigmoid)]
    pub binary_head: BinaryHeadArg,
    /// Probability above which a binary class or a label is predicted.
    #[arg(long, default_value_t = 0.5, value_parser = fraction)]
    pub threshold: f64,
    /// Stop when the validation loss has not improved for this many epochs (holds out 10% of
    /// the training rows for validation) and keep the best weights.
    #[arg(long, value_parser = at_least_one)]
    pub early_stopping: Option<usize>,
    /// Keep a line of every this many epochs in the progress display (0: no progress display,
    /// as --quiet).
    #[arg(long, default_value_t = 1)]
    pub print_every: usize,
    /// Show no progress while training (the results are still printed).
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Show more progress: when standard error is not a terminal (no bar is drawn), also a
    /// line every 2 seconds within each epoch, with the steps done and the running loss.
    #[arg(short, long)]
    pub verbose: bool,
    /// Scale each step's gradients down so that their global norm is at most this.
    #[arg(long, value_parser = positive_number)]
    pub clip_norm: Option<f64>,
    /// Train even when the configuration check finds an error.
    #[arg(long)]
    pub ignore_diagnostics: bool,
    /// Read the file this many lines at a time instead of all at once, for files larger than
    /// memory: the encoding, the standardisation and the checks are fitted on the first
    /// block, each epoch reads the file again and shuffles rows within blocks, and the targets
    /// and test rows are kept in memory. With a block that holds the whole file, training is
    /// exactly as without this flag.
    #[arg(long, value_name = "LINES", value_parser = at_least_one)]
    pub stream: Option<usize>,
    /// Write each epoch's loss, metrics, learning rate and gradient norms to this file, as CSV
    /// or JSON by its extension (written atomically).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Write the trained model's loss on the first 4 training rows as a teaching graph (each
    /// node's value and gradient, each edge's local derivative and what it sends back): plain
    /// text for .txt, Graphviz DOT for .dot, a picture for .svg (needs Graphviz's `dot`), or
    /// for .html a page to open in a browser that replays forward and backward step by step.
    #[arg(long, value_name = "FILE")]
    pub graph: Option<PathBuf>,
    /// Save the trained model to this file (safetensors, written atomically), for `nabla
    /// predict`, `nabla evaluate` and `nabla show`.
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// What to print on standard output: `text` for people, or `json`, one object with the
    /// metrics, the diagnoses (with their codes) and the run's summary, for scripts.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Write a report to this folder (created if needed): the pictures as SVG files and one
    /// self-contained index.html (metrics, diagnoses, pictures, configuration, data summary)
    /// to open in a browser.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
}

/// What `train` and `evaluate` print on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Lines for people.
    Text,
    /// One JSON object, for scripts.
    Json,
}

/// Optimisers by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OptimizerArg {
    /// Adam.
    Adam,
    /// AdamW (decoupled weight decay 0.01).
    Adamw,
    /// Plain stochastic gradient descent.
    Sgd,
    /// RMSprop.
    Rmsprop,
}

/// Binary head styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BinaryHeadArg {
    /// One sigmoid unit and binary cross-entropy.
    Sigmoid,
    /// Two softmax units and categorical cross-entropy.
    Softmax,
}
