//! The logistic-regression example's dump carries the chain rule's factors on its edges:
//! dz/dw1 = x1, dp/dz = p (1 - p), dL/dp = -y/p + (1 - y)/(1 - p), and w1's gradient is
//! x1 (p - y). Checked from the dump's own data against hand-computed values.

#[allow(dead_code)] // the example's main is not called here
#[path = "../examples/logistic_regression_graph.rs"]
mod example;

#[path = "support/tools.rs"]
mod tools;

use example::{EXAMPLE, Example, record};
use nabla::autodiff::dump::{DumpEdge, Gradient, GraphDump, LocalDerivative};
use nabla::autodiff::{Tape, Var};

const TOL: f64 = 1e-12;

fn scalar_of(t: Option<&nabla::autodiff::Tensor<f64>>, what: &str) -> f64 {
    t.unwrap_or_else(|| panic!("{what} is missing")).item()
}

fn edge<'d>(dump: &'d GraphDump<f64>, from: Var<'_, f64>, to: Var<'_, f64>) -> &'d DumpEdge<f64> {
    let mut edges = dump.edges_between(from.id(), to.id());
    let e = edges.next().expect("the edge is in the dump");
    assert!(edges.next().is_none(), "one edge expected");
    e
}

fn local(e: &DumpEdge<f64>) -> f64 {
    match &e.local {
        LocalDerivative::Elementwise(d) => d.item(),
        other => panic!("expected an element-wise local derivative, got {other:?}"),
    }
}

fn contribution(e: &DumpEdge<f64>) -> f64 {
    scalar_of(e.contribution.tensor(), "the contribution")
}

fn assert_close(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() <= TOL, "{what}: got {got}, want {want}");
}

/// The loss as a plain function of the weights, for finite differences.
fn loss_of(e: Example) -> f64 {
    let p = 1.0 / (1.0 + (-(e.w1 * e.x1 + e.w2 * e.x2)).exp());
    -(e.y * p.ln() + (1.0 - e.y) * (1.0 - p).ln())
}

fn check(e: Example) {
    let tape = Tape::<f64>::new();
    let n = record(&tape, e);
    let grads = tape.backward_retain_all(n.loss);
    let dump = GraphDump::new(&tape, Some(&grads));

    // Hand-computed forward values and derivatives.
    let z = e.w1 * e.x1 + e.w2 * e.x2;
    let p = 1.0 / (1.0 + (-z).exp());
    let loss = -(e.y * p.ln() + (1.0 - e.y) * (1.0 - p).ln());
    let dl_dp = -e.y / p + (1.0 - e.y) / (1.0 - p);
    let dp_dz = p * (1.0 - p);
    let dl_dz = p - e.y; // = dL/dp * dp/dz
    assert_close(dl_dp * dp_dz, dl_dz, "the chain rule by hand");

    let value = |v: Var<'_, f64>| dump.node(v.id()).unwrap().value.item();
    assert_close(value(n.z), z, "z");
    assert_close(value(n.p), p, "p");
    assert_close(value(n.loss), loss, "L");

    // p -> L carries dL/dp, and passes it back times the seed 1.
    let p_to_l = edge(&dump, n.p, n.loss);
    assert_close(local(p_to_l), dl_dp, "local dL/dp");
    assert_close(contribution(p_to_l), dl_dp, "contribution to p");
    // z -> p carries dp/dz = p (1 - p), and passes back dL/dz = p - y.
    let z_to_p = edge(&dump, n.z, n.p);
    assert_close(local(z_to_p), dp_dz, "local dp/dz");
    assert_close(contribution(z_to_p), dl_dz, "contribution to z");
    // The add passes dL/dz through unchanged to w1 x1 and w2 x2.
    for product in [n.w1x1, n.w2x2] {
        let into_z = edge(&dump, product, n.z);
        assert_close(local(into_z), 1.0, "local d z / d(w x)");
        assert_close(contribution(into_z), dl_dz, "contribution to w x");
    }
    // w1 -> w1 x1 carries dz/dw1 = x1, and passes back x1 (p - y).
    let w1_edge = edge(&dump, n.w1, n.w1x1);
    assert_close(local(w1_edge), e.x1, "local dz/dw1");
    assert_close(
        contribution(w1_edge),
        e.x1 * (p - e.y),
        "contribution to w1",
    );
    let w2_edge = edge(&dump, n.w2, n.w2x2);
    assert_close(local(w2_edge), e.x2, "local dz/dw2");

    // The gradients the dump shows: w1's is x1 (p - y); the label gets none.
    let grad = |v: Var<'_, f64>| scalar_of(dump.node(v.id()).unwrap().gradient.tensor(), "grad");
    assert_close(grad(n.w1), e.x1 * (p - e.y), "dL/dw1");
    assert_close(grad(n.w2), e.x2 * (p - e.y), "dL/dw2");
    assert_close(grad(n.p), dl_dp, "dL/dp");
    assert_close(grad(n.loss), 1.0, "the seed");
    assert_eq!(dump.node(n.y.id()).unwrap().gradient, Gradient::NoGradient);
    let y_edge = edge(&dump, n.y, n.loss);
    assert_eq!(y_edge.local, LocalDerivative::NotNeeded);
    assert_eq!(y_edge.contribution, Gradient::NoGradient);

    // ... and they agree with central differences of the plain loss.
    let eps = 1e-6;
    let numeric = (loss_of(Example {
        w1: e.w1 + eps,
        ..e
    }) - loss_of(Example {
        w1: e.w1 - eps,
        ..e
    })) / (2.0 * eps);
    assert!(
        (grad(n.w1) - numeric).abs() < 1e-8,
        "dL/dw1 {} vs {numeric}",
        grad(n.w1)
    );
}

