//! After a failed check, each op of the graph checked on its own, to name the op that makes
//! the whole fail.
//!
//! The function is recorded once more at the given inputs. Then every op on a path from an
//! input to the output, in creation order, is taken off that tape and recorded alone on a
//! fresh one, its recorded input values as leaves: parameters where a gradient flows in,
//! constants elsewhere (data, labels, masks). Backward there gives the op's vector-Jacobian
//! product for fixed random output weights, and the op's forward, run again at moved inputs,
//! gives the finite differences; both are compared by the probes and tolerance of the whole
//! check. The first op that fails is the one reported.

use super::objective::{Function, Objective, Start};
use super::report::{CheckMode, FailingOp, Tolerance};
use super::tally::Tally;
use super::{GradCheck, Probes, floored};
use crate::float::Float;
use crate::op::Op;
use crate::scratch::Scratch;
use crate::tape::{INLINE_INPUTS, Inputs, NodeKind, Tape, TapeInner, Var};
use crate::tensor::Tensor;
use rand::SeedableRng;
use rand::rngs::StdRng;
use smallvec::SmallVec;
use std::sync::Arc;

/// Records `f` at `inputs` and checks its ops one by one until one fails: that op, if any, and
/// how many ops were checked.
pub(super) fn first_failing_op<T, F>(
    check: &GradCheck,
    inputs: &[Tensor<T>],
    f: &F,
    configured: &Tolerance,
    mode: CheckMode,
) -> (Option<Box<FailingOp>>, usize)
where
    T: Float,
    F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    let tape = Tape::new();
    let vars: Vec<Var<'_, T>> = inputs.iter().map(|x| tape.param(x.clone())).collect();
    let out = f(&tape, &vars);
    let on_path = tape.inner.borrow().upstream_of(out.key);
    let mut rng = StdRng::seed_from_u64(check.seed.wrapping_add(1));
    let mut checked = 0;
    for (position, _) in on_path.iter().enumerate().filter(|(_, on)| **on) {
        let Some(lone) = Lone::take(&tape, position) else {
            continue;
        };
        checked += 1;
        if let Some(failing) = lone.check(configured, check.recorded, mode, &mut rng) {
            return (Some(Box::new(failing)), checked);
        }
    }
    (None, checked)
}

/// One op taken off the recorded tape, with what it was recorded with.
struct Lone<T: Float> {
    /// The node's place in creation order.
    position: usize,
    op: Op<T>,
    /// The op's name, as dumps show it.
    op_name: String,
    /// The values of the node's inputs.
    inputs: Vec<Tensor<T>>,
    /// Whether a gradient flows into each input (a parameter lies upstream of it).
    differentiable: Vec<bool>,
    /// The names of the input nodes.
    input_names: Vec<Option<String>>,
    name: Option<String>,
    scope: Option<String>,
}

impl<T: Float> Lone<T> {
    /// Takes the op at `position` off `tape`, if it is an op that a gradient flows through.
    fn take(tape: &Tape<T>, position: usize) -> Option<Self> {
        let mut inner = tape.inner.borrow_mut();
        let TapeInner {
            nodes,
            order,
            scopes,
            ..
        } = &mut *inner;
        let node = &nodes[order[position]];
        // A gradient recorded without its rule (`Opaque`) has no forward to run again.
        if node.kind != NodeKind::Operation
            || !node.requires_grad
            || matches!(node.op, Op::Opaque(_))
        {
            return None;
        }
        let inputs = node
            .inputs
            .iter()
            .map(|&i| nodes[i].value.get().clone())
            .collect();
        let differentiable = node
            .inputs
            .iter()
            .map(|&i| nodes[i].requires_grad)
            .collect();
        let input_names = node
            .inputs
            .iter()
            .map(|&i| nodes[i].name.as_deref().map(str::to_owned))
            .collect();
        let name = node.name.as_deref().map(str::to_owned);
        let scope = node.scope.map(|s| scopes[s as usize].clone());
        let op_name = node.op.name().into_owned();
        let op = std::mem::replace(&mut nodes[order[position]].op, Op::Leaf);
        Some(Lone {
            position,
            op,
            op_name,
            inputs,
            differentiable,
            input_names,
            name,
            scope,
        })
    }

    /// Checks the op alone at its recorded inputs; its worst disagreement, if any.
    fn check(
        self,
        configured: &Tolerance,
        recorded: bool,
        mode: CheckMode,
        rng: &mut StdRng,
    ) -> Option<FailingOp> {
        let wanted: Vec<usize> = (0..self.inputs.len())
            .filter(|&i| self.differentiable[i])
            .collect();
        let (op, start) = {
            let tape = Tape::new();
            let vars: Vec<Var<'_, T>> = self
                .inputs
                .iter()
                .zip(&self.differentiable)
                .map(|(x, &d)| match d {
                    true => tape.param(x.clone()),
                    false => tape.constant(x.clone()),
                })
                .collect();
            let keys: Inputs = vars.iter().map(|v| v.key).collect();
            let out = tape.record(self.op, keys);
            let wrt: SmallVec<[Var<'_, T>; INLINE_INPUTS]> =
                wanted.iter().map(|&i| vars[i]).collect();
            let start = Start::on_tape(&tape, &wrt, out, recorded, rng);
            let op = std::mem::replace(&mut tape.inner.borrow_mut().nodes[out.key].op, Op::Leaf);
            (op, start)
        };
        let tolerance = floored(configured, start.noise);
        let shared = self.inputs.iter().map(|x| Arc::new(x.clone())).collect();
        let replay = Replay {
            op,
            scratch: Scratch::default(),
        };
        let mut objective = Objective::at(replay, &self.inputs, shared, &start, tolerance.eps);
        let mut tally = Tally::new(tolerance, mode);
        for (gradient, &i) in start.gradients.iter().zip(&wanted) {
            let probes = Probes {
                input: i,
                name: self.input_names[i].as_deref(),
                shape: self.inputs[i].shape(),
                gradient,
                tolerance: &tolerance,
            };
            probes.run(mode, &mut objective, &mut tally, rng);
        }
        let error = tally
            .finish(T::NAME, Vec::new(), objective.evaluations, 1)
            .err()?;
        Some(FailingOp {
            node: self.position,
            op: self.op_name,
            name: self.name,
            scope: self.scope,
            mismatch: error.offenders.into_iter().next()?,
            tolerance,
        })
    }
}

/// An op's forward run again at moved inputs.
struct Replay<T: Float> {
    op: Op<T>,
    scratch: Scratch<T>,
}

impl<T: Float> Function<T> for Replay<T> {
    fn eval<R>(&mut self, inputs: &[Arc<Tensor<T>>], read: impl FnOnce(&Tensor<T>) -> R) -> R {
        let values: SmallVec<[&Tensor<T>; INLINE_INPUTS]> = inputs.iter().map(|x| &**x).collect();
        let out = self.op.forward(&values, &mut self.scratch);
        let result = read(&out);
        self.scratch.recycle(out);
        result
    }
}
