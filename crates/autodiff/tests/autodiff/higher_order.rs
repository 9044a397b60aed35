//! Higher-order gradients: derivatives of derivatives, worked by hand and checked against
//! finite differences, for every primitive of the tape; a Hessian-vector product; custom ops
//! without a recorded gradient; dumps of second-order graphs.

use crate::common;

use common::{
    BINARY, BROADCAST_PAIRS, UNARY, UnaryOp, nonzero, normal, passes_second_order, positive,
    random_shape, rng,
};
use nabla_autodiff::dump::{self, Gradient, GraphDump};
use nabla_autodiff::{
    BackwardError, BackwardOptions, CustomOp, GradCheck, GradCheckReport, Scratch, Tape, Tensor,
    Var,
};
use std::borrow::Cow;
use std::f64::consts::PI;

/// f', f'' and f''' of `op` at `x`, each taken by differentiating the last through the tape.
fn derivatives(op: UnaryOp, x: f64) -> [f64; 3] {
    let tape = Tape::<f64>::new();
    let xv = tape.param(Tensor::scalar(x));
    let d1 = tape.grad(op(xv), &[xv]).unwrap()[0];
    let d2 = tape.grad(d1, &[xv]).unwrap()[0];
    let d3 = tape.grad(d2, &[xv]).unwrap()[0];
    [d1.item(), d2.item(), d3.item()]
}

#[test]
fn first_second_and_third_derivatives_by_hand() {
    let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
    let (s, t) = (sigmoid(0.3), 0.6_f64.tanh());
    let gauss = (-0.25_f64).exp() / PI.sqrt(); // e^(-x^2) / sqrt(pi) at x = 0.5
    let cases: [(&str, UnaryOp, f64, [f64; 3]); 20] = [
        (
            "sin",
            |x| x.sin(),
            0.7,
            [0.7_f64.cos(), -0.7_f64.sin(), -0.7_f64.cos()],
        ),
        (
            "cos",
            |x| x.cos(),
            0.7,
            [-0.7_f64.sin(), -0.7_f64.cos(), 0.7_f64.sin()],
        ),
        ("exp", |x| x.exp(), 0.4, [0.4_f64.exp(); 3]),
        ("expm1", |x| x.expm1(), -0.4, [(-0.4_f64).exp(); 3]),
        ("ln", |x| x.ln(), 1.3, [1.0 / 1.3, -1.0 / 1.69, 2.0 / 2.197]),
        (
            "log1p",
            |x| x.log1p(),
            0.4,
            [1.0 / 1.4, -1.0 / 1.96, 2.0 / 2.744],
        ),
        ("square", |x| x.square(), -1.5, [-3.0, 2.0, 0.0]),
        (
            "reciprocal",
            |x| x.reciprocal(),
            1.3,
            [-1.0 / 1.69, 2.0 / 2.197, -6.0 / 2.8561],
        ),
        ("sqrt", |x| x.sqrt(), 4.0, [0.25, -1.0 / 32.0, 3.0 / 256.0]),
        ("powf 2.5", |x| x.powf(2.5), 4.0, [20.0, 7.5, 0.9375]),
        ("powf 3", |x| x.powf(3.0), -2.0, [12.0, -12.0, 6.0]),
        (
            "tanh",
            |x| x.tanh(),
            0.6,
            [
                1.0 - t * t,
                -2.0 * t * (1.0 - t * t),
                (1.0 - t * t) * (6.0 * t * t - 2.0),
            ],
        ),
        (
            "sigmoid",
            |x| x.sigmoid(),
            0.3,
            [
                s * (1.0 - s),
                s * (1.0 - s) * (1.0 - 2.0 * s),
                s * (1.0 - s) * (1.0 - 6.0 * s + 6.0 * s * s),
            ],
        ),
        (
            "erf",
            |x| x.erf(),
            0.5,
            // (2/sqrt pi) e^(-x^2), then times -2x, then times (4x^2 - 2): -2 at x = 1/2.
            [2.0 * gauss, -2.0 * gauss, -2.0 * gauss],
        ),
        (
            "c / x",
            |x| 2.0 / x,
            1.5,
            [-2.0 / 2.25, 4.0 / 3.375, -12.0 / 5.0625],
        ),
        ("abs", |x| x.abs(), -0.8, [-1.0, 0.0, 0.0]),
        ("relu", |x| x.relu(), 0.8, [1.0, 0.0, 0.0]),
        ("clamp inside", |x| x.clamp(-1.0, 1.0), 0.3, [1.0, 0.0, 0.0]),
        ("x * c", |x| x * -2.5, 0.3, [-2.5, 0.0, 0.0]),
        ("x / c", |x| x / 4.0, 0.3, [0.25, 0.0, 0.0]),
    ];
    for (name, op, x, want) in cases {
        let got = derivatives(op, x);
        for (order, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g - w).abs() <= 1e-12 * (1.0 + w.abs()),
                "{name} at {x}: derivative {} is {g}, worked by hand {w}",
                order + 1
            );
        }
    }
}

