//! `nabla show`: what a model file holds, read from its description and weights.

use crate::args::ShowArgs;
use crate::output::say;
use nabla_autodiff::Float;
use nabla_models::layer::Sequential;
use nabla_models::persist::{InputDescription, ModelKind, Scaling, describe};
use std::error::Error;
use std::path::Path;

/// Prints the model saved at `args.model`.
pub fn run(args: &ShowArgs) -> Result<(), Box<dyn Error>> {
    let path = &args.model;
    let d = describe(path)?;
    say!(
        "{}: a nabla {} (format version {}, written by nabla {}), {} weights",
        path.display(),
        d.model.name(),
        d.format_version,
        d.nabla_version,
        d.dtype
    );
    let width = match &d.model {
        ModelKind::Network => None,
        ModelKind::Classifier(c) => Some(c.inputs.width),
        ModelKind::Regressor(r) => Some(r.inputs.width),
    };
    let summary = if d.dtype == "f64" {
        summary::<f64>(path, width)?
    } else {
        summary::<f32>(path, width)?
    };
    say!("{summary}");
    match &d.model {
        ModelKind::Network => {}
        ModelKind::Classifier(c) => {
            say!("head: {} ({:?})", c.head, c.task);
            say!("threshold: {}", c.threshold);
            say!("classes: {}", c.classes.join(", "));
            if !c.targets.is_empty() {
                say!("target columns: {}", c.targets.join(", "));
            }
            print_inputs(&c.inputs);
        }
        ModelKind::Regressor(r) => {
            say!("head: {}", r.head);
            if !r.targets.is_empty() {
                say!("target columns: {}", r.targets.join(", "));
            }
            match &r.target_standardization {
                Some(s) => say!("target standardised: {}", scaling_text(s, &r.targets)),
                None => say!("target as given"),
            }
            print_inputs(&r.inputs);
        }
    }
    Ok(())
}

/// The network's summary: its layers and parameter counts, with output shapes when the input
/// width is known.
fn summary<T: Float>(path: &Path, width: Option<usize>) -> Result<String, Box<dyn Error>> {
    let net = Sequential::<T>::load(path)?;
    Ok(match width {
        Some(w) => net.summary(w).to_string(),
        None => net
            .layers()
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{i}: {} ({} parameters)", l.name(), l.param_count()))
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

fn print_inputs(inputs: &InputDescription) {
    if inputs.features.is_empty() {
        say!("features: {} (no names saved)", inputs.width);
    } else {
        say!(
            "features ({}): {}",
            inputs.width,
            inputs.features.join(", ")
        );
    }
    if let Some(encoding) = &inputs.encoding {
        say!("columns read from a file ({}):", encoding.columns.len());
        for c in &encoding.columns {
            say!("  {:<24} {}", c.column, c.describe());
        }
        if !encoding.ignored.is_empty() {
            say!("columns ignored: {}", encoding.ignored.join(", "));
        }
    }
    match &inputs.standardization {
        Some(s) => say!(
            "features standardised: {}",
            scaling_text(s, &inputs.features)
        ),
        None => say!("features as given"),
    }
}

/// `name mean ± std` per column.
fn scaling_text(s: &Scaling, names: &[String]) -> String {
    s.mean
        .iter()
        .zip(&s.std)
        .enumerate()
        .map(|(i, (m, sd))| {
            let name = names.get(i).cloned().unwrap_or_else(|| format!("#{i}"));
            format!("{name} {m:.4} ± {sd:.4}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}
