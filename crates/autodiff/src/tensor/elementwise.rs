//! Element-wise maps, broadcasting binary operations, comparisons and operator overloads.

use super::Tensor;
use crate::float::Float;
use crate::shape::{ShapeDisplay, broadcast_or_panic, broadcast_strides, numel};
use std::ops::{Add, Div, Mul, Neg, Sub};

/// An element-wise comparison, giving 1 where it holds and 0 where it does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// a == b
    Eq,
    /// a != b
    Ne,
    /// a < b
    Lt,
    /// a <= b
    Le,
    /// a > b
    Gt,
    /// a >= b
    Ge,
}

impl Comparison {
    /// Whether `a cmp b` holds.
    pub(crate) fn holds<T: Float>(self, a: T, b: T) -> bool {
        match self {
            Comparison::Eq => a == b,
            Comparison::Ne => a != b,
            Comparison::Lt => a < b,
            Comparison::Le => a <= b,
            Comparison::Gt => a > b,
            Comparison::Ge => a >= b,
        }
    }
}

impl<T: Float> Tensor<T> {
    /// Applies `f` to every element.
    pub fn map(&self, f: impl Fn(T) -> T) -> Self {
        self.map_in(Vec::new(), f)
    }

    /// [`Tensor::map`] writing into a reused buffer.
    pub(crate) fn map_in(&self, buf: Vec<T>, f: impl Fn(T) -> T) -> Self {
        Tensor::build_in(buf, self.shape(), |out| {
            out.extend(self.data().iter().map(|&x| f(x)))
        })
    }

    /// Applies `f` to every element in place.
    pub fn map_inplace(&mut self, f: impl Fn(T) -> T) {
        self.data_mut().iter_mut().for_each(|x| *x = f(*x));
    }

    /// Combines two tensors element by element after broadcasting them to a common shape.
    ///
    /// `op` names the operation in the panic message when the shapes do not broadcast.
    pub fn zip_map(&self, other: &Self, op: &str, f: impl Fn(T, T) -> T) -> Self {
        self.zip_map_in(other, Vec::new(), op, f)
    }

    /// [`Tensor::zip_map`] writing into a reused buffer.
    pub(crate) fn zip_map_in(
        &self,
        other: &Self,
        buf: Vec<T>,
        op: &str,
        f: impl Fn(T, T) -> T,
    ) -> Self {
        if self.shape() == other.shape() {
            return Tensor::build_in(buf, self.shape(), |out| {
                out.extend(self.data().iter().zip(other.data()).map(|(&a, &b)| f(a, b)))
            });
        }
        let shape = broadcast_or_panic(op, self.shape(), other.shape());
        Tensor::build_in(buf, &shape, |out| {
            broadcast_zip(self, other, &shape, |a, b| out.push(f(a, b)))
        })
    }

    /// Combines three same-shaped tensors element by element.
    ///
    /// # Panics
    /// If the shapes differ; `op` names the operation in the message.
    pub(crate) fn zip3_map_in(
        &self,
        b: &Self,
        c: &Self,
        buf: Vec<T>,
        op: &str,
        f: impl Fn(T, T, T) -> T,
    ) -> Self {
        assert!(
            self.shape() == b.shape() && b.shape() == c.shape(),
            "{op}: shapes {}, {} and {} must be equal",
            ShapeDisplay(self.shape()),
            ShapeDisplay(b.shape()),
            ShapeDisplay(c.shape())
        );
        Tensor::build_in(buf, self.shape(), |out| {
            out.extend(
                self.data()
                    .iter()
                    .zip(b.data())
                    .zip(c.data())
                    .map(|((&x, &y), &z)| f(x, y, z)),
            )
        })
    }

    /// `self += other`, with `other` broadcast to `self`'s shape.
    ///
    /// # Panics
    /// If `other` does not broadcast to `self`'s shape.
    pub fn add_assign_broadcast(&mut self, other: &Self) {
        self.zip_assign(other, "add_assign", |a, b| a + b);
    }

