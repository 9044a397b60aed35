//! `nabla predict`: a saved model's predictions for the rows of a CSV file, matched to the
//! model's feature columns by name, as class names (and probabilities) or target values.

use crate::args::PredictArgs;
use crate::model_file::{self, SavedModel, load};
use nabla_autodiff::{Float, Tensor};
use nabla_models::data::{FeatureEncoding, encode_columns};
use nabla_models::estimator::{Classifier, Regressor, Task};
use nabla_models::persist::write_atomically;
use std::error::Error;

/// Predicts the rows of `args.file` and writes them to `args.out` or standard output.
pub fn run(args: &PredictArgs) -> Result<(), Box<dyn Error>> {
    let table = match load(&args.model)? {
        SavedModel::Classifier32(m) => classify(&m, args)?,
        SavedModel::Classifier64(m) => classify(&m, args)?,
        SavedModel::Regressor32(m) => regress(&m, args)?,
        SavedModel::Regressor64(m) => regress(&m, args)?,
    };
    let rows = table.len() - 1;
    let text = to_csv(&table)?;
    match &args.out {
        Some(path) => {
            write_atomically(path, text.as_bytes())
                .map_err(|e| format!("{}: cannot write the predictions: {e}", path.display()))?;
            eprintln!("wrote {rows} predictions to {}", path.display());
        }
        None => crate::output::write(format_args!("{text}")),
    }
    Ok(())
}

/// The features of `args.file` as the model makes them (its target columns may be present);
/// warnings about unseen categories go to standard error.
fn features(
    args: &PredictArgs,
    encoding: Option<&FeatureEncoding>,
    features: Option<&[String]>,
    targets: Option<&[String]>,
) -> Result<Tensor<f64>, Box<dyn Error>> {
    let encoding = model_file::encoding(&args.model, encoding, features)?;
    let table = model_file::read_table(&args.file, &encoding, args.delimiter)?;
    let (x, warnings) = encode_columns(&table, &encoding, targets.unwrap_or_default())?;
    model_file::warn(&warnings);
    Ok(x)
}

/// A header row and one row per sample: the predicted class (or one 0/1 column per label),
/// then with `--proba` one probability column per class or label.
fn classify<T: Float>(
    model: &Classifier<T>,
    args: &PredictArgs,
) -> Result<Vec<Vec<String>>, Box<dyn Error>> {
    let x = features(
        args,
        model.feature_encoding(),
        model.feature_names(),
        model.target_names(),
    )?;
    let classes = model.class_names().unwrap_or_default();
    let targets = model.target_names().unwrap_or_default();
    let multi_label = matches!(model.task(), Some(Task::MultiLabel { .. }));
    let mut header: Vec<String> = if multi_label {
        classes.to_vec()
    } else {
        vec![match targets {
            [one] => one.clone(),
            _ => "class".to_string(),
        }]
    };
    let proba = model.predict_proba(&x)?;
    if args.proba {
        header.extend(classes.iter().map(|c| format!("p({c})")));
    }
    let predicted: Vec<Vec<String>> = if multi_label {
        model
            .predict_labels(&x)?
            .into_iter()
            .map(|on| {
                (0..classes.len())
                    .map(|j| u8::from(on.contains(&j)).to_string())
                    .collect()
            })
            .collect()
    } else {
        model
            .predict_names(&x)?
            .into_iter()
            .map(|name| vec![name])
            .collect()
    };
    let k = proba.shape()[1];
    let rows = predicted
        .into_iter()
        .zip(proba.data().chunks_exact(k))
        .map(|(mut row, p)| {
            if args.proba {
                row.extend(p.iter().copied().map(number));
            }
            row
        });
    Ok(std::iter::once(header).chain(rows).collect())
}

/// A header of the target columns' names and one row of predictions per sample.
fn regress<T: Float>(
    model: &Regressor<T>,
    args: &PredictArgs,
) -> Result<Vec<Vec<String>>, Box<dyn Error>> {
    let x = features(
        args,
        model.feature_encoding(),
        model.feature_names(),
        model.target_names(),
    )?;
    let predictions = model.predict(&x)?;
    let outputs = predictions.shape()[1];
    let header = match model.target_names() {
        Some(names) if names.len() == outputs => names.to_vec(),
        _ => (0..outputs).map(|j| format!("prediction_{j}")).collect(),
    };
    let rows = predictions
        .data()
        .chunks_exact(outputs)
        .map(|r| r.iter().copied().map(number).collect());
    Ok(std::iter::once(header).chain(rows).collect())
}

/// A value for the CSV file, exactly (it reads back as the same `f64`), in scientific notation
/// when small (`4.85e-8` rather than `0.0000000485`).
fn number(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-4 {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

fn to_csv(table: &[Vec<String>]) -> Result<String, Box<dyn Error>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in table {
        writer.write_record(row)?;
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}
