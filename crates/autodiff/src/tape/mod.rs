//! The [`Tape`]: an arena of recorded nodes that backward walks in reverse.
//!
//! Every operation on a [`Var`] appends a node holding its op, its inputs and its value. Nodes
//! live in a `slotmap` arena (stale handles are caught, not misread) and are also listed in
//! creation order, which is a topological order: backward walks that list from the output down.

mod var;

pub use var::Var;

use crate::float::Float;
use crate::op::{CustomOp, Op};
use crate::scratch::Scratch;
use crate::shape::Shape;
use crate::tensor::Tensor;
use slotmap::{SlotMap, new_key_type};
use smallvec::SmallVec;
use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Inputs a node holds without a heap allocation (a dense node with bias has three).
pub(crate) const INLINE_INPUTS: usize = 4;

/// A node's input keys.
pub(crate) type Inputs = SmallVec<[NodeKey; INLINE_INPUTS]>;

new_key_type! {
    /// A node's place in its tape's arena.
    pub(crate) struct NodeKey;
}

/// Identifies a node and the tape it is on. Stays unique across [`Tape::clear`] (an id from
/// before a clear never finds a node recorded after it) and across tapes (an id of one tape
/// never finds another tape's node).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeId {
    pub(crate) key: NodeKey,
    pub(crate) tape: u64,
}

/// How a node holds its value: owned, or shared with the caller (a model's parameters are
/// shared so that putting them on the tape copies nothing).
#[derive(Clone)]
pub enum Value<T> {
    /// The tape owns the tensor; its buffer returns to the tape's scratch on [`Tape::clear`].
    Owned(Tensor<T>),
    /// The tensor is shared; the tape drops its reference on [`Tape::clear`].
    Shared(Arc<Tensor<T>>),
}

impl<T> Value<T> {
    /// The tensor.
    pub fn get(&self) -> &Tensor<T> {
        match self {
            Value::Owned(t) => t,
            Value::Shared(t) => t,
        }
    }
}

impl<T> From<Tensor<T>> for Value<T> {
    fn from(t: Tensor<T>) -> Self {
        Value::Owned(t)
    }
}

impl<T> From<Arc<Tensor<T>>> for Value<T> {
    fn from(t: Arc<Tensor<T>>) -> Self {
        Value::Shared(t)
    }
}

impl<T> From<&Arc<Tensor<T>>> for Value<T> {
    fn from(t: &Arc<Tensor<T>>) -> Self {
        Value::Shared(Arc::clone(t))
    }
}

/// What kind of leaf a node is, if it is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A leaf whose gradient is wanted.
    Parameter,
    /// A leaf with no gradient.
    Constant,
    /// The result of an op.
    Operation,
}

pub(crate) struct Node<T: Float> {
    pub(crate) op: Op<T>,
    pub(crate) inputs: Inputs,
    pub(crate) value: Value<T>,
    pub(crate) kind: NodeKind,
    /// Whether a parameter lies upstream, so a gradient can flow here.
    pub(crate) requires_grad: bool,
    /// Index in creation order.
    pub(crate) position: u32,
    pub(crate) name: Option<Arc<str>>,
    /// Index into the tape's scope names.
    pub(crate) scope: Option<u32>,
}

pub(crate) struct TapeInner<T: Float> {
    pub(crate) nodes: SlotMap<NodeKey, Node<T>>,
    pub(crate) order: Vec<NodeKey>,
    /// The one recycler: buffers, index lists and op boxes.
    pub(crate) scratch: Scratch<T>,
    pub(crate) recording: bool,
    pub(crate) scopes: Vec<String>,
    scope_stack: Vec<u32>,
    /// The strings of earlier steps' scope names, kept by `clear` for the next step's names:
    /// a training step that opens scopes allocates nothing once warmed up.
    spare_names: Vec<String>,
    /// Per-position gradient slots, kept between backward passes for their memory.
    pub(crate) grad_slots: Vec<Option<Tensor<T>>>,
    pub(crate) relevant: Vec<bool>,
    /// The map of the last gradients handed back with [`Tape::recycle`].
    pub(crate) spare_grads: Option<slotmap::SecondaryMap<NodeKey, Tensor<T>>>,
}

