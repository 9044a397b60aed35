//! [`Var`]: a handle to a node on a tape, with operator overloading and the differentiable
//! primitives as methods.

use super::{Inputs, NodeId, NodeKind, Tape};
use crate::backward::Gradients;
use crate::float::Float;
use crate::op::{Axes, Binary, CustomOp, Op, Unary};
use crate::shape::{Shape, ShapeDisplay, broadcast_or_panic, can_broadcast_to, numel};
use crate::tensor::Tensor;
use smallvec::smallvec;
use std::cell::Ref;
use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};
use std::sync::Arc;

/// A handle to a value recorded on a [`Tape`]. Cheap to copy; every operation on it records a
/// new node.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// let tape = Tape::<f64>::new();
/// let x = tape.param(Tensor::from_vec(vec![1.0, 2.0], &[1, 2]));
/// let w = tape.param(Tensor::from_vec(vec![0.5, -1.0], &[2, 1]));
/// let loss = (x.matmul(w) - 1.0).powf(2.0).mean();
/// let grads = loss.backward();
/// // d/dw (xw - 1)^2 = 2 (xw - 1) x^T, with xw = -1.5
/// assert_eq!(grads[w].data(), &[-5.0, -10.0]);
/// ```
#[derive(Clone, Copy)]
pub struct Var<'t, T: Float> {
    pub(crate) tape: &'t Tape<T>,
    id: NodeId,
}

impl<'t, T: Float> Var<'t, T> {
    pub(crate) fn new(tape: &'t Tape<T>, id: NodeId) -> Self {
        Var { tape, id }
    }

