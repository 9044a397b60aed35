//! The plain-text rendering: nodes in creation order, a heading wherever the scope changes, and
//! under each op the edges from its inputs, each with the rule it applies and what it passed
//! back.

use super::format::{
    TEXT, gradient_text, gradients_title, local_text, no_gradient_reason, product_text, tensor_text,
};
use super::{DumpEdge, DumpNode, GraphDump, LocalDerivative, kind_word};
use crate::float::Float;
use crate::tape::NodeKind;
use std::fmt::Write;

/// How the rules on the edges are written, said once under the heading.
pub(super) const SYMBOLS: &str = "rules: g is the gradient at the op's output; x, y its input \
                                  and output; a, b its arguments; ⊙ element by element, · matrix \
                                  product, ᵀ transpose";

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
            let name = node
                .name
                .as_deref()
                .map(|n| format!("{n} = "))
                .unwrap_or_default();
            format!("#{} {name}{}", node.index, call(dump, node))
        } else {
            format!("{}: {}", dump.label(node.index), kind_word(node.kind))
        };
        let value = tensor_text(&node.value, &TEXT, dump.full_limit);
        let _ = writeln!(out, "{}", hang(&format!("{what}  value "), &value, 4));
        let grad = gradient_text(dump, node, &TEXT);
        let _ = writeln!(out, "{}", hang("    ", &grad, 8));
        for edge in dump.edges.iter().filter(|e| e.to == node.index) {
            write_edge(&mut out, dump, node, edge);
        }
    }
    out
}

/// The edge from an input into `node`: what it passed back, and the rule that gave it.
fn write_edge<T: Float>(
    out: &mut String,
    dump: &GraphDump<T>,
    node: &DumpNode<T>,
    edge: &DumpEdge<T>,
) {
    let from = &dump.nodes[edge.from];
    let mut who = dump.label(edge.from);
    if node.inputs.iter().filter(|&&i| i == edge.from).count() > 1 {
        let _ = write!(who, " (argument {})", edge.input_index + 1);
    }
    let line = match &edge.local {
        LocalDerivative::NotNeeded => format!("no gradient flows ({})", no_gradient_reason(from)),
        LocalDerivative::Elementwise(_) => format!(
            "local derivative = {}; passes back {}",
            local_text(dump, edge, &TEXT),
            product_text(dump, edge, &TEXT)
        ),
        LocalDerivative::Jacobian => format!("passes back {}", product_text(dump, edge, &TEXT)),
    };
    let _ = writeln!(out, "{}", hang(&format!("    <- {who}: "), &line, 10));
    if edge.local != LocalDerivative::NotNeeded
        && let Some(rule) = &edge.rule
    {
        let _ = writeln!(out, "       by {rule}");
    }
}

/// `op(#1 a, #2 b)`, with the op's parameters and what it holds after a `;`: a name such as
/// `softmax axis 1` reads `softmax(#7 logits; axis 1)`, one such as `2 - x` reads `2 - #0 w`.
pub(super) fn call<T: Float>(dump: &GraphDump<T>, node: &DumpNode<T>) -> String {
    let args: Vec<String> = node.inputs.iter().map(|&i| dump.label(i)).collect();
    let op = node.op.as_str();
    if args.len() == 1
        && op.split(' ').any(|word| word == "x")
        && !op.starts_with(char::is_alphabetic)
    {
        let replaced: Vec<&str> = op
            .split(' ')
            .map(|word| if word == "x" { args[0].as_str() } else { word })
            .collect();
        return replaced.join(" ");
    }
    let (function, parameters) = match op.split_once(' ') {
        Some((f, p)) if !op.starts_with("gradient of") => (f, Some(p)),
        _ => (op, None),
    };
    let extra: Vec<&str> = parameters
        .into_iter()
        .chain(node.annotation.as_deref())
        .collect();
    if extra.is_empty() {
        format!("{function}({})", args.join(", "))
    } else {
        format!("{function}({}; {})", args.join(", "), extra.join("; "))
    }
}

/// `head` then `text`; the lines of `text` after its first (the rows of a matrix) are each
/// indented by `indent` spaces.
fn hang(head: &str, text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut lines = text.lines();
    let mut out = format!("{head}{}", lines.next().unwrap_or_default());
    for line in lines {
        let _ = write!(out, "\n{pad}{line}");
    }
    out
}

fn heading<T: Float>(dump: &GraphDump<T>) -> String {
    let mut out = format!(
        "graph of {} nodes, {} edges; {}\n",
        dump.nodes.len(),
        dump.edges.len(),
        gradients_title(dump)
    );
    if dump.edges.iter().any(|e| e.rule.is_some()) {
        let _ = writeln!(out, "{SYMBOLS}");
    }
    out
}
