//! What a node computes: the built-in primitives as one enum (no boxing on the hot path), plus
//! [`CustomOp`] for ops defined elsewhere. Each primitive's forward and vector-Jacobian product
//! sit side by side in the (crate-private) `Op::forward` and `Op::vjp`, grouped by family; the
//! element-wise families ([`Unary`], [`Binary`]) state only f and its derivatives.
//!
//! To write your own op, read the [`custom`] module: a complete worked example.

mod binary;
pub mod custom;
mod unary;

pub use binary::Binary;
pub use custom::CustomOp;
pub use unary::{Unary, sigmoid};

use crate::float::Float;
use crate::pool::BufferPool;
use crate::shape::{Shape, keepdim_shape, numel};
use crate::tensor::Tensor;
use crate::tensor::layout::inverse_permutation;
use smallvec::SmallVec;
use std::borrow::Cow;

/// Axis lists, inline for up to four.
pub(crate) type Axes = SmallVec<[usize; 4]>;

/// The operation a node performs.
pub(crate) enum Op<T: Float> {
    /// A leaf: a parameter or a constant.
    Leaf,
    /// An element-wise function of one input.
    Unary(Unary<T>),
    /// An element-wise function of two inputs, broadcast.
    Binary(Binary),
    /// Sum over `axes` (all axes when `None`, giving a scalar).
    Sum { axes: Option<Axes>, keepdim: bool },
    /// Mean over `axes` (all axes when `None`, giving a scalar).
    Mean { axes: Option<Axes>, keepdim: bool },
    /// `op(a) op(b)` with optional transposes of the last two axes.
    Matmul { ta: bool, tb: bool },
    /// Reordered axes.
    Permute(Axes),
    /// Same elements, new shape (the node's own shape).
    Reshape,
    /// Repeated along broadcast axes to the node's own shape.
    BroadcastTo,
    /// Rows at these indices.
    SelectRows(Vec<usize>),
    /// One element per row at these columns.
    GatherRows(Vec<usize>),
    /// Inputs joined along an axis.
    Concat(usize),
    /// An op defined outside this crate.
    Custom(Box<dyn CustomOp<T>>),
}