#[test]
fn mixed_partials_of_the_binary_ops_by_hand() {
    // f = a b: d2f/da db = 1. f = a / b: d2f/db2 = 2a / b^3, d2f/da db = -1 / b^2.
    let tape = Tape::<f64>::new();
    let a = tape.param(Tensor::scalar(3.0));
    let b = tape.param(Tensor::scalar(2.0));
    let da = tape.grad(a * b, &[a]).unwrap()[0];
    assert_eq!(tape.grad(da, &[b]).unwrap()[0].item(), 1.0);
    let db = tape.grad(a / b, &[b]).unwrap()[0];
    let second = tape.grad(db, &[a, b]).unwrap();
    assert_eq!((second[0].item(), second[1].item()), (-0.25, 0.75));
}

/// Checks that a second-order check of a function whose first derivative is piecewise
/// constant finds the second derivative zero, analytic and numeric, for every element.
fn zero_second_derivative<F>(what: &str, inputs: &[Tensor<f64>], f: F)
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let report: GradCheckReport = GradCheck::new()
        .check_second_order(inputs, f)
        .unwrap_or_else(|e| panic!("{what} (second order): {e}"));
    let elements: usize = inputs.iter().map(Tensor::numel).sum();
    assert_eq!(report.checked, elements, "{what}: {report}");
    assert!(report.kinks.is_empty(), "{what}: {report}");
    assert_eq!(report.max_abs_error, 0.0, "{what}: {report}");
    assert!(
        report
            .warnings
            .iter()
            .all(|w| w.contains("zero everywhere")),
        "{what}: {report}"
    );
}

#[test]
fn every_elementwise_function_to_second_and_third_order() {
    let mut rng = rng(21);
    for case in UNARY {
        let x = (case.inputs)(&random_shape(2, &mut rng), &mut rng);
        if case.piecewise_linear {
            zero_second_derivative(case.name, &[x], |_, v| (case.op)(v[0]));
            continue;
        }
        passes_second_order(case.name, std::slice::from_ref(&x), |_, v| (case.op)(v[0]));
        // Third order: the second-order check of the first derivative (x^2's is zero).
        let what = format!("{} third order", case.name);
        if case.name == "square" {
            zero_second_derivative(&what, &[x], |tape, v| {
                tape.grad((case.op)(v[0]).sum(), &[v[0]]).unwrap()[0]
            });
        } else {
            passes_second_order(&what, &[x], |tape, v| {
                tape.grad((case.op)(v[0]).sum(), &[v[0]]).unwrap()[0]
            });
        }
    }
    let x = nonzero(&[3, 2], &mut rng);
    passes_second_order("rdiv", std::slice::from_ref(&x), |_, v| v[0].rdiv(-1.25));
    zero_second_derivative("rsub", &[x], |_, v| v[0].rsub(-1.25));
}

