//! The part of `fit` both estimators share: checking and standardising the features, and,
//! once the estimator has put its targets in the loss's form, splitting off validation rows,
//! building the network and running the training loop.

use super::inputs::FittedInputs;
use super::streamed::{StreamSource, Streamed};
use super::{
    BodyBuilder, FitError, FitExtras, NetworkConfig, build_network, check_features,
    check_sample_weights, train_network, validation_split,
};
use crate::head::Head;
use crate::layer::Sequential;
use crate::persist::{LayerSpec, ModelKind};
use crate::train::{Callback, History, InMemory, MetricFn, RowSource, TargetData, TrainData};
use nabla_autodiff::{Float, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::borrow::Cow;

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
    /// Where the training rows are read from when they are streamed from a file (then `x`
    /// holds only the fit's sample, and `y` every training row's targets), with the inputs
    /// fitted on the sample.
    pub(crate) streamed: Option<(Streamed<'a>, &'a FittedInputs)>,
}

impl<T: Float> FitRun<'_, T> {
    /// Splits off the validation rows, builds the network and trains it.
    pub(crate) fn train(
        mut self,
        callbacks: &mut [Box<dyn Callback>],
    ) -> Result<(Sequential<T>, History), FitError> {
        // The classes of the rows are needed no longer than the split.
        let strata = self.strata.take();
        let (train_rows, val_rows) = validation_split(
            self.y.rows(),
            strata.as_deref(),
            self.config.validation,
            self.config.fit.seed,
        )?;
        drop(strata);
        if let Some((streamed, inputs)) = self.streamed {
            return self.train_streamed(streamed, inputs, train_rows, val_rows, callbacks);
        }
        let all = TrainData {
            x: self.x.cast::<T>(),
            y: std::mem::replace(&mut self.y, TargetData::Labels(Vec::new())),
            sample_weights: self
                .sample_weights
                .map(|w| w.iter().map(|&v| T::from_f64(v)).collect()),
        };
        let train = all.select(&train_rows);
        let val = self
            .validation
            .take()
            .or_else(|| val_rows.map(|v| all.select(&v)));
        self.run_on(&mut InMemory::new(&train), val.as_ref(), callbacks)
    }

    /// Builds the network and trains it on the rows `source` serves.
    fn run_on(
        self,
        source: &mut dyn RowSource<T>,
        val: Option<&TrainData<T>>,
        callbacks: &mut [Box<dyn Callback>],
    ) -> Result<(Sequential<T>, History), FitError> {
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
            source,
            val,
            self.class_weights,
            self.metrics,
            callbacks,
            self.saved_as,
        )?;
        Ok((net, history))
    }

    /// [`FitRun::train`] on rows read from a file a block at a time. Blocks hold the
    /// stream's block size in training rows, rounded up to whole batches, and the validation
    /// rows are read into memory.
    fn train_streamed(
        mut self,
        streamed: Streamed<'_>,
        inputs: &FittedInputs,
        train_rows: Vec<usize>,
        val_rows: Option<Vec<usize>>,
        callbacks: &mut [Box<dyn Callback>],
    ) -> Result<(Sequential<T>, History), FitError> {
        if self.sample_weights.is_some() {
            return Err(FitError::invalid(
                self.method,
                "sample weights are not read from a stream; fit in memory to weight rows",
            ));
        }
        let in_file = |positions: &[usize]| -> Vec<usize> {
            positions.iter().map(|&p| streamed.rows[p]).collect()
        };
        // Memory grows with the rows here: without a validation split, the training rows are
        // the stream's rows and their targets are `self.y`, neither copied.
        let (rows, targets, val) = match val_rows {
            None => (
                Cow::Borrowed(streamed.rows),
                std::mem::replace(&mut self.y, TargetData::Labels(Vec::new())),
                self.validation.take(),
            ),
            Some(v) => {
                let val = match self.validation.take() {
                    Some(given) => given,
                    None => TrainData {
                        x: streamed.features(self.method, inputs, &in_file(&v))?,
                        y: self.y.select(&v),
                        sample_weights: None,
                    },
                };
                let targets = self.y.select(&train_rows);
                (Cow::Owned(in_file(&train_rows)), targets, Some(val))
            }
        };
        drop(train_rows);
        let batch = self.config.fit.batch_size.max(1);
        let block = streamed.stream.block_rows().div_ceil(batch) * batch;
        let mut source = StreamSource::new(
            self.method,
            Streamed {
                stream: streamed.stream,
                rows: &rows,
            },
            inputs,
            targets,
            block,
        );
        self.run_on(&mut source, val.as_ref(), callbacks)
    }
}