    /// The node's id on its tape.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The tape this var was recorded on.
    pub fn tape(&self) -> &'t Tape<T> {
        self.tape
    }

    /// The node's value. Drop the returned guard before recording more ops.
    pub fn value(&self) -> Ref<'t, Tensor<T>> {
        self.tape.value_of(self.id)
    }

    /// The value's shape.
    pub fn shape(&self) -> Shape {
        self.tape.inner.borrow().shape_of(self.id)
    }

    /// The value of a one-element var.
    ///
    /// # Panics
    /// If the value has more than one element.
    pub fn item(&self) -> T {
        self.value().item()
    }

    /// Whether a gradient can flow to this node (a parameter lies upstream).
    pub fn requires_grad(&self) -> bool {
        self.tape.inner.borrow().node(self.id).requires_grad
    }

    /// Whether this is a parameter, a constant or an op result.
    pub fn kind(&self) -> NodeKind {
        self.tape.inner.borrow().node(self.id).kind
    }

    /// Gives the node a name, shown by graph dumps and gradient-check reports.
    pub fn named(self, name: &str) -> Self {
        self.named_shared(&name.into())
    }

    /// Names the node with a shared string: no allocation, for names given every step (a
    /// model's parameters).
    pub fn named_shared(self, name: &Arc<str>) -> Self {
        let mut inner = self.tape.inner.borrow_mut();
        inner.node(self.id); // panics with an explanation if the var is stale
        inner.nodes[self.id].name = Some(Arc::clone(name));
        self
    }

    /// The node's name, if it has one.
    pub fn name(&self) -> Option<String> {
        self.tape
            .inner
            .borrow()
            .node(self.id)
            .name
            .as_deref()
            .map(str::to_owned)
    }

    /// Reverse mode from this scalar: the gradient of every parameter on a path to it.
    /// See [`Tape::backward`].
    pub fn backward(self) -> Gradients<T> {
        self.tape.backward(self)
    }

    /// A constant holding a copy of this value: gradients stop here.
    pub fn detach(self) -> Self {
        let copy = {
            let mut guard = self.tape.inner.borrow_mut();
            let inner = &mut *guard;
            inner.node(self.id); // panics with an explanation if the var is stale
            let super::TapeInner { nodes, pool, .. } = inner;
            pool.copy_of(nodes[self.id].value.get())
        };
        self.tape.constant(copy)
    }

    /// Records a [`CustomOp`] with this var as its first input, followed by `others`.
    pub fn apply(self, op: impl CustomOp<T>, others: &[Var<'t, T>]) -> Self {
        let mut ids: Inputs = smallvec![self.id];
        ids.extend(others.iter().map(|v| self.tape.own(*v, "apply")));
        let op = self.tape.inner.borrow_mut().spare.boxed(op);
        self.tape.record(Op::Custom(op), ids, &[])
    }

    fn unary(self, u: Unary<T>) -> Self {
        self.tape.record(Op::Unary(u), smallvec![self.id], &[])
    }

    fn binary(self, b: Binary, other: Var<'t, T>) -> Self {
        let other = self.tape.own(other, b.name());
        {
            let inner = self.tape.inner.borrow();
            broadcast_or_panic(b.name(), &inner.shape_of(self.id), &inner.shape_of(other));
        }
        self.tape
            .record(Op::Binary(b), smallvec![self.id, other], &[])
    }

    /// e^x, element-wise.
    pub fn exp(self) -> Self {
        self.unary(Unary::Exp)
    }

    /// Natural logarithm, element-wise.
    pub fn ln(self) -> Self {
        self.unary(Unary::Ln)
    }

    /// Square root, element-wise.
    pub fn sqrt(self) -> Self {
        self.unary(Unary::Sqrt)
    }

    /// |x|, element-wise. Its gradient at 0 is 0.
    pub fn abs(self) -> Self {
        self.unary(Unary::Abs)
    }

    /// x^p, element-wise.
    pub fn powf(self, p: T) -> Self {
        self.unary(Unary::Powf(p))
    }

    /// Limits every element to `[lo, hi]`. The gradient is 1 inside (bounds included), 0 out.
    pub fn clamp(self, lo: T, hi: T) -> Self {
        self.unary(Unary::Clamp(lo, hi))
    }

    /// Hyperbolic tangent, element-wise.
    pub fn tanh(self) -> Self {
        self.unary(Unary::Tanh)
    }

    /// The logistic function 1 / (1 + e^-x), element-wise, without overflow.
    pub fn sigmoid(self) -> Self {
        self.unary(Unary::Sigmoid)
    }

    /// max(x, 0), element-wise. Its gradient at 0 is 0.
    pub fn relu(self) -> Self {
        self.unary(Unary::Relu)
    }

    /// c - x for a scalar c.
    pub fn rsub(self, c: T) -> Self {
        self.unary(Unary::ScalarSub(c))
    }

    /// c / x for a scalar c.
    pub fn rdiv(self, c: T) -> Self {
        self.unary(Unary::ScalarDiv(c))
    }

    /// Element-wise maximum with broadcasting; on ties the gradient is split evenly.
    pub fn maximum(self, other: Var<'t, T>) -> Self {
        self.binary(Binary::Maximum, other)
    }

    /// Element-wise minimum with broadcasting; on ties the gradient is split evenly.
    pub fn minimum(self, other: Var<'t, T>) -> Self {
        self.binary(Binary::Minimum, other)
    }

    /// Sum of all elements, as a scalar.
    pub fn sum(self) -> Self {
        self.tape.record(
            Op::Sum {
                axes: None,
                keepdim: false,
            },
            smallvec![self.id],
            &[],
        )
    }

    /// Mean of all elements, as a scalar.
    pub fn mean(self) -> Self {
        self.tape.record(
            Op::Mean {
                axes: None,
                keepdim: false,
            },
            smallvec![self.id],
            &[],
        )
    }

    /// Sums over `axes`; with `keepdim` they stay with extent 1.
    pub fn sum_axes(self, axes: &[usize], keepdim: bool) -> Self {
        let axes: Axes = axes.into();
        self.tape.record(
            Op::Sum {
                axes: Some(axes),
                keepdim,
            },
            smallvec![self.id],
            &[],
        )
    }

    /// Means over `axes`; with `keepdim` they stay with extent 1.
    pub fn mean_axes(self, axes: &[usize], keepdim: bool) -> Self {
        let axes: Axes = axes.into();
        self.tape.record(
            Op::Mean {
                axes: Some(axes),
                keepdim,
            },
            smallvec![self.id],
            &[],
        )
    }

    /// Matrix product, batched over leading axes (see [`Tensor::matmul`]).
    pub fn matmul(self, other: Var<'t, T>) -> Self {
        self.matmul_t(other, false, false)
    }

    /// `op(self) op(other)` where `op` transposes the last two axes when its flag is set,
    /// without copying.
    pub fn matmul_t(self, other: Var<'t, T>, transpose_self: bool, transpose_other: bool) -> Self {
        let other = self.tape.own(other, "matmul");
        self.tape.record(
            Op::Matmul {
                ta: transpose_self,
                tb: transpose_other,
            },
            smallvec![self.id, other],
            &[],
        )
    }

    /// Swaps the last two axes.
    pub fn transpose(self) -> Self {
        let shape = self.shape();
        self.permute(&crate::tensor::layout::transpose_perm("transpose", &shape))
    }

    /// Reorders the axes: axis `i` of the result is axis `perm[i]` of this var.
    pub fn permute(self, perm: &[usize]) -> Self {
        self.tape
            .record(Op::Permute(perm.into()), smallvec![self.id], &[])
    }

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
        self.tape.record(Op::Reshape, smallvec![self.id], shape)
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
        self.tape.record(Op::BroadcastTo, smallvec![self.id], shape)
    }

    /// The rows at `indices` (see [`Tensor::select_rows`]); gradients add back into those rows.
    pub fn select_rows(self, indices: &[usize]) -> Self {
        self.tape.record(
            Op::SelectRows(self.indices(indices)),
            smallvec![self.id],
            &[],
        )
    }

    /// One element per row of a 2-D var: `out[i] = self[i, columns[i]]`.
    pub fn gather_rows(self, columns: &[usize]) -> Self {
        self.tape.record(
            Op::GatherRows(self.indices(columns)),
            smallvec![self.id],
            &[],
        )
    }

    /// A copy of `indices` in a reused vector.
    fn indices(&self, indices: &[usize]) -> Vec<usize> {
        self.tape.inner.borrow_mut().spare.indices(indices)
    }

    /// Joins vars along an axis.
    ///
    /// # Panics
    /// If `parts` is empty or the shapes disagree outside `axis`.
    pub fn concat(parts: &[Var<'t, T>], axis: usize) -> Self {
        assert!(!parts.is_empty(), "concat: needs at least one var");
        let tape = parts[0].tape;
        let ids: Inputs = parts.iter().map(|v| tape.own(*v, "concat")).collect();
        tape.record(Op::Concat(axis), ids, &[])
    }
}

