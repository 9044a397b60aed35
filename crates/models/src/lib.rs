//! Layers, heads, regressors, classifiers, optimisers, training, metrics, data utilities and
//! diagnostics built on [`nabla_ops`].

pub mod data;
pub mod diagnose;
pub mod estimator;
pub mod head;
pub mod layer;
pub mod metrics;
pub mod optim;
mod param;
pub mod persist;
pub mod plot;
pub mod train;

pub use estimator::{Classifier, Regressor};
pub use param::Param;
