//! The Graphviz DOT rendering: one box per node (value and gradient in its label), one arrow
//! per input running through a smaller box of its own (the rule, the local derivative and the
//! contribution), and a cluster per scope, nested as the scopes are. An arrow's box is declared
//! in the cluster of the op it goes into, so labels never float between edges or across a
//! cluster's border.

use super::format::{DOT, gradient_text, gradients_title, local_text, product_text, tensor_text};
use super::{DumpEdge, GraphDump, LocalDerivative, kind_word};
use crate::float::Float;
use crate::tape::NodeKind;
use std::fmt::Write;

pub(super) fn render<T: Float>(dump: &GraphDump<T>) -> String {
    let mut title = gradients_title(dump);
    if dump.backward.is_some() {
        title.push_str(
            "\nthe box on each arrow: the rule backward applied (g: the gradient at the arrow's \
             head),\nthe local derivative d(to)/d(from) where element-wise, and what it sent back",
        );
    }
    let mut out = String::from("digraph nabla {\n");
    let _ = writeln!(
        out,
        "  graph [rankdir=TB, labelloc=t, fontname=\"Helvetica\", label=\"{}\"];",
        escape(&title)
    );
    out.push_str(
        "  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\", \
         fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
    );

    write_scope(&mut out, dump, None, 1);

    for (k, edge) in dump.edges.iter().enumerate() {
        let (from, to) = (edge.from, edge.to);
        if edge_label(dump, edge).is_none() {
            let _ = writeln!(out, "  n{from} -> n{to} [style=dashed, color=\"#9a9a9a\"];");
            continue;
        }
        // The arrow runs through its label: tail to label without a head, label to consumer.
        // An arrow from an op in another scope takes an extra rank, so that the consumer's
        // scope starts below the scope the arrow comes from instead of beside it.
        let crosses = dump.nodes[from].kind == NodeKind::Operation
            && dump.nodes[from].scope != dump.nodes[to].scope;
        let minlen = if crosses { ", minlen=2" } else { "" };
        let _ = writeln!(out, "  n{from} -> e{k} [arrowhead=none{minlen}];");
        let _ = writeln!(out, "  e{k} -> n{to};");
    }
    out.push_str("}\n");
    out
}

/// What an arrow's label says: which argument it is when the consumer takes the same input
/// twice, the rule backward applied, the local derivative where element-wise, and what was
/// sent back. `None` for an arrow no gradient flows along.
fn edge_label<T: Float>(dump: &GraphDump<T>, edge: &DumpEdge<T>) -> Option<String> {
    let local = &edge.local;
    if let LocalDerivative::NotNeeded = local {
        return None;
    }
    let mut label = String::new();
    let uses = dump.nodes[edge.to].inputs.iter();
    if uses.filter(|&&i| i == edge.from).count() > 1 {
        let _ = writeln!(label, "argument {}", edge.input_index + 1);
    }
    if let Some(rule) = &edge.rule {
        let _ = writeln!(label, "{rule}");
    }
    if let LocalDerivative::Elementwise(_) = local {
        let _ = writeln!(label, "local {}", local_text(dump, edge, &DOT));
    }
    let _ = write!(label, "sends back {}", product_text(dump, edge, &DOT));
    Some(label)
}

/// Declares the nodes that belong directly to `scope`, then a cluster for each scope nested
/// in it (scope names nest as `outer/inner`).
fn write_scope<T: Float>(
    out: &mut String,
    dump: &GraphDump<T>,
    scope: Option<usize>,
    depth: usize,
) {
    write_members(out, dump, scope, depth);
    let pad = "  ".repeat(depth);
    let parent = |s: usize| {
        let (outer, _) = dump.scopes[s].rsplit_once('/')?;
        dump.scopes.iter().position(|name| name == outer)
    };
    for child in (0..dump.scopes.len()).filter(|&s| parent(s) == scope) {
        let name = dump.scopes[child].rsplit('/').next().unwrap_or_default();
        let _ = writeln!(out, "{pad}subgraph cluster_{child} {{");
        let _ = writeln!(
            out,
            "{pad}  label=\"{}\"; style=\"rounded,dashed\"; color=\"#7a7a7a\";",
            escape(name)
        );
        write_scope(out, dump, Some(child), depth + 1);
        let _ = writeln!(out, "{pad}}}");
    }
}

/// Declares the nodes that belong directly to `scope`.
fn write_members<T: Float>(
    out: &mut String,
    dump: &GraphDump<T>,
    scope: Option<usize>,
    depth: usize,
) {
    let pad = "  ".repeat(depth);
    let output = dump.backward.and_then(|b| b.output);
    for node in dump.nodes.iter().filter(|n| n.scope == scope) {
        let mut label = dump.label(node.index);
        match node.kind {
            NodeKind::Operation if node.name.is_some() => {
                let _ = write!(label, " = {}", node.op);
            }
            NodeKind::Operation => {}
            kind => {
                let _ = write!(label, " ({})", kind_word(kind));
            }
        }
        let _ = write!(
            label,
            "\nvalue {}\n{}",
            tensor_text(&node.value, &DOT, dump.full_limit),
            gradient_text(dump, node, &DOT)
        );
        let fill = match node.kind {
            NodeKind::Parameter => "#cfe6ff",
            NodeKind::Constant => "#ececec",
            NodeKind::Operation => "#fff4d6",
        };
        let border = if output == Some(node.index) {
            ", penwidth=2"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{pad}n{} [label=\"{}\", fillcolor=\"{fill}\"{border}];",
            node.index,
            escape(&label)
        );
    }
    // Each arrow's label is a node on the arrow, in the scope of the op that applied its rule.
    for (k, edge) in dump.edges.iter().enumerate() {
        if dump.nodes[edge.to].scope != scope {
            continue;
        }
        if let Some(label) = edge_label(dump, edge) {
            let _ = writeln!(
                out,
                "{pad}e{k} [label=\"{}\", {EDGE_LABEL}];",
                escape(&label)
            );
        }
    }
}

/// How an arrow's label node looks: small type in a light box the arrow runs through.
const EDGE_LABEL: &str = "shape=box, style=\"rounded,filled\", fillcolor=\"#fafafa\", color=\"#c8c8c8\", fontsize=9, margin=\"0.06,0.03\"";

/// Escapes text for a double-quoted DOT string: quotes and backslashes are escaped, and line
/// breaks become `\n` (a centred line in a label).
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_quotes_backslashes_and_newlines() {
        assert_eq!(escape("a \"b\"\\c\nd\r"), "a \\\"b\\\"\\\\c\\nd");
    }
}
