//! Moving elements without arithmetic: reshape, permute (and transpose), broadcast_to and its
//! reverse, sum_to_shape. Each one's gradient is its partner applied to the gradient.

use super::rule::Backprop;
use super::{Axes, Op, Primitive};
use crate::float::Float;
use crate::scratch::Scratch;
use crate::shape::{Shape, ShapeDisplay, can_broadcast_to, numel};
use crate::tape::Var;
use crate::tensor::Tensor;
use crate::tensor::layout::{inverse_permutation, transpose_perm};
use smallvec::smallvec;
use std::borrow::Cow;

/// The same elements under a new shape.
pub(crate) struct Reshape(Shape);
/// Axis `i` of the result is axis `perm[i]` of the input.
pub(crate) struct Permute(Axes);
/// Repeated along broadcast axes to this shape.
pub(crate) struct BroadcastTo(Shape);
/// Summed back to this shape, which broadcasts to the input's.
pub(crate) struct SumTo(Shape);

impl<'t, T: Float> Var<'t, T> {
    /// The same elements under a new shape.
    ///
    /// # Panics
    /// If the element counts differ.
    pub fn reshape(self, shape: &[usize]) -> Self {
        let from = self.shape();
        assert!(
            numel(&from) == numel(shape),
            "reshape: cannot view shape {} ({} elements) as shape {} ({} elements)",
            ShapeDisplay(&from),
            numel(&from),
            ShapeDisplay(shape),
            numel(shape)
        );
        self.tape
            .record(Op::Reshape(Reshape(shape.into())), smallvec![self.key])
    }

    /// Reorders the axes: axis `i` of the result is axis `perm[i]` of this var.
    ///
    /// # Panics
    /// If `perm` is not a permutation of the axes.
    pub fn permute(self, perm: &[usize]) -> Self {
        self.tape
            .record(Op::Permute(Permute(perm.into())), smallvec![self.key])
    }

    /// Swaps the last two axes.
    ///
    /// # Panics
    /// If the var has fewer than two axes.
    pub fn transpose(self) -> Self {
        self.permute(&transpose_perm("transpose", &self.shape()))
    }

    /// Repeats along broadcast axes to reach `shape`.
    ///
    /// # Panics
    /// If this shape does not broadcast to `shape`.
    pub fn broadcast_to(self, shape: &[usize]) -> Self {
        let from = self.shape();
        assert!(
            can_broadcast_to(&from, shape),
            "broadcast_to: shape {} cannot be broadcast to shape {}",
            ShapeDisplay(&from),
            ShapeDisplay(shape)
        );
        self.tape.record(
            Op::BroadcastTo(BroadcastTo(shape.into())),
            smallvec![self.key],
        )
    }

    /// Sums back to a shape that broadcasts to this one: the reverse of
    /// [`Var::broadcast_to`] (see [`Tensor::sum_to_shape`]).
    ///
    /// # Panics
    /// If `shape` does not broadcast to this var's shape.
    pub fn sum_to_shape(self, shape: &[usize]) -> Self {
        let from = self.shape();
        assert!(
            can_broadcast_to(shape, &from),
            "sum_to_shape: a var of shape {} cannot be summed to shape {} (that shape does not \
             broadcast to it)",
            ShapeDisplay(&from),
            ShapeDisplay(shape)
        );
        self.tape
            .record(Op::SumTo(SumTo(shape.into())), smallvec![self.key])
    }
}

impl<T: Float> Primitive<T> for Reshape {
    fn name(&self) -> Cow<'_, str> {
        "reshape".into()
    }

    fn rule(&self, _i: usize, shapes: &[&[usize]]) -> String {
        format!("dL/dx = g reshaped to {}", ShapeDisplay(shapes[0]))
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let mut out = s.copy_of(inputs[0]);
        out.reshape_inplace(&self.0);
        out
    }

    /// The gradient, viewed in the input's shape.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
        let shape = b.shape(x[0]);
        Some(b.reshape(g, &shape))
    }
}

impl<T: Float> Primitive<T> for Permute {
    fn name(&self) -> Cow<'_, str> {
        format!("permute {:?}", self.0).into()
    }

    fn rule(&self, _i: usize, _shapes: &[&[usize]]) -> String {
        let inverse = inverse_permutation(&self.0);
        format!(
            "dL/dx = g with its axes permuted by {:?}",
            inverse.as_slice()
        )
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        inputs[0].permute_in(&self.0, s.take(inputs[0].numel()))
    }

    /// The gradient with the axes put back: the inverse permutation.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, _x: &[B::V], g: B::V) -> Option<B::V> {
        Some(b.permute(g, &inverse_permutation(&self.0)))
    }
}

impl<T: Float> Primitive<T> for BroadcastTo {
    fn name(&self) -> Cow<'_, str> {
        "broadcast_to".into()
    }

    fn rule(&self, _i: usize, shapes: &[&[usize]]) -> String {
        format!("dL/dx = g summed to {}", ShapeDisplay(shapes[0]))
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        s.broadcast_to(inputs[0], &self.0)
    }

    /// Each input element was copied to many outputs: their gradients add up.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
        let shape = b.shape(x[0]);
        Some(b.sum_to_shape(g, &shape))
    }
}

impl<T: Float> Primitive<T> for SumTo {
    fn name(&self) -> Cow<'_, str> {
        format!("sum_to_shape {}", ShapeDisplay(&self.0)).into()
    }

    fn rule(&self, _i: usize, shapes: &[&[usize]]) -> String {
        format!("dL/dx = g broadcast to {}", ShapeDisplay(shapes[0]))
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        s.sum_to_shape(inputs[0], &self.0)
    }

    /// Each input element moved one output by 1: the gradient is copied back out.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
        let shape = b.shape(x[0]);
        Some(b.broadcast_to(g, &shape))
    }
}
