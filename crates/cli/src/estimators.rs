//! What `nabla train` needs of a model, for the classifier and the regressor alike, so that
//! one training procedure serves both.

use crate::html::{self, Figure};
use crate::outcome::Outcome;
use crate::report::{print_classification, print_regression};
use nabla_autodiff::Tensor;
use nabla_autodiff::dump::GraphDump;
use nabla_models::data::{CsvStream, Dataset, Targets};
use nabla_models::diagnose::Report;
use nabla_models::estimator::{Classifier, FitError, Regressor};
use nabla_models::head::Head;
use nabla_models::layer::Sequential;
use nabla_models::persist::ModelFileError;
use nabla_models::train::{Callback, History};
use std::error::Error;
use std::path::Path;

/// A model `nabla train` fits, evaluates, diagnoses and saves.
pub trait Estimator {
    /// The output layer and loss a fit on `targets` trains.
    fn head_for(&self, targets: &Targets) -> Result<Head, FitError>;
    /// Adds a callback to the next fit.
    fn add_callback(&mut self, callback: Box<dyn Callback>);
    /// Fits on rows in memory.
    fn fit_dataset(&mut self, data: &Dataset) -> Result<History, FitError>;
    /// Fits on rows `rows` of `stream`.
    fn fit_stream(&mut self, stream: &CsvStream, rows: &[usize]) -> Result<History, FitError>;
    /// The fitted network.
    fn network(&self) -> Option<&Sequential<f32>>;
    /// The graph of the loss on rows `x` with targets `y`.
    fn loss_graph(&self, x: &Tensor<f64>, y: &Targets) -> Result<GraphDump<f32>, FitError>;
    /// Prints the metrics on `data` (labelled `set`), records them in `outcome`, and returns
    /// the pictures of the predictions when `pictures` is set.
    fn evaluate(
        &self,
        set: &str,
        data: &Dataset,
        outcome: &mut Outcome,
        pictures: bool,
    ) -> Result<Vec<Figure>, Box<dyn Error>>;
    /// The diagnoses after training.
    fn diagnose(
        &self,
        history: &History,
        train: &Dataset,
        held_out: &Dataset,
    ) -> Result<Report, FitError>;
    /// Saves the model to `path`.
    fn save(&self, path: &Path) -> Result<(), ModelFileError>;
}

/// Implements [`Estimator`] for `$model<f32>`: the methods both estimators have by the same
/// name, and the `$specific` ones written out.
macro_rules! estimator {
    ($model:ident; $($specific:item)*) => {
        impl Estimator for $model<f32> {
            fn add_callback(&mut self, callback: Box<dyn Callback>) {
                $model::add_callback(self, callback);
            }

            fn fit_dataset(&mut self, data: &Dataset) -> Result<History, FitError> {
                $model::fit_dataset(self, data)
            }

            fn fit_stream(
                &mut self,
                stream: &CsvStream,
                rows: &[usize],
            ) -> Result<History, FitError> {
                $model::fit_stream(self, stream, rows)
            }

            fn network(&self) -> Option<&Sequential<f32>> {
                $model::network(self)
            }

            fn loss_graph(
                &self,
                x: &Tensor<f64>,
                y: &Targets,
            ) -> Result<GraphDump<f32>, FitError> {
                $model::loss_graph(self, x, y)
            }

            fn diagnose(
                &self,
                history: &History,
                train: &Dataset,
                held_out: &Dataset,
            ) -> Result<Report, FitError> {
                $model::diagnose(
                    self,
                    history,
                    train.features(),
                    train.targets(),
                    Some((held_out.features(), held_out.targets())),
                )
            }

            fn save(&self, path: &Path) -> Result<(), ModelFileError> {
                $model::save(self, path)
            }

            $($specific)*
        }
    };
}

estimator! {
    Classifier;
    fn head_for(&self, targets: &Targets) -> Result<Head, FitError> {
        Classifier::head_for(self, targets)
    }

    fn evaluate(
        &self,
        set: &str,
        data: &Dataset,
        outcome: &mut Outcome,
        pictures: bool,
    ) -> Result<Vec<Figure>, Box<dyn Error>> {
        let eval = print_classification(set, self, data)?;
        outcome.add_classification(&eval, self.class_names().unwrap_or_default());
        if !pictures {
            return Ok(Vec::new());
        }
        html::classification_figures(self, data, &eval)
    }
}

estimator! {
    Regressor;
    fn head_for(&self, targets: &Targets) -> Result<Head, FitError> {
        Ok(Regressor::head_for(self, targets))
    }

    fn evaluate(
        &self,
        set: &str,
        data: &Dataset,
        outcome: &mut Outcome,
        pictures: bool,
    ) -> Result<Vec<Figure>, Box<dyn Error>> {
        outcome.add_regression(&print_regression(set, self, data)?);
        if !pictures {
            return Ok(Vec::new());
        }
        html::regression_figures(self, data)
    }
}
