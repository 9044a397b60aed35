//! Reverse mode: [`Tape::backward`], [`Tape::grad`] and the [`Gradients`] they return.
//!
//! Backward walks the nodes in reverse creation order (a topological order). A node is visited
//! only if a gradient reached it from the output and a wanted leaf lies upstream of it, so
//! nodes off the path cost one check each. At each node the op's rule gives each input's
//! share (`Op::vjp`, one match away from the rule itself).
//!
//! Two walks share that plan. The fast one computes tensors: where paths meet, the first
//! contribution is moved into place and later ones are added to it, and a node's gradient
//! buffer goes back to the scratch memory as soon as its inputs have been served. The
//! recorded one (`create_graph`) runs the same rules on vars, so every gradient is itself a
//! node on the tape, ready to be differentiated again.

use crate::float::Float;
use crate::op::Op;
use crate::scratch::Scratch;
use crate::shape::ShapeDisplay;
use crate::tape::{INLINE_INPUTS, Inputs, NodeId, NodeKey, NodeKind, Tape, TapeInner, Var};
use crate::tensor::Tensor;
use slotmap::SecondaryMap;
use smallvec::SmallVec;
use std::fmt;
use std::ops::Index;

/// Gradients from one backward pass, looked up by [`Var`].
///
/// Calling backward again computes them afresh: gradients never accumulate across calls.
#[derive(Debug, Clone, Default)]
pub struct Gradients<T: Float> {
    grads: SecondaryMap<NodeKey, Tensor<T>>,
    /// With `create_graph`: the node holding each gradient (`None` on the fast path, which
    /// then allocates no map for it).
    graph: Option<SecondaryMap<NodeKey, NodeKey>>,
    /// The node backward started from (graph dumps tell "not kept" from "not on the path").
    pub(crate) output: Option<NodeKey>,
    /// The tape the gradients belong to.
    pub(crate) tape: u64,
}

impl<T: Float> Gradients<T> {
    /// The gradient of the output with respect to `var`, if backward computed one. `None`
    /// too for a var of another tape.
    pub fn get(&self, var: Var<'_, T>) -> Option<&Tensor<T>> {
        self.get_id(var.id())
    }

    /// The gradient for a node id (`None` for an id of another tape).
    pub fn get_id(&self, id: NodeId) -> Option<&Tensor<T>> {
        if id.tape != self.tape {
            return None;
        }
        self.grads.get(id.key)
    }

    /// With [`BackwardOptions::create_graph`]: the gradient with respect to `var` as a var on
    /// the tape, which can be differentiated again.
    pub fn var<'t>(&self, var: Var<'t, T>) -> Option<Var<'t, T>> {
        if var.tape.id != self.tape {
            return None;
        }
        let key = self.graph.as_ref()?.get(var.key)?;
        Some(Var::new(var.tape, *key))
    }

    /// Takes the gradient out, leaving none for `var`.
    pub fn take(&mut self, var: Var<'_, T>) -> Option<Tensor<T>> {
        if var.tape.id != self.tape {
            return None;
        }
        self.grads.remove(var.key)
    }

    /// Every (node, gradient) pair.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &Tensor<T>)> {
        let tape = self.tape;
        self.grads
            .iter()
            .map(move |(key, t)| (NodeId { key, tape }, t))
    }

    /// Number of gradients held.
    pub fn len(&self) -> usize {
        self.grads.len()
    }

    /// Whether no gradient is held.
    pub fn is_empty(&self) -> bool {
        self.grads.is_empty()
    }

    pub(crate) fn into_map(self) -> SecondaryMap<NodeKey, Tensor<T>> {
        self.grads
    }
}

impl<'t, T: Float> Index<Var<'t, T>> for Gradients<T> {
    type Output = Tensor<T>;

