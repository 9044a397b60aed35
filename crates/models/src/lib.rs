//! Layers, heads, regressors, classifiers, optimisers, training, metrics, data utilities and
//! diagnostics built on [`nabla_ops`].

pub mod optim;
mod param;

pub use param::Param;
pub mod layer;
pub mod head;
pub mod train;
pub mod estimator;

pub use estimator::{Classifier, Regressor};
