//! The matrix product, batched over leading axes, with transposed operands read in place.

use super::rule::Backprop;
use super::{Op, Primitive};
use crate::float::Float;
use crate::scratch::Scratch;
use crate::tape::Var;
use crate::tensor::Tensor;
use smallvec::smallvec;
use std::borrow::Cow;

/// `op(a) op(b)`, `op` transposing the last two axes where its flag is set.
pub(crate) struct Matmul {
    ta: bool,
    tb: bool,
}

impl<'t, T: Float> Var<'t, T> {
    /// Matrix product, batched over leading axes (see [`Tensor::matmul`]).
    pub fn matmul(self, other: Var<'t, T>) -> Self {
        self.matmul_t(other, false, false)
    }

    /// `op(self) op(other)` where `op` transposes the last two axes when its flag is set,
    /// without copying.
    pub fn matmul_t(self, other: Var<'t, T>, transpose_self: bool, transpose_other: bool) -> Self {
        let other = self.tape.own(other, "matmul");
        let op = Matmul {
            ta: transpose_self,
            tb: transpose_other,
        };
        self.tape.record(Op::Matmul(op), smallvec![self.key, other])
    }
}

impl<T: Float> Primitive<T> for Matmul {
    fn name(&self) -> Cow<'_, str> {
        match (self.ta, self.tb) {
            (false, false) => "matmul".into(),
            (ta, tb) => format!(
                "matmul{}{}",
                if ta { " a^T" } else { "" },
                if tb { " b^T" } else { "" }
            )
            .into(),
        }
    }

    fn rule(&self, i: usize, _shapes: &[&[usize]]) -> String {
        let rule = match (i, self.ta, self.tb) {
            (0, false, false) => "dL/dA = g · Bᵀ",
            (0, false, true) => "dL/dA = g · B",
            (0, true, false) => "dL/dA = B · gᵀ",
            (0, true, true) => "dL/dA = Bᵀ · gᵀ",
            (_, false, false) => "dL/dB = Aᵀ · g",
            (_, true, false) => "dL/dB = A · g",
            (_, false, true) => "dL/dB = gᵀ · A",
            (_, true, true) => "dL/dB = gᵀ · Aᵀ",
        };
        rule.to_string()
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        s.matmul_t(inputs[0], inputs[1], self.ta, self.tb)
    }

    /// For `C = op(A) op(B)`: `d op(A) = G op(B)^T` and `d op(B) = op(A)^T G`, each taken with
    /// transposed operands rather than transposed copies. A 2-D side used for every batch gets
    /// the sum over the batches.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
        let (lhs, rhs) = (x[0], x[1]);
        let full = match (i, self.ta, self.tb) {
            (0, false, tb) => b.matmul_t(g, rhs, false, !tb),
            (0, true, tb) => b.matmul_t(rhs, g, tb, true),
            (_, ta, false) => b.matmul_t(lhs, g, !ta, false),
            (_, ta, true) => b.matmul_t(g, lhs, true, ta),
        };
        let shape = b.shape(x[i]);
        Some(b.sum_to_shape(full, &shape))
    }
}