#[test]
fn the_example_dump_carries_the_hand_computed_derivatives() {
    check(EXAMPLE);
}

#[test]
fn a_negative_example_uses_the_other_half_of_the_loss() {
    check(Example {
        w1: -0.75,
        w2: 1.25,
        x1: 0.5,
        x2: 1.5,
        y: 0.0,
    });
}

#[test]
fn the_text_and_dot_show_the_same_numbers() {
    let tape = Tape::<f64>::new();
    let dump = example::dump_example(&tape, EXAMPLE);
    // z = 0.5 * 2 + 0.25 * -1 = 0.75; p = sigmoid(0.75) = 0.679178699...; p - y = -0.3208213.
    let text = dump.to_text();
    assert!(
        text.contains("#8 p = sigmoid(#7 z)  value 0.6792\n"),
        "{text}"
    );
    assert!(text.contains("#0 w1: parameter  value 0.5\n    grad = -0.6416 (from #5 w1*x1)\n"));
    assert!(text.contains("<- #0 w1: local derivative = 2; passes back 2 * -0.3208 = -0.6416"));
    assert!(
        text.contains("<- #7 z: local derivative = 0.2179; passes back 0.2179 * -1.472 = -0.3208")
    );
    let dot = dump.to_dot();
    // The arrow z -> p runs through its label, a box of its own.
    let k = dump
        .edges
        .iter()
        .position(|e| (e.from, e.to) == (7, 8))
        .unwrap();
    assert!(dot.contains(&format!(
        "e{k} [label=\"dL/dx = g ⊙ y(1 - y)\\nlocal 0.2179\\nsends back 0.2179 * -1.472 = -0.3208\""
    )));
    assert!(
        dot.contains(&format!("n7 -> e{k} [arrowhead=none]"))
            && dot.contains(&format!("e{k} -> n8;"))
    );
    // Each edge states the rule its numbers follow.
    assert!(text.contains(
        "<- #7 z: local derivative = 0.2179; passes back 0.2179 * -1.472 = -0.3208\n       by dL/dx = g ⊙ y(1 - y)\n"
    ));
    assert!(text.contains("<- #0 w1: local derivative = 2; passes back 2 * -0.3208 = -0.6416\n       by dL/da = g ⊙ b\n"));
    assert!(
        text.contains("by dL/dp = g ⊙ (-y/p + (1 - y)/(1 - p))"),
        "{text}"
    );
}

/// `--svg FILE` draws the graph with Graphviz (installed by `.ci/run`): the picture carries
/// the edge's numbers the DOT gives it.
#[test]
fn the_example_draws_its_graph_as_svg() {
    let err = example::run(&["--png".to_string(), "x".to_string()]).unwrap_err();
    assert!(err.contains("--svg FILE"), "{err}");
    if !tools::have("dot") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("nabla-graph-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("neuron.svg");
    let args = ["--svg".to_string(), path.display().to_string()];
    example::run(&args).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.contains("<svg"), "{svg}");
    assert!(
        svg.contains("sends back 0.2179 * &#45;1.472 = &#45;0.3208"),
        "{svg}"
    );
}