    /// `self[i] = f(self[i], other[i])`, with `other` broadcast to `self`'s shape.
    ///
    /// # Panics
    /// If `other` does not broadcast to `self`'s shape; `op` names the operation.
    pub fn zip_assign(&mut self, other: &Self, op: &str, f: impl Fn(T, T) -> T) {
        if self.shape() == other.shape() {
            self.data_mut()
                .iter_mut()
                .zip(other.data())
                .for_each(|(a, &b)| *a = f(*a, b));
            return;
        }
        let shape = broadcast_or_panic(op, self.shape(), other.shape());
        assert!(
            shape.as_slice() == self.shape(),
            "{op}: cannot write a result of shape {} into a tensor of shape {}",
            ShapeDisplay(&shape),
            ShapeDisplay(self.shape())
        );
        let data = self.data_mut();
        let mut i = 0;
        broadcast_zip(other, other, &shape, |b, _| {
            data[i] = f(data[i], b);
            i += 1;
        });
    }

    /// Element-wise maximum, broadcasting. NaN if either element is NaN.
    pub fn maximum(&self, other: &Self) -> Self {
        self.zip_map(other, "maximum", T::max)
    }

    /// Element-wise minimum, broadcasting. NaN if either element is NaN.
    pub fn minimum(&self, other: &Self) -> Self {
        self.zip_map(other, "minimum", T::min)
    }

    /// Element-wise comparison with broadcasting, giving a 0/1 mask (not differentiable).
    ///
    /// ```
    /// use nabla_autodiff::{Comparison, Tensor};
    /// let p = Tensor::from_vec(vec![0.2, 0.7, 0.5], &[3]);
    /// let classes = p.compare(&Tensor::scalar(0.5), Comparison::Ge);
    /// assert_eq!(classes.data(), &[0.0, 1.0, 1.0]);
    /// ```
    pub fn compare(&self, other: &Self, cmp: Comparison) -> Self {
        self.zip_map(other, "compare", |a, b| {
            if cmp.holds(a, b) { T::ONE } else { T::ZERO }
        })
    }

    /// Element-wise `self > other` as a 0/1 mask.
    pub fn gt(&self, other: &Self) -> Self {
        self.compare(other, Comparison::Gt)
    }

    /// Element-wise `self < other` as a 0/1 mask.
    pub fn lt(&self, other: &Self) -> Self {
        self.compare(other, Comparison::Lt)
    }

    /// Element-wise `self == other` as a 0/1 mask.
    pub fn eq_elems(&self, other: &Self) -> Self {
        self.compare(other, Comparison::Eq)
    }

    /// Whether the shapes are equal and every pair of elements is within `atol + rtol * |b|`.
    pub fn all_close(&self, other: &Self, rtol: T, atol: T) -> bool {
        self.shape() == other.shape()
            && self
                .data()
                .iter()
                .zip(other.data())
                .all(|(&a, &b)| (a - b).abs() <= atol + rtol * b.abs())
    }
}

/// Calls `f(a, b)` for each output element, in row-major order of `out_shape`, reading `a` and
/// `b` broadcast to it. The innermost axis runs as a tight loop.
pub(crate) fn broadcast_zip<T: Float>(
    a: &Tensor<T>,
    b: &Tensor<T>,
    out_shape: &[usize],
    mut f: impl FnMut(T, T),
) {
    let n = numel(out_shape);
    if n == 0 {
        return;
    }
    if out_shape.is_empty() {
        f(a.data()[0], b.data()[0]);
        return;
    }
    let sa = broadcast_strides(a.shape(), out_shape);
    let sb = broadcast_strides(b.shape(), out_shape);
    let last = out_shape.len() - 1;
    let inner = out_shape[last];
    let (ia, ib) = (sa[last], sb[last]);
    let (ad, bd) = (a.data(), b.data());
    let mut index = smallvec::SmallVec::<[usize; 4]>::from_elem(0, last);
    let (mut oa, mut ob) = (0usize, 0usize);
    for _ in 0..n / inner {
        for j in 0..inner {
            f(ad[oa + j * ia], bd[ob + j * ib]);
        }
        // Advance the outer multi-index like an odometer.
        for axis in (0..last).rev() {
            index[axis] += 1;
            oa += sa[axis];
            ob += sb[axis];
            if index[axis] < out_shape[axis] {
                break;
            }
            oa -= sa[axis] * out_shape[axis];
            ob -= sb[axis] * out_shape[axis];
            index[axis] = 0;
        }
    }
}

