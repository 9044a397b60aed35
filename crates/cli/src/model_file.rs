//! Loading a saved model for `predict`, `evaluate` and `show`, whatever its kind and element
//! type.

use nabla_models::data::{FeatureEncoding, ReadOptions, Table};
use nabla_models::estimator::{Classifier, Regressor};
use nabla_models::persist::{ModelKind, describe};
use std::error::Error;
use std::path::Path;

/// A saved classifier or regressor, in the element type it was saved in.
pub enum SavedModel {
    /// A classifier with `f32` weights (what `nabla train` writes).
    Classifier32(Classifier<f32>),
    /// A classifier with `f64` weights.
    Classifier64(Classifier<f64>),
    /// A regressor with `f32` weights (what `nabla train` writes).
    Regressor32(Regressor<f32>),
    /// A regressor with `f64` weights.
    Regressor64(Regressor<f64>),
}

/// Loads the model saved at `path`.
pub fn load(path: &Path) -> Result<SavedModel, Box<dyn Error>> {
    let description = describe(path)?;
    let f64 = description.dtype == "f64";
    Ok(match description.model {
        ModelKind::Classifier(_) if f64 => SavedModel::Classifier64(Classifier::load(path)?),
        ModelKind::Classifier(_) => SavedModel::Classifier32(Classifier::load(path)?),
        ModelKind::Regressor(_) if f64 => SavedModel::Regressor64(Regressor::load(path)?),
        ModelKind::Regressor(_) => SavedModel::Regressor32(Regressor::load(path)?),
        ModelKind::Network => {
            return Err(format!(
                "{}: the file holds a bare network (saved with Sequential::save), which has no \
                 head, classes or feature names to predict with; save a Classifier or \
                 Regressor instead (or `nabla train --save`)",
                path.display()
            )
            .into());
        }
    })
}

/// How a saved model makes its features from a file's columns: the encoding it was fitted
/// with (text one-hot, missing values imputed), or its feature columns by name, as numbers.
pub fn encoding(
    path: &Path,
    encoding: Option<&FeatureEncoding>,
    features: Option<&[String]>,
) -> Result<FeatureEncoding, Box<dyn Error>> {
    if let Some(e) = encoding {
        return Ok(e.clone());
    }
    let features = features.unwrap_or_default();
    if features.is_empty() {
        return Err(format!(
            "{}: the model was saved without feature names (fitted on a bare matrix), so the \
             columns of a CSV file cannot be matched to it; fit it with \
             FitExtras::feature_names (or train it with `nabla train --save`)",
            path.display()
        )
        .into());
    }
    Ok(FeatureEncoding::numbers(features))
}

/// Reads `file` as the model's `encoding` reads files (its missing-value markers; the
/// delimiter given or detected).
pub fn read_table(
    file: &Path,
    encoding: &FeatureEncoding,
    delimiter: Option<u8>,
) -> Result<Table, Box<dyn Error>> {
    let options = ReadOptions {
        delimiter,
        ..encoding.read_options()
    };
    Ok(Table::from_csv(file, &options)?)
}

/// Prints the encoding's warnings about new rows (categories not seen in training) to
/// standard error.
pub fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}