/// Records operations on [`Var`]s so that [`Tape::backward`] can compute gradients.
///
/// Several tapes can live side by side; nothing is global. A training loop keeps one tape and
/// calls [`Tape::clear`] each step, which keeps its memory for the next.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// let tape = Tape::<f64>::new();
/// let x = tape.param(Tensor::scalar(3.0)).named("x");
/// let y = tape.param(Tensor::scalar(4.0)).named("y");
/// let f = x * y + x.powf(2.0); // f = xy + x^2
/// let g = f.backward();
/// assert_eq!(g[x].item(), 4.0 + 2.0 * 3.0); // df/dx = y + 2x
/// assert_eq!(g[y].item(), 3.0); // df/dy = x
/// ```
pub struct Tape<T: Float> {
    /// This tape's identity, for telling its ids and gradients from another tape's.
    pub(crate) id: u64,
    pub(crate) inner: RefCell<TapeInner<T>>,
}

impl<T: Float> Default for Tape<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Hands out tape identities.
static NEXT_TAPE: AtomicU64 = AtomicU64::new(1);

impl<T: Float> Tape<T> {
    /// An empty tape, recording.
    pub fn new() -> Self {
        Tape {
            id: NEXT_TAPE.fetch_add(1, Ordering::Relaxed),
            inner: RefCell::new(TapeInner {
                nodes: SlotMap::with_key(),
                order: Vec::new(),
                scratch: Scratch::default(),
                recording: true,
                scopes: Vec::new(),
                scope_stack: Vec::new(),
                spare_names: Vec::new(),
                grad_slots: Vec::new(),
                relevant: Vec::new(),
                spare_grads: None,
            }),
        }
    }