#[test]
fn binary_ops_to_second_order_with_broadcasting() {
    let mut rng = rng(22);
    for (name, op, linear) in BINARY {
        for (left, right) in BROADCAST_PAIRS {
            let inputs = [normal(left, &mut rng), nonzero(right, &mut rng)];
            let what = format!("{name} {left:?} {right:?}");
            if linear {
                zero_second_derivative(&what, &inputs, |_, v| op(v[0], v[1]));
            } else {
                passes_second_order(&what, &inputs, |_, v| op(v[0], v[1]));
            }
        }
    }
}

#[test]
fn structural_ops_to_second_order() {
    // Each op composed with tanh, so that second derivatives are not all zero and flow back
    // through the op's recorded gradient rule.
    let mut rng = rng(23);
    let x = normal(&random_shape(3, &mut rng), &mut rng);
    let [a, b, c] = x.shape()[..] else {
        unreachable!()
    };
    type Op = for<'t> fn(Var<'t, f64>) -> Var<'t, f64>;
    let ops: [(&str, Op); 10] = [
        ("sum", |v| v.sum()),
        ("mean", |v| v.mean()),
        ("sum_axes [0, 2]", |v| v.sum_axes(&[0, 2], false)),
        ("mean_axes [1] keepdim", |v| v.mean_axes(&[1], true)),
        ("transpose", |v| v.transpose()),
        ("permute [2, 0, 1]", |v| v.permute(&[2, 0, 1])),
        ("sum_to_shape [1, 1, last]", |v| {
            let last = v.shape()[2];
            v.sum_to_shape(&[1, 1, last])
        }),
        ("narrow axis 1", |v| v.narrow(1, 1, 1)),
        ("pad axis 2", |v| v.pad(2, 1, v.shape()[2] + 3)),
        ("concat with itself", |v| Var::concat(&[v, v.exp()], 1)),
    ];
    for (name, op) in ops {
        passes_second_order(name, std::slice::from_ref(&x), |_, v| op(v[0]).tanh());
    }
    passes_second_order("reshape", std::slice::from_ref(&x), |_, v| {
        v[0].reshape(&[a * b, c]).tanh()
    });
    passes_second_order("broadcast_to", &[normal(&[a, 1], &mut rng)], |_, v| {
        v[0].broadcast_to(&[b, a, c]).tanh()
    });
    let m = normal(&[4, 3], &mut rng);
    passes_second_order("select_rows", std::slice::from_ref(&m), |_, v| {
        v[0].select_rows(&[3, 0, 3, 1]).tanh()
    });
    passes_second_order("index_add_rows", std::slice::from_ref(&m), |_, v| {
        v[0].index_add_rows(&[1, 1, 0, 2], 3).tanh()
    });
    passes_second_order("gather_rows", std::slice::from_ref(&m), |_, v| {
        v[0].gather_rows(&[2, 0, 1, 1]).tanh()
    });
    passes_second_order("scatter_rows", &[normal(&[4], &mut rng)], |_, v| {
        v[0].scatter_rows(&[2, 0, 1, 1], 3).tanh()
    });
}

#[test]
fn matmul_to_second_order_with_every_transpose_and_a_shared_batch() {
    let mut rng = rng(24);
    let (m, k, n) = (3, 4, 2);
    for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
        let a = normal(&if ta { [k, m] } else { [m, k] }, &mut rng);
        let b = normal(&if tb { [n, k] } else { [k, n] }, &mut rng);
        let what = format!("matmul_t ta {ta} tb {tb}");
        passes_second_order(&what, &[a, b], |_, v| v[0].matmul_t(v[1], ta, tb).tanh());
    }
    let inputs = [normal(&[2, m, k], &mut rng), normal(&[k, n], &mut rng)];
    passes_second_order("batched x 2-D", &inputs, |_, v| v[0].matmul(v[1]).tanh());
}

