//! `nabla inspect`: the data's shape, the target's encoding and classes, the recommended
//! output layer and loss, and what the before-training checks say about the data.

use crate::args::DataArgs;
use crate::load::load;
use crate::output::say;
use nabla_models::diagnose::{check_dataset, infer_encoding, recommend_head};
use std::error::Error;

/// Prints the inspection of `args.file`.
pub fn run(args: &DataArgs) -> Result<(), Box<dyn Error>> {
    let loaded = load(args)?;
    let data = &loaded.data;
    say!(
        "{}: {} rows, {} features, target {}",
        args.file.display(),
        data.n_rows(),
        data.n_features(),
        data.target_names().join(", ")
    );
    let encoding = infer_encoding(data.targets());
    say!("target encoding: {encoding}");
    if let (Some(names), Some(counts)) =
        (data.targets().class_names(), data.targets().class_counts())
    {
        let n = data.n_rows() as f64;
        for (name, count) in names.iter().zip(counts) {
            say!(
                "  {name:<20} {count:>7} rows  {:>5.1}%",
                100.0 * count as f64 / n
            );
        }
    }
    let head = recommend_head(encoding);
    say!("recommended output: {head}");
    let report = check_dataset(&head, data);
    if report.is_empty() {
        say!("checks: nothing to report");
    } else {
        say!("checks:\n{report}");
    }
    Ok(())
}
