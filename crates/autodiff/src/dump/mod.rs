//! Graph dumps for teaching: the recorded graph as plain text or Graphviz DOT, with every
//! node's value and gradient and what each edge passed back.
//!
//! A [`GraphDump`] is plain data read off a [`Tape`] (and, after backward, its [`Gradients`]).
//! For each node it holds the op, name, scope, shape, value and gradient; for each edge (an
//! input feeding an op) the *local derivative* — d output / d input, shown as a tensor when the
//! op is element-wise and the input has the output's shape, or marked as a Jacobian otherwise —
//! and the *contribution*: the vector-Jacobian product of the consumer's gradient, exactly what
//! backward sent along that edge. Where a node feeds several ops, its gradient is the sum of
//! the contributions, and the dump lists them: `grad = c1 + c2 = total`, each term with the
//! op it came from.
//!
//! Intermediate gradients exist only if backward kept them: use
//! [`Tape::backward_retain_all`]. A dump taken before backward says the gradients are not
//! computed yet; it never shows zeros in their place.
//!
//! ```
//! use nabla_autodiff::{Tape, Tensor, dump};
//!
//! let tape = Tape::<f64>::new();
//! let x = tape.param(Tensor::scalar(2.0)).named("x");
//! let y = (x * x + x).named("y"); // dy/dx = 2x + 1 = 5
//! assert!(dump::text(&tape, None).contains("gradient not computed yet"));
//!
//! let grads = tape.backward_retain_all(y);
//! let graph = dump::GraphDump::new(&tape, Some(&grads));
//! // x feeds mul twice and add once: three contributions, 2 + 2 + 1.
//! let parts: Vec<f64> = graph
//!     .contributions_to(x.id())
//!     .map(|e| e.contribution.tensor().unwrap().item())
//!     .collect();
//! assert_eq!(parts, [2.0, 2.0, 1.0]);
//! assert!(graph.to_text().contains(
//!     "grad = 2 (from #1 mul)
//!          + 2 (from #1 mul)
//!          + 1 (from #2 y)
//!          = 5"
//! ));
//! assert!(graph.to_dot().starts_with("digraph"));
//! ```
//!
//! [`GraphDump::to_html`] (or [`html`]) writes a walkthrough instead: one self-contained page
//! that draws the graph without Graphviz and replays the forward and backward passes step by
//! step ([`GraphDump::forward_steps`], [`GraphDump::backward_steps`]).

mod build;
mod dot;
mod format;
mod html;
mod layout;
mod steps;
mod svg;
mod text;

pub use format::{FULL_LIMIT, format_tensor};
pub use html::PANEL_ELEMENTS;
pub use steps::{BackwardStep, ForwardStep};
pub use svg::{RenderError, dot_to_svg};

use crate::backward::Gradients;
use crate::float::Float;
use crate::tape::{NodeId, NodeKind, Tape};
use crate::tensor::Tensor;
use std::fmt;

/// A snapshot of a tape's graph, ready to render with [`GraphDump::to_text`] or
/// [`GraphDump::to_dot`], or to inspect directly.
#[derive(Debug, Clone)]
pub struct GraphDump<T: Float> {
    /// The nodes in creation order (a topological order); a node's `index` is its place here.
    pub nodes: Vec<DumpNode<T>>,
    /// One edge per (consumer, input) pair, in the consumers' creation order.
    pub edges: Vec<DumpEdge<T>>,
    /// Scope names (nested scopes joined with `/`); [`DumpNode::scope`] indexes this list.
    pub scopes: Vec<String>,
    /// What the gradients describe, if backward ran.
    pub backward: Option<BackwardInfo>,
    /// Tensors of at most this many elements are written in full, larger ones summarised
    /// (shape, min, mean, max, first elements); [`FULL_LIMIT`] unless set with
    /// [`GraphDump::with_full_limit`].
    pub full_limit: usize,
}

/// Which backward pass a dump's gradients come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackwardInfo {
    /// Index of the node backward started from, if it is on the tape.
    pub output: Option<usize>,
}

