//! Graph dumps state each edge's vector-Jacobian rule: every built-in op of the tape and every
//! op of this crate, checked on a graph that uses them all, with the rules a student checks
//! the numbers against spelled out for the common ones.

use nabla_autodiff::dump::GraphDump;
use nabla_autodiff::{Comparison, Tape, Tensor, Var, Window};
use nabla_ops::loss::{
    CategoricalOptions, RegressionOptions, binary_cross_entropy_with_logits,
    categorical_cross_entropy, mean_squared_error, sparse_categorical_cross_entropy_with_logits,
};
use nabla_ops::{ConvOptions, conv2d, dense, dense_activation, log_softmax, softmax};

fn param<'t>(tape: &'t Tape<f64>, shape: &[usize], seed: f64) -> Var<'t, f64> {
    tape.param(Tensor::from_fn(shape, |i| {
        0.5 + 0.4 * ((i as f64 + 1.0) * seed).sin()
    }))
}

/// A loss over one use of every op with a gradient rule.
fn everything(tape: &Tape<f64>) -> Var<'_, f64> {
    let x = param(tape, &[4, 3], 1.3);
    let w = param(tape, &[3, 16], 0.7).named("W");
    let b = param(tape, &[16], 0.3);
    let h = dense_activation(x, w, Some(b), nabla_ops::Activation::Relu);
    let h2 = dense(h, param(tape, &[16, 3], 0.9), None);
    let p = softmax(h2, 1);
    let lp = log_softmax(h2, 1);
    let unary = [
        x.neg(),
        x + 1.0,
        x * 2.0,
        x / 2.0,
        x.rsub(1.0),
        x.rdiv(1.0),
        x.powf(3.0),
        x.square(),
        x.reciprocal(),
        x.sqrt(),
        x.exp(),
        x.expm1(),
        x.ln(),
        x.log1p(),
        x.abs(),
        x.clamp(0.2, 0.8),
        x.sin(),
        x.cos(),
        x.tanh(),
        x.sigmoid(),
        x.relu(),
        x.erf(),
    ];
    let y = param(tape, &[4, 3], 2.1);
    let row = param(tape, &[3], 1.1);
    let binary = [x + row, x - y, x * y, x / y, x.maximum(y), x.minimum(y)];
    let shaped = [
        x.matmul(param(tape, &[3, 2], 0.4)).sum_axes(&[1], true),
        x.matmul_t(y, true, false).sum_axes(&[0], true).transpose(),
        x.reshape(&[3, 4]).transpose().mean_axes(&[1], true),
        x.permute(&[1, 0]).max_axes(&[0], true).transpose(),
        row.broadcast_to(&[4, 3]).sum_axes(&[1], true),
        x.sum_to_shape(&[1, 3])
            .broadcast_to(&[4, 3])
            .sum_axes(&[1], true),
        x.index_select(1, &[2, 0]).sum_axes(&[1], true),
        x.index_add(0, &[1, 0, 1, 2], 3)
            .sum_axes(&[1], true)
            .narrow(0, 0, 1),
        param(tape, &[5, 3], 0.2)
            .lookup(tape.constant(Tensor::from_vec(vec![4.0, 0.0, 1.0, 4.0], &[4])))
            .sum_axes(&[1], true),
        x.gather_rows(&[0, 2, 1, 1]).reshape(&[4, 1]),
        x.gather_rows(&[0, 1, 2, 0])
            .scatter_rows(&[1, 0, 1, 2], 3)
            .sum_axes(&[1], true),
        Var::concat(&[x, y], 1).narrow(1, 2, 2).sum_axes(&[1], true),
        x.pad(1, 1, 5).sum_axes(&[1], true),
        x.mask(Comparison::Gt, 0.5)
            .where_cond(x, y)
            .sum_axes(&[1], true),
    ];
    let image = param(tape, &[1, 1, 4, 4], 0.8);
    let kernel = param(tape, &[2, 1, 2, 2], 1.7);
    let conv = conv2d(image, kernel, None, ConvOptions::default());
    let window = Window::new([2, 2]);
    let cols = image.unfold(window, 0.0).fold(window, [4, 4]);
    let targets = tape.constant(Tensor::from_fn(&[4, 3], |i| f64::from(i % 3 == 0)));
    let losses = [
        sparse_categorical_cross_entropy_with_logits(h2, &[2, 0, 1, 1], Default::default())
            .unwrap(),
        categorical_cross_entropy(p, targets, CategoricalOptions::default()).unwrap(),
        mean_squared_error(lp, targets, RegressionOptions::default()).unwrap(),
        binary_cross_entropy_with_logits(h2, targets, Default::default()).unwrap(),
    ];
    let mut total = conv.sum() + cols.sum();
    for v in unary.iter().chain(&binary).chain(&shaped).chain(&losses) {
        total = total + v.sum();
    }
    total.named("L")
}

