//! Choosing by a condition: `where_cond` (on-true or on-false, element by element) and
//! `masked` (the value or zero), each broadcasting its inputs. No gradient flows into a
//! condition; the gradient of each chosen side is the gradient where it was chosen.

use super::rule::Backprop;
use super::{Op, Primitive};
use crate::float::Float;
use crate::scratch::Scratch;
use crate::shape::{Shape, broadcast_or_panic};
use crate::tape::Var;
use crate::tensor::Tensor;
use smallvec::smallvec;
use std::borrow::Cow;

/// Inputs `[condition, on_true, on_false]`: `on_true` where the condition is nonzero, else
/// `on_false`.
pub(crate) struct Where;

/// Inputs `[condition, value]`: the value where `(condition != 0) == keep`, else 0.
pub(crate) struct Masked {
    keep: bool,
}

impl<'t, T: Float> Var<'t, T> {
    /// `on_true` where this var (the condition) is nonzero, `on_false` elsewhere, the three
    /// broadcast together (NumPy's and PyTorch's `where`). The gradient of each side is the
    /// incoming gradient where that side was chosen and 0 elsewhere; none flows into the
    /// condition. Unlike `mask * a + (1 - mask) * b`, an infinite or NaN value on the side not
    /// chosen does not leak into the result or its gradient.
    ///
    /// ```
    /// use nabla_autodiff::{Comparison, Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::from_vec(vec![-2.0, 0.5, 3.0], &[3]));
    /// let big = x.mask(Comparison::Gt, 1.0);
    /// let y = big.where_cond(x.ln(), x * 0.5); // ln x above 1, x / 2 below
    /// assert_eq!(y.value().data()[0], -1.0);
    /// assert_eq!(y.sum().backward()[x].data(), &[0.5, 0.5, 1.0 / 3.0]);
    /// ```
    ///
    /// # Panics
    /// If the shapes do not broadcast together.
    pub fn where_cond(self, on_true: Var<'t, T>, on_false: Var<'t, T>) -> Self {
        let (t, f) = (
            self.tape.own(on_true, "where_cond"),
            self.tape.own(on_false, "where_cond"),
        );
        broadcast_or_panic(
            "where_cond",
            &broadcast_or_panic("where_cond", &self.shape(), &on_true.shape()),
            &on_false.shape(),
        );
        self.tape
            .record(Op::Where(Where), smallvec![self.key, t, f])
    }

    /// `value` where this var (the condition) is nonzero and `keep` is true, or where it is
    /// zero and `keep` is false; 0 elsewhere. How [`Var::where_cond`] sends gradients back.
    pub(crate) fn masked(self, value: Var<'t, T>, keep: bool) -> Self {
        let v = self.tape.own(value, "masked");
        self.tape
            .record(Op::Masked(Masked { keep }), smallvec![self.key, v])
    }
}

/// The shape `shapes` broadcast to.
fn broadcast_all(op: &str, shapes: &[&[usize]]) -> Shape {
    shapes
        .iter()
        .fold(Shape::new(), |acc, s| broadcast_or_panic(op, &acc, s))
}

/// `x` broadcast to `shape`, borrowed when it already has it.
fn spread<'a, T: Float>(
    x: &'a Tensor<T>,
    shape: &[usize],
    s: &mut Scratch<T>,
) -> Cow<'a, Tensor<T>> {
    if x.shape() == shape {
        Cow::Borrowed(x)
    } else {
        Cow::Owned(s.broadcast_to(x, shape))
    }
}

/// Gives back the buffers of broadcast copies.
fn give_back<'a, T: Float>(
    copies: impl IntoIterator<Item = Cow<'a, Tensor<T>>>,
    s: &mut Scratch<T>,
) {
    for copy in copies {
        if let Cow::Owned(t) = copy {
            s.recycle(t);
        }
    }
}

impl<T: Float> Primitive<T> for Where {
    fn name(&self) -> Cow<'_, str> {
        "where".into()
    }

    fn rule(&self, i: usize, _shapes: &[&[usize]]) -> String {
        match i {
            0 => "none: the condition is not differentiated".into(),
            1 => "dL/da = g where the condition holds, else 0 (summed to a's shape)".into(),
            _ => "dL/db = g where the condition fails, else 0 (summed to b's shape)".into(),
        }
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let shape = broadcast_all(
            "where_cond",
            &[inputs[0].shape(), inputs[1].shape(), inputs[2].shape()],
        );
        let [c, t, f] = [0, 1, 2].map(|i| spread(inputs[i], &shape, s));
        let out = s.zip3_map(&c, &t, &f, |c, t, f| if c != T::ZERO { t } else { f });
        give_back([c, t, f], s);
        out
    }

    /// Each side gets the gradient where it was chosen, summed back to its shape.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
        if i == 0 {
            return None;
        }
        let chosen = b.masked(x[0], g, i == 1);
        let shape = b.shape(x[i]);
        Some(b.sum_to_shape(chosen, &shape))
    }
}

impl<T: Float> Primitive<T> for Masked {
    fn name(&self) -> Cow<'_, str> {
        if self.keep { "masked" } else { "masked (not)" }.into()
    }

    fn rule(&self, i: usize, _shapes: &[&[usize]]) -> String {
        match (i, self.keep) {
            (0, _) => "none: the mask is not differentiated".into(),
            (_, true) => "dL/dv = g where the mask is not 0, else 0".into(),
            (_, false) => "dL/dv = g where the mask is 0, else 0".into(),
        }
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let keep = self.keep;
        s.zip_map(inputs[0], inputs[1], move |c, v| {
            if (c != T::ZERO) == keep { v } else { T::ZERO }
        })
    }

    /// The value's gradient where it was kept, 0 elsewhere; none for the condition.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
        if i == 0 {
            return None;
        }
        let kept = b.masked(x[0], g, self.keep);
        let shape = b.shape(x[1]);
        Some(b.sum_to_shape(kept, &shape))
    }
}
