//! Reverse mode: [`Tape::backward`] and the [`Gradients`] it returns.
//!
//! Backward walks the nodes in reverse creation order (a topological order). A node is visited
//! only if a gradient reached it from the output and a wanted leaf lies upstream of it, so
//! nodes off the path cost one check each. Where paths meet, the first contribution is moved
//! into place and later ones are added to it; a node's gradient buffer goes back to the pool as
//! soon as its inputs have been served, unless the caller asked to keep it.

use crate::float::Float;
use crate::op::Op;
use crate::pool::BufferPool;
use crate::shape::ShapeDisplay;
use crate::tape::{INLINE_INPUTS, NodeId, NodeKind, Tape, TapeInner, Var};
use crate::tensor::Tensor;
use slotmap::SecondaryMap;
use smallvec::SmallVec;
use std::ops::Index;

/// Gradients from one backward pass, looked up by [`Var`].
///
/// Calling backward again computes them afresh: gradients never accumulate across calls.
#[derive(Debug, Clone, Default)]
pub struct Gradients<T: Float> {
    grads: SecondaryMap<NodeId, Tensor<T>>,
    /// The node backward started from (graph dumps tell "not kept" from "not on the path").
    pub(crate) output: Option<NodeId>,
}

impl<T: Float> Gradients<T> {
    /// The gradient of the output with respect to `var`, if backward computed one.
    pub fn get(&self, var: Var<'_, T>) -> Option<&Tensor<T>> {
        self.grads.get(var.id())
    }

    /// The gradient for a node id.
    pub fn get_id(&self, id: NodeId) -> Option<&Tensor<T>> {
        self.grads.get(id)
    }

    /// Takes the gradient out, leaving none for `var`.
    pub fn take(&mut self, var: Var<'_, T>) -> Option<Tensor<T>> {
        self.grads.remove(var.id())
    }

    /// Every (node, gradient) pair.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &Tensor<T>)> {
        self.grads.iter()
    }

    /// Number of gradients held.
    pub fn len(&self) -> usize {
        self.grads.len()
    }

    /// Whether no gradient is held.
    pub fn is_empty(&self) -> bool {
        self.grads.is_empty()
    }

    pub(crate) fn into_map(self) -> SecondaryMap<NodeId, Tensor<T>> {
        self.grads
    }
}

impl<'t, T: Float> Index<Var<'t, T>> for Gradients<T> {
    type Output = Tensor<T>;

    /// # Panics
    /// If backward computed no gradient for `var`: it is a constant, or no path joins it to
    /// the output, or it was not kept (see [`BackwardOptions::retain_all`]).
    fn index(&self, var: Var<'t, T>) -> &Tensor<T> {
        self.get(var).unwrap_or_else(|| {
            let name = var.name().map(|n| format!(" '{n}'")).unwrap_or_default();
            panic!(
                "no gradient for var{name}: it is a constant, is not on a path to the output, or \
                 is an intermediate value (ask for those with BackwardOptions::retain_all)"
            )
        })
    }
}

/// Options for [`Tape::backward_with`].
#[derive(Debug, Clone)]
pub struct BackwardOptions<'a, T: Float> {
    /// The gradient to start from, shaped like the output; `None` means ones (for a scalar
    /// output, d output / d output = 1).
    pub seed: Option<Tensor<T>>,
    /// Keep the gradient of every visited node, not only of the wanted leaves (graph dumps
    /// need this).
    pub retain_all: bool,
    /// Compute gradients with respect to these vars (any node: a constant input too) instead
    /// of every parameter.
    pub wrt: Option<&'a [Var<'a, T>]>,
}

impl<T: Float> Default for BackwardOptions<'_, T> {
    fn default() -> Self {
        BackwardOptions {
            seed: None,
            retain_all: false,
            wrt: None,
        }
    }
}

impl<T: Float> Tape<T> {
    /// Reverse mode from a one-element output: the gradient of `output` with respect to every
    /// parameter on a path to it.
    ///
    /// # Panics
    /// If `output` has more than one element (give a seed with [`Tape::backward_with`]) or
    /// belongs to another tape.
    pub fn backward(&self, output: Var<'_, T>) -> Gradients<T> {
        self.backward_with(output, BackwardOptions::default())
    }

