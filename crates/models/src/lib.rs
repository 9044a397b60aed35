//! Layers, heads, regressors, classifiers, optimisers, training, metrics, data utilities and
//! diagnostics built on [`nabla_ops`].

pub mod data;
pub mod metrics;
