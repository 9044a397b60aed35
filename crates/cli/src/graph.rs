//! `nabla train --graph FILE`: the trained model's loss on the first training rows as a
//! teaching dump (every value, every gradient, what each edge sends back), written as plain
//! text, Graphviz DOT, SVG drawn by Graphviz, or an HTML walkthrough (drawn without Graphviz,
//! with buttons that replay forward and backward step by step), by the file's extension.

use nabla_autodiff::Float;
use nabla_autodiff::dump::{GraphDump, dot_to_svg};
use nabla_models::persist::write_atomically;
use std::error::Error;
use std::path::Path;

/// Rows the graph is recorded on: enough to show a batch, few enough to read every number.
pub const GRAPH_ROWS: usize = 4;

/// How the graph is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// `.txt`: indented plain text.
    Text,
    /// `.dot`: Graphviz DOT.
    Dot,
    /// `.svg`: drawn by Graphviz's `dot`.
    Svg,
    /// `.html`: the self-contained walkthrough page (no Graphviz needed).
    Html,
}

/// The format `path`'s extension names, checked before training: an unknown extension, or
/// `.svg` without Graphviz installed, is refused with what to do instead.
pub fn format_of(path: &Path) -> Result<GraphFormat, String> {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let format = match extension.to_ascii_lowercase().as_str() {
        "txt" => GraphFormat::Text,
        "dot" | "gv" => GraphFormat::Dot,
        "svg" => GraphFormat::Svg,
        "html" | "htm" => GraphFormat::Html,
        _ => {
            return Err(format!(
                "--graph {} names neither a .txt, a .dot, an .svg nor an .html file; give a \
                 path ending in one of them (the format is chosen by the extension)",
                path.display()
            ));
        }
    };
    if format == GraphFormat::Svg {
        dot_to_svg("digraph {}").map_err(|e| format!("--graph {}: {e}", path.display()))?;
    }
    Ok(format)
}

/// Writes `graph` to `path` (atomically) in `format`.
pub fn write<T: Float>(
    path: &Path,
    format: GraphFormat,
    graph: &GraphDump<T>,
) -> Result<(), Box<dyn Error>> {
    let text = match format {
        GraphFormat::Text => graph.to_text(),
        GraphFormat::Dot => graph.to_dot(),
        GraphFormat::Svg => graph
            .to_svg()
            .map_err(|e| format!("--graph {}: {e}", path.display()))?,
        GraphFormat::Html => graph.to_html(),
    };
    write_atomically(path, text.as_bytes()).map_err(|e| {
        format!(
            "--graph {}: the graph could not be written ({e}); give a path in a folder that \
             exists and can be written",
            path.display()
        )
    })?;
    Ok(())
}
