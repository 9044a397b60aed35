//! Loading a saved model for `predict`, `evaluate` and `show`, whatever its kind and element
//! type.

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

/// The column names a model was saved with.
pub struct Columns<'m> {
    /// The feature columns, in the model's order.
    pub features: &'m [String],
    /// The target columns (possibly none).
    pub targets: &'m [String],
}

/// The feature and target column names a model was saved with, or an error saying the model
/// cannot find columns by name.
pub fn columns<'m>(
    path: &Path,
    features: Option<&'m [String]>,
    targets: Option<&'m [String]>,
) -> Result<Columns<'m>, Box<dyn Error>> {
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
    Ok(Columns {
        features,
        targets: targets.unwrap_or_default(),
    })
}