    /// Reverse mode from a one-element output, keeping the gradient of every node it visits:
    /// intermediates as well as parameters. This is what a [graph dump](crate::dump) needs to
    /// show the gradient of each node and the contribution each edge passed back.
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::scalar(3.0));
    /// let h = x * x;
    /// let y = h * 2.0;
    /// let grads = tape.backward_retain_all(y);
    /// assert_eq!(grads[h].item(), 2.0); // dy/dh
    /// assert_eq!(grads[x].item(), 12.0); // dy/dx = 2 * 2x
    /// ```
    ///
    /// # Panics
    /// As [`Tape::backward`].
    pub fn backward_retain_all(&self, output: Var<'_, T>) -> Gradients<T> {
        self.backward_with(
            output,
            BackwardOptions {
                retain_all: true,
                ..BackwardOptions::default()
            },
        )
    }

    /// Reverse mode with options: a seed gradient for a non-scalar output, gradients of
    /// chosen vars, or every intermediate gradient kept.
    ///
    /// ```
    /// use nabla_autodiff::{BackwardOptions, Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.constant(Tensor::from_vec(vec![1.0, 2.0], &[2]));
    /// let y = x * x; // not a scalar: seed it, and ask for the constant's gradient
    /// let opts = BackwardOptions {
    ///     seed: Some(Tensor::from_vec(vec![1.0, 10.0], &[2])),
    ///     wrt: Some(&[x]),
    ///     ..Default::default()
    /// };
    /// assert_eq!(tape.backward_with(y, opts)[x].data(), &[2.0, 40.0]);
    /// ```
    pub fn backward_with(
        &self,
        output: Var<'_, T>,
        options: BackwardOptions<'_, T>,
    ) -> Gradients<T> {
        let out_id = self.own(output, "backward");
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        let out_pos = inner.node(out_id).position as usize;
        let seed = seed_gradient(inner, out_id, options.seed);
        let wanted_leaf: Option<Vec<NodeId>> = options
            .wrt
            .map(|vars| vars.iter().map(|v| self.own(*v, "backward wrt")).collect());
        mark_relevant(inner, out_pos, wanted_leaf.as_deref());

        let TapeInner {
            nodes,
            order,
            pool,
            grad_slots,
            relevant,
            spare,
            ..
        } = inner;
        grad_slots.clear();
        grad_slots.resize_with(out_pos + 1, || None);
        let mut result = Gradients {
            grads: spare.grads.take().unwrap_or_default(),
            output: Some(out_id),
        };
        if !relevant[out_pos] {
            pool.recycle(seed);
            return result;
        }
        grad_slots[out_pos] = Some(seed);

        for pos in (0..=out_pos).rev() {
            let Some(g) = grad_slots[pos].take() else {
                continue;
            };
            let id = order[pos];
            let node = &nodes[id];
            let values: SmallVec<[&Tensor<T>; INLINE_INPUTS]> =
                node.inputs.iter().map(|&i| nodes[i].value.get()).collect();
            let mut deliver = |i: usize, contribution: Tensor<T>, pool: &mut BufferPool<T>| {
                debug_assert_eq!(
                    contribution.shape(),
                    values[i].shape(),
                    "{}: vjp for input {i} has the wrong shape",
                    node.op.name()
                );
                let input_pos = nodes[node.inputs[i]].position as usize;
                match &mut grad_slots[input_pos] {
                    Some(acc) => {
                        acc.zip_assign(&contribution, "accumulate gradient", |a, c| a + c);
                        pool.recycle(contribution);
                    }
                    slot @ None => *slot = Some(contribution),
                }
            };
            let wanted = |i: usize| relevant[nodes[node.inputs[i]].position as usize];
            match &node.op {
                // A custom op computes its inputs' gradients together (they may share work).
                Op::Custom(c) if node.inputs.len() > 1 => {
                    let wanted: SmallVec<[bool; INLINE_INPUTS]> =
                        (0..node.inputs.len()).map(wanted).collect();
                    let mut contributions: SmallVec<[Option<Tensor<T>>; INLINE_INPUTS]> =
                        node.inputs.iter().map(|_| None).collect();
                    let out = node.value.get();
                    c.vjps(&wanted, &values, out, &g, pool, &mut contributions);
                    for (i, contribution) in contributions.into_iter().enumerate() {
                        if let Some(contribution) = contribution {
                            deliver(i, contribution, pool);
                        }
                    }
                }
                op => {
                    for i in 0..node.inputs.len() {
                        if !wanted(i) {
                            continue;
                        }
                        if let Some(c) = op.vjp(i, &values, node.value.get(), &g, pool) {
                            deliver(i, c, pool);
                        }
                    }
                }
            }
            let keep = options.retain_all
                || match &wanted_leaf {
                    Some(ids) => ids.contains(&id),
                    None => node.kind == NodeKind::Parameter,
                };
            if keep {
                result.grads.insert(id, g);
            } else {
                pool.recycle(g);
            }
        }
        result
    }
}

fn seed_gradient<T: Float>(
    inner: &mut TapeInner<T>,
    out_id: NodeId,
    seed: Option<Tensor<T>>,
) -> Tensor<T> {
    let shape = inner.shape_of(out_id);
    match seed {
        Some(s) => {
            assert!(
                s.shape() == shape.as_slice(),
                "backward: the seed gradient has shape {} but the output has shape {}",
                ShapeDisplay(s.shape()),
                ShapeDisplay(&shape)
            );
            s
        }
        None => {
            assert!(
                shape.iter().product::<usize>() == 1,
                "backward: the output has shape {}, not one element; pass a seed gradient of that \
                 shape with Tape::backward_with, or reduce it (sum, mean) first",
                ShapeDisplay(&shape)
            );
            inner.pool.full(&shape, T::ONE)
        }
    }
}

/// Marks which positions a gradient may flow into: those downstream of a parameter (the
/// default) or of one of the wanted vars.
fn mark_relevant<T: Float>(inner: &mut TapeInner<T>, out_pos: usize, wanted: Option<&[NodeId]>) {
    let TapeInner {
        nodes,
        order,
        relevant,
        ..
    } = inner;
    relevant.clear();
    relevant.resize(out_pos + 1, false);
    for pos in 0..=out_pos {
        let node = &nodes[order[pos]];
        relevant[pos] = match wanted {
            None => node.requires_grad,
            Some(ids) => {
                ids.contains(&order[pos])
                    || node
                        .inputs
                        .iter()
                        .any(|&i| relevant[nodes[i].position as usize])
            }
        };
    }
}
