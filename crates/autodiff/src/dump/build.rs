//! Reading a [`GraphDump`] off a tape: node values and gradients are copied, and each edge's
//! local derivative and contribution are recomputed with the op's vector-Jacobian product, so
//! backward itself records nothing for the dump.

use super::{BackwardInfo, DumpEdge, DumpNode, Gradient, GraphDump, LocalDerivative};
use crate::backward::Gradients;
use crate::float::Float;
use crate::scratch::Scratch;
use crate::tape::{NodeId, Tape, TapeInner};
use crate::tensor::Tensor;
use smallvec::SmallVec;

pub(super) fn build<T: Float>(tape: &Tape<T>, grads: Option<&Gradients<T>>) -> GraphDump<T> {
    let inner = tape.inner.borrow();
    let grads = grads.filter(|g| g.tape == tape.id);
    let on_path = grads.map(|g| upstream_of_output(&inner, g));
    let nodes: Vec<DumpNode<T>> = inner
        .order
        .iter()
        .enumerate()
        .map(|(index, &key)| {
            let node = &inner.nodes[key];
            let id = NodeId { key, tape: tape.id };
            let gradient = match (grads, &on_path) {
                (Some(g), Some(on_path)) => match g.get_id(id) {
                    Some(t) => Gradient::Computed(t.clone()),
                    None if node.requires_grad && on_path[index] => Gradient::NotKept,
                    None => Gradient::NoGradient,
                },
                _ if node.requires_grad => Gradient::NotComputed,
                _ => Gradient::NoGradient,
            };
            DumpNode {
                index,
                id,
                op: node.op.name().into_owned(),
                name: node.name.as_deref().map(str::to_owned),
                scope: node.scope.map(|s| s as usize),
                kind: node.kind,
                requires_grad: node.requires_grad,
                inputs: node
                    .inputs
                    .iter()
                    .map(|&i| inner.nodes[i].position as usize)
                    .collect(),
                annotation: node.op.annotation(),
                value: node.value.get().clone(),
                gradient,
            }
        })
        .collect();

    let mut scratch = Scratch::default();
    let mut edges = Vec::new();
    for (to, &key) in inner.order.iter().enumerate() {
        let node = &inner.nodes[key];
        let values: SmallVec<[&Tensor<T>; 2]> = node
            .inputs
            .iter()
            .map(|&i| inner.nodes[i].value.get())
            .collect();
        let out = node.value.get();
        let shapes: SmallVec<[&[usize]; 2]> = values.iter().map(|v| v.shape()).collect();
        for (input_index, &from) in nodes[to].inputs.iter().enumerate() {
            // A gradient value recorded without its rule (`Opaque`) shows no contribution.
            let vjp = |seed: &Tensor<T>, scratch: &mut Scratch<T>| {
                node.op
                    .vjp(input_index, &values, out, seed, scratch)
                    .ok()
                    .flatten()
            };
            let needed = nodes[from].gradient != Gradient::NoGradient;
            let local = if !needed {
                LocalDerivative::NotNeeded
            } else if node.op.is_elementwise() && values[input_index].shape() == out.shape() {
                let ones = Tensor::ones(out.shape());
                match vjp(&ones, &mut scratch) {
                    Some(d) => LocalDerivative::Elementwise(d),
                    None => LocalDerivative::NotNeeded,
                }
            } else {
                LocalDerivative::Jacobian
            };
            let contribution = match (&nodes[to].gradient, needed) {
                (_, false) => Gradient::NoGradient,
                (Gradient::Computed(g), true) => match vjp(g, &mut scratch) {
                    Some(c) => Gradient::Computed(c),
                    None => Gradient::NoGradient,
                },
                (other, true) => other.clone(),
            };
            edges.push(DumpEdge {
                from,
                to,
                input_index,
                rule: node.op.rule(input_index, &shapes),
                local,
                contribution,
            });
        }
    }

    GraphDump {
        nodes,
        edges,
        scopes: inner.scopes.clone(),
        full_limit: super::FULL_LIMIT,
        backward: grads.map(|g| BackwardInfo {
            output: g
                .output
                .and_then(|id| inner.nodes.get(id))
                .map(|n| n.position as usize),
        }),
    }
}