    /// A leaf whose gradient backward computes: a weight, a bias, an input you want the
    /// gradient of. Pass a `Tensor` to move it onto the tape, or an `Arc<Tensor>` (or a
    /// reference to one) to share it without copying.
    pub fn param(&self, value: impl Into<Value<T>>) -> Var<'_, T> {
        self.leaf(value.into(), NodeKind::Parameter)
    }

    /// A leaf with no gradient: data, targets, fixed numbers.
    pub fn constant(&self, value: impl Into<Value<T>>) -> Var<'_, T> {
        self.leaf(value.into(), NodeKind::Constant)
    }

    /// A constant whose row-major element `i` is `f(i)`, built in the tape's recycled memory
    /// (so a training step that makes one each time allocates nothing once warmed up).
    ///
    /// ```
    /// use nabla_autodiff::Tape;
    /// let tape = Tape::<f32>::new();
    /// let labels = [2_usize, 0, 1];
    /// let y = tape.constant_from_fn(&[3], |i| labels[i] as f32);
    /// assert_eq!(y.value().data(), &[2.0, 0.0, 1.0]);
    /// ```
    pub fn constant_from_fn(&self, shape: &[usize], f: impl FnMut(usize) -> T) -> Var<'_, T> {
        let t = self.inner.borrow_mut().scratch.from_fn(shape, f);
        self.constant(t)
    }

    /// A constant whose row-major elements `build` pushes onto an empty buffer of the tape's
    /// recycled memory: for elements made a row at a time (standardising features, say),
    /// where a loop over a row's slices vectorises and an index per element would not.
    ///
    /// ```
    /// use nabla_autodiff::Tape;
    /// let tape = Tape::<f32>::new();
    /// let rows = [[1.0, 2.0], [3.0, 4.0]];
    /// let x = tape.constant_built(&[2, 2], |buf| {
    ///     for row in &rows {
    ///         buf.extend(row.iter().map(|v| v * 10.0));
    ///     }
    /// });
    /// assert_eq!(x.value().data(), &[10.0, 20.0, 30.0, 40.0]);
    /// ```
    ///
    /// # Panics
    /// If `build` pushes other than one element per position of `shape`.
    pub fn constant_built(&self, shape: &[usize], build: impl FnOnce(&mut Vec<T>)) -> Var<'_, T> {
        let len = shape.iter().product();
        let mut buf = self.inner.borrow_mut().scratch.take(len);
        build(&mut buf);
        assert!(
            buf.len() == len,
            "constant_built: built {} elements for shape {shape:?}, which holds {len}",
            buf.len()
        );
        self.constant(Tensor::from_vec(buf, shape))
    }

    /// A zero-dimensional constant.
    pub fn scalar(&self, value: T) -> Var<'_, T> {
        let t = self.inner.borrow_mut().scratch.full(&[], value);
        self.constant(t)
    }

    /// Records a [`CustomOp`] applied to `inputs` and returns its output.
    ///
    /// # Panics
    /// If an input belongs to another tape, or the op's forward panics.
    pub fn apply(&self, op: impl CustomOp<T>, inputs: &[Var<'_, T>]) -> Var<'_, T> {
        let keys: Inputs = inputs.iter().map(|v| self.own(*v, "apply")).collect();
        let op = self.inner.borrow_mut().scratch.boxed(op);
        self.record(Op::Custom(op), keys)
    }

    /// Forgets every node, keeping the memory: node values go back to the scratch memory,
    /// ready for the next step. Spare memory that went unused for a whole step is freed, so
    /// memory stays flat. Requires `&mut` so that no [`Var`] of this tape can outlive it.
    pub fn clear(&mut self) {
        let inner = self.inner.get_mut();
        let TapeInner {
            nodes,
            order,
            scratch,
            scopes,
            scope_stack,
            spare_names,
            ..
        } = inner;
        scratch.trim();
        for (_, node) in nodes.drain() {
            if let Value::Owned(t) = node.value {
                scratch.recycle(t);
            }
            node.op.recycle(scratch);
        }
        scratch.mark();
        order.clear();
        spare_names.append(scopes);
        scope_stack.clear();
    }

    /// Number of recorded nodes.
    pub fn len(&self) -> usize {
        self.inner.borrow().order.len()
    }

    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stops recording the graph until the guard is dropped: ops still compute their values,
    /// but each result is stored as a constant with no inputs, so nothing is kept for backward.
    /// Use it for inference.
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let w = tape.param(Tensor::ones(&[2, 2]));
    /// let y = {
    ///     let _guard = tape.no_grad();
    ///     w.matmul(w).sum()
    /// };
    /// assert_eq!(y.item(), 8.0);
    /// assert!(!y.requires_grad());
    /// ```
    pub fn no_grad(&self) -> NoGradGuard<'_, T> {
        let previous = self.set_recording(false);
        NoGradGuard {
            tape: self,
            previous,
        }
    }

    /// Whether ops are being recorded (false inside [`Tape::no_grad`]).
    pub fn is_recording(&self) -> bool {
        self.inner.borrow().recording
    }

    /// Groups the nodes recorded until the guard drops under a named scope (a layer, say);
    /// graph dumps draw each scope as a box. Scopes nest: names join with `/`.
    pub fn scope(&self, name: &str) -> ScopeGuard<'_, T> {
        let mut inner = self.inner.borrow_mut();
        let inner = &mut *inner;
        let mut full = inner.spare_names.pop().unwrap_or_default();
        full.clear();
        if let Some(&parent) = inner.scope_stack.last() {
            full.push_str(&inner.scopes[parent as usize]);
            full.push('/');
        }
        full.push_str(name);
        let index = match inner.scopes.iter().position(|s| *s == full) {
            Some(i) => {
                inner.spare_names.push(full);
                i as u32
            }
            None => {
                inner.scopes.push(full);
                (inner.scopes.len() - 1) as u32
            }
        };
        inner.scope_stack.push(index);
        ScopeGuard { tape: self }
    }

    /// Returns the buffers of gradients you are done with to the tape's scratch memory (and
    /// the gradients' index, so that the next backward allocates nothing).
    ///
    /// # Panics
    /// If the gradients came from another tape.
    pub fn recycle(&self, grads: crate::Gradients<T>) {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        assert!(
            grads.tape == self.id,
            "recycle: these gradients come from another tape"
        );
        let mut map = grads.into_map();
        for (_, t) in map.drain() {
            inner.scratch.recycle(t);
        }
        inner.spare_grads = Some(map);
    }

    /// Total capacity, in elements, of spare buffers kept for reuse.
    pub fn spare_elements(&self) -> usize {
        self.inner.borrow().scratch.spare_elements()
    }

    fn leaf(&self, value: Value<T>, kind: NodeKind) -> Var<'_, T> {
        let mut inner = self.inner.borrow_mut();
        let requires_grad = kind == NodeKind::Parameter && inner.recording;
        let key = inner.insert(Op::Leaf, SmallVec::new(), value, kind, requires_grad);
        Var::new(self, key)
    }

    /// Records an op on the given inputs and returns its output.
    pub(crate) fn record(&self, mut op: Op<T>, inputs: Inputs) -> Var<'_, T> {
        let mut guard = self.inner.borrow_mut();
        let inner = &mut *guard;
        let value = {
            let TapeInner { nodes, scratch, .. } = &mut *inner;
            let values: SmallVec<[&Tensor<T>; INLINE_INPUTS]> =
                inputs.iter().map(|&i| live(nodes, i).value.get()).collect();
            op.forward(&values, scratch)
        };
        let key = inner.insert_result(op, inputs, value);
        Var::new(self, key)
    }

    /// Records an op whose value is already known (a gradient computed on the fast path).
    pub(crate) fn record_value(&self, op: Op<T>, inputs: Inputs, value: Tensor<T>) -> Var<'_, T> {
        let key = self.inner.borrow_mut().insert_result(op, inputs, value);
        Var::new(self, key)
    }

    /// Checks that `v` was recorded on this tape; returns its key.
    ///
    /// # Panics
    /// If it belongs to another tape; `op` names the operation in the message.
    pub(crate) fn own(&self, v: Var<'_, T>, op: &str) -> NodeKey {
        assert!(
            std::ptr::eq(v.tape, self),
            "{op}: the operands belong to different tapes; record every var of one computation \
             on the same tape"
        );
        v.key
    }

    /// Calls `f` with the shapes of two nodes, under one borrow.
    pub(crate) fn with_shapes<R>(
        &self,
        a: NodeKey,
        b: NodeKey,
        f: impl FnOnce(&[usize], &[usize]) -> R,
    ) -> R {
        let inner = self.inner.borrow();
        f(
            inner.node(a).value.get().shape(),
            inner.node(b).value.get().shape(),
        )
    }

    /// A tensor computed from a node's value in the tape's scratch memory.
    pub(crate) fn map_value(
        &self,
        v: Var<'_, T>,
        f: impl FnOnce(&Tensor<T>, &mut Scratch<T>) -> Tensor<T>,
    ) -> Tensor<T> {
        let mut guard = self.inner.borrow_mut();
        let TapeInner { nodes, scratch, .. } = &mut *guard;
        f(live(nodes, v.key).value.get(), scratch)
    }

    /// A copy of `indices` in a reused vector.
    pub(crate) fn indices(&self, indices: &[usize]) -> Vec<usize> {
        self.inner.borrow_mut().scratch.indices(indices)
    }

    /// Sets whether ops are recorded; returns the previous setting.
    pub(crate) fn set_recording(&self, on: bool) -> bool {
        std::mem::replace(&mut self.inner.borrow_mut().recording, on)
    }
}

