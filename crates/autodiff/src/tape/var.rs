//! [`Var`]: a handle to a node on a tape, and its operator overloading. The differentiable
//! primitives are `Var` methods too, each defined beside its op in the [`op`](crate::op)
//! module.

use super::{Inputs, NodeId, NodeKey, NodeKind, Tape};
use crate::backward::Gradients;
use crate::float::Float;
use crate::op::CustomOp;
use crate::shape::Shape;
use crate::tensor::Tensor;
use smallvec::smallvec;
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
    pub(crate) key: NodeKey,
}

impl<'t, T: Float> Var<'t, T> {
    pub(crate) fn new(tape: &'t Tape<T>, key: NodeKey) -> Self {
        Var { tape, key }
    }

    /// The node's id (unique across tapes and clears).
    pub fn id(&self) -> NodeId {
        NodeId {
            key: self.key,
            tape: self.tape.id,
        }
    }

    /// The tape this var was recorded on.
    pub fn tape(&self) -> &'t Tape<T> {
        self.tape
    }

    /// A copy of the node's value. Nothing stays borrowed, so recording more ops afterwards
    /// is always fine; read one number with [`Var::item`] and the shape with [`Var::shape`]
    /// without copying.
    pub fn value(&self) -> Tensor<T> {
        self.tape.inner.borrow().node(self.key).value.get().clone()
    }

    /// Copies the node's value into `dest`, reusing `dest`'s memory: how a training step reads
    /// a value (a batch statistic, say) without allocating. Nothing stays borrowed.
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::from_vec(vec![1.0, 2.0], &[2]));
    /// let mut mean = Tensor::zeros(&[]);
    /// x.mean().value_into(&mut mean);
    /// assert_eq!(mean.item(), 1.5);
    /// ```
    pub fn value_into(&self, dest: &mut Tensor<T>) {
        dest.copy_from(self.tape.inner.borrow().node(self.key).value.get());
    }

    /// Calls `f` with the node's value, without copying it: how a check reads a value it only
    /// looks at.
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let y = tape.constant(Tensor::from_vec(vec![0.0, 1.0], &[2]));
    /// assert!(y.with_value(|t| t.data().iter().all(|&v| v == 0.0 || v == 1.0)));
    /// ```
    ///
    /// # Panics
    /// If `f` records on the same tape (the tape is borrowed while `f` runs).
    pub fn with_value<R>(&self, f: impl FnOnce(&Tensor<T>) -> R) -> R {
        f(self.tape.inner.borrow().node(self.key).value.get())
    }

    /// The value's shape.
    pub fn shape(&self) -> Shape {
        self.tape.inner.borrow().shape_of(self.key)
    }

    /// The value of a one-element var.
    ///
    /// # Panics
    /// If the value has more than one element.
    pub fn item(&self) -> T {
        self.tape.inner.borrow().node(self.key).value.get().item()
    }

    /// Whether a gradient can flow to this node (a parameter lies upstream).
    pub fn requires_grad(&self) -> bool {
        self.tape.inner.borrow().node(self.key).requires_grad
    }

    /// Whether this is a parameter, a constant or an op result.
    pub fn kind(&self) -> NodeKind {
        self.tape.inner.borrow().node(self.key).kind
    }

    /// Gives the node a name, shown by graph dumps and gradient-check reports.
    pub fn named(self, name: &str) -> Self {
        self.named_shared(&name.into())
    }

    /// Names the node with a shared string: no allocation, for names given every step (a
    /// model's parameters).
    pub fn named_shared(self, name: &Arc<str>) -> Self {
        let mut inner = self.tape.inner.borrow_mut();
        inner.node(self.key); // panics with an explanation if the var is stale
        inner.nodes[self.key].name = Some(Arc::clone(name));
        self
    }

    /// The node's name, if it has one.
    pub fn name(&self) -> Option<String> {
        self.tape
            .inner
            .borrow()
            .node(self.key)
            .name
            .as_deref()
            .map(str::to_owned)
    }

    /// Reverse mode from this scalar: the gradient of every parameter on a path to it.
    /// See [`Tape::backward`].
    pub fn backward(self) -> Gradients<T> {
        let options = crate::BackwardOptions::default();
        let grads = self.tape.try_backward_with(self, options);
        grads.unwrap_or_else(|e| panic!("{e}"))
    }

    /// A constant holding a copy of this value: gradients stop here.
    pub fn detach(self) -> Self {
        let copy = self.tape.map_value(self, |x, s| s.copy_of(x));
        self.tape.constant(copy)
    }

    /// Records a [`CustomOp`] with this var as its first input, followed by `others`.
    pub fn apply(self, op: impl CustomOp<T>, others: &[Var<'t, T>]) -> Self {
        let mut keys: Inputs = smallvec![self.key];
        keys.extend(others.iter().map(|v| self.tape.own(*v, "apply")));
        let op = self.tape.inner.borrow_mut().scratch.boxed(op);
        self.tape.record(crate::op::Op::Custom(op), keys)
    }
}

