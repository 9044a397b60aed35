//! [`Param`]: a trainable tensor that a model owns and puts on a tape each step without copying.

use nabla_autodiff::{Float, Gradients, NodeId, Tape, Tensor, Var};
use std::cell::Cell;
use std::sync::Arc;

/// A trainable tensor with a name.
///
/// [`Param::bind`] shares the tensor with a tape (no copy) and remembers the node, so that
/// after backward [`Param::grad`] finds the gradient. Once the tape is cleared the model holds
/// the only reference again, and optimisers update it in place.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_models::Param;
/// let mut w = Param::new("w", Tensor::<f64>::from_vec(vec![1.0, 2.0], &[2]));
/// let mut tape = Tape::new();
/// let grads = (w.bind(&tape) * 3.0).sum().backward();
/// let g = w.grad(&grads).unwrap().clone();
/// tape.clear();
/// w.value_mut().zip_assign(&g, "sgd", |p, g| p - 0.1 * g);
/// assert_eq!(w.value().data(), &[0.7, 1.7]);
/// ```
#[derive(Debug)]
pub struct Param<T: Float> {
    name: Arc<str>,
    value: Arc<Tensor<T>>,
    node: Cell<Option<NodeId>>,
}

impl<T: Float> Clone for Param<T> {
    /// A deep copy: the clone's tensor is its own.
    fn clone(&self) -> Self {
        Param::new(&self.name, self.value().clone())
    }
}

impl<T: Float> Param<T> {
    /// A parameter holding `value`.
    pub fn new(name: &str, value: Tensor<T>) -> Self {
        Param {
            name: name.into(),
            value: Arc::new(value),
            node: Cell::new(None),
        }
    }

    /// The parameter's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The current value.
    pub fn value(&self) -> &Tensor<T> {
        &self.value
    }

    /// The value, writable. Copies only if a tape still shares it (clear the tape first to
    /// update in place).
    pub fn value_mut(&mut self) -> &mut Tensor<T> {
        Arc::make_mut(&mut self.value)
    }

    /// Replaces the value.
    pub fn set_value(&mut self, value: Tensor<T>) {
        self.value = Arc::new(value);
    }

    /// Number of scalars.
    pub fn numel(&self) -> usize {
        self.value.numel()
    }

    /// Puts the parameter on `tape` as a leaf that wants a gradient, sharing its memory.
    pub fn bind<'t>(&self, tape: &'t Tape<T>) -> Var<'t, T> {
        let var = tape.param(&self.value).named_shared(&self.name);
        self.node.set(Some(var.id()));
        var
    }

    /// The gradient from the last backward on the tape this parameter was last bound to.
    pub fn grad<'g>(&self, grads: &'g Gradients<T>) -> Option<&'g Tensor<T>> {
        self.node.get().and_then(|id| grads.get_id(id))
    }
}