impl<T: Float> Op<T> {
    /// The name shown in graph dumps.
    pub(crate) fn name(&self) -> Cow<'_, str> {
        match self {
            Op::Leaf => "leaf".into(),
            Op::Unary(u) => u.name().into(),
            Op::Binary(b) => b.name().into(),
            Op::Sum { axes: None, .. } => "sum".into(),
            Op::Sum { axes: Some(a), .. } => format!("sum axes {a:?}").into(),
            Op::Mean { axes: None, .. } => "mean".into(),
            Op::Mean { axes: Some(a), .. } => format!("mean axes {a:?}").into(),
            Op::Matmul { ta, tb } => match (ta, tb) {
                (false, false) => "matmul".into(),
                _ => format!(
                    "matmul{}{}",
                    if *ta { " a^T" } else { "" },
                    if *tb { " b^T" } else { "" }
                )
                .into(),
            },
            Op::Permute(p) => format!("permute {p:?}").into(),
            Op::Reshape => "reshape".into(),
            Op::BroadcastTo => "broadcast_to".into(),
            Op::SelectRows(_) => "select_rows".into(),
            Op::GatherRows(_) => "gather_rows".into(),
            Op::Concat(axis) => format!("concat axis {axis}").into(),
            Op::Custom(c) => c.name(),
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

    /// Computes the node's value. `target_shape` is used by reshape and broadcast_to.
    pub(crate) fn forward(
        &mut self,
        inputs: &[&Tensor<T>],
        target_shape: &[usize],
        pool: &mut BufferPool<T>,
    ) -> Tensor<T> {
        let x = inputs.first().copied();
        let take = |pool: &mut BufferPool<T>, n: usize| pool.take(n);
        let is_mean = matches!(self, Op::Mean { .. });
        match self {
            Op::Leaf => unreachable!("leaves are not computed"),
            Op::Unary(u) => {
                let x = x.expect("unary op has an input");
                u.map_in(x, take(pool, x.numel()))
            }
            Op::Binary(b) => {
                let (l, r) = (inputs[0], inputs[1]);
                let n = l.numel().max(r.numel());
                b.map_in(l, r, take(pool, n))
            }
            Op::Sum { axes, keepdim } | Op::Mean { axes, keepdim } => {
                let x = x.expect("reduction has an input");
                reduce(x, axes.as_deref(), *keepdim, is_mean, pool)
            }
            Op::Matmul { ta, tb } => {
                let buf = take(
                    pool,
                    matmul_len(inputs[0].shape(), inputs[1].shape(), *ta, *tb),
                );
                inputs[0].matmul_t_in(inputs[1], *ta, *tb, buf)
            }
            Op::Permute(perm) => {
                let x = x.expect("permute has an input");
                x.permute_in(perm, take(pool, x.numel()))
            }
            Op::Reshape => {
                let x = x.expect("reshape has an input");
                let mut out = pool.copy_of(x);
                out.reshape_inplace(target_shape);
                out
            }
            Op::BroadcastTo => {
                let x = x.expect("broadcast_to has an input");
                x.broadcast_to_in(target_shape, take(pool, numel(target_shape)))
            }
            Op::SelectRows(idx) => {
                let x = x.expect("select_rows has an input");
                let width = x.numel() / x.shape().first().copied().unwrap_or(1).max(1);
                x.select_rows_in(idx, take(pool, idx.len() * width))
            }
            Op::GatherRows(cols) => {
                let x = x.expect("gather_rows has an input");
                x.gather_rows_in(cols, take(pool, cols.len()))
            }
            Op::Concat(axis) => {
                let len = inputs.iter().map(|t| t.numel()).sum();
                Tensor::concat_in(inputs, *axis, take(pool, len))
            }
            Op::Custom(c) => c.forward(inputs, pool),
        }
    }

    /// The vector-Jacobian product for input `i`: how the gradient `g` of the output flows
    /// back to `inputs[i]`, shaped like that input.
    pub(crate) fn vjp(
        &self,
        i: usize,
        inputs: &[&Tensor<T>],
        out: &Tensor<T>,
        g: &Tensor<T>,
        pool: &mut BufferPool<T>,
    ) -> Option<Tensor<T>> {
        let x = inputs[i];
        Some(match self {
            Op::Leaf => unreachable!("leaves have no inputs"),
            Op::Unary(u) => u.vjp_in(g, x, out, pool.take(g.numel())),
            Op::Binary(b) => binary_vjp(*b, i, inputs, out, g, pool),
            Op::Sum { axes, .. } | Op::Mean { axes, .. } => {
                let mean = matches!(self, Op::Mean { .. });
                let kept = keepdim_shape(x.shape(), axes.as_deref());
                let scale = if mean {
                    T::ONE / T::from_usize(x.numel() / numel(&kept).max(1))
                } else {
                    T::ONE
                };
                let mut g_kept = pool.copy_of(g);
                g_kept.reshape_inplace(&kept);
                if mean {
                    g_kept.map_inplace(|v| v * scale);
                }
                let spread = g_kept.broadcast_to_in(x.shape(), pool.take(x.numel()));
                pool.recycle(g_kept);
                spread
            }
            Op::Matmul { ta, tb } => matmul_vjp(i, *ta, *tb, inputs, g, pool),
            Op::Permute(perm) => g.permute_in(&inverse_permutation(perm), pool.take(g.numel())),
            Op::Reshape => {
                let mut r = pool.copy_of(g);
                r.reshape_inplace(x.shape());
                r
            }
            Op::BroadcastTo => g.sum_to_shape_in(x.shape(), pool.take(x.numel())),
            Op::SelectRows(idx) => g.index_add_rows_in(idx, x.shape()[0], pool.take(x.numel())),
            Op::GatherRows(cols) => g.scatter_rows_in(cols, x.shape()[1], pool.take(x.numel())),
            Op::Concat(axis) => {
                let start: usize = inputs[..i].iter().map(|t| t.shape()[*axis]).sum();
                g.narrow_in(*axis, start, x.shape()[*axis], pool.take(x.numel()))
            }
            Op::Custom(c) => return c.vjp(i, inputs, out, g, pool),
        })
    }
}

fn reduce<T: Float>(
    x: &Tensor<T>,
    axes: Option<&[usize]>,
    keepdim: bool,
    mean: bool,
    pool: &mut BufferPool<T>,
) -> Tensor<T> {
    match axes {
        None => {
            let s = if mean { x.mean() } else { x.sum() };
            let shape: Shape = if keepdim {
                SmallVec::from_elem(1, x.ndim())
            } else {
                Shape::new()
            };
            pool.full(&shape, s)
        }
        Some(a) => {
            let buf = pool.take(numel(&keepdim_shape(x.shape(), Some(a))));
            if mean {
                x.mean_axes_in(a, keepdim, buf)
            } else {
                x.sum_axes_in(a, keepdim, buf)
            }
        }
    }
}

/// Element count of a matmul's output (shapes are checked by the product itself).
fn matmul_len(a: &[usize], b: &[usize], ta: bool, tb: bool) -> usize {
    if a.len() < 2 || b.len() < 2 {
        return 0;
    }
    let m = if ta { a[a.len() - 1] } else { a[a.len() - 2] };
    let n = if tb { b[b.len() - 2] } else { b[b.len() - 1] };
    let batch = numel(&a[..a.len() - 2]).max(numel(&b[..b.len() - 2]));
    batch * m * n
}

fn binary_vjp<T: Float>(
    b: Binary,
    i: usize,
    inputs: &[&Tensor<T>],
    out: &Tensor<T>,
    g: &Tensor<T>,
    pool: &mut BufferPool<T>,
) -> Tensor<T> {
    let x = inputs[i];
    let same_shape = x.shape() == out.shape();
    // Add and sub pass the gradient through unchanged (negated for sub's right side).
    let full = match b {
        Binary::Add => None,
        Binary::Sub if i == 0 => None,
        Binary::Sub => Some(g.map_in(pool.take(g.numel()), |v| -v)),
        _ => {
            let (l, r) = (inputs[0], inputs[1]);
            let mut d = if same_shape && l.shape() == r.shape() {
                l.zip3_map_in(r, out, pool.take(g.numel()), b.name(), |p, q, y| {
                    b.partial(i, p, q, y)
                })
            } else {
                // Broadcast l and r to the output shape before taking partials.
                let lb = l.broadcast_to_in(out.shape(), pool.take(out.numel()));
                let rb = r.broadcast_to_in(out.shape(), pool.take(out.numel()));
                let d = lb.zip3_map_in(&rb, out, pool.take(out.numel()), b.name(), |p, q, y| {
                    b.partial(i, p, q, y)
                });
                pool.recycle(lb);
                pool.recycle(rb);
                d
            };
            d.zip_assign(g, b.name(), |d, g| d * g);
            Some(d)
        }
    };
    match full {
        None if same_shape => pool.copy_of(g),
        None => g.sum_to_shape_in(x.shape(), pool.take(x.numel())),
        Some(d) if same_shape => d,
        Some(d) => {
            let r = d.sum_to_shape_in(x.shape(), pool.take(x.numel()));
            pool.recycle(d);
            r
        }
    }
}

/// For `C = op(A) op(B)`: `dA` from `d op(A) = G op(B)^T`, `dB` from `d op(B) = op(A)^T G`,
/// using transposed operands instead of transposed copies. A 2-D side used for every batch
/// gets the sum over batches.
fn matmul_vjp<T: Float>(
    i: usize,
    ta: bool,
    tb: bool,
    inputs: &[&Tensor<T>],
    g: &Tensor<T>,
    pool: &mut BufferPool<T>,
) -> Tensor<T> {
    let (a, b) = (inputs[0], inputs[1]);
    let buf = pool.take(inputs[i].numel());
    let full = match (i, ta, tb) {
        (0, false, _) => g.matmul_t_in(b, false, !tb, buf),
        (0, true, _) => b.matmul_t_in(g, tb, true, buf),
        (_, _, false) => a.matmul_t_in(g, !ta, false, buf),
        (_, _, true) => g.matmul_t_in(a, true, ta, buf),
    };
    let x = inputs[i];
    if full.shape() == x.shape() {
        full
    } else {
        let r = full.sum_to_shape_in(x.shape(), pool.take(x.numel()));
        pool.recycle(full);
        r
    }
}