    /// # Panics
    /// If `var` belongs to another tape, or backward computed no gradient for it: it is a
    /// constant, or no path joins it to the output, or it was not kept (see
    /// [`BackwardOptions::retain_all`]).
    fn index(&self, var: Var<'t, T>) -> &Tensor<T> {
        let name = var.name().map(|n| format!(" '{n}'")).unwrap_or_default();
        assert!(
            var.tape.id == self.tape,
            "no gradient for var{name}: it belongs to another tape than these gradients; look \
             it up in the gradients of its own tape's backward"
        );
        self.get(var).unwrap_or_else(|| {
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
    /// Record the backward pass on the tape, so that each gradient is a var that can be
    /// differentiated again ([`Gradients::var`]); [`Tape::grad`] is the shorthand.
    pub create_graph: bool,
}

impl<T: Float> Default for BackwardOptions<'_, T> {
    fn default() -> Self {
        BackwardOptions {
            seed: None,
            retain_all: false,
            wrt: None,
            create_graph: false,
        }
    }
}

/// Why a backward pass could not compute its gradients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackwardError {
    /// A higher-order gradient had to pass through a custom op that has no differentiable
    /// vector-Jacobian product ([`CustomOp::vjp_graph`](crate::CustomOp::vjp_graph)).
    NotDifferentiable {
        /// The op's name.
        op: String,
    },
}

impl fmt::Display for BackwardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackwardError::NotDifferentiable { op } => write!(
                f,
                "backward: a higher-order gradient passes through the custom op '{op}', whose \
                 gradient was computed without being recorded; give '{op}' a differentiable \
                 vector-Jacobian product (CustomOp::vjp_graph), or keep it off the path you \
                 differentiate twice"
            ),
        }
    }
}

impl std::error::Error for BackwardError {}

impl<T: Float> Tape<T> {
    /// Reverse mode from a one-element output: the gradient of `output` with respect to every
    /// parameter on a path to it.
    ///
    /// # Panics
    /// If `output` has more than one element (give a seed with [`Tape::backward_with`]) or
    /// belongs to another tape, or as [`Tape::try_backward_with`] fails.
    pub fn backward(&self, output: Var<'_, T>) -> Gradients<T> {
        self.try_backward_with(output, BackwardOptions::default())
            .unwrap_or_else(|e| panic!("{e}"))
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
        let options = BackwardOptions {
            retain_all: true,
            ..BackwardOptions::default()
        };
        self.backward_with(output, options)
    }

