//! Sums and means, over every axis or over some.

use super::rule::Backprop;
use super::{Axes, Op, Primitive};
use crate::float::Float;
use crate::scratch::Scratch;
use crate::shape::{Shape, ShapeDisplay, keepdim_shape, numel};
use crate::tape::Var;
use crate::tensor::Tensor;
use smallvec::{SmallVec, smallvec};
use std::borrow::Cow;

/// Maximum (or minimum) over `axes`.
pub(crate) struct Extreme {
    axes: Axes,
    keepdim: bool,
    max: bool,
}

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

    /// Maxima over `axes`; with `keepdim` they stay with extent 1. Where several elements tie
    /// for a maximum, its gradient is shared equally among them (each gets `g / ties`), so the
    /// gradient is a valid subgradient that keeps symmetric inputs symmetric.
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::from_vec(vec![1.0, 3.0, 3.0, 2.0, 0.0, -1.0], &[2, 3]));
    /// let m = x.max_axes(&[1], false);
    /// assert_eq!(m.value().data(), &[3.0, 2.0]);
    /// assert_eq!(m.sum().backward()[x].data(), &[0.0, 0.5, 0.5, 1.0, 0.0, 0.0]);
    /// ```
    ///
    /// # Panics
    /// If an axis is out of range.
    pub fn max_axes(self, axes: &[usize], keepdim: bool) -> Self {
        self.extreme(axes, keepdim, true)
    }

    /// Minima over `axes`; ties share the gradient as for [`Var::max_axes`].
    ///
    /// # Panics
    /// If an axis is out of range.
    pub fn min_axes(self, axes: &[usize], keepdim: bool) -> Self {
        self.extreme(axes, keepdim, false)
    }

    /// `ln sum e^x` over `axes`, computed from the maximum `m` as `m + ln sum e^(x - m)`, so
    /// that it neither overflows nor underflows; a lane of only `-inf` gives `-inf`. Its
    /// gradient is the softmax of the lane.
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::from_vec(vec![1000.0, 1000.0], &[2]));
    /// let l = x.logsumexp(&[0], false);
    /// assert!((l.item() - (1000.0 + 2.0_f64.ln())).abs() < 1e-12);
    /// assert_eq!(l.backward()[x].data(), &[0.5, 0.5]);
    /// ```
    ///
    /// # Panics
    /// If an axis is out of range.
    pub fn logsumexp(self, axes: &[usize], keepdim: bool) -> Self {
        // The shift is a constant: the result does not depend on it, so no gradient is lost.
        let shift = self.tape.map_value(self, |x, s| {
            let mut m = x.reduce_axes_in(
                "logsumexp",
                axes,
                true,
                s.take(x.numel()),
                T::NEG_INFINITY,
                T::max,
            );
            m.map_inplace(|v| if v.is_finite() { v } else { T::ZERO });
            m
        });
        let shift = self.tape.constant(shift);
        let total = (self - shift).exp().sum_axes(axes, true).ln() + shift;
        if keepdim {
            total
        } else {
            let shape = self.shape();
            let kept: Axes = (0..shape.len()).filter(|a| !axes.contains(a)).collect();
            let reduced: Axes = kept.iter().map(|&a| shape[a]).collect();
            total.reshape(&reduced)
        }
    }

    fn extreme(self, axes: &[usize], keepdim: bool, max: bool) -> Self {
        let op = Extreme {
            axes: axes.into(),
            keepdim,
            max,
        };
        self.tape.record(Op::Extreme(op), smallvec![self.key])
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

    fn rule(&self, _i: usize, shapes: &[&[usize]]) -> String {
        let shape = ShapeDisplay(shapes[0]);
        if self.mean {
            let n =
                numel(shapes[0]) / numel(&keepdim_shape(shapes[0], self.axes.as_deref())).max(1);
            format!("dL/dx = g / {n} broadcast to {shape}")
        } else {
            format!("dL/dx = g broadcast to {shape}")
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
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
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
        Some(b.broadcast_to(g, &shape))
    }
}

impl<T: Float> Primitive<T> for Extreme {
    fn name(&self) -> Cow<'_, str> {
        let what = if self.max { "max" } else { "min" };
        format!("{what} axes {:?}", self.axes).into()
    }

    fn rule(&self, _i: usize, _shapes: &[&[usize]]) -> String {
        let which = if self.max { "maximum" } else { "minimum" };
        format!("dL/dx = g at each group's {which} (shared among ties), 0 elsewhere")
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let x = inputs[0];
        let len = numel(&keepdim_shape(x.shape(), Some(&self.axes)));
        x.extreme_axes_in(&self.axes, self.keepdim, self.max, s.take(len))
    }

    /// The gradient of each group goes to the element that holds its extreme, shared equally
    /// among ties.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
        let shape = b.shape(x[0]);
        let kept = keepdim_shape(&shape, Some(&self.axes));
        let g = b.reshape(g, &kept);
        let g = b.broadcast_to(g, &shape);
        let shares = b.extreme_shares(x[0], &self.axes, self.max);
        Some(b.mul(g, shares))
    }
}
