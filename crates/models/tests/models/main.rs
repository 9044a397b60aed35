//! Integration tests of nabla-models: data, estimators, training, diagnostics, model files.
//!
//! One test binary for the whole crate: each file below was its own binary, and linking
//! and optimising the crate's code once instead of once per file keeps `.ci/run` short.

mod architecture_layers;
mod bad_settings;
mod checkpoints;
mod custom_body;
mod data_bundled;
mod data_errors;
mod data_prepare;
mod diagnose_collapse;
mod diagnose_configuration;
mod diagnose_training;
mod heads;
mod metrics_reference;
mod persist;
mod plot;
mod predictor;
mod quality_real_data;
mod streaming;
mod training;
