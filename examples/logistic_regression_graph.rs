//! One step of logistic regression, drawn as a graph with every value and gradient.
//!
//! A single neuron classifies a point (x1, x2): z = w1 x1 + w2 x2, p = sigmoid(z), and the loss
//! against the label y is the binary cross-entropy L = -[y ln p + (1 - y) ln(1 - p)]. Backward
//! computes dL/dw1 by the chain rule, and the dump shows each factor on its edge:
//!
//! - dL/dp = -y/p + (1 - y)/(1 - p) on the edge p -> L,
//! - dp/dz = p (1 - p) on the edge z -> p (together: dL/dz = p - y),
//! - dz/dw1 = x1 on the edge w1 -> w1*x1 (the add passes it through with derivative 1),
//!
//! so w1's gradient is x1 (p - y).
//!
//! Run it with `cargo run --example logistic_regression_graph` to print the text dump and the
//! Graphviz DOT; with `-- --dot graph.dot` it writes the DOT to that file instead of printing it
//! (render it with `dot -Tsvg graph.dot -o graph.svg`), and with `-- --svg graph.svg` it draws
//! the picture itself, when Graphviz's `dot` is installed (and says how to install it when not).
//! With `-- --html walk.html` it writes the walkthrough: one self-contained page to open in a
//! browser, with Forward and Backward buttons that replay the computation step by step.

use nabla::autodiff::dump::GraphDump;
use nabla::autodiff::{CustomOp, Float, Scratch, Tape, Tensor, Var};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The binary cross-entropy of a probability `p` (input 0) against a label `y` (input 1),
/// element-wise: L = -[y ln p + (1 - y) ln(1 - p)].
///
/// Written as one op so that its edge from `p` carries dL/dp itself. (A training loss would
/// take the logit z instead and never form ln p, which overflows for confident predictions.)
pub struct BinaryCrossEntropy;

impl<T: Float> CustomOp<T> for BinaryCrossEntropy {
    fn name(&self) -> Cow<'_, str> {
        "binary cross-entropy".into()
    }

    fn forward(&mut self, inputs: &[&Tensor<T>], scratch: &mut Scratch<T>) -> Tensor<T> {
        let (p, y) = (inputs[0], inputs[1]);
        scratch.zip_map(p, y, |p, y| {
            -(y * p.ln() + (T::ONE - y) * (T::ONE - p).ln())
        })
    }

    fn vjp(
        &self,
        input: usize,
        inputs: &[&Tensor<T>],
        _output: &Tensor<T>,
        grad: &Tensor<T>,
        scratch: &mut Scratch<T>,
    ) -> Option<Tensor<T>> {
        if input == 1 {
            return None; // the label is data, not something to learn
        }
        let (p, y) = (inputs[0], inputs[1]);
        Some(scratch.zip3_map(grad, p, y, |g, p, y| {
            g * (-y / p + (T::ONE - y) / (T::ONE - p)) // g * dL/dp
        }))
    }

    fn is_elementwise(&self) -> bool {
        true
    }

    fn vjp_rule(&self, input: usize, _shapes: &[&[usize]]) -> Option<String> {
        Some(match input {
            0 => "dL/dp = g ⊙ (-y/p + (1 - y)/(1 - p))".into(),
            _ => "none: the label is data".into(),
        })
    }
}

/// The numbers of one training example and the neuron's current weights.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// Weight of the first feature.
    pub w1: f64,
    /// Weight of the second feature.
    pub w2: f64,
    /// First feature.
    pub x1: f64,
    /// Second feature.
    pub x2: f64,
    /// The label, 0 or 1.
    pub y: f64,
}

/// The example the program shows.
pub const EXAMPLE: Example = Example {
    w1: 0.5,
    w2: 0.25,
    x1: 2.0,
    x2: -1.0,
    y: 1.0,
};

/// The vars of the recorded graph, so that callers can look them up in the dump.
pub struct Neuron<'t> {
    /// Parameter w1.
    pub w1: Var<'t, f64>,
    /// Parameter w2.
    pub w2: Var<'t, f64>,
    /// w1 x1.
    pub w1x1: Var<'t, f64>,
    /// w2 x2.
    pub w2x2: Var<'t, f64>,
    /// The logit z = w1 x1 + w2 x2.
    pub z: Var<'t, f64>,
    /// The probability p = sigmoid(z).
    pub p: Var<'t, f64>,
    /// The label y, a constant.
    pub y: Var<'t, f64>,
    /// The loss L.
    pub loss: Var<'t, f64>,
}

