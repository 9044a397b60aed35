//! The computation replayed one step at a time, in the order nabla ran it: the forward pass
//! op by op, then backward edge by edge with each input's running sum (the HTML walkthrough's
//! steps, and something to check by hand).

use super::{Gradient, GraphDump};
use crate::float::Float;
use crate::tape::NodeKind;
use crate::tensor::Tensor;

/// One step of the forward pass: an op computed from its inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardStep {
    /// Index of the op's node.
    pub node: usize,
    /// Indices into [`GraphDump::edges`] of the edges from its inputs, in argument order.
    pub edges: Vec<usize>,
}

/// One step of the backward pass: an edge served, its contribution added to what its input
/// has received so far.
#[derive(Debug, Clone, PartialEq)]
pub struct BackwardStep<T: Float> {
    /// Index into [`GraphDump::edges`] of the edge served.
    pub edge: usize,
    /// The node that receives the contribution: the edge's input end ([`DumpEdge::from`]).
    ///
    /// [`DumpEdge::from`]: super::DumpEdge::from
    pub input: usize,
    /// The op that sends it: the edge's consumer end ([`DumpEdge::to`]), whose gradient was
    /// complete when backward reached it.
    ///
    /// [`DumpEdge::to`]: super::DumpEdge::to
    pub consumer: usize,
    /// What the edge sends back: the consumer's gradient times the local derivative.
    pub contribution: Tensor<T>,
    /// The input's gradient so far: the sum of the contributions it has received, this one
    /// included, added in backward's order (so the last one is its gradient, bit for bit).
    pub partial: Tensor<T>,
    /// How many contributions the input has received, this one included (from 1).
    pub term: usize,
    /// How many contributions the input receives in all; when `term == terms` its gradient is
    /// complete.
    pub terms: usize,
}

impl<T: Float> BackwardStep<T> {
    /// Whether this is the input's last contribution, so that [`BackwardStep::partial`] is its
    /// gradient.
    pub fn completes(&self) -> bool {
        self.term == self.terms
    }
}