/// One recorded node.
#[derive(Debug, Clone)]
pub struct DumpNode<T: Float> {
    /// Position in creation order, also the node's number in the renderings (`#3`).
    pub index: usize,
    /// The node's id on its tape.
    pub id: NodeId,
    /// The op's name (`"mul"`, `"sigmoid"`, `"matmul"`, a custom op's name); `"leaf"` for
    /// parameters and constants.
    pub op: String,
    /// The name given with [`Var::named`](crate::Var::named).
    pub name: Option<String>,
    /// Index into [`GraphDump::scopes`].
    pub scope: Option<usize>,
    /// Parameter, constant or op result.
    pub kind: NodeKind,
    /// Whether a parameter lies upstream, so a gradient can flow here.
    pub requires_grad: bool,
    /// The inputs' indices, in argument order.
    pub inputs: Vec<usize>,
    /// What the op holds besides its inputs that the numbers depend on, such as a loss's
    /// integer labels (`labels [2, 0, 1]`); see [`CustomOp::annotation`](crate::CustomOp::annotation).
    pub annotation: Option<String>,
    /// The node's value.
    pub value: Tensor<T>,
    /// The gradient of the output with respect to this node.
    pub gradient: Gradient<T>,
}

/// One input feeding one op.
#[derive(Debug, Clone)]
pub struct DumpEdge<T: Float> {
    /// Index of the input node.
    pub from: usize,
    /// Index of the consuming node.
    pub to: usize,
    /// Which argument of the consumer this is (0 for the first).
    pub input_index: usize,
    /// The op's vector-Jacobian product for this input in symbols, such as `dL/dA = g · Bᵀ`
    /// (`g` is the gradient at the consumer's output); `None` for a custom op that states no
    /// rule (see [`CustomOp::vjp_rule`](crate::CustomOp::vjp_rule)).
    pub rule: Option<String>,
    /// d consumer / d input.
    pub local: LocalDerivative<T>,
    /// What backward sent along this edge to the input: the consumer's gradient times the
    /// local derivative (a vector-Jacobian product).
    pub contribution: Gradient<T>,
}

/// A gradient as far as the dump knows it: a node's gradient, or the part of it one edge
/// carried.
#[derive(Debug, Clone, PartialEq)]
pub enum Gradient<T: Float> {
    /// Backward has not run (the dump was given no gradients).
    NotComputed,
    /// Backward passed a gradient through here but did not keep it; see
    /// [`Tape::backward_retain_all`].
    NotKept,
    /// No gradient flows here: a constant, a node with no parameter upstream, or one that is not
    /// on a path to the output.
    NoGradient,
    /// The value.
    Computed(Tensor<T>),
}

impl<T: Float> Gradient<T> {
    /// The tensor, if computed.
    pub fn tensor(&self) -> Option<&Tensor<T>> {
        match self {
            Gradient::Computed(t) => Some(t),
            _ => None,
        }
    }
}

/// The derivative of an op's output with respect to one of its inputs.
#[derive(Debug, Clone, PartialEq)]
pub enum LocalDerivative<T: Float> {
    /// An element-wise op on a same-shaped input: d out\[k\] / d in\[k\] for each element `k`.
    Elementwise(Tensor<T>),
    /// Any other op (matmul, a reduction, a broadcast input): the derivative is a full
    /// Jacobian, so the dump shows only the contribution it produced.
    Jacobian,
    /// No gradient flows to this input, so its derivative is not needed.
    NotNeeded,
}

impl<T: Float> GraphDump<T> {
    /// Reads the graph off `tape`. Pass the gradients from a backward pass on this tape to
    /// include them (from [`Tape::backward_retain_all`] to have every intermediate one), or
    /// `None` for a dump before backward.
    pub fn new(tape: &Tape<T>, grads: Option<&Gradients<T>>) -> Self {
        build::build(tape, grads)
    }