/// Records the neuron's forward pass on `tape`, every node named.
pub fn record(tape: &Tape<f64>, e: Example) -> Neuron<'_> {
    let w1 = tape.param(Tensor::scalar(e.w1)).named("w1");
    let w2 = tape.param(Tensor::scalar(e.w2)).named("w2");
    let x1 = tape.constant(Tensor::scalar(e.x1)).named("x1");
    let x2 = tape.constant(Tensor::scalar(e.x2)).named("x2");
    let y = tape.constant(Tensor::scalar(e.y)).named("y");
    let (w1x1, w2x2, z, p) = {
        let _neuron = tape.scope("neuron");
        let w1x1 = (w1 * x1).named("w1*x1");
        let w2x2 = (w2 * x2).named("w2*x2");
        let z = (w1x1 + w2x2).named("z");
        (w1x1, w2x2, z, z.sigmoid().named("p"))
    };
    let loss = {
        let _loss = tape.scope("loss");
        tape.apply(BinaryCrossEntropy, &[p, y]).named("L")
    };
    Neuron {
        w1,
        w2,
        w1x1,
        w2x2,
        z,
        p,
        y,
        loss,
    }
}

/// Records the example, runs backward keeping every gradient, and returns the dump.
pub fn dump_example(tape: &Tape<f64>, e: Example) -> GraphDump<f64> {
    let neuron = record(tape, e);
    let grads = tape.backward_retain_all(neuron.loss);
    GraphDump::new(tape, Some(&grads))
}

/// Where to write the graph, from the command-line arguments.
enum Output {
    /// Print the DOT.
    Print,
    /// `--dot FILE`: write the DOT there.
    Dot(PathBuf),
    /// `--svg FILE`: draw the graph there with Graphviz.
    Svg(PathBuf),
    /// `--html FILE`: write the step-by-step walkthrough page there.
    Html(PathBuf),
}

fn output(args: &[String]) -> Result<Output, String> {
    match args {
        [] => Ok(Output::Print),
        [flag, file] if flag == "--dot" => Ok(Output::Dot(PathBuf::from(file))),
        [flag, file] if flag == "--svg" => Ok(Output::Svg(PathBuf::from(file))),
        [flag, file] if flag == "--html" => Ok(Output::Html(PathBuf::from(file))),
        _ => Err(format!(
            "expected no arguments, `--dot FILE`, `--svg FILE` or `--html FILE`, got {args:?}; \
             for example `cargo run --example logistic_regression_graph -- --svg graph.svg`"
        )),
    }
}

/// Writes `contents` to `path` through a temporary file beside it, so that a reader never sees
/// half a file.
fn write_atomically(path: &Path, contents: &str) -> Result<(), String> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, contents)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            format!(
                "could not write the graph to {}: {e}; pass a path in a directory that exists \
                 and that you can write to",
                path.display()
            )
        })
}

/// Prints the dump, then prints the DOT or writes it (or the SVG drawn from it, or the
/// walkthrough page) to a file.
pub fn run(args: &[String]) -> Result<(), String> {
    let output = output(args)?;
    let tape = Tape::new();
    let dump = dump_example(&tape, EXAMPLE);
    println!("{}", dump.to_text());
    match output {
        Output::Print => println!("{}", dump.to_dot()),
        Output::Dot(path) => {
            write_atomically(&path, &dump.to_dot())?;
            println!("wrote the graph in DOT to {}", path.display());
        }
        Output::Svg(path) => {
            write_atomically(&path, &dump.to_svg().map_err(|e| e.to_string())?)?;
            println!("drew the graph as SVG in {}", path.display());
        }
        Output::Html(path) => {
            write_atomically(&path, &dump.to_html())?;
            println!(
                "wrote the walkthrough to {}; open it in a browser",
                path.display()
            );
        }
    }
    Ok(())
}

#[allow(dead_code)] // the test includes this file for its functions, not for main
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(message) = run(&args) {
        eprintln!("error: {message}");
        std::process::exit(2);
    }
}