impl<T: Float> GraphDump<T> {
    /// The forward pass step by step: every op in creation order (the order the tape recorded,
    /// and so computed, them), with the edges from its inputs. Parameters and constants are
    /// not steps: their values are there from the start.
    pub fn forward_steps(&self) -> Vec<ForwardStep> {
        self.nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Operation)
            .map(|n| ForwardStep {
                node: n.index,
                edges: (0..self.edges.len())
                    .filter(|&e| self.edges[e].to == n.index)
                    .collect(),
            })
            .collect()
    }

    /// The backward pass step by step, in the order [`Tape::backward`](crate::Tape::backward)
    /// served the edges: consumers from the last created back to the first (reverse creation
    /// order, a topological order, so each consumer's gradient is complete when it is
    /// reached), and each consumer's inputs in argument order. Every edge that carried a
    /// computed contribution is one step; each step adds its contribution to its input's
    /// running sum.
    ///
    /// Empty when the dump has no contributions: before backward, or when backward did not
    /// keep the intermediate gradients (use [`Tape::backward_retain_all`](crate::Tape::backward_retain_all)).
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor, dump::GraphDump};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::scalar(2.0)).named("x");
    /// let y = (x * x + x).named("y"); // dy/dx = 2x + 1 = 5
    /// let grads = tape.backward_retain_all(y);
    /// let steps = GraphDump::new(&tape, Some(&grads)).backward_steps();
    /// // y = add(#1 mul, #0 x) is served first: 1 to the product, then 1 to x directly;
    /// // then the product sends x its two shares, 2 each.
    /// let at_x: Vec<f64> = steps.iter().filter(|s| s.input == 0).map(|s| s.partial.item()).collect();
    /// assert_eq!(at_x, [1.0, 3.0, 5.0]);
    /// ```
    pub fn backward_steps(&self) -> Vec<BackwardStep<T>> {
        let mut order: Vec<usize> = (0..self.edges.len())
            .filter(|&e| self.edges[e].contribution.tensor().is_some())
            .collect();
        // Stable: within a consumer, the edges stay in argument order.
        order.sort_by_key(|&e| std::cmp::Reverse(self.edges[e].to));
        let mut terms = vec![0usize; self.nodes.len()];
        for &e in &order {
            terms[self.edges[e].from] += 1;
        }
        let mut partial: Vec<Option<Tensor<T>>> = vec![None; self.nodes.len()];
        let mut received = vec![0usize; self.nodes.len()];
        order
            .into_iter()
            .map(|e| {
                let edge = &self.edges[e];
                let Gradient::Computed(c) = &edge.contribution else {
                    unreachable!("only edges with a computed contribution are steps")
                };
                // The same addition, in the same order, as backward's accumulation.
                let sum = match partial[edge.from].take() {
                    Some(mut acc) => {
                        acc.zip_assign(c, "accumulate gradient", |a, b| a + b);
                        acc
                    }
                    None => c.clone(),
                };
                partial[edge.from] = Some(sum.clone());
                received[edge.from] += 1;
                BackwardStep {
                    edge: e,
                    input: edge.from,
                    consumer: edge.to,
                    contribution: c.clone(),
                    partial: sum,
                    term: received[edge.from],
                    terms: terms[edge.from],
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tape;

    #[test]
    fn backward_steps_follow_backward_and_sum_to_each_gradient() {
        // y = x * x + x at x = 2: the add is served first (its product input, then x), then
        // the product's two arguments, each sending x 2.
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::scalar(2.0)).named("x");
        let y = (x * x + x).named("y");
        let grads = tape.backward_retain_all(y);
        let dump = GraphDump::new(&tape, Some(&grads));
        let steps = dump.backward_steps();
        let order: Vec<(usize, usize, usize)> = steps
            .iter()
            .map(|s| (s.edge, s.input, s.consumer))
            .collect();
        assert_eq!(order, [(2, 1, 2), (3, 0, 2), (0, 0, 1), (1, 0, 1)]);
        let numbers: Vec<(f64, f64, usize, usize)> = steps
            .iter()
            .map(|s| (s.contribution.item(), s.partial.item(), s.term, s.terms))
            .collect();
        assert_eq!(
            numbers,
            [
                (1.0, 1.0, 1, 1),
                (1.0, 1.0, 1, 3),
                (2.0, 3.0, 2, 3),
                (2.0, 5.0, 3, 3)
            ]
        );
        for s in steps.iter().filter(|s| s.completes()) {
            assert_eq!(Some(&s.partial), dump.nodes[s.input].gradient.tensor());
        }
        let forward = dump.forward_steps();
        assert_eq!(
            forward,
            [
                ForwardStep {
                    node: 1,
                    edges: vec![0, 1]
                },
                ForwardStep {
                    node: 2,
                    edges: vec![2, 3]
                }
            ]
        );
    }

    #[test]
    fn tensor_sums_add_element_by_element_and_match_backward_bit_for_bit() {
        // h = w * c feeds two sums of different weightings: w gets c * (1 + 3) elementwise.
        let tape = Tape::<f32>::new();
        let w = tape.param(Tensor::from_vec(vec![0.1, 0.2, 0.3], &[3]));
        let c = tape.constant(Tensor::from_vec(vec![1.0, -2.0, 0.5], &[3]));
        let h = w * c;
        let loss = h.sum() + (h * 3.0).sum();
        let grads = tape.backward_retain_all(loss);
        let dump = GraphDump::new(&tape, Some(&grads));
        let steps = dump.backward_steps();
        let at_h: Vec<&BackwardStep<f32>> = steps.iter().filter(|s| s.input == 2).collect();
        assert_eq!(at_h.len(), 2);
        // The later consumer (h * 3) is served first.
        assert_eq!(at_h[0].contribution.data(), &[3.0, 3.0, 3.0]);
        assert_eq!(at_h[1].partial.data(), &[4.0, 4.0, 4.0]);
        let at_w = steps.iter().find(|s| s.input == 0).unwrap();
        assert_eq!(at_w.partial.data(), grads[w].data());
        assert_eq!(at_w.partial.data(), &[4.0, -8.0, 2.0]);
    }

    #[test]
    fn no_steps_without_contributions() {
        let tape = Tape::<f64>::new();
        let w = tape.param(Tensor::scalar(3.0));
        let out = (w * w).exp();
        assert!(GraphDump::new(&tape, None).backward_steps().is_empty());
        // Plain backward keeps only w's gradient: no edge knows what it carried.
        let grads = out.backward();
        let dump = GraphDump::new(&tape, Some(&grads));
        assert!(dump.backward_steps().is_empty());
        assert_eq!(dump.forward_steps().len(), 2);
    }
}