/// A two-layer network's mean squared error as a function of its weights.
fn mlp_loss<'t>(tape: &'t Tape<f64>, w: &[Var<'t, f64>]) -> Var<'t, f64> {
    let x = tape.constant(Tensor::from_fn(&[6, 3], |i| {
        ((i * 7) % 11) as f64 / 5.0 - 1.0
    }));
    let y = tape.constant(Tensor::from_fn(&[6, 1], |i| (i % 3) as f64 - 1.0));
    let hidden = (x.matmul(w[0]) + w[1]).tanh();
    (hidden.matmul(w[2]) - y).square().mean()
}

/// The gradient of [`mlp_loss`] at `w`, flattened.
fn mlp_gradient(w: &[Tensor<f64>]) -> Vec<f64> {
    let tape = Tape::new();
    let vars: Vec<Var<'_, f64>> = w.iter().map(|t| tape.param(t.clone())).collect();
    let grads = mlp_loss(&tape, &vars).backward();
    vars.iter()
        .flat_map(|&v| grads[v].data().to_vec())
        .collect()
}

#[test]
fn hessian_vector_product_of_an_mlp_loss_matches_differences_of_gradients() {
    let mut rng = rng(25);
    let weights = [
        normal(&[3, 5], &mut rng),
        normal(&[5], &mut rng),
        normal(&[5, 1], &mut rng),
    ];
    let direction: Vec<Tensor<f64>> = weights
        .iter()
        .map(|w| normal(w.shape(), &mut rng))
        .collect();

    // H v = d/dw (dL/dw . v), through the recorded gradient.
    let tape = Tape::new();
    let w: Vec<Var<'_, f64>> = weights.iter().map(|t| tape.param(t.clone())).collect();
    let grads = tape.grad(mlp_loss(&tape, &w), &w).unwrap();
    let dot = grads
        .iter()
        .zip(&direction)
        .map(|(g, v)| (*g * tape.constant(v.clone())).sum())
        .reduce(|a, b| a + b)
        .unwrap();
    let hv_vars = tape.grad(dot, &w).unwrap();
    let hv: Vec<f64> = hv_vars
        .iter()
        .flat_map(|v| v.value().data().to_vec())
        .collect();

    // (grad L(w + eps v) - grad L(w - eps v)) / (2 eps).
    let eps = 1e-5;
    let shifted = |sign: f64| -> Vec<Tensor<f64>> {
        weights
            .iter()
            .zip(&direction)
            .map(|(w, v)| w + &(v * (sign * eps)))
            .collect()
    };
    let (plus, minus) = (mlp_gradient(&shifted(1.0)), mlp_gradient(&shifted(-1.0)));
    let numeric: Vec<f64> = plus
        .iter()
        .zip(&minus)
        .map(|(p, m)| (p - m) / (2.0 * eps))
        .collect();
    assert_eq!(hv.len(), 3 * 5 + 5 + 5);
    for (i, (a, n)) in hv.iter().zip(&numeric).enumerate() {
        assert!(
            (a - n).abs() <= 1e-7 * (1.0 + n.abs()),
            "H v element {i}: {a} vs {n}"
        );
    }
    assert!(
        hv.iter().any(|v| v.abs() > 1e-3),
        "a product that tests something"
    );
}

/// Squares its input, with a first-order gradient only (no recorded one).
struct SquareWithoutGraph;

impl CustomOp<f64> for SquareWithoutGraph {
    fn name(&self) -> Cow<'_, str> {
        "square_without_graph".into()
    }
    fn forward(&mut self, inputs: &[&Tensor<f64>], s: &mut Scratch<f64>) -> Tensor<f64> {
        s.map(inputs[0], |x| x * x)
    }
    fn vjp(
        &self,
        _: usize,
        inputs: &[&Tensor<f64>],
        _: &Tensor<f64>,
        g: &Tensor<f64>,
        s: &mut Scratch<f64>,
    ) -> Option<Tensor<f64>> {
        Some(s.zip_map(g, inputs[0], |g, x| 2.0 * g * x))
    }
}