/// Marks, by position, the nodes a gradient from the output could reach: the output and
/// everything upstream of it. All false if the output is not on this tape.
fn upstream_of_output<T: Float>(inner: &TapeInner<T>, grads: &Gradients<T>) -> Vec<bool> {
    match grads.output.filter(|&out| inner.nodes.contains_key(out)) {
        Some(out) => inner.upstream_of(out),
        None => vec![false; inner.order.len()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backward::BackwardOptions;

    fn tensor(t: &Gradient<f64>) -> &[f64] {
        t.tensor().expect("a computed gradient").data()
    }

    #[test]
    fn jacobian_edges_carry_the_vector_jacobian_product() {
        // L = sum(A B): dL/dA = 1 B^T (every row is B^T), dL/dB = A^T 1 (the column sums of A).
        let tape = Tape::<f64>::new();
        let a = tape.param(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]));
        let b = tape.param(Tensor::from_vec(vec![0.5, -2.0], &[2, 1]));
        let c = a.matmul(b);
        let loss = c.sum();
        let grads = tape.backward_retain_all(loss);
        let dump = GraphDump::new(&tape, Some(&grads));

        let into_c: Vec<&DumpEdge<f64>> = dump.edges.iter().filter(|e| e.to == 2).collect();
        assert_eq!(into_c.len(), 2);
        assert_eq!(into_c[0].local, LocalDerivative::Jacobian);
        assert_eq!(tensor(&into_c[0].contribution), &[0.5, -2.0, 0.5, -2.0]);
        assert_eq!(tensor(&into_c[1].contribution), &[4.0, 6.0]);
        let sum_edge = dump.edges_between(c.id(), loss.id()).next().unwrap();
        assert_eq!(sum_edge.local, LocalDerivative::Jacobian);
        assert_eq!(tensor(&sum_edge.contribution), &[1.0, 1.0]);
        // Each gradient is what backward computed.
        assert_eq!(tensor(&dump.nodes[0].gradient), grads[a].data());
        assert_eq!(dump.backward, Some(BackwardInfo { output: Some(3) }));
    }

    #[test]
    fn a_broadcast_input_has_a_jacobian_and_a_same_shaped_one_a_local_tensor() {
        // y = x * s with x of shape [3] and s a scalar broadcast over it.
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::from_vec(vec![1.0, -2.0, 3.0], &[3]));
        let s = tape.param(Tensor::scalar(4.0));
        let y = (x * s).sum();
        let grads = tape.backward_retain_all(y);
        let dump = GraphDump::new(&tape, Some(&grads));
        let from_x = &dump.edges[0];
        assert_eq!(
            from_x.local,
            LocalDerivative::Elementwise(Tensor::from_vec(vec![4.0; 3], &[3]))
        );
        assert_eq!(tensor(&from_x.contribution), &[4.0, 4.0, 4.0]);
        let from_s = &dump.edges[1];
        assert_eq!(from_s.local, LocalDerivative::Jacobian);
        assert_eq!(tensor(&from_s.contribution), &[2.0]); // 1 - 2 + 3
    }

    #[test]
    fn gradients_backward_did_not_keep_are_marked_not_kept_not_zero() {
        let tape = Tape::<f64>::new();
        let w = tape.param(Tensor::scalar(3.0)).named("w");
        let h = (w * w).named("h");
        let out = (h * 2.0).named("out");
        let grads = out.backward(); // keeps only w's gradient
        let dump = GraphDump::new(&tape, Some(&grads));
        assert_eq!(tensor(&dump.nodes[0].gradient), &[12.0]);
        assert_eq!(dump.nodes[1].gradient, Gradient::NotKept);
        assert_eq!(dump.nodes[2].gradient, Gradient::NotKept);
        assert!(
            dump.edges
                .iter()
                .all(|e| e.contribution == Gradient::NotKept)
        );
        let text = dump.to_text();
        assert!(text.contains("#1 h = mul(#0 w, #0 w)  value 9\n    gradient not kept"));
        assert!(text.contains("#0 w: parameter  value 3\n    grad = 12\n"));
        assert!(text.contains("passes back not known (#1 h's gradient was not kept)"));
    }

    #[test]
    fn nodes_off_the_path_to_the_output_get_no_gradient() {
        let tape = Tape::<f64>::new();
        let w = tape.param(Tensor::scalar(3.0));
        let loss = w.exp();
        let later = w * 5.0; // recorded after the output: backward never reaches it
        let seeded = BackwardOptions {
            seed: Some(Tensor::scalar(2.0)),
            retain_all: true,
            ..BackwardOptions::default()
        };
        let grads = tape.backward_with(loss, seeded);
        let dump = GraphDump::new(&tape, Some(&grads));
        let later_node = dump.node(later.id()).unwrap();
        assert_eq!(later_node.gradient, Gradient::NoGradient);
        let edge = dump.edges_between(w.id(), later.id()).next().unwrap();
        assert_eq!(edge.contribution, Gradient::NoGradient);
        // The local derivative is still known: d(5w)/dw = 5.
        assert_eq!(
            edge.local,
            LocalDerivative::Elementwise(Tensor::scalar(5.0))
        );
        assert!(
            dump.to_text()
                .contains("no gradient (not on a path to the output)")
        );
        // The seed scales everything: dL/dw = 2 e^3, all through the exp edge.
        let e3 = 3f64.exp();
        assert_eq!(tensor(&dump.node(loss.id()).unwrap().gradient), &[2.0]);
        let through_exp = dump.edges_between(w.id(), loss.id()).next().unwrap();
        assert_eq!(tensor(&through_exp.contribution), &[2.0 * e3]);
        assert_eq!(tensor(&dump.nodes[0].gradient), &[2.0 * e3]);
    }

    #[test]
    fn gradients_for_an_output_no_longer_on_the_tape_name_no_output() {
        let mut tape = Tape::<f32>::new();
        let grads = {
            let w = tape.param(Tensor::scalar(1.0));
            (w * w).backward()
        };
        tape.clear();
        let w = tape.param(Tensor::scalar(2.0));
        let _ = w + 1.0;
        let dump = GraphDump::new(&tape, Some(&grads));
        assert_eq!(dump.backward, Some(BackwardInfo { output: None }));
        assert!(
            dump.to_text()
                .contains("gradients of an output not on this tape")
        );
        assert!(
            dump.nodes
                .iter()
                .all(|n| n.gradient == Gradient::NoGradient)
        );
    }
}
