//! What a node computes. Each primitive lives in one place: its `Var` method, its forward
//! computation, its gradient rule and its documentation sit together in one file of this
//! module. A rule is written once and serves two paths:
//!
//! - the fast first-order path, on tensors in recycled buffers (what [`Tape::backward`] runs);
//! - the recorded path, on [`Var`]s, so that gradients can be differentiated again
//!   ([`Tape::grad`], or [`BackwardOptions::create_graph`]).
//!
//! The element-wise families are tables (`op/unary.rs`, `op/binary.rs`): one row per function
//! gives its name, `f` and `f'` in the [`Elem`] vocabulary, and generates the `Var` method, the
//! fused loops of the fast path and the recorded derivative. Every other primitive states its
//! vector-Jacobian product once, against a small interface (`Backprop`, in `op/rule.rs`) that
//! both paths implement.
//!
//! To write your own op, read the [`custom`] module: a complete worked example.
//!
//! [`Tape::backward`]: crate::Tape::backward
//! [`Tape::grad`]: crate::Tape::grad
//! [`BackwardOptions::create_graph`]: crate::BackwardOptions::create_graph

mod binary;
mod choose;
mod concat;
pub mod custom;
mod elementwise;
mod matmul;
mod reduce;
mod reshape;
pub(crate) mod rule;
mod select;
mod unary;
mod window;

pub use custom::{CustomOp, NotDifferentiable};
pub use elementwise::{Elem, ElementwiseFn, Num};

pub(crate) use binary::Binary;
pub(crate) use unary::Unary;

use crate::backward::BackwardError;
use crate::float::Float;
use crate::scratch::Scratch;
use crate::tape::Var;
use crate::tensor::Tensor;
use rule::{Eager, Graph};
use smallvec::SmallVec;
use std::borrow::Cow;

/// Axis lists, inline for up to four.
pub(crate) type Axes = SmallVec<[usize; 6]>;

/// A primitive other than the element-wise families: its forward value and its
/// vector-Jacobian product, the rule written once for both backward paths.
pub(crate) trait Primitive<T: Float> {
    /// The name shown in graph dumps.
    fn name(&self) -> Cow<'_, str>;
    /// The output from the inputs.
    fn forward(&self, inputs: &[&Tensor<T>], scratch: &mut Scratch<T>) -> Tensor<T>;
    /// The vector-Jacobian product for input `i` in symbols, as graph dumps state it
    /// (`dL/dA = g · Bᵀ`): `g` is the gradient arriving at the output, `shapes` are the
    /// inputs' shapes.
    fn rule(&self, i: usize, shapes: &[&[usize]]) -> String;
    /// How the gradient `g` of the output flows back to `inputs[i]`, shaped like it; `None`
    /// where no gradient flows (a condition, a mask).
    fn vjp<B: rule::Backprop<T>>(
        &self,
        b: &mut B,
        i: usize,
        inputs: &[B::V],
        g: B::V,
    ) -> Option<B::V>;
}

/// The operation a node performs.
pub(crate) enum Op<T: Float> {
    /// A leaf: a parameter or a constant.
    Leaf,
    /// An element-wise function of one input.
    Unary(Unary<T>),
    /// An element-wise function of two inputs, broadcast.
    Binary(Binary),
    /// Sum or mean over axes.
    Reduce(reduce::Reduce),
    /// Matrix product with optional transposes.
    Matmul(matmul::Matmul),
    /// Same elements, new shape.
    Reshape(reshape::Reshape),
    /// Reordered axes.
    Permute(reshape::Permute),
    /// Repeated along broadcast axes.
    BroadcastTo(reshape::BroadcastTo),
    /// Summed back to a shape that broadcasts to the input's.
    SumTo(reshape::SumTo),
    /// Maximum or minimum over axes.
    Extreme(reduce::Extreme),
    /// Slices at given indices along an axis.
    IndexSelect(select::IndexSelect),
    /// Slices added into given indices of a zero tensor along an axis.
    IndexAdd(select::IndexAdd),
    /// Table rows picked by the ids of another input.
    Lookup(select::Lookup),
    /// Rows added into a zero table at the rows ids name.
    LookupAdd(select::LookupAdd),
    /// One element per row.
    GatherRows(select::GatherRows),
    /// One element per row placed into a zero matrix.
    ScatterRows(select::ScatterRows),
    /// Inputs joined along an axis.
    Concat(concat::Concat),
    /// A slice along an axis.
    Narrow(concat::Narrow),
    /// A tensor placed into a zero tensor along an axis.
    Pad(concat::Pad),
    /// One of two values by a condition.
    Where(choose::Where),
    /// A value or zero by a condition.
    Masked(choose::Masked),
    /// Sliding windows as columns (im2col).
    Unfold(window::Unfold<T>),
    /// Columns summed back into an image (col2im).
    Fold(window::Fold),
    /// An op defined outside this crate.
    Custom(Box<dyn CustomOp<T>>),
    /// A gradient a custom op computed without a differentiable VJP: its value is right, but
    /// differentiating through it is an error naming the op.
    Opaque(String),
}

/// Runs `$body` with `$p` bound to the primitive inside any structural variant, or `$other`.
macro_rules! with_primitive {
    ($op:expr, $p:ident => $body:expr, _ => $other:expr) => {
        match $op {
            Op::Reduce($p) => $body,
            Op::Matmul($p) => $body,
            Op::Reshape($p) => $body,
            Op::Permute($p) => $body,
            Op::BroadcastTo($p) => $body,
            Op::SumTo($p) => $body,
            Op::Extreme($p) => $body,
            Op::IndexSelect($p) => $body,
            Op::IndexAdd($p) => $body,
            Op::Lookup($p) => $body,
            Op::LookupAdd($p) => $body,
            Op::GatherRows($p) => $body,
            Op::ScatterRows($p) => $body,
            Op::Concat($p) => $body,
            Op::Narrow($p) => $body,
            Op::Pad($p) => $body,
            Op::Where($p) => $body,
            Op::Masked($p) => $body,
            Op::Unfold($p) => $body,
            Op::Fold($p) => $body,
            #[allow(unreachable_patterns)]
            _ => $other,
        }
    };
}