    /// Reverse mode with options: a seed gradient for a non-scalar output, gradients of
    /// chosen vars, every intermediate gradient kept, or the pass recorded for higher-order
    /// gradients.
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
    ///
    /// # Panics
    /// As [`Tape::backward`], with the message of the [`BackwardError`] when
    /// [`Tape::try_backward_with`] would return one.
    pub fn backward_with(
        &self,
        output: Var<'_, T>,
        options: BackwardOptions<'_, T>,
    ) -> Gradients<T> {
        self.try_backward_with(output, options)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Tape::backward_with`], returning an error where a higher-order gradient cannot be
    /// computed (see [`BackwardError`]).
    ///
    /// # Panics
    /// If the output has more than one element and no seed is given, the seed's shape is not
    /// the output's, or a var belongs to another tape.
    pub fn try_backward_with(
        &self,
        output: Var<'_, T>,
        options: BackwardOptions<'_, T>,
    ) -> Result<Gradients<T>, BackwardError> {
        let out = self.own(output, "backward");
        let wanted: Option<SmallVec<[NodeKey; 4]>> = options
            .wrt
            .map(|vars| vars.iter().map(|v| self.own(*v, "backward wrt")).collect());
        let wanted = wanted.as_deref();
        let retain_all = options.retain_all;
        let seed = {
            let mut inner = self.inner.borrow_mut();
            seed_gradient(&mut inner, out, options.seed)
        };
        if options.create_graph {
            return self.backward_graph(out, seed, wanted, retain_all);
        }
        // The fast walk: gradients as tensors in recycled buffers.
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        let out_pos = inner.node(out).position as usize;
        mark_relevant(inner, out_pos, wanted);
        let TapeInner {
            nodes,
            order,
            scratch,
            grad_slots,
            relevant,
            spare_grads,
            ..
        } = inner;
        grad_slots.clear();
        grad_slots.resize_with(out_pos + 1, || None);
        let mut result = Gradients {
            grads: spare_grads.take().unwrap_or_default(),
            graph: None,
            output: Some(out),
            tape: self.id,
        };
        if !relevant[out_pos] {
            scratch.recycle(seed);
            return Ok(result);
        }
        grad_slots[out_pos] = Some(seed);

        for pos in (0..=out_pos).rev() {
            let Some(g) = grad_slots[pos].take() else {
                continue;
            };
            let key = order[pos];
            let node = &nodes[key];
            let values: SmallVec<[&Tensor<T>; INLINE_INPUTS]> =
                node.inputs.iter().map(|&i| nodes[i].value.get()).collect();
            let out_value = node.value.get();
            let mut deliver = |i: usize, contribution: Tensor<T>, s: &mut Scratch<T>| {
                debug_assert_eq!(
                    contribution.shape(),
                    values[i].shape(),
                    "{}: vjp for input {i} has the wrong shape",
                    node.op.name()
                );
                match &mut grad_slots[nodes[node.inputs[i]].position as usize] {
                    Some(acc) => {
                        acc.zip_assign(&contribution, "accumulate gradient", |a, c| a + c);
                        s.recycle(contribution);
                    }
                    slot @ None => *slot = Some(contribution),
                }
            };
            let wanted_input = |i: usize| relevant[nodes[node.inputs[i]].position as usize];
            match &node.op {
                // A custom op computes its inputs' gradients together (they may share work).
                Op::Custom(c) if node.inputs.len() > 1 => {
                    let wanted: SmallVec<[bool; INLINE_INPUTS]> =
                        (0..node.inputs.len()).map(wanted_input).collect();
                    let mut parts: SmallVec<[Option<Tensor<T>>; INLINE_INPUTS]> =
                        node.inputs.iter().map(|_| None).collect();
                    c.vjps(&wanted, &values, out_value, &g, scratch, &mut parts);
                    for (i, part) in parts.into_iter().enumerate() {
                        if let Some(part) = part {
                            deliver(i, part, scratch);
                        }
                    }
                }
                op => {
                    for i in 0..node.inputs.len() {
                        if wanted_input(i)
                            && let Some(c) = op.vjp(i, &values, out_value, &g, scratch)?
                        {
                            deliver(i, c, scratch);
                        }
                    }
                }
            }
            if keep(retain_all, wanted, key, node.kind) {
                result.grads.insert(key, g);
            } else {
                scratch.recycle(g);
            }
        }
        Ok(result)
    }

    /// Gradients of `output` with respect to each of `wrt`, recorded on the tape: each is a
    /// var that can be differentiated again, to any order (PyTorch's `autograd.grad` with
    /// `create_graph=True`, JAX's `grad`). A var the output does not depend on gets zeros.
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::scalar(2.0));
    /// let y = x.powf(3.0);
    /// let dy = tape.grad(y, &[x]).unwrap()[0]; // 3x^2 = 12
    /// let d2y = tape.grad(dy, &[x]).unwrap()[0]; // 6x = 12
    /// let d3y = tape.grad(d2y, &[x]).unwrap()[0]; // 6
    /// assert_eq!((dy.item(), d2y.item(), d3y.item()), (12.0, 12.0, 6.0));
    /// ```
    ///
    /// # Errors
    /// If the gradient passes through a custom op whose own gradient was computed without
    /// being recorded (see [`BackwardError`]).
    ///
    /// # Panics
    /// If `output` has more than one element, or a var belongs to another tape.
    pub fn grad<'t>(
        &'t self,
        output: Var<'t, T>,
        wrt: &[Var<'t, T>],
    ) -> Result<Vec<Var<'t, T>>, BackwardError> {
        let options = BackwardOptions {
            wrt: Some(wrt),
            create_graph: true,
            ..BackwardOptions::default()
        };
        let grads = self.try_backward_with(output, options)?;
        Ok(wrt
            .iter()
            .map(|&v| {
                grads.var(v).unwrap_or_else(|| {
                    let zeros = self.map_value(v, |x, s| s.zeros(x.shape()));
                    self.constant(zeros)
                })
            })
            .collect())
    }

    /// The recorded walk: the same rules on vars, each gradient a node on the tape.
    fn backward_graph(
        &self,
        out: NodeKey,
        seed: Tensor<T>,
        wanted: Option<&[NodeKey]>,
        retain_all: bool,
    ) -> Result<Gradients<T>, BackwardError> {
        let (out_pos, relevant, positions) = {
            let mut guard = self.inner.borrow_mut();
            let inner = &mut *guard;
            let out_pos = inner.node(out).position as usize;
            mark_relevant(inner, out_pos, wanted);
            (
                out_pos,
                inner.relevant.clone(),
                inner.order[..=out_pos].to_vec(),
            )
        };
        let mut result = Gradients {
            graph: Some(SecondaryMap::new()),
            output: Some(out),
            tape: self.id,
            ..Gradients::default()
        };
        if !relevant[out_pos] {
            self.inner.borrow_mut().scratch.recycle(seed);
            return Ok(result);
        }
        // Recording is what was asked for, inside `no_grad` too.
        let was_recording = self.set_recording(true);
        let mut slots: Vec<Option<NodeKey>> = vec![None; out_pos + 1];
        slots[out_pos] = Some(self.constant(seed).key);
        let mut outcome = Ok(());
        for pos in (0..=out_pos).rev() {
            let Some(g) = slots[pos].take() else {
                continue;
            };
            let key = positions[pos];
            outcome = self.visit_graph(key, g, &relevant, &mut slots);
            if outcome.is_err() {
                break;
            }
            let kind = self.inner.borrow().nodes[key].kind;
            if keep(retain_all, wanted, key, kind) {
                let value = self.map_value(Var::new(self, g), |t, s| s.copy_of(t));
                result.grads.insert(key, value);
                result.graph.get_or_insert_default().insert(key, g);
            }
        }
        self.set_recording(was_recording);
        outcome.map(|()| result)
    }

