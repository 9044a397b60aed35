//! Joining and slicing along an axis: `concat`, `narrow`, and `pad` (a tensor placed into
//! zeros, the reverse of `narrow`). The gradient of each is a slice or a padding of the
//! gradient.

use super::rule::Backprop;
use super::{Op, Primitive};
use crate::float::Float;
use crate::scratch::Scratch;
use crate::shape::{ShapeDisplay, check_axis};
use crate::tape::{Inputs, Var};
use crate::tensor::Tensor;
use smallvec::smallvec;
use std::borrow::Cow;

/// The inputs joined along `axis`.
pub(crate) struct Concat {
    axis: usize,
}

/// The slice `start..start + len` along `axis`.
pub(crate) struct Narrow {
    axis: usize,
    start: usize,
    len: usize,
}

/// The input placed at `start` along `axis` of a zero tensor of extent `extent` there.
pub(crate) struct Pad {
    axis: usize,
    start: usize,
    extent: usize,
}

impl<'t, T: Float> Var<'t, T> {
    /// Joins vars along an axis.
    ///
    /// # Panics
    /// If `parts` is empty or the shapes disagree outside `axis`.
    pub fn concat(parts: &[Var<'t, T>], axis: usize) -> Self {
        assert!(!parts.is_empty(), "concat: needs at least one var");
        let tape = parts[0].tape;
        let keys: Inputs = parts.iter().map(|v| tape.own(*v, "concat")).collect();
        tape.record(Op::Concat(Concat { axis }), keys)
    }

    /// The slice `start..start + len` along `axis`.
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::from_fn(&[2, 3], |i| i as f64));
    /// assert_eq!(x.narrow(1, 1, 2).value().data(), &[1.0, 2.0, 4.0, 5.0]);
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range or the slice does not fit in it.
    pub fn narrow(self, axis: usize, start: usize, len: usize) -> Self {
        let shape = self.shape();
        check_axis("narrow", axis, &shape);
        assert!(
            start + len <= shape[axis],
            "narrow: range {start}..{} is outside axis {axis} of shape {}",
            start + len,
            ShapeDisplay(&shape)
        );
        let op = Narrow { axis, start, len };
        self.tape.record(Op::Narrow(op), smallvec![self.key])
    }

    /// This var placed at `start..` along `axis` of a zero tensor whose extent there is
    /// `extent` (see [`Tensor::pad`]).
    ///
    /// # Panics
    /// If the axis is out of range or the var does not fit at `start`.
    pub fn pad(self, axis: usize, start: usize, extent: usize) -> Self {
        let shape = self.shape();
        check_axis("pad", axis, &shape);
        assert!(
            start + shape[axis] <= extent,
            "pad: a var of shape {} does not fit at {start}..{} of an axis of extent {extent}",
            ShapeDisplay(&shape),
            start + shape[axis]
        );
        let op = Pad {
            axis,
            start,
            extent,
        };
        self.tape.record(Op::Pad(op), smallvec![self.key])
    }
}

impl<T: Float> Primitive<T> for Concat {
    fn name(&self) -> Cow<'_, str> {
        format!("concat axis {}", self.axis).into()
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let len = inputs.iter().map(|t| t.numel()).sum();
        Tensor::concat_in(inputs, self.axis, s.take(len))
    }

    /// Each input gets the slice of the gradient where it sat.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, i: usize, x: &[B::V], g: B::V) -> B::V {
        let start = x[..i].iter().map(|&v| b.shape(v)[self.axis]).sum();
        let len = b.shape(x[i])[self.axis];
        b.narrow(g, self.axis, start, len)
    }
}

impl<T: Float> Primitive<T> for Narrow {
    fn name(&self) -> Cow<'_, str> {
        let end = self.start + self.len;
        format!("narrow axis {} [{}..{end}]", self.axis, self.start).into()
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let x = inputs[0];
        let n = x.numel() / x.shape()[self.axis].max(1) * self.len;
        x.narrow_in(self.axis, self.start, self.len, s.take(n))
    }

    /// The gradient put back in place, zero where the slice left elements out.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, x: &[B::V], g: B::V) -> B::V {
        let extent = b.shape(x[0])[self.axis];
        b.pad(g, self.axis, self.start, extent)
    }
}

impl<T: Float> Primitive<T> for Pad {
    fn name(&self) -> Cow<'_, str> {
        format!(
            "pad axis {} at {} to {}",
            self.axis, self.start, self.extent
        )
        .into()
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let x = inputs[0];
        let n = x.numel() / x.shape()[self.axis].max(1) * self.extent;
        x.pad_in(self.axis, self.start, self.extent, s.take(n))
    }

    /// The slice of the gradient where the input sat.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, x: &[B::V], g: B::V) -> B::V {
        let len = b.shape(x[0])[self.axis];
        b.narrow(g, self.axis, self.start, len)
    }
}