macro_rules! tensor_binary_op {
    ($trait:ident, $method:ident, $name:literal, $op:tt) => {
        impl<T: Float> $trait<&Tensor<T>> for &Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: &Tensor<T>) -> Tensor<T> {
                self.zip_map(rhs, $name, |a, b| a $op b)
            }
        }
        impl<T: Float> $trait<Tensor<T>> for Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: Tensor<T>) -> Tensor<T> {
                (&self).$method(&rhs)
            }
        }
        impl<T: Float> $trait<T> for &Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: T) -> Tensor<T> {
                self.map(|a| a $op rhs)
            }
        }
        impl<T: Float> $trait<T> for Tensor<T> {
            type Output = Tensor<T>;
            fn $method(mut self, rhs: T) -> Tensor<T> {
                self.map_inplace(|a| a $op rhs);
                self
            }
        }
    };
}

tensor_binary_op!(Add, add, "add", +);
tensor_binary_op!(Sub, sub, "sub", -);
tensor_binary_op!(Mul, mul, "mul", *);
tensor_binary_op!(Div, div, "div", /);

impl<T: Float> Neg for &Tensor<T> {
    type Output = Tensor<T>;
    fn neg(self) -> Tensor<T> {
        self.map(|a| -a)
    }
}

impl<T: Float> Neg for Tensor<T> {
    type Output = Tensor<T>;
    fn neg(mut self) -> Tensor<T> {
        self.map_inplace(|a| -a);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
        Tensor::from_vec(data.to_vec(), shape)
    }

    #[test]
    fn column_plus_row_broadcasts_to_a_grid() {
        let c = &t(&[1.0, 2.0, 3.0], &[3, 1]) + &t(&[10.0, 20.0, 30.0, 40.0], &[1, 4]);
        assert_eq!(c.shape(), &[3, 4]);
        assert_eq!(
            c.data(),
            &[11., 21., 31., 41., 12., 22., 32., 42., 13., 23., 33., 43.]
        );
    }

    #[test]
    fn broadcasting_in_three_dimensions() {
        let a = Tensor::<f64>::from_fn(&[2, 1, 3], |i| i as f64);
        let b = Tensor::<f64>::from_fn(&[2, 1], |i| 100.0 * i as f64);
        let c = &a + &b;
        assert_eq!(c.shape(), &[2, 2, 3]);
        assert_eq!(
            c.data(),
            &[0., 1., 2., 100., 101., 102., 3., 4., 5., 103., 104., 105.]
        );
    }

    #[test]
    fn scalar_ops_and_negation() {
        let a = t(&[1.0, -2.0], &[2]);
        assert_eq!((&a * 3.0).data(), &[3.0, -6.0]);
        assert_eq!((-&a).data(), &[-1.0, 2.0]);
        assert_eq!((&a / &Tensor::scalar(2.0)).data(), &[0.5, -1.0]);
    }

    #[test]
    fn comparisons_give_masks() {
        let a = t(&[1.0, 2.0, 3.0], &[3]);
        let b = t(&[2.0, 2.0, 2.0], &[3]);
        assert_eq!(a.gt(&b).data(), &[0.0, 0.0, 1.0]);
        assert_eq!(a.lt(&b).data(), &[1.0, 0.0, 0.0]);
        assert_eq!(a.eq_elems(&b).data(), &[0.0, 1.0, 0.0]);
        assert_eq!(a.maximum(&b).data(), &[2.0, 2.0, 3.0]);
        assert_eq!(a.minimum(&b).data(), &[1.0, 2.0, 2.0]);
    }

    #[test]
    fn add_assign_broadcast_accumulates_a_row() {
        let mut a = Tensor::<f64>::zeros(&[2, 3]);
        a.add_assign_broadcast(&t(&[1.0, 2.0, 3.0], &[3]));
        assert_eq!(a.data(), &[1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
    }

    #[test]
    #[should_panic(expected = "mul: shapes [2, 3] and [2] cannot be broadcast")]
    fn mismatch_names_op_and_shapes() {
        let _ = &Tensor::<f64>::zeros(&[2, 3]) * &Tensor::zeros(&[2]);
    }
}