#[test]
fn every_edge_a_gradient_flows_along_states_its_rule() {
    let tape = Tape::<f64>::new();
    let loss = everything(&tape);
    let grads = tape.backward_retain_all(loss);
    let dump = GraphDump::new(&tape, Some(&grads));
    let mut ops = std::collections::BTreeSet::new();
    for edge in &dump.edges {
        let to = &dump.nodes[edge.to];
        let rule = edge
            .rule
            .as_deref()
            .unwrap_or_else(|| panic!("{} states no rule for input {}", to.op, edge.input_index));
        assert!(
            rule.starts_with("dL/d") || rule.starts_with("none: "),
            "{}: {rule}",
            to.op
        );
        ops.insert(to.op.split(' ').next().unwrap().to_string());
    }
    // Every family is in the graph (the check above covers each edge of each).
    for op in [
        "neg",
        "add",
        "mul",
        "div",
        "pow",
        "square",
        "reciprocal",
        "sqrt",
        "exp",
        "expm1",
        "ln",
        "log1p",
        "abs",
        "clamp",
        "sin",
        "cos",
        "tanh",
        "sigmoid",
        "relu",
        "erf",
        "sub",
        "maximum",
        "minimum",
        "matmul",
        "sum",
        "mean",
        "max",
        "reshape",
        "permute",
        "broadcast_to",
        "sum_to_shape",
        "index_select",
        "index_add_rows",
        "lookup",
        "gather_rows",
        "scatter_rows",
        "concat",
        "narrow",
        "pad",
        "where",
        "unfold",
        "fold",
        "dense",
        "softmax",
        "log_softmax",
        "sparse_categorical_cross_entropy_with_logits",
        "categorical_cross_entropy",
        "mean_squared_error",
        "binary_cross_entropy_with_logits",
    ] {
        assert!(ops.contains(op), "{op} is not in the graph: {ops:?}");
    }
    let text = dump.to_text();
    assert!(text.contains("by dL/dx = g · Wᵀ"), "{text}");
    assert!(text.contains("by dL/dW = xᵀ · (g ⊙ [y > 0])"), "{text}");
}

/// The rules of an MLP with softmax cross-entropy on a batch of 4, as a student reads them.
#[test]
fn an_mlp_dump_states_the_rules_of_its_layers_and_loss() {
    let tape = Tape::<f64>::new();
    let x = tape
        .constant(Tensor::from_fn(&[4, 3], |i| (i as f64 * 0.37).sin()))
        .named("X");
    let w1 = param(&tape, &[3, 16], 0.7).named("W1");
    let b1 = param(&tape, &[16], 0.2).named("b1");
    let h = dense(x, w1, Some(b1)).relu().named("h");
    let w2 = param(&tape, &[16, 3], 0.5).named("W2");
    let logits = h.matmul(w2).named("logits");
    let mean = h.sum().named("total");
    let loss =
        sparse_categorical_cross_entropy_with_logits(logits, &[2, 0, 1, 1], Default::default())
            .unwrap()
            .named("L");
    let grads = tape.backward_retain_all(loss + mean * 0.0);
    let text = GraphDump::new(&tape, Some(&grads)).to_text();
    for rule in [
        "by dL/dW = xᵀ · g",
        "by dL/db = Σ over rows of g",
        "by dL/dB = Aᵀ · g",
        "by dL/dA = g · Bᵀ",
        "by dL/dx = g broadcast to [4, 16]",
        "by dL/dz = g ⊙ (softmax(z) - onehot(labels)) / 4",
        "by dL/dx = g where x > 0, else 0",
    ] {
        assert!(text.contains(rule), "no {rule:?} in\n{text}");
    }
    // The labels are shown, and the 48 weights of W1 in full, a row per line.
    assert!(
        text.contains("#8 labels: constant  value [2, 0, 1, 1]"),
        "{text}"
    );
    assert!(
        text.contains("#1 W1: parameter  value shape [3, 16]:\n    [["),
        "{text}"
    );
    let p = softmax(logits, 1);
    let grads = tape.backward_retain_all(p.sum());
    let text = GraphDump::new(&tape, Some(&grads)).to_text();
    assert!(text.contains("softmax(#6 logits; axis 1)"), "{text}");
    assert!(
        text.contains("by dL/dx = y ⊙ (g - Σ_axis1 y ⊙ g)"),
        "{text}"
    );
}

