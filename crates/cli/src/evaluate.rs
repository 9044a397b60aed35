//! `nabla evaluate`: a saved model on a labelled CSV file, with the metrics and diagnoses
//! `nabla train` prints for its test rows. Columns and classes are matched by name.

use crate::args::{DataArgs, EvaluateArgs, OutputFormat};
use crate::html;
use crate::inspect;
use crate::model_file::{self, SavedModel, load};
use crate::outcome::{DataSummary, Outcome};
use crate::output::{self, say};
use crate::report::{print_classification, print_regression, print_report};
use nabla_autodiff::Float;
use nabla_models::data::{CsvOptions, Dataset, FeatureEncoding};
use nabla_models::estimator::{Classifier, Regressor, Task};
use nabla_models::train::History;
use std::error::Error;

/// Evaluates the model of `args.model` on `args.file` and prints what it finds.
pub fn run(args: &EvaluateArgs) -> Result<(), Box<dyn Error>> {
    if args.format == OutputFormat::Json {
        output::keep_stdout_for_json();
    }
    if let Some(dir) = &args.report {
        html::check_folder(dir)?;
    }
    let mut outcome = Outcome {
        command: "evaluate",
        evaluated_on: "evaluation",
        ..Outcome::default()
    };
    outcome
        .settings
        .insert("model", args.model.display().to_string());
    match load(&args.model)? {
        SavedModel::Classifier32(m) => classifier(&m, args, &mut outcome),
        SavedModel::Classifier64(m) => classifier(&m, args, &mut outcome),
        SavedModel::Regressor32(m) => regressor(&m, args, &mut outcome),
        SavedModel::Regressor64(m) => regressor(&m, args, &mut outcome),
    }?;
    if let Some(dir) = &args.report {
        let data = DataArgs {
            file: args.file.clone(),
            targets: outcome.data.target.clone(),
            kind: None,
            delimiter: args.delimiter,
            na_values: Vec::new(),
            drop: Vec::new(),
            features: None,
            missing_indicators: false,
        };
        // The summary describes the file; a file it cannot describe still gets its report.
        let inspect = inspect::summary(&data).ok();
        let index = html::write(dir, &outcome, inspect.as_deref(), &outcome.figures)?;
        say!("wrote the report to {}", index.display());
    }
    if args.format == OutputFormat::Json {
        output::write(format_args!("{}\n", outcome.to_json()));
    }
    Ok(())
}

/// The labelled rows of `args.file`: the targets as `options` reads them, the features in the
/// model's order.
fn labelled(
    args: &EvaluateArgs,
    encoding: Option<&FeatureEncoding>,
    features: Option<&[String]>,
    targets: Option<&[String]>,
    options: impl Fn(&[String]) -> CsvOptions,
    outcome: &mut Outcome,
) -> Result<Dataset, Box<dyn Error>> {
    let encoding = model_file::encoding(&args.model, encoding, features)?;
    let targets = targets.unwrap_or_default();
    if targets.is_empty() {
        return Err(format!(
            "{}: the model was saved without its target column names, so the labels in {} \
             cannot be found; fit it with FitExtras::target_names (or train it with `nabla \
             train --save`)",
            args.model.display(),
            args.file.display()
        )
        .into());
    }
    let table = model_file::read_table(&args.file, &encoding, args.delimiter)?;
    let data = Dataset::from_table_encoded(table, &options(targets), &encoding)?;
    for notice in data.notices() {
        eprintln!("note: {notice}");
    }
    say!(
        "{}: {} rows, {} features, target {}",
        args.file.display(),
        data.n_rows(),
        data.n_features(),
        targets.join(", ")
    );
    outcome.data = DataSummary {
        file: args.file.display().to_string(),
        rows: data.n_rows(),
        features: data.n_features(),
        target: targets.to_vec(),
        encoding: nabla_models::diagnose::infer_encoding(data.targets()).to_string(),
    };
    Ok(data)
}

fn classifier<T: Float>(
    model: &Classifier<T>,
    args: &EvaluateArgs,
    outcome: &mut Outcome,
) -> Result<(), Box<dyn Error>> {
    let multi_label = matches!(model.task(), Some(Task::MultiLabel { .. }));
    let data = labelled(
        args,
        model.feature_encoding(),
        model.feature_names(),
        model.target_names(),
        |targets| match targets {
            _ if multi_label => CsvOptions::multi_hot(targets),
            [one] => CsvOptions::labels(one),
            _ => CsvOptions::one_hot(targets),
        },
        outcome,
    )?;
    if let Some(head) = model.head() {
        say!("model: {head}");
        outcome.output = Some(head.to_string());
    }
    let eval = print_classification("evaluation", model, &data)?;
    outcome.add_classification(&eval, model.class_names().unwrap_or_default());
    if args.report.is_some() {
        outcome.figures = html::classification_figures(model, &data, &eval)?;
    }
    let report = model.diagnose(
        &History::default(),
        data.features(),
        data.targets(),
        Some((data.features(), data.targets())),
    )?;
    print_report("on these rows", &report);
    outcome.add_diagnoses("on these rows", &report);
    Ok(())
}

fn regressor<T: Float>(
    model: &Regressor<T>,
    args: &EvaluateArgs,
    outcome: &mut Outcome,
) -> Result<(), Box<dyn Error>> {
    let data = labelled(
        args,
        model.feature_encoding(),
        model.feature_names(),
        model.target_names(),
        CsvOptions::continuous,
        outcome,
    )?;
    outcome.add_regression(&print_regression("evaluation", model, &data)?);
    if args.report.is_some() {
        outcome.figures = html::regression_figures(model, &data)?;
    }
    let report = model.diagnose(
        &History::default(),
        data.features(),
        data.targets(),
        Some((data.features(), data.targets())),
    )?;
    print_report("on these rows", &report);
    outcome.add_diagnoses("on these rows", &report);
    Ok(())
}