impl<T: Float> fmt::Debug for Var<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.tape.inner.borrow();
        let node = inner.node(self.id);
        write!(f, "Var(")?;
        if let Some(name) = &node.name {
            write!(f, "{name}: ")?;
        }
        write!(f, "{} = {:?})", node.op.name(), node.value.get())
    }
}

macro_rules! var_binary_op {
    ($trait:ident, $method:ident, $binary:expr, $unary:expr) => {
        impl<'t, T: Float> $trait<Var<'t, T>> for Var<'t, T> {
            type Output = Var<'t, T>;
            fn $method(self, rhs: Var<'t, T>) -> Var<'t, T> {
                self.binary($binary, rhs)
            }
        }
        impl<'t, T: Float> $trait<&Var<'t, T>> for &Var<'t, T> {
            type Output = Var<'t, T>;
            fn $method(self, rhs: &Var<'t, T>) -> Var<'t, T> {
                self.binary($binary, *rhs)
            }
        }
        impl<'t, T: Float> $trait<&Var<'t, T>> for Var<'t, T> {
            type Output = Var<'t, T>;
            fn $method(self, rhs: &Var<'t, T>) -> Var<'t, T> {
                self.binary($binary, *rhs)
            }
        }
        impl<'t, T: Float> $trait<Var<'t, T>> for &Var<'t, T> {
            type Output = Var<'t, T>;
            fn $method(self, rhs: Var<'t, T>) -> Var<'t, T> {
                self.binary($binary, rhs)
            }
        }
        impl<'t, T: Float> $trait<T> for Var<'t, T> {
            type Output = Var<'t, T>;
            #[allow(clippy::redundant_closure_call)]
            fn $method(self, rhs: T) -> Var<'t, T> {
                self.unary(($unary)(rhs))
            }
        }
        impl<'t, T: Float> $trait<T> for &Var<'t, T> {
            type Output = Var<'t, T>;
            fn $method(self, rhs: T) -> Var<'t, T> {
                (*self).$method(rhs)
            }
        }
    };
}

var_binary_op!(Add, add, Binary::Add, Unary::AddScalar);
var_binary_op!(Sub, sub, Binary::Sub, |c: T| Unary::AddScalar(-c));
var_binary_op!(Mul, mul, Binary::Mul, Unary::MulScalar);
var_binary_op!(Div, div, Binary::Div, Unary::DivScalar);

macro_rules! scalar_lhs_ops {
    ($($t:ty),*) => {$(
        impl<'t> Add<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            fn add(self, rhs: Var<'t, $t>) -> Var<'t, $t> {
                rhs.unary(Unary::AddScalar(self))
            }
        }
        impl<'t> Sub<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            fn sub(self, rhs: Var<'t, $t>) -> Var<'t, $t> {
                rhs.rsub(self)
            }
        }
        impl<'t> Mul<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            fn mul(self, rhs: Var<'t, $t>) -> Var<'t, $t> {
                rhs.unary(Unary::MulScalar(self))
            }
        }
        impl<'t> Div<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            fn div(self, rhs: Var<'t, $t>) -> Var<'t, $t> {
                rhs.rdiv(self)
            }
        }
    )*};
}

scalar_lhs_ops!(f32, f64);

impl<'t, T: Float> Neg for Var<'t, T> {
    type Output = Var<'t, T>;
    fn neg(self) -> Var<'t, T> {
        self.unary(Unary::Neg)
    }
}

impl<'t, T: Float> Neg for &Var<'t, T> {
    type Output = Var<'t, T>;
    fn neg(self) -> Var<'t, T> {
        (*self).unary(Unary::Neg)
    }
}