    /// Writes tensors of at most `limit` elements in full (64 by default), summarising only
    /// larger ones.
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor, dump::GraphDump};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::arange(0.0, 10.0, 1.0)).named("x");
    /// let _ = x.sum();
    /// let dump = GraphDump::new(&tape, None);
    /// assert!(dump.to_text().contains("value [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"));
    /// let short = dump.with_full_limit(4).to_text();
    /// assert!(short.contains("value shape [10]: min 0, mean 4.5, max 9"));
    /// ```
    pub fn with_full_limit(mut self, limit: usize) -> Self {
        self.full_limit = limit;
        self
    }

    /// The node recorded with this id, if it is in the dump.
    pub fn node(&self, id: NodeId) -> Option<&DumpNode<T>> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The edges from the node `from` into the node `to` (several if `to` uses it twice).
    pub fn edges_between(&self, from: NodeId, to: NodeId) -> impl Iterator<Item = &DumpEdge<T>> {
        let ends = self
            .node(from)
            .zip(self.node(to))
            .map(|(f, t)| (f.index, t.index));
        self.edges
            .iter()
            .filter(move |e| Some((e.from, e.to)) == ends)
    }

    /// The edges that carried a computed contribution back to the node `id`: the terms whose
    /// sum is its gradient.
    pub fn contributions_to(&self, id: NodeId) -> impl Iterator<Item = &DumpEdge<T>> {
        let index = self.node(id).map(|n| n.index);
        self.edges.iter().filter(move |e| {
            Some(e.from) == index && matches!(e.contribution, Gradient::Computed(_))
        })
    }

    /// The graph as indented plain text, one section per scope. See the [module docs](self).
    pub fn to_text(&self) -> String {
        text::render(self)
    }

    /// The graph in Graphviz DOT; render it with `dot -Tsvg graph.dot -o graph.svg`. Scopes
    /// become boxes (clusters), stacked down the page in the order data flows through them.
    /// Each arrow a gradient flows along runs through a small box with its rule and numbers,
    /// inside the scope of the op it feeds. Tensors are written in full up to
    /// [`GraphDump::full_limit`] elements (matrices up to 8 columns), broken over short lines so
    /// that pictures stay narrow.
    pub fn to_dot(&self) -> String {
        dot::render(self)
    }

    /// The graph drawn as SVG by Graphviz's `dot` program (see [`dot_to_svg`]).
    ///
    /// # Errors
    /// When `dot` is not installed (the message says how to install it) or fails.
    pub fn to_svg(&self) -> Result<String, RenderError> {
        dot_to_svg(&self.to_dot())
    }

    /// A short label for node `index`: `#3 name` or `#3 op`.
    pub(crate) fn label(&self, index: usize) -> String {
        let node = &self.nodes[index];
        match &node.name {
            Some(name) => format!("#{index} {name}"),
            None if node.kind == NodeKind::Operation => format!("#{index} {}", node.op),
            None => format!("#{index} {}", kind_word(node.kind)),
        }
    }
}

impl<T: Float> fmt::Display for GraphDump<T> {
    /// Writes [`GraphDump::to_text`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// The tape's graph as plain text: shorthand for `GraphDump::new(tape, grads).to_text()`.
pub fn text<T: Float>(tape: &Tape<T>, grads: Option<&Gradients<T>>) -> String {
    GraphDump::new(tape, grads).to_text()
}

/// The tape's graph in Graphviz DOT: shorthand for `GraphDump::new(tape, grads).to_dot()`.
pub fn dot<T: Float>(tape: &Tape<T>, grads: Option<&Gradients<T>>) -> String {
    GraphDump::new(tape, grads).to_dot()
}

/// The tape's graph as a self-contained HTML walkthrough (see [`GraphDump::to_html`]):
/// shorthand for `GraphDump::new(tape, grads).to_html()`.
pub fn html<T: Float>(tape: &Tape<T>, grads: Option<&Gradients<T>>) -> String {
    GraphDump::new(tape, grads).to_html()
}

/// How a node kind reads in a dump.
pub(crate) fn kind_word(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Parameter => "parameter",
        NodeKind::Constant => "constant",
        NodeKind::Operation => "op",
    }
}