#[test]
fn a_custom_op_without_a_recorded_gradient_is_named_never_a_silent_zero() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::scalar(3.0));
    let y = x.apply(SquareWithoutGraph, &[]) * x.sin();
    // The first derivative through it has the right value...
    let dy = tape.grad(y, &[x]).unwrap()[0];
    let want = 2.0 * 3.0 * 3.0_f64.sin() + 9.0 * 3.0_f64.cos();
    assert!((dy.item() - want).abs() < 1e-12);
    // ...but differentiating it again through the op is an error that names the op.
    let err = tape.grad(dy, &[x]).unwrap_err();
    assert_eq!(
        err,
        BackwardError::NotDifferentiable {
            op: "square_without_graph".into()
        }
    );
    assert!(err.to_string().contains("'square_without_graph'"), "{err}");
    assert!(err.to_string().contains("CustomOp::vjp_graph"), "{err}");
    // So is a first-order backward through that gradient, and it panics with the message.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dy.backward()));
    let message = *caught.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("square_without_graph"), "{message}");
    // A second derivative that does not pass through the op is fine.
    let z = tape.param(Tensor::scalar(0.5));
    let w = x.apply(SquareWithoutGraph, &[]) + z.powf(3.0);
    let dz = tape.grad(w, &[z]).unwrap()[0];
    assert_eq!(tape.grad(dz, &[z]).unwrap()[0].item(), 3.0); // 6 z
}

#[test]
fn gradients_of_a_var_the_output_does_not_depend_on_are_zeros() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_vec(vec![1.0, 2.0], &[2]));
    let unused = tape.param(Tensor::from_vec(vec![5.0, 6.0, 7.0], &[3]));
    let g = tape.grad((x * x).sum(), &[x, unused]).unwrap();
    assert_eq!(g[0].value().data(), &[2.0, 4.0]);
    assert_eq!(g[1].value(), Tensor::zeros(&[3]));
    // d/dx of sum(2x) is a constant 2: the second derivative is zero, also as a var.
    let h = tape.grad(g[0].sum(), &[x]).unwrap();
    assert_eq!(h[0].value().data(), &[2.0, 2.0]);
    let third = tape.grad(h[0].sum(), &[x]).unwrap();
    assert_eq!(third[0].value().data(), &[0.0, 0.0]);
}

#[test]
fn create_graph_through_backward_with_and_inside_no_grad() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::scalar(2.0));
    let y = x.powf(4.0);
    let options = BackwardOptions {
        create_graph: true,
        ..Default::default()
    };
    let grads = {
        let _inference = tape.no_grad(); // create_graph records all the same
        tape.backward_with(y, options)
    };
    assert_eq!(grads[x].item(), 32.0); // 4 x^3
    let dx = grads.var(x).expect("the gradient as a var");
    assert_eq!(tape.grad(dx, &[x]).unwrap()[0].item(), 48.0); // 12 x^2
    assert!(
        y.backward().var(x).is_none(),
        "the fast path records nothing"
    );
}

#[test]
fn another_tapes_var_finds_no_gradient() {
    let (a, b) = (Tape::<f64>::new(), Tape::<f64>::new());
    let x = a.param(Tensor::scalar(2.0));
    let other = b.param(Tensor::scalar(7.0));
    let grads = (x * x).backward();
    assert_eq!(grads[x].item(), 4.0);
    // `other` sits at the same place of its own tape's arena as `x` does in its tape's.
    assert!(grads.get(other).is_none());
    assert!(grads.get_id(other.id()).is_none());
    assert!(grads.var(other).is_none());
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| grads[other].item()));
    let message = *caught.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("another tape"), "{message}");
}

#[test]
fn a_value_held_while_recording_is_fine() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_vec(vec![1.0, 2.0], &[2]));
    let held = x.value();
    let y = x.exp(); // recording with `held` alive used to panic (a RefCell guard)
    let z = (y * x).sum();
    assert_eq!(held.data(), &[1.0, 2.0]);
    assert!((z.item() - (1.0_f64.exp() + 2.0 * 2.0_f64.exp())).abs() < 1e-12);
}

