//! Sums and means, over every axis or over some.

use super::rule::Backprop;
use super::{Axes, Op, Primitive};
use crate::float::Float;
use crate::scratch::Scratch;
use crate::shape::{Shape, keepdim_shape, numel};
use crate::tape::Var;
use crate::tensor::Tensor;
use smallvec::{SmallVec, smallvec};
use std::borrow::Cow;

/// Sum or mean over `axes` (every axis when `None`, giving a scalar unless `keepdim`).
pub(crate) struct Reduce {
    axes: Option<Axes>,
    keepdim: bool,
    mean: bool,
}

impl<'t, T: Float> Var<'t, T> {
    /// Sum of all elements, as a scalar.
    pub fn sum(self) -> Self {
        self.reduce(None, false, false)
    }

    /// Mean of all elements, as a scalar.
    pub fn mean(self) -> Self {
        self.reduce(None, false, true)
    }

    /// Sums over `axes`; with `keepdim` they stay with extent 1.
    ///
    /// # Panics
    /// If an axis is out of range.
    pub fn sum_axes(self, axes: &[usize], keepdim: bool) -> Self {
        self.reduce(Some(axes.into()), keepdim, false)
    }

    /// Means over `axes`; with `keepdim` they stay with extent 1.
    ///
    /// # Panics
    /// If an axis is out of range.
    pub fn mean_axes(self, axes: &[usize], keepdim: bool) -> Self {
        self.reduce(Some(axes.into()), keepdim, true)
    }

    fn reduce(self, axes: Option<Axes>, keepdim: bool, mean: bool) -> Self {
        let op = Reduce {
            axes,
            keepdim,
            mean,
        };
        self.tape.record(Op::Reduce(op), smallvec![self.key])
    }
}

impl<T: Float> Primitive<T> for Reduce {
    fn name(&self) -> Cow<'_, str> {
        let what = if self.mean { "mean" } else { "sum" };
        match &self.axes {
            None => what.into(),
            Some(axes) => format!("{what} axes {axes:?}").into(),
        }
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let x = inputs[0];
        match &self.axes {
            None => {
                let total = if self.mean { x.mean() } else { x.sum() };
                let shape: Shape = if self.keepdim {
                    SmallVec::from_elem(1, x.ndim())
                } else {
                    Shape::new()
                };
                s.full(&shape, total)
            }
            Some(axes) => {
                let mut out = s.sum_axes(x, axes, self.keepdim);
                if self.mean {
                    let count = T::from_usize(x.numel() / out.numel().max(1));
                    out.map_inplace(|v| v / count);
                }
                out
            }
        }
    }

    /// Every element of a reduced group moves the sum by 1 (the mean by 1 over the group's
    /// size): the gradient is spread back over the reduced axes.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, x: &[B::V], g: B::V) -> B::V {
        let shape = b.shape(x[0]);
        let kept = keepdim_shape(&shape, self.axes.as_deref());
        let g = b.reshape(g, &kept);
        let g = if self.mean {
            b.scale(
                g,
                T::ONE / T::from_usize(numel(&shape) / numel(&kept).max(1)),
            )
        } else {
            g
        };
        b.broadcast_to(g, &shape)
    }
}
