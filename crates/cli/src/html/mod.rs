//! `--report DIR` of `nabla train` and `nabla evaluate`: the run's pictures as SVG files and
//! one self-contained `index.html` with the metrics, the diagnoses, the pictures, the
//! configuration and the data summary.

mod figures;
mod page;

pub use figures::{Figure, classification_figures, history_figure, regression_figures};

use crate::outcome::Outcome;
use nabla_models::persist::write_atomically;
use std::error::Error;
use std::path::Path;

/// Refuses a report folder that cannot be one (an existing file), before any work is done.
pub fn check_folder(dir: &Path) -> Result<(), String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!(
            "--report {}: this is a file, not a folder; give a folder (it is created if it \
             does not exist)",
            dir.display()
        ));
    }
    Ok(())
}

/// Writes the report of `outcome` to `dir` (created if needed): each drawn figure as
/// `NAME.svg` and the page as `index.html`, every file atomically. Returns the page's path.
pub fn write(
    dir: &Path,
    outcome: &Outcome,
    inspect: Option<&str>,
    figures: &[Figure],
) -> Result<std::path::PathBuf, Box<dyn Error>> {
    let failed = |what: &str, e: std::io::Error| {
        format!(
            "--report {}: could not write {what} ({e}); give a folder that can be written",
            dir.display()
        )
    };
    std::fs::create_dir_all(dir).map_err(|e| failed("the folder", e))?;
    for figure in figures {
        if let Ok(svg) = &figure.svg {
            let name = format!("{}.svg", figure.name);
            write_atomically(&dir.join(&name), svg.as_bytes()).map_err(|e| failed(&name, e))?;
        }
    }
    let index = dir.join("index.html");
    let html = page::render(outcome, inspect, figures);
    write_atomically(&index, html.as_bytes()).map_err(|e| failed("index.html", e))?;
    Ok(index)
}