/// The MLP a teacher draws (3 inputs, 16 hidden ReLU units, 3 classes, a batch of 4, softmax
/// cross-entropy on integer labels), with and without a scope per layer, drawn by Graphviz no
/// wider than 1400 pixels: layers stack instead of standing side by side, and each arrow's
/// label is a box the arrow runs through, inside the layer whose op applied its rule.
#[test]
fn an_mlp_picture_stays_narrow() {
    for scoped in [true, false] {
        let tape = Tape::<f64>::new();
        let x = tape
            .constant(Tensor::from_fn(&[4, 3], |i| (i as f64 * 0.37).sin()))
            .named("X");
        let hidden = scoped.then(|| tape.scope("hidden"));
        let w1 = param(&tape, &[3, 16], 0.7).named("W1");
        let b1 = param(&tape, &[16], 0.2).named("b1");
        let h = dense(x, w1, Some(b1)).relu().named("h");
        drop(hidden);
        let output = scoped.then(|| tape.scope("output"));
        let w2 = param(&tape, &[16, 3], 0.5).named("W2");
        let b2 = param(&tape, &[3], 0.3).named("b2");
        let logits = dense(h, w2, Some(b2)).named("logits");
        drop(output);
        let loss =
            sparse_categorical_cross_entropy_with_logits(logits, &[2, 0, 1, 1], Default::default())
                .unwrap()
                .named("L");
        let grads = tape.backward_retain_all(loss);
        let dump = GraphDump::new(&tape, Some(&grads));
        let dot = dump.to_dot();
        // The loss's arrow runs through the box with its rule and the numbers it sent back.
        let label = dot
            .lines()
            .find(|l| l.contains("dL/dz = g ⊙ (softmax(z) - onehot(labels)) / 4"))
            .expect("the loss's rule is on its arrow");
        let k = label.trim().split(' ').next().unwrap();
        assert!(k.starts_with('e'), "{label}");
        assert!(dot.contains(&format!(" -> {k} [arrowhead=none")), "{dot}");
        assert!(dot.contains(&format!("  {k} -> n")), "{dot}");
        if !crate::tools::have("dot") {
            continue;
        }
        let svg = dump.to_svg().expect("Graphviz draws the graph");
        let width: f64 = svg
            .split("width=\"")
            .nth(1)
            .and_then(|w| w.split("pt").next())
            .and_then(|w| w.parse().ok())
            .unwrap();
        let pixels = width * 96.0 / 72.0;
        assert!(pixels <= 1400.0, "scoped {scoped}: {pixels} px wide");
    }
}

/// `x * x` takes the same var twice: its two edges say which argument each is.
#[test]
fn an_op_that_takes_a_var_twice_labels_its_edges_by_position() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::scalar(3.0)).named("x");
    let y = (x * x).named("y");
    let grads = tape.backward_retain_all(y);
    let dump = GraphDump::new(&tape, Some(&grads));
    let text = dump.to_text();
    assert!(
        text.contains("<- #0 x (argument 1): local derivative = 3"),
        "{text}"
    );
    assert!(text.contains("by dL/da = g ⊙ b"), "{text}");
    assert!(
        text.contains("<- #0 x (argument 2): local derivative = 3"),
        "{text}"
    );
    assert!(text.contains("by dL/db = g ⊙ a"), "{text}");
    let dot = dump.to_dot();
    assert!(dot.contains("argument 1\\ndL/da = g ⊙ b"), "{dot}");
    assert!(dot.contains("argument 2\\ndL/db = g ⊙ a"), "{dot}");
}
