//! The lesson in `docs/teaching.md`: its three graphs (one neuron, a 2-2-1 sigmoid network on
//! XOR, an MLP with softmax cross-entropy) are recorded here. The test fails when a committed
//! picture or a quoted dump line is stale:
//!
//! - `docs/teaching/NAME.dot` must be the DOT nabla writes now, and `NAME.svg` must carry the
//!   fingerprint of that DOT (Graphviz draws it);
//! - each ```text block after a `<!-- dump: NAME -->` line in the lesson must be lines of
//!   that graph's text dump, and the XOR predictions it quotes must be what training gives.
//!
//! `NABLA_REGENERATE_DOCS=1 cargo test --test teaching` rewrites the DOT and SVG files (it
//! needs Graphviz) and then still fails, so that a stale check never passes unnoticed.

#[allow(dead_code)] // the example's main is not called here
#[path = "../examples/logistic_regression_graph.rs"]
mod example;

use nabla::autodiff::dump::{GraphDump, dot_to_svg};
use nabla::autodiff::{Tape, Tensor, Var};
use nabla::ops::dense;
use nabla::ops::loss::{
    RegressionOptions, mean_squared_error, sparse_categorical_cross_entropy_with_logits,
};
use std::path::{Path, PathBuf};

const LESSON: &str = "docs/teaching.md";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The one-neuron example of `examples/logistic_regression_graph.rs`.
fn neuron() -> GraphDump<f64> {
    let tape = Tape::new();
    example::dump_example(&tape, example::EXAMPLE)
}

/// The XOR table: inputs and targets.
fn xor(tape: &Tape<f64>) -> (Var<'_, f64>, Var<'_, f64>) {
    let x = tape.constant(Tensor::from_vec(
        vec![0., 0., 0., 1., 1., 0., 1., 1.],
        &[4, 2],
    ));
    let y = tape.constant(Tensor::from_vec(vec![0., 1., 1., 0.], &[4, 1]));
    (x.named("X"), y.named("y"))
}

/// The 2-2-1 network's starting weights: W1, b1, W2, b2.
const XOR_START: ([f64; 4], [f64; 2], [f64; 2], [f64; 1]) =
    ([1.0, -1.2, 1.1, -0.9], [-0.5, 0.6], [1.0, 1.0], [-0.5]);

