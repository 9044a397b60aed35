//! A dump taken before backward says the gradients are not computed yet; it never shows zeros
//! (or any other number) as if they were gradients.

use nabla_autodiff::dump::{self, Gradient, GraphDump, LocalDerivative};
use nabla_autodiff::{NodeKind, Tape, Tensor};

#[test]
fn before_backward_every_gradient_is_not_computed_yet() {
    let tape = Tape::<f64>::new();
    let w = tape
        .param(Tensor::from_vec(vec![0.5, -1.0], &[2]))
        .named("w");
    let x = tape
        .constant(Tensor::from_vec(vec![2.0, 3.0], &[2]))
        .named("x");
    let loss = (w * x).tanh().sum().named("loss");

    let before = GraphDump::new(&tape, None);
    assert_eq!(before.backward, None);
    for node in &before.nodes {
        let want = if node.kind == NodeKind::Constant {
            Gradient::NoGradient
        } else {
            Gradient::NotComputed
        };
        assert_eq!(node.gradient, want, "node #{}", node.index);
    }
    assert!(
        before
            .edges
            .iter()
            .all(|e| e.contribution.tensor().is_none())
    );
    // Local derivatives depend only on forward values, so they are known already:
    // d tanh(u)/du = 1 - tanh^2(u) at u = w x = [1, -3].
    let tanh_edge = &before.edges[2];
    let LocalDerivative::Elementwise(d) = &tanh_edge.local else {
        panic!("tanh's local derivative is element-wise");
    };
    for (got, u) in d.data().iter().zip([1.0_f64, -3.0]) {
        assert!((got - (1.0 - u.tanh().powi(2))).abs() < 1e-15);
    }

    let text = before.to_text();
    assert!(text.starts_with("graph of 5 nodes, 4 edges; gradients not computed yet"));
    assert_eq!(
        text.matches("    gradient not computed yet").count(),
        4,
        "{text}"
    );
    assert!(!text.contains("grad ="), "{text}");
    assert_eq!(
        text.matches("passes back not computed yet").count(),
        3,
        "{text}"
    );
    let dot = before.to_dot();
    assert!(dot.contains("label=\"gradients not computed yet\""));
    assert!(!dot.contains("grad ="));
    assert_eq!(
        dot.matches("\\ngradient not computed yet\"").count(),
        4,
        "{dot}"
    );

    // The same tape after backward does show gradients: dloss/dw = x (1 - tanh^2(w x)).
    let grads = tape.backward_retain_all(loss);
    let after = dump::text(&tape, Some(&grads));
    assert!(!after.contains("not computed"), "{after}");
    let g = grads[w].data();
    assert!((g[0] - 2.0 * (1.0 - 1f64.tanh().powi(2))).abs() < 1e-15);
    assert!((g[1] - 3.0 * (1.0 - 3f64.tanh().powi(2))).abs() < 1e-15);
    assert!(after.contains(&format!(
        "grad = {} (from #2 mul)",
        dump::format_tensor(&grads[w])
    )));
}

#[test]
fn an_empty_tape_dumps_an_empty_graph() {
    let tape = Tape::<f32>::new();
    assert_eq!(
        dump::text(&tape, None),
        "graph of 0 nodes, 0 edges; gradients not computed yet\n"
    );
    assert!(dump::dot(&tape, None).ends_with("edge [fontname=\"Helvetica\", fontsize=9];\n}\n"));
}