impl<T: Float> fmt::Debug for Var<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.tape.inner.borrow();
        let node = inner.node(self.key);
        write!(f, "Var(")?;
        if let Some(name) = &node.name {
            write!(f, "{name}: ")?;
        }
        write!(f, "{} = {:?})", node.op.name(), node.value.get())
    }
}

macro_rules! var_operator {
    ($trait:ident, $method:ident, $scalar:ident) => {
        impl<'t, T: Float> $trait<Var<'t, T>> for Var<'t, T> {
            type Output = Var<'t, T>;
            fn $method(self, rhs: Var<'t, T>) -> Var<'t, T> {
                Var::$method(self, rhs)
            }
        }
        impl<'t, T: Float> $trait<&Var<'t, T>> for &Var<'t, T> {
            type Output = Var<'t, T>;
            fn $method(self, rhs: &Var<'t, T>) -> Var<'t, T> {
                Var::$method(*self, *rhs)
            }
        }
        impl<'t, T: Float> $trait<&Var<'t, T>> for Var<'t, T> {
            type Output = Var<'t, T>;
            fn $method(self, rhs: &Var<'t, T>) -> Var<'t, T> {
                Var::$method(self, *rhs)
            }
        }
        impl<'t, T: Float> $trait<Var<'t, T>> for &Var<'t, T> {
            type Output = Var<'t, T>;
            fn $method(self, rhs: Var<'t, T>) -> Var<'t, T> {
                Var::$method(*self, rhs)
            }
        }
        impl<'t, T: Float> $trait<T> for Var<'t, T> {
            type Output = Var<'t, T>;
            fn $method(self, rhs: T) -> Var<'t, T> {
                Var::$scalar(self, rhs)
            }
        }
        impl<'t, T: Float> $trait<T> for &Var<'t, T> {
            type Output = Var<'t, T>;
            fn $method(self, rhs: T) -> Var<'t, T> {
                Var::$scalar(*self, rhs)
            }
        }
    };
}

var_operator!(Add, add, add_scalar);
var_operator!(Mul, mul, mul_scalar);
var_operator!(Div, div, div_scalar);

var_operator!(Sub, sub, sub_scalar);

impl<T: Float> Var<'_, T> {
    /// `x - c` records `x + (-c)`: one node type for shifts.
    fn sub_scalar(self, c: T) -> Self {
        self.add_scalar(-c)
    }
}

macro_rules! scalar_lhs_ops {
    ($($t:ty),*) => {$(
        impl<'t> Add<Var<'t, $t>> for $t {
            type Output = Var<'t, $t>;
            fn add(self, rhs: Var<'t, $t>) -> Var<'t, $t> {
                rhs.add_scalar(self)
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
                rhs.mul_scalar(self)
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
        Var::neg(self)
    }
}

impl<'t, T: Float> Neg for &Var<'t, T> {
    type Output = Var<'t, T>;
    fn neg(self) -> Var<'t, T> {
        Var::neg(*self)
    }
}