impl<T: Float> TapeInner<T> {
    fn insert(
        &mut self,
        op: Op<T>,
        inputs: Inputs,
        value: Value<T>,
        kind: NodeKind,
        requires_grad: bool,
    ) -> NodeKey {
        let position = self.order.len() as u32;
        let scope = self.scope_stack.last().copied();
        let key = self.nodes.insert(Node {
            op,
            inputs,
            value,
            kind,
            requires_grad,
            position,
            name: None,
            scope,
        });
        self.order.push(key);
        key
    }

    /// Inserts an op's result: with its inputs when recording, as a constant otherwise.
    fn insert_result(&mut self, op: Op<T>, inputs: Inputs, value: Tensor<T>) -> NodeKey {
        if self.recording {
            let requires_grad = inputs.iter().any(|&i| self.nodes[i].requires_grad);
            self.insert(
                op,
                inputs,
                Value::Owned(value),
                NodeKind::Operation,
                requires_grad,
            )
        } else {
            op.recycle(&mut self.scratch);
            let value = Value::Owned(value);
            self.insert(Op::Leaf, SmallVec::new(), value, NodeKind::Constant, false)
        }
    }

    /// The node, or a panic that explains a stale key.
    pub(crate) fn node(&self, key: NodeKey) -> &Node<T> {
        live(&self.nodes, key)
    }

    pub(crate) fn shape_of(&self, key: NodeKey) -> Shape {
        self.node(key).value.get().shape().into()
    }

    /// Marks, by position, the node at `key` and every node upstream of it: the nodes a
    /// gradient from it could reach.
    pub(crate) fn upstream_of(&self, key: NodeKey) -> Vec<bool> {
        let out = self.node(key).position as usize;
        let mut marked = vec![false; self.order.len()];
        marked[out] = true;
        for pos in (0..=out).rev() {
            if marked[pos] {
                for &input in &self.nodes[self.order[pos]].inputs {
                    marked[self.nodes[input].position as usize] = true;
                }
            }
        }
        marked
    }
}

/// The node at `key`, or a panic that explains a stale key.
fn live<T: Float>(nodes: &SlotMap<NodeKey, Node<T>>, key: NodeKey) -> &Node<T> {
    nodes.get(key).unwrap_or_else(|| {
        panic!("this var's node is gone: the tape was cleared after the var was made")
    })
}

/// Restores recording when dropped. See [`Tape::no_grad`].
pub struct NoGradGuard<'t, T: Float> {
    tape: &'t Tape<T>,
    previous: bool,
}

impl<T: Float> Drop for NoGradGuard<'_, T> {
    fn drop(&mut self) {
        self.tape.set_recording(self.previous);
    }
}

/// Ends the scope when dropped. See [`Tape::scope`].
pub struct ScopeGuard<'t, T: Float> {
    tape: &'t Tape<T>,
}

impl<T: Float> Drop for ScopeGuard<'_, T> {
    fn drop(&mut self) {
        self.tape.inner.borrow_mut().scope_stack.pop();
    }
}
