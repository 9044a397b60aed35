//! The plain-text rendering: nodes in creation order, a heading wherever the scope changes, and
//! under each op the edges from its inputs with what each passed back.

use super::format::{
    TEXT, format_tensor, gradient_text, gradients_title, local_text, no_gradient_reason,
    product_text,
};
use super::{GraphDump, LocalDerivative, kind_word};
use crate::float::Float;
use crate::tape::NodeKind;
use std::fmt::Write;

pub(super) fn render<T: Float>(dump: &GraphDump<T>) -> String {
    let mut out = heading(dump);
    let mut scope = None;
    for node in &dump.nodes {
        if node.scope != scope {
            scope = node.scope;
            let name = scope.map_or("(no scope)", |s| dump.scopes[s].as_str());
            let _ = write!(out, "\n== {name} ==\n");
        }
        let what = if node.kind == NodeKind::Operation {
            let args: Vec<String> = node.inputs.iter().map(|&i| dump.label(i)).collect();
            let name = node
                .name
                .as_deref()
                .map(|n| format!("{n} = "))
                .unwrap_or_default();
            format!("#{} {name}{}({})", node.index, node.op, args.join(", "))
        } else {
            format!("{}: {}", dump.label(node.index), kind_word(node.kind))
        };
        let _ = writeln!(out, "{what}  value {}", format_tensor(&node.value));
        let _ = writeln!(out, "    {}", gradient_text(dump, node, &TEXT));
        for edge in dump.edges.iter().filter(|e| e.to == node.index) {
            let from = &dump.nodes[edge.from];
            let line = match &edge.local {
                LocalDerivative::NotNeeded => {
                    format!("no gradient flows ({})", no_gradient_reason(from))
                }
                _ => format!(
                    "local derivative = {}; passes back {}",
                    local_text(edge, &TEXT),
                    product_text(dump, edge, &TEXT)
                ),
            };
            let _ = writeln!(out, "    <- {}: {line}", dump.label(edge.from));
        }
    }
    out
}

fn heading<T: Float>(dump: &GraphDump<T>) -> String {
    format!(
        "graph of {} nodes, {} edges; {}\n",
        dump.nodes.len(),
        dump.edges.len(),
        gradients_title(dump)
    )
}