#[test]
fn dumps_of_a_second_order_graph() {
    // y = x^3; dy/dx = 3x^2 and d2y/dx2 = 6x are nodes on the tape; a dump after a backward
    // pass from d2y shows them, with every contribution, and x's gradient d3y/dx3 = 6.
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::scalar(2.0)).named("x");
    let y = x.powf(3.0).named("y");
    let dy = tape.grad(y, &[x]).unwrap()[0].named("dy/dx");
    let d2y = tape.grad(dy, &[x]).unwrap()[0].named("d2y/dx2");
    assert_eq!((dy.item(), d2y.item()), (12.0, 12.0));
    let grads = tape.backward_retain_all(d2y);
    let graph = GraphDump::new(&tape, Some(&grads));
    assert_eq!(
        graph.node(x.id()).unwrap().gradient,
        Gradient::Computed(Tensor::scalar(6.0))
    );
    let parts: f64 = graph
        .contributions_to(x.id())
        .map(|e| e.contribution.tensor().unwrap().item())
        .sum();
    assert!((parts - 6.0).abs() < 1e-12, "contributions sum to {parts}");
    let text = graph.to_text();
    for label in ["x", "y", "dy/dx", "d2y/dx2", "pow(#0 x; 3)", "pow(#0 x; 2)"] {
        assert!(text.contains(label), "no {label} in\n{text}");
    }
    assert!(dump::dot(&tape, Some(&grads)).starts_with("digraph"));

    // A gradient recorded without its rule shows as such, and passes nothing back.
    let z = tape.param(Tensor::scalar(1.5)).named("z");
    let dz = tape.grad(z.apply(SquareWithoutGraph, &[]), &[z]).unwrap()[0];
    let text = dump::text(&tape, None);
    assert!(text.contains("gradient of square_without_graph"), "{text}");
    assert_eq!(dz.item(), 3.0);
}

#[test]
fn second_derivatives_of_positive_only_functions() {
    // Keep ln, sqrt and powf on their domain while checking their mixed use.
    let mut rng = rng(26);
    let x = positive(&[3, 2], &mut rng);
    passes_second_order("ln(x) sqrt(x) x^1.5", &[x], |_, v| {
        v[0].ln() * v[0].sqrt() + v[0].powf(1.5)
    });
}

/// Cubes its input; its recorded product is deliberately wrong in one of two ways.
struct Cube {
    /// The recorded product's value is off by 10%.
    wrong_value: bool,
}

impl CustomOp<f64> for Cube {
    fn name(&self) -> Cow<'_, str> {
        "cube".into()
    }
    fn forward(&mut self, inputs: &[&Tensor<f64>], s: &mut Scratch<f64>) -> Tensor<f64> {
        s.map(inputs[0], |x| x * x * x)
    }
    fn vjp(
        &self,
        _: usize,
        inputs: &[&Tensor<f64>],
        _: &Tensor<f64>,
        g: &Tensor<f64>,
        s: &mut Scratch<f64>,
    ) -> Option<Tensor<f64>> {
        Some(s.zip_map(g, inputs[0], |g, x| 3.0 * g * x * x))
    }
    fn vjp_graph<'t>(
        &self,
        _: usize,
        inputs: &[Var<'t, f64>],
        _: Var<'t, f64>,
        grad: Var<'t, f64>,
    ) -> Result<Option<Var<'t, f64>>, nabla_autodiff::NotDifferentiable> {
        let x = inputs[0];
        Ok(Some(if self.wrong_value {
            grad * x.square() * 3.3
        } else {
            // The right value, but x^2 detached: its own derivative is lost.
            grad * x.square().detach() * 3.0
        }))
    }
}

#[test]
fn the_second_order_check_catches_a_wrong_recorded_product() {
    let x = Tensor::from_vec(vec![0.5, -1.2, 2.0], &[3]);
    for wrong_value in [true, false] {
        let err = GradCheck::new()
            .check_second_order(std::slice::from_ref(&x), |_, v| {
                v[0].apply(Cube { wrong_value }, &[]).sin()
            })
            .unwrap_err();
        assert_eq!(err.failed, 3, "{err}");
        let message = err.to_string();
        if wrong_value {
            // Caught at first order, on the recorded path, and said so.
            assert_eq!(err.report.order, 1, "{message}");
            assert!(
                message.contains("recorded for higher-order use"),
                "{message}"
            );
        } else {
            assert_eq!(err.report.order, 2, "{message}");
            assert!(
                message.starts_with("second-order gradient check failed"),
                "{message}"
            );
        }
    }
}