    /// Sends the recorded gradient `g` of node `key` to its inputs' slots.
    fn visit_graph(
        &self,
        key: NodeKey,
        g: NodeKey,
        relevant: &[bool],
        slots: &mut [Option<NodeKey>],
    ) -> Result<(), BackwardError> {
        // The op leaves its node while its rule records new nodes, and comes back after.
        let (op, input_keys, positions) = {
            let mut inner = self.inner.borrow_mut();
            let input_keys = inner.nodes[key].inputs.clone();
            let positions: SmallVec<[usize; INLINE_INPUTS]> = input_keys
                .iter()
                .map(|&i| inner.nodes[i].position as usize)
                .collect();
            let op = std::mem::replace(&mut inner.nodes[key].op, Op::Leaf);
            (op, input_keys, positions)
        };
        let inputs: SmallVec<[Var<'_, T>; INLINE_INPUTS]> =
            input_keys.iter().map(|&k| Var::new(self, k)).collect();
        let (out, grad) = (Var::new(self, key), Var::new(self, g));
        let mut outcome = Ok(());
        for (i, &pos) in positions.iter().enumerate() {
            if !relevant[pos] {
                continue;
            }
            let contribution = match op.vjp_graph(i, &inputs, out, grad) {
                Ok(c) => c,
                Err(_) if matches!(op, Op::Custom(_)) => self.opaque_vjp(&op, i, key, g),
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            };
            if let Some(c) = contribution {
                slots[pos] = Some(match slots[pos] {
                    Some(acc) => (Var::new(self, acc) + c).key,
                    None => c.key,
                });
            }
        }
        self.inner.borrow_mut().nodes[key].op = op;
        outcome
    }

    /// The gradient of a custom op without a recorded product: its value from the fast path,
    /// recorded as a node that names the op if anything tries to differentiate through it.
    fn opaque_vjp(&self, op: &Op<T>, i: usize, key: NodeKey, g: NodeKey) -> Option<Var<'_, T>> {
        let Op::Custom(c) = op else {
            unreachable!("only custom ops fall back to an opaque gradient")
        };
        let (value, inputs) = {
            let mut guard = self.inner.borrow_mut();
            let TapeInner { nodes, scratch, .. } = &mut *guard;
            let node = &nodes[key];
            let values: SmallVec<[&Tensor<T>; INLINE_INPUTS]> =
                node.inputs.iter().map(|&k| nodes[k].value.get()).collect();
            let value = c.vjp(i, &values, node.value.get(), nodes[g].value.get(), scratch)?;
            let mut inputs: Inputs = node.inputs.clone();
            inputs.extend([key, g]);
            (value, inputs)
        };
        Some(self.record_value(Op::Opaque(c.name().into_owned()), inputs, value))
    }
}

/// Whether backward keeps the gradient of this node.
fn keep(retain_all: bool, wanted: Option<&[NodeKey]>, key: NodeKey, kind: NodeKind) -> bool {
    retain_all
        || match wanted {
            Some(keys) => keys.contains(&key),
            None => kind == NodeKind::Parameter,
        }
}

fn seed_gradient<T: Float>(
    inner: &mut TapeInner<T>,
    out: NodeKey,
    seed: Option<Tensor<T>>,
) -> Tensor<T> {
    let shape = inner.shape_of(out);
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
            inner.scratch.full(&shape, T::ONE)
        }
    }
}

/// Marks which positions a gradient may flow into: those downstream of a parameter (the
/// default) or of one of the wanted vars.
fn mark_relevant<T: Float>(inner: &mut TapeInner<T>, out_pos: usize, wanted: Option<&[NodeKey]>) {
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
            Some(keys) => {
                keys.contains(&order[pos])
                    || node
                        .inputs
                        .iter()
                        .any(|&i| relevant[nodes[i].position as usize])
            }
        };
    }
}
