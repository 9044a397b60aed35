//! The part of `fit` both estimators share: checking and standardising the features, and,
//! once the estimator has put its targets in the loss's form, splitting off validation rows,
//! building the network and running the training loop.

use super::inputs::FittedInputs;
use super::{
    BodyBuilder, FitError, FitExtras, NetworkConfig, build_network, check_features,
    check_sample_weights, train_network, validation_split,
};
use crate::head::Head;
use crate::layer::Sequential;
use crate::persist::{LayerSpec, ModelKind};
use crate::train::{Callback, History, MetricFn, TargetData, TrainData};
use nabla_autodiff::{Float, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// The features of a fit, checked against `target_rows` and prepared as the network reads
/// them, with what was learned about them. They are standardised when the configuration asks,
/// unless `body` starts by looking up token ids (see [`reads_token_ids`]).
pub(crate) fn prepare_inputs<T: Float>(
    method: &'static str,
    x: &Tensor<f64>,
    target_rows: usize,
    extras: &FitExtras<'_>,
    config: &NetworkConfig,
    body: Option<&BodyBuilder<T>>,
) -> Result<(FittedInputs, Tensor<f64>), FitError> {
    config.check(method)?;
    check_features(method, x, None)?;
    check_sample_weights(method, extras.sample_weights, x.shape()[0])?;
    if target_rows != x.shape()[0] {
        return Err(FitError::invalid(
            method,
            format!(
                "features have {} rows but targets have {target_rows}; pass one target row per \
                 feature row",
                x.shape()[0]
            ),
        ));
    }
    let standardize = config.standardize && !reads_token_ids(body);
    let inputs = FittedInputs::fit(
        method,
        x,
        extras.feature_names,
        extras.feature_encoding,
        standardize,
    )?;
    let prepared = inputs.prepare(method, x)?.into_owned();
    if let Some(i) = prepared
        .data()
        .iter()
        .position(|&v| !T::from_f64(v).is_finite())
    {
        let cols = x.shape()[1];
        return Err(FitError::invalid(
            method,
            format!(
                "the feature at row {}, column {} is {}, beyond the range of the model's {} \
                 weights; standardise the features (NetworkConfig::standardize, the default) or \
                 fit a model in f64",
                i / cols,
                i % cols,
                super::readable(prepared.data()[i]),
                std::any::type_name::<T>()
            ),
        ));
    }
    Ok((inputs, prepared))
}

/// Whether the body's first layer is an [`Embedding`](crate::layer::Embedding), which reads
/// the features as token ids: standardising them would turn them into fractions no vocabulary
/// holds, so a fit leaves such features as they are whatever `NetworkConfig::standardize`
/// says.
pub(crate) fn reads_token_ids<T: Float>(body: Option<&BodyBuilder<T>>) -> bool {
    body.is_some_and(|build| {
        let first = build(&mut StdRng::seed_from_u64(0))
            .layers()
            .first()
            .and_then(|layer| layer.spec());
        matches!(first, Some(LayerSpec::Embedding { .. }))
    })
}

/// What a fit trains, once the estimator has chosen the head and encoded the targets.
pub(crate) struct FitRun<'a, T: Float> {
    pub(crate) method: &'static str,
    pub(crate) config: &'a NetworkConfig,
    pub(crate) body: Option<&'a BodyBuilder<T>>,
    pub(crate) head: Head,
    /// The prepared features and the targets in the loss's form.
    pub(crate) x: &'a Tensor<f64>,
    pub(crate) y: TargetData<T>,
    /// Class of each row, for a stratified validation split.
    pub(crate) strata: Option<Vec<usize>>,
    pub(crate) sample_weights: Option<&'a [f64]>,
    /// Validation data given apart from the training rows (else a split of them, if the
    /// configuration asks for one).
    pub(crate) validation: Option<TrainData<T>>,
    pub(crate) class_weights: Option<Vec<T>>,
    pub(crate) metrics: MetricFn<'a, T>,
    /// What checkpoints describe the model as.
    pub(crate) saved_as: ModelKind,
}

impl<T: Float> FitRun<'_, T> {
    /// Splits off the validation rows, builds the network and trains it.
    pub(crate) fn train(
        self,
        callbacks: &mut [Box<dyn Callback>],
    ) -> Result<(Sequential<T>, History), FitError> {
        let rows = self.x.shape()[0];
        let (train_rows, val_rows) = validation_split(
            rows,
            self.strata.as_deref(),
            self.config.validation,
            self.config.fit.seed,
        )?;
        let all = TrainData {
            x: self.x.cast::<T>(),
            y: self.y,
            sample_weights: self
                .sample_weights
                .map(|w| w.iter().map(|&v| T::from_f64(v)).collect()),
        };
        let train = all.select(&train_rows);
        let val = self.validation.or_else(|| val_rows.map(|v| all.select(&v)));
        let mut net = build_network::<T>(
            self.method,
            self.config,
            self.body,
            self.x.shape()[1],
            &self.head,
        )?;
        let history = train_network(
            self.method,
            &mut net,
            self.head,
            self.config,
            &train,
            val.as_ref(),
            self.class_weights,
            self.metrics,
            callbacks,
            self.saved_as,
        )?;
        Ok((net, history))
    }
}