impl<T: Float> Op<T> {
    /// The name shown in graph dumps.
    pub(crate) fn name(&self) -> Cow<'_, str> {
        with_primitive!(self, p => Primitive::<T>::name(p), _ => match self {
            Op::Leaf => "leaf".into(),
            Op::Unary(u) => u.name(),
            Op::Binary(b) => b.name().into(),
            Op::Custom(c) => c.name(),
            Op::Opaque(op) => format!("gradient of {op}").into(),
            _ => unreachable!("structural ops are named above"),
        })
    }

    /// The vector-Jacobian product for input `i` in symbols, as graph dumps state it; `None`
    /// for a custom op that does not state its rule.
    pub(crate) fn rule(&self, i: usize, shapes: &[&[usize]]) -> Option<String> {
        with_primitive!(self, p => Some(Primitive::<T>::rule(p, i, shapes)), _ => match self {
            Op::Unary(u) => Some(format!("dL/dx = {}", u.rule())),
            Op::Binary(b) => Some(b.rule(i, shapes)),
            Op::Custom(c) => c.vjp_rule(i, shapes),
            Op::Leaf | Op::Opaque(_) => None,
            _ => unreachable!("structural ops are handled above"),
        })
    }

    /// What a custom op holds besides its inputs that a reader of a dump needs (a loss's
    /// labels); `None` for built-in ops.
    pub(crate) fn annotation(&self) -> Option<String> {
        match self {
            Op::Custom(c) => c.annotation(),
            _ => None,
        }
    }

    /// Whether each output element depends only on the same-position input elements, so that
    /// the local derivative of a same-shaped input is a tensor, not a Jacobian.
    pub(crate) fn is_elementwise(&self) -> bool {
        match self {
            Op::Unary(_) | Op::Binary(_) => true,
            Op::Custom(c) => c.is_elementwise(),
            _ => false,
        }
    }

    /// Computes the node's value.
    pub(crate) fn forward(&mut self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        with_primitive!(self, p => p.forward(inputs, s), _ => match self {
            Op::Unary(u) => u.forward(inputs[0], s),
            Op::Binary(b) => b.forward(inputs[0], inputs[1], s),
            Op::Custom(c) => c.forward(inputs, s),
            Op::Leaf | Op::Opaque(_) => unreachable!("leaves and gradient values are not computed"),
            _ => unreachable!("structural ops are computed above"),
        })
    }

    /// The fast path: the vector-Jacobian product for input `i` as a tensor, shaped like that
    /// input (`None` when no gradient flows to it).
    pub(crate) fn vjp(
        &self,
        i: usize,
        inputs: &[&Tensor<T>],
        out: &Tensor<T>,
        g: &Tensor<T>,
        s: &mut Scratch<T>,
    ) -> Result<Option<Tensor<T>>, BackwardError> {
        with_primitive!(self, p => {
            let (mut e, x, g) = Eager::new(inputs, g, s);
            let v = p.vjp(&mut e, i, &x, g);
            Ok(v.map(|v| e.finish(v)))
        },
        _ => match self {
            Op::Unary(u) => Ok(Some(u.vjp(g, inputs[0], out, s))),
            Op::Binary(b) => Ok(Some(b.vjp(i, inputs[0], inputs[1], out, g, s))),
            Op::Custom(c) => Ok(c.vjp(i, inputs, out, g, s)),
            Op::Opaque(op) => Err(BackwardError::NotDifferentiable { op: op.clone() }),
            Op::Leaf => unreachable!("leaves have no inputs"),
            _ => unreachable!("structural ops are handled above"),
        })
    }

    /// The recorded path: the same product as [`Op::vjp`], recorded on the tape as vars so
    /// that it can be differentiated again.
    pub(crate) fn vjp_graph<'t>(
        &self,
        i: usize,
        inputs: &[Var<'t, T>],
        out: Var<'t, T>,
        g: Var<'t, T>,
    ) -> Result<Option<Var<'t, T>>, BackwardError> {
        with_primitive!(self, p => Ok(p.vjp(&mut Graph::default(), i, inputs, g)),
        _ => match self {
            Op::Unary(u) => Ok(Some(u.vjp_graph(g, inputs[0], out))),
            Op::Binary(b) => Ok(Some(b.vjp_graph(i, inputs[0], inputs[1], out, g))),
            Op::Custom(c) => c
                .vjp_graph(i, inputs, out, g)
                .map_err(|_| BackwardError::NotDifferentiable { op: c.name().into_owned() }),
            Op::Opaque(op) => Err(BackwardError::NotDifferentiable { op: op.clone() }),
            Op::Leaf => unreachable!("leaves have no inputs"),
            _ => unreachable!("structural ops are handled above"),
        })
    }

    /// Gives the memory this op owns back to `scratch` when its node is cleared.
    pub(crate) fn recycle(self, s: &mut Scratch<T>) {
        match self {
            Op::Custom(c) => s.keep_op(c),
            Op::IndexSelect(p) => s.keep_indices(p.indices),
            Op::IndexAdd(p) => s.keep_indices(p.indices),
            Op::GatherRows(p) => s.keep_indices(p.columns),
            Op::ScatterRows(p) => s.keep_indices(p.columns),
            _ => {}
        }
    }
}
