//! What the gradient tests share: seeded random inputs, the checks with their strict
//! expectations, and the table of element-wise functions (one row per function; a new
//! function is checked to first and higher order by adding its row here).

#![allow(dead_code)] // each test file uses part of this

use nabla_autodiff::{GradCheck, GradCheckReport, Tape, Tensor, Var};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A seeded generator.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Standard normal entries.
pub fn normal(shape: &[usize], rng: &mut StdRng) -> Tensor<f64> {
    Tensor::randn(shape, 0.0, 1.0, rng)
}

/// Entries in [0.5, 2.5).
pub fn positive(shape: &[usize], rng: &mut StdRng) -> Tensor<f64> {
    Tensor::rand_uniform(shape, 0.5, 2.5, rng)
}

/// Entries with magnitude in [0.5, 2.0) and a random sign: safe to divide by.
pub fn nonzero(shape: &[usize], rng: &mut StdRng) -> Tensor<f64> {
    let magnitude = Tensor::rand_uniform(shape, 0.5, 2.0, rng);
    let sign = Tensor::from_fn(shape, |_| if rng.random::<bool>() { 1.0 } else { -1.0 });
    &magnitude * &sign
}

/// Normal entries with a wider spread, to reach both ends of saturating functions.
pub fn wide(shape: &[usize], rng: &mut StdRng) -> Tensor<f64> {
    Tensor::randn(shape, 0.0, 1.5, rng)
}

/// `ndim` random extents from 2 to 4.
pub fn random_shape(ndim: usize, rng: &mut StdRng) -> Vec<usize> {
    (0..ndim).map(|_| rng.random_range(2..=4)).collect()
}

/// Checks `f` in f64 and asserts it passed cleanly: every element compared, no kink, no
/// warning, errors tiny. `what` names the case in the panic message.
pub fn passes<F>(what: &str, inputs: &[Tensor<f64>], f: F) -> GradCheckReport
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let report = GradCheck::new()
        .check(inputs, f)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_clean(what, inputs, &report);
    report
}

/// Checks the second derivatives of `f` ([`GradCheck::check_second_order`]) and asserts it
/// passed cleanly, as [`passes`] does.
pub fn passes_second_order<F>(what: &str, inputs: &[Tensor<f64>], f: F) -> GradCheckReport
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let report = GradCheck::new()
        .check_second_order(inputs, f)
        .unwrap_or_else(|e| panic!("{what} (second order): {e}"));
    assert_eq!(report.order, 2, "{what}");
    assert_clean(what, inputs, &report);
    report
}

fn assert_clean(what: &str, inputs: &[Tensor<f64>], report: &GradCheckReport) {
    let elements: usize = inputs.iter().map(Tensor::numel).sum();
    assert_eq!(report.checked, elements, "{what}: {report}");
    assert!(report.kinks.is_empty(), "{what}: {report}");
    assert!(report.warnings.is_empty(), "{what}: {report}");
    assert!(report.max_abs_error < 1e-6, "{what}: {report}");
}

/// An element-wise function of one var.
pub type UnaryOp = for<'t> fn(Var<'t, f64>) -> Var<'t, f64>;
/// Where a function's inputs are drawn from.
pub type Inputs = fn(&[usize], &mut StdRng) -> Tensor<f64>;

/// One element-wise function of the tape: its name, how to record it, where its inputs come
/// from, and whether its derivative is piecewise constant (so its second derivative is zero,
/// which the second-order check reports as a warning that the gradient is zero everywhere).
pub struct UnaryCase {
    pub name: &'static str,
    pub op: UnaryOp,
    pub inputs: Inputs,
    pub piecewise_linear: bool,
}

const fn case(name: &'static str, op: UnaryOp, inputs: Inputs) -> UnaryCase {
    UnaryCase {
        name,
        op,
        inputs,
        piecewise_linear: false,
    }
}

const fn linear(name: &'static str, op: UnaryOp, inputs: Inputs) -> UnaryCase {
    UnaryCase {
        name,
        op,
        inputs,
        piecewise_linear: true,
    }
}

/// Every element-wise primitive of one input: one row each.
pub const UNARY: [UnaryCase; 26] = [
    linear("x + c", |x| x + 1.5, normal),
    linear("c + x", |x| 1.5 + x, normal),
    linear("x - c", |x| x - 0.7, normal),
    linear("c - x", |x| 0.7 - x, normal),
    linear("x * c", |x| x * -2.5, normal),
    linear("c * x", |x| -2.5 * x, normal),
    linear("x / c", |x| x / 3.0, normal),
    case("c / x", |x| 3.0 / x, nonzero),
    linear("neg", |x| -x, normal),
    case("powf 2.5", |x| x.powf(2.5), positive),
    case("powf 3", |x| x.powf(3.0), normal),
    case("powf -1.5", |x| x.powf(-1.5), positive),
    case("exp", |x| x.exp(), normal),
    case("expm1", |x| x.expm1(), normal),
    case("ln", |x| x.ln(), positive),
    case("log1p", |x| x.log1p(), positive),
    case("sqrt", |x| x.sqrt(), positive),
    case("square", |x| x.square(), normal),
    case("reciprocal", |x| x.reciprocal(), nonzero),
    case("sin", |x| x.sin(), wide),
    case("cos", |x| x.cos(), wide),
    case("tanh", |x| x.tanh(), wide),
    case("sigmoid", |x| x.sigmoid(), wide),
    case("erf", |x| x.erf(), wide),
    linear("abs", |x| x.abs(), nonzero),
    linear("relu", |x| x.relu(), nonzero),
];

/// A function of two vars.
pub type BinaryOp = for<'t> fn(Var<'t, f64>, Var<'t, f64>) -> Var<'t, f64>;

/// Every element-wise primitive of two inputs, and whether it is linear in each.
pub const BINARY: [(&str, BinaryOp, bool); 6] = [
    ("add", |a, b| a + b, true),
    ("sub", |a, b| a - b, true),
    ("mul", |a, b| a * b, false),
    ("div", |a, b| a / b, false),
    ("maximum", |a, b| a.maximum(b), true),
    ("minimum", |a, b| a.minimum(b), true),
];

/// Shape pairs that broadcast, both ways round.
pub const BROADCAST_PAIRS: [(&[usize], &[usize]); 3] =
    [(&[3, 1], &[1, 4]), (&[2, 3], &[3]), (&[4, 1, 3], &[2, 1])];
