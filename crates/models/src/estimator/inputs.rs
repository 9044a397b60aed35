//! [`FittedInputs`]: what a fitted estimator knows about the columns it reads, their names
//! and their standardisation, and the checks every prediction makes on new rows.

use super::{FitError, check_features};
use crate::data::{FeatureEncoding, Standardizer};
use crate::persist::{InputDescription, Scaling};
use nabla_autodiff::Tensor;
use std::borrow::Cow;

/// The columns a fitted estimator reads: how many, their names (if fit was given them) and
/// the standardisation fitted on the training rows (if the configuration asked for one).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FittedInputs {
    pub(crate) width: usize,
    pub(crate) names: Vec<String>,
    pub(crate) scale: Option<Standardizer>,
    pub(crate) encoding: Option<FeatureEncoding>,
}

impl FittedInputs {
    /// Learns the inputs from the training features `x`.
    pub(crate) fn fit(
        method: &'static str,
        x: &Tensor<f64>,
        names: Option<&[String]>,
        encoding: Option<&FeatureEncoding>,
        standardize: bool,
    ) -> Result<Self, FitError> {
        let width = x.shape()[1];
        let names = match names {
            Some(n) if n.len() != width => {
                return Err(FitError::invalid(
                    method,
                    format!(
                        "{} feature names were given for {width} feature columns; give one \
                         name per column (FitExtras::feature_names)",
                        n.len()
                    ),
                ));
            }
            Some(n) => n.to_vec(),
            None => Vec::new(),
        };
        if let Some(e) = encoding {
            let encoded = e.feature_names();
            if e.width() != width || (!names.is_empty() && names != encoded) {
                return Err(FitError::invalid(
                    method,
                    format!(
                        "the feature encoding makes the features {encoded:?} but the fit was \
                         given {width} feature columns named {names:?}; pass the encoding of \
                         these features (FitExtras::feature_encoding), or none"
                    ),
                ));
            }
        }
        let scale = if standardize {
            Some(Standardizer::fit(x)?)
        } else {
            None
        };
        Ok(FittedInputs {
            width,
            names,
            scale,
            encoding: encoding.cloned(),
        })
    }

    /// `x` checked (its width, finite values) and standardised as the training rows were: what
    /// the network reads (`x` itself, uncopied, when there is no standardisation).
    pub(crate) fn prepare<'x>(
        &self,
        method: &'static str,
        x: &'x Tensor<f64>,
    ) -> Result<Cow<'x, Tensor<f64>>, FitError> {
        check_features(method, x, Some(self.width))?;
        Ok(match &self.scale {
            Some(s) => Cow::Owned(s.transform(x)?),
            None => Cow::Borrowed(x),
        })
    }

    /// The inputs as a model file describes them.
    pub(crate) fn describe(&self) -> InputDescription {
        InputDescription {
            features: self.names.clone(),
            width: self.width,
            standardization: self.scale.as_ref().map(scaling_of),
            encoding: self.encoding.clone(),
        }
    }

    /// The inputs a model file describes, checked.
    pub(crate) fn from_description(d: &InputDescription) -> Result<Self, String> {
        if d.width == 0 {
            return Err("the inputs have width 0".to_string());
        }
        if !d.features.is_empty() && d.features.len() != d.width {
            return Err(format!(
                "{} feature names for {} features",
                d.features.len(),
                d.width
            ));
        }
        let scale = d
            .standardization
            .as_ref()
            .map(|s| standardizer_of(s, d.width))
            .transpose()?;
        if let Some(e) = &d.encoding {
            if e.width() != d.width || (!d.features.is_empty() && d.features != e.feature_names()) {
                return Err(format!(
                    "the feature encoding makes {} features named {:?}, but the inputs are {} \
                     features named {:?}",
                    e.width(),
                    e.feature_names(),
                    d.width,
                    d.features
                ));
            }
        }
        Ok(FittedInputs {
            width: d.width,
            names: d.features.clone(),
            scale,
            encoding: d.encoding.clone(),
        })
    }
}

/// A standardiser as a model file stores it.
pub(crate) fn scaling_of(s: &Standardizer) -> Scaling {
    Scaling {
        mean: s.means().to_vec(),
        std: s.stds().to_vec(),
    }
}

/// The standardiser a model file stores for `width` columns, checked.
pub(crate) fn standardizer_of(s: &Scaling, width: usize) -> Result<Standardizer, String> {
    if s.mean.len() != width || s.std.len() != width {
        return Err(format!(
            "the standardisation has {} means and {} deviations for {width} columns",
            s.mean.len(),
            s.std.len()
        ));
    }
    Standardizer::from_parts(s.mean.clone(), s.std.clone()).map_err(|e| e.to_string())
}