/// Records the 2-2-1 sigmoid network's loss on the XOR table with weights `w`; returns the
/// loss, the predictions and the four parameters.
fn xor_graph<'t>(
    tape: &'t Tape<f64>,
    w: &[Tensor<f64>; 4],
) -> (Var<'t, f64>, Var<'t, f64>, [Var<'t, f64>; 4]) {
    let (x, y) = xor(tape);
    let w1 = tape.param(w[0].clone()).named("W1");
    let b1 = tape.param(w[1].clone()).named("b1");
    let w2 = tape.param(w[2].clone()).named("W2");
    let b2 = tape.param(w[3].clone()).named("b2");
    let h = {
        let _hidden = tape.scope("hidden");
        (x.matmul(w1) + b1).sigmoid().named("h")
    };
    let p = {
        let _output = tape.scope("output");
        (h.matmul(w2) + b2).sigmoid().named("p")
    };
    let loss = mean_squared_error(p, y, RegressionOptions::default())
        .expect("matching shapes")
        .named("L");
    (loss, p, [w1, b1, w2, b2])
}

fn xor_start() -> [Tensor<f64>; 4] {
    let (w1, b1, w2, b2) = XOR_START;
    [
        Tensor::from_vec(w1.to_vec(), &[2, 2]),
        Tensor::from_vec(b1.to_vec(), &[2]),
        Tensor::from_vec(w2.to_vec(), &[2, 1]),
        Tensor::from_vec(b2.to_vec(), &[1]),
    ]
}

/// The first step's graph of the XOR network.
fn xor_first_step() -> GraphDump<f64> {
    let tape = Tape::new();
    let (loss, _, _) = xor_graph(&tape, &xor_start());
    let grads = tape.backward_retain_all(loss);
    GraphDump::new(&tape, Some(&grads))
}

/// Trains the XOR network with plain gradient descent (full batch, learning rate 2) and
/// returns the loss and the four predictions after `steps` steps.
fn xor_trained(steps: usize) -> (f64, Vec<f64>) {
    let mut w = xor_start();
    for _ in 0..steps {
        let tape = Tape::new();
        let (loss, _, params) = xor_graph(&tape, &w);
        let grads = loss.backward();
        for (value, param) in w.iter_mut().zip(params) {
            let step = &grads[param];
            *value = Tensor::from_fn(value.shape(), |i| value.data()[i] - 2.0 * step.data()[i]);
        }
    }
    let tape = Tape::new();
    let (loss, p, _) = xor_graph(&tape, &w);
    (loss.item(), p.value().data().to_vec())
}

/// An MLP on a batch of 4 rows of 3 features: 4 ReLU units, 3 classes, softmax
/// cross-entropy on integer labels.
fn mlp() -> GraphDump<f64> {
    let tape = Tape::new();
    let x = tape
        .constant(Tensor::from_vec(
            vec![
                0.2, -1.0, 0.5, 1.5, 0.3, -0.4, -0.7, 0.8, 1.1, 0.0, -0.6, -1.2,
            ],
            &[4, 3],
        ))
        .named("X");
    let w1 = tape
        .param(Tensor::from_fn(&[3, 4], |i| {
            ((i as f64 * 0.9).sin() * 0.8 * 1000.0).round() / 1000.0
        }))
        .named("W1");
    let b1 = tape
        .param(Tensor::from_vec(vec![0.1, 0.0, -0.1, 0.05], &[4]))
        .named("b1");
    let w2 = tape
        .param(Tensor::from_fn(&[4, 3], |i| {
            ((i as f64 * 1.7).cos() * 0.6 * 1000.0).round() / 1000.0
        }))
        .named("W2");
    let h = {
        let _layer = tape.scope("layer 1");
        dense(x, w1, Some(b1)).relu().named("h")
    };
    let z = {
        let _layer = tape.scope("layer 2");
        dense(h, w2, None).named("z")
    };
    let loss = sparse_categorical_cross_entropy_with_logits(z, &[2, 0, 1, 1], Default::default())
        .expect("labels below 3")
        .named("L");
    let grads = tape.backward_retain_all(loss);
    GraphDump::new(&tape, Some(&grads))
}

/// The lesson's graphs by name.
fn graphs() -> Vec<(&'static str, GraphDump<f64>)> {
    vec![
        ("neuron", neuron()),
        ("xor", xor_first_step()),
        ("mlp", mlp()),
    ]
}

/// FNV-1a: a fingerprint of the DOT a picture was drawn from, the same on every platform.
fn fingerprint(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// The marker a regenerated SVG carries.
fn marker(dot: &str) -> String {
    format!("<!-- nabla dot {} -->", fingerprint(dot))
}

fn picture(name: &str, ext: &str) -> PathBuf {
    root().join("docs/teaching").join(format!("{name}.{ext}"))
}

#[test]
fn the_lessons_pictures_are_drawn_from_the_current_dumps() {
    let regenerate = std::env::var_os("NABLA_REGENERATE_DOCS").is_some();
    let mut stale = Vec::new();
    for (name, dump) in graphs() {
        let dot = dump.to_dot();
        let committed_dot = std::fs::read_to_string(picture(name, "dot")).unwrap_or_default();
        let committed_svg = std::fs::read_to_string(picture(name, "svg")).unwrap_or_default();
        if committed_dot == dot && committed_svg.contains(&marker(&dot)) {
            continue;
        }
        stale.push(name);
        if regenerate {
            let svg = dot_to_svg(&dot).expect("regenerating needs Graphviz's dot");
            let svg = svg.replacen("<svg", &format!("{}\n<svg", marker(&dot)), 1);
            std::fs::create_dir_all(root().join("docs/teaching")).unwrap();
            std::fs::write(picture(name, "dot"), &dot).unwrap();
            std::fs::write(picture(name, "svg"), svg).unwrap();
        }
    }
    assert!(
        stale.is_empty(),
        "the pictures of {stale:?} in docs/teaching are stale{}; run \
         NABLA_REGENERATE_DOCS=1 cargo test --test teaching (needs Graphviz) and commit them",
        if regenerate { " (regenerated now)" } else { "" }
    );
}

#[test]
fn the_lessons_quoted_dump_lines_are_current() {
    let lesson = std::fs::read_to_string(root().join(LESSON)).unwrap();
    let dumps: Vec<(&str, String)> = graphs()
        .into_iter()
        .map(|(n, d)| (n, d.to_text()))
        .collect();
    let mut quoted = 0;
    for block in lesson.split("<!-- dump: ").skip(1) {
        let (name, rest) = block.split_once(" -->").unwrap();
        let text = &dumps
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no graph {name}"))
            .1;
        let body = rest
            .split_once("```text\n")
            .unwrap()
            .1
            .split_once("```")
            .unwrap()
            .0;
        for line in body
            .lines()
            .filter(|l| !l.trim().is_empty() && l.trim() != "...")
        {
            assert!(
                text.contains(line),
                "{LESSON} quotes a line the {name} dump no longer has:\n{line}\n\nthe dump:\n{text}"
            );
            quoted += 1;
        }
    }
    assert!(quoted >= 10, "the lesson quotes {quoted} dump lines");
}

/// The XOR network learns the table, and the lesson's table of predictions is what it gives.
#[test]
fn the_xor_network_learns_and_the_lesson_quotes_its_predictions() {
    let (loss, p) = xor_trained(3000);
    assert!(loss < 0.01, "loss after training {loss}");
    for (p, target) in p.iter().zip([0.0, 1.0, 1.0, 0.0]) {
        assert!((p - target).abs() < 0.2, "prediction {p} for {target}");
    }
    let lesson = std::fs::read_to_string(root().join(LESSON)).unwrap();
    let row = format!(
        "| after 3000 steps | {:.3} | {:.3} | {:.3} | {:.3} | {:.4} |",
        p[0], p[1], p[2], p[3], loss
    );
    assert!(lesson.contains(&row), "{LESSON} should have the row\n{row}");
    let (start_loss, start) = xor_trained(0);
    let row = format!(
        "| at the start | {:.3} | {:.3} | {:.3} | {:.3} | {:.4} |",
        start[0], start[1], start[2], start[3], start_loss
    );
    assert!(lesson.contains(&row), "{LESSON} should have the row\n{row}");
}
