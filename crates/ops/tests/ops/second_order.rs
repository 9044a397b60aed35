//! Every op of the ops crate differentiated again, in f64, against central differences:
//! second derivatives of dense, every activation, softmax and log-softmax along every axis and
//! every loss with every option the first-order tests use, third derivatives of the smooth
//! ones, hand-worked higher derivatives, the Hessian of softmax cross-entropy, and the
//! recorded gradient ([`Tape::grad`]) against the fast one (`backward`) for all of them.

use crate::common;

use common::{away_from_zero, labels, one_hot, rng, uniform, weights};
use nabla_autodiff::{GradCheck, Tape, Tensor, Var};
use nabla_ops::loss::{
    self, BinaryOptions, CategoricalOptions, LossError, Reduction, RegressionOptions,
};
use nabla_ops::{Activation, dense, dense_activation, log_softmax, softmax};
use rand::Rng;
use rand::rngs::StdRng;
use std::rc::Rc;

const REDUCTIONS: [Reduction; 3] = [Reduction::Mean, Reduction::Sum, Reduction::None];

/// The activations with a parameter, at other values than their defaults.
const OTHER_PARAMETERS: [Activation; 2] = [Activation::LeakyRelu(0.3), Activation::Elu(0.7)];

/// Every activation: [`Activation::ALL`] (so a new row is covered as soon as it exists) and
/// the parametrised ones at non-default parameters.
fn every_activation() -> impl Iterator<Item = Activation> {
    Activation::ALL.into_iter().chain(OTHER_PARAMETERS)
}

/// Where the inputs of an activation's third-order check are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Domain {
    /// Uniform in [-3, 3).
    Anywhere,
    /// At least 0.1 away from 0 (the function's second derivative jumps there).
    AwayFromZero,
    /// In [-3, -0.1) (the function is linear for positive inputs).
    Negative,
}

/// Where an activation is smooth enough for its third derivative to be checked; `None` for the
/// piecewise-linear ones, whose derivatives past the first are zero wherever they exist. The
/// match has no catch-all arm, so a new activation does not compile until it is classified
/// here.
fn third_order_domain(act: Activation) -> Option<Domain> {
    match act {
        Activation::Identity | Activation::Relu | Activation::LeakyRelu(_) => None,
        Activation::Elu(_) => Some(Domain::Negative),
        Activation::Softsign => Some(Domain::AwayFromZero),
        Activation::Gelu
        | Activation::GeluTanh
        | Activation::Sigmoid
        | Activation::Tanh
        | Activation::Softplus
        | Activation::Silu
        | Activation::Mish
        | Activation::Softmax => Some(Domain::Anywhere),
    }
}

/// Whether the activation is piecewise linear, so that its second derivative is zero wherever
/// it exists.
fn is_piecewise_linear(act: Activation) -> bool {
    third_order_domain(act).is_none()
}

fn draw(r: &mut StdRng, domain: Domain, shape: &[usize]) -> Tensor<f64> {
    match domain {
        Domain::Anywhere => uniform(r, shape, -3.0, 3.0),
        Domain::AwayFromZero => away_from_zero(r, shape),
        Domain::Negative => uniform(r, shape, -3.0, -0.1),
    }
}

/// A function of the inputs, as the gradient checker takes it.
type Function = Rc<dyn for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>>;

/// One computation to differentiate twice.
struct Case {
    what: String,
    names: Vec<&'static str>,
    inputs: Vec<Tensor<f64>>,
    /// The inputs in which the gradient is locally constant (MAE, ReLU, the bias of a layer
    /// with no curved activation): their second derivatives must come out zero, analytic and
    /// numeric alike, which the checker reports as a zero-gradient warning.
    flat: Vec<usize>,
    /// Whether the function is smooth enough at these inputs to be checked to third order.
    smooth: bool,
    f: Function,
}

impl Case {
    fn new<F>(
        what: impl Into<String>,
        names: &[&'static str],
        inputs: Vec<Tensor<f64>>,
        f: F,
    ) -> Case
    where
        F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64> + 'static,
    {
        assert_eq!(names.len(), inputs.len());
        Case {
            what: what.into(),
            names: names.to_vec(),
            inputs,
            flat: Vec::new(),
            smooth: false,
            f: Rc::new(f),
        }
    }

    /// Marks the inputs whose second derivatives are zero.
    fn flat(mut self, inputs: &[usize]) -> Case {
        self.flat = inputs.to_vec();
        self
    }

    /// Marks the case as smooth enough for a third-order check.
    fn smooth(mut self) -> Case {
        self.smooth = true;
        self
    }

    /// The output's shape at the case's inputs.
    fn output_shape(&self) -> Vec<usize> {
        let tape = Tape::new();
        let vars: Vec<Var<'_, f64>> = self.inputs.iter().map(|x| tape.param(x.clone())).collect();
        (self.f)(&tape, &vars).shape().to_vec()
    }

    /// The case's gradient as a function of the same inputs: `x -> d(c . f(x))/dx` for fixed
    /// random weights `c`, every input's gradient flattened and joined, computed with
    /// [`Tape::grad`]. A second-order check of it compares third derivatives of `f`.
    fn gradient(&self, seed: u64) -> Case {
        let c = weights_like(&self.output_shape(), seed);
        let f = Rc::clone(&self.f);
        Case::new(
            format!("gradient of {}", self.what),
            &self.names,
            self.inputs.clone(),
            move |tape, v| {
                let j = (f(tape, v) * tape.constant(c.clone())).sum();
                let grads = tape.grad(j, v).unwrap_or_else(|e| panic!("{e}"));
                let flat: Vec<Var<'_, f64>> = grads
                    .iter()
                    .map(|g| g.reshape(&[g.shape().iter().product()]))
                    .collect();
                Var::concat(&flat, 0)
            },
        )
    }
}

/// Output weights for a shape: each in [0.5, 1.5) with a random sign, so no element is ignored.
fn weights_like(shape: &[usize], seed: u64) -> Tensor<f64> {
    let mut r = rng(seed);
    let n: usize = shape.iter().product();
    let values = (0..n)
        .map(|_| {
            let w = r.random_range(0.5..1.5);
            if r.random_bool(0.5) { w } else { -w }
        })
        .collect();
    Tensor::from_vec(values, shape)
}

/// Checks the case's second derivatives against central differences, failing with the
/// checker's message when one is off, and also when the check could pass without saying
/// anything it should: a kink excused from comparison, any warning, or second derivatives
/// that are zero for other inputs than the case's flat ones (or not zero for those).
fn check_second_order(case: &Case) {
    let what = &case.what;
    let report = GradCheck::new()
        .names(&case.names)
        .check_second_order(&case.inputs, &*case.f)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(report.order, 2, "{what}: {report}");
    let elements: usize = case.inputs.iter().map(Tensor::numel).sum();
    assert_eq!(report.checked, elements, "{what}: {report}");
    assert!(report.kinks.is_empty(), "{what}: {report}");
    let zero: Vec<usize> = (0..case.inputs.len())
        .filter(|&i| {
            let label = format!("input {i} '{}'", case.names[i]);
            report
                .warnings
                .iter()
                .any(|w| w.starts_with(&label) && w.contains("zero everywhere"))
        })
        .collect();
    assert_eq!(
        zero, case.flat,
        "{what}: second derivatives are zero for inputs {zero:?}, expected for {:?}\n{report}",
        case.flat
    );
    assert_eq!(report.warnings.len(), case.flat.len(), "{what}: {report}");
}

/// Checks the case's third derivatives: the second-order check of its recorded gradient.
fn check_third_order(case: &Case, seed: u64) {
    check_second_order(&case.gradient(seed));
}

// ---------------------------------------------------------------------------------------------
// The cases.

/// `x [batch, fan_in]`, `w [fan_in, fan_out]` and `b [fan_out]` with every element of `x w` and
/// of `x w + b` at least 0.1 away from 0, so that no finite difference straddles the kink of
/// an activation (ReLU's, leaky ReLU's, ELU's, softsign's second derivative) at 0, and of both
/// signs, so that both pieces of such an activation are used.
fn dense_inputs(r: &mut StdRng, batch: usize, fan_in: usize, fan_out: usize) -> [Tensor<f64>; 3] {
    loop {
        let x = uniform(r, &[batch, fan_in], -2.0, 2.0);
        let w = uniform(r, &[fan_in, fan_out], -1.0, 1.0);
        let b = uniform(r, &[fan_out], -1.0, 1.0);
        let product = x.matmul(&w);
        let with_bias = &product + &b;
        let fits = |t: &Tensor<f64>| {
            let d = t.data();
            d.iter().all(|v| v.abs() >= 0.1) && has_both_signs(t)
        };
        if fits(&product) && fits(&with_bias) {
            return [x, w, b];
        }
    }
}

/// `dense` with and without bias, and `dense_activation` with every activation, with and
/// without bias, on several random shapes.
fn dense_cases() -> Vec<Case> {
    let mut r = rng(11);
    let mut cases = Vec::new();
    for _ in 0..5 {
        let (batch, fan_in, fan_out) = (
            r.random_range(1..=5),
            r.random_range(1..=5),
            // Two outputs at least: a softmax over one is constant.
            r.random_range(2..=4),
        );
        let [x, w, b] = dense_inputs(&mut r, batch, fan_in, fan_out);
        let shape = format!("{batch}x{fan_in} by {fan_in}x{fan_out}");
        // The layer is bilinear in (x, w) and affine in b: b's second derivatives are zero.
        cases.push(
            Case::new(
                format!("dense with bias, {shape}"),
                &["x", "w", "b"],
                vec![x.clone(), w.clone(), b.clone()],
                |_, v| dense(v[0], v[1], Some(v[2])),
            )
            .flat(&[2]),
        );
        cases.push(Case::new(
            format!("dense without bias, {shape}"),
            &["x", "w"],
            vec![x.clone(), w.clone()],
            |_, v| dense(v[0], v[1], None),
        ));
        for act in every_activation() {
            // After a piecewise-linear activation the layer is still bilinear in (x, w) and
            // piecewise affine in b.
            let flat: &[usize] = if is_piecewise_linear(act) { &[2] } else { &[] };
            cases.push(
                Case::new(
                    format!("dense_activation {act} with bias, {shape}"),
                    &["x", "w", "b"],
                    vec![x.clone(), w.clone(), b.clone()],
                    move |_, v| dense_activation(v[0], v[1], Some(v[2]), act),
                )
                .flat(flat),
            );
            cases.push(Case::new(
                format!("dense_activation {act} without bias, {shape}"),
                &["x", "w"],
                vec![x.clone(), w.clone()],
                move |_, v| dense_activation(v[0], v[1], None, act),
            ));
        }
    }
    cases
}

/// Whether `t` has a positive and a negative element.
fn has_both_signs(t: &Tensor<f64>) -> bool {
    t.data().iter().any(|&v| v > 0.0) && t.data().iter().any(|&v| v < 0.0)
}

/// Values away from 0 (see [`away_from_zero`]) of both signs.
fn away_from_zero_both_signs(r: &mut StdRng, shape: &[usize]) -> Tensor<f64> {
    loop {
        let x = away_from_zero(r, shape);
        if has_both_signs(&x) {
            return x;
        }
    }
}

/// A random `[batch, width]` shape, with at least two columns (a softmax over one is constant).
fn activation_shape(r: &mut StdRng) -> [usize; 2] {
    [r.random_range(1..=5), r.random_range(2..=5)]
}

/// Every activation on random shapes, with inputs away from 0 and of both signs.
fn activation_cases() -> Vec<Case> {
    let mut r = rng(12);
    let mut cases = Vec::new();
    for act in every_activation() {
        for _ in 0..3 {
            let shape = activation_shape(&mut r);
            let x = away_from_zero_both_signs(&mut r, &shape);
            let flat: &[usize] = if is_piecewise_linear(act) { &[0] } else { &[] };
            let what = format!("{act} on {:?}", x.shape());
            cases.push(Case::new(what, &["x"], vec![x], move |_, v| act.apply(v[0])).flat(flat));
        }
    }
    cases
}

/// The smooth activations on inputs drawn from where they are smooth, for third order.
fn smooth_activation_cases() -> Vec<Case> {
    let mut r = rng(13);
    let mut cases = Vec::new();
    for act in every_activation() {
        let Some(domain) = third_order_domain(act) else {
            continue;
        };
        for _ in 0..2 {
            let shape = activation_shape(&mut r);
            let x = draw(&mut r, domain, &shape);
            let what = format!("{act} on {shape:?} ({domain:?})");
            cases.push(Case::new(what, &["x"], vec![x], move |_, v| act.apply(v[0])).smooth());
        }
    }
    cases
}

/// Softmax and log-softmax along every axis of a 3-D input.
fn softmax_cases() -> Vec<Case> {
    let mut r = rng(14);
    let x = uniform(&mut r, &[3, 4, 2], -4.0, 4.0);
    let mut cases = Vec::new();
    for axis in 0..3 {
        cases.push(
            Case::new(
                format!("softmax axis {axis}"),
                &["x"],
                vec![x.clone()],
                move |_, v| softmax(v[0], axis),
            )
            .smooth(),
        );
        cases.push(
            Case::new(
                format!("log_softmax axis {axis}"),
                &["x"],
                vec![x.clone()],
                move |_, v| log_softmax(v[0], axis),
            )
            .smooth(),
        );
    }
    cases
}

/// [`RegressionOptions`] owning its weights.
#[derive(Debug, Clone)]
struct Regression {
    reduction: Reduction,
    sample_weights: Option<Vec<f64>>,
}

impl Regression {
    fn get(&self) -> RegressionOptions<'_, f64> {
        RegressionOptions {
            reduction: self.reduction,
            sample_weights: self.sample_weights.as_deref(),
        }
    }
}

/// Errors `x - y` of both signs, alternately inside [0.05, 0.4] and outside [0.5, 1] in size:
/// away from MAE's kink at 0 and from Huber's at 0.45, on both sides of the latter.
fn errors(r: &mut StdRng, shape: &[usize]) -> Tensor<f64> {
    let n: usize = shape.iter().product();
    let values = (0..n)
        .map(|i| {
            let size = if i % 2 == 0 {
                r.random_range(0.05..0.4)
            } else {
                r.random_range(0.5..1.0)
            };
            if r.random_bool(0.5) { size } else { -size }
        })
        .collect();
    Tensor::from_vec(values, shape)
}

/// MSE, MAE and Huber with each reduction, with and without sample weights.
fn regression_cases() -> Vec<Case> {
    let mut r = rng(15);
    let mut cases = Vec::new();
    for reduction in REDUCTIONS {
        for weighted in [false, true] {
            let shape = [r.random_range(1..=5), r.random_range(1..=5)];
            let x = uniform(&mut r, &shape, -2.0, 2.0);
            let d = errors(&mut r, &shape);
            let y = &x - &d;
            let opts = Regression {
                reduction,
                sample_weights: weighted.then(|| weights(&mut r, shape[0])),
            };
            let what = format!("{opts:?} on {shape:?}");
            let (y1, o1) = (y.clone(), opts.clone());
            cases.push(Case::new(
                format!("mse {what}"),
                &["x"],
                vec![x.clone()],
                move |tape, v| {
                    loss::mean_squared_error(v[0], tape.constant(y1.clone()), o1.get()).unwrap()
                },
            ));
            // MAE is piecewise linear: its second derivatives are zero.
            let (y1, o1) = (y.clone(), opts.clone());
            cases.push(
                Case::new(
                    format!("mae {what}"),
                    &["x"],
                    vec![x.clone()],
                    move |tape, v| {
                        loss::mean_absolute_error(v[0], tape.constant(y1.clone()), o1.get())
                            .unwrap()
                    },
                )
                .flat(&[0]),
            );
            // Huber at 0.45 has errors on both sides of delta (quadratic inside, linear
            // outside); at 0.02 every error is outside, so its second derivatives are zero.
            for delta in [0.45, 0.02] {
                let (y1, o1) = (y.clone(), opts.clone());
                let all_outside = d.data().iter().all(|d| d.abs() > delta);
                let case = Case::new(
                    format!("huber {delta} {what}"),
                    &["x"],
                    vec![x.clone()],
                    move |tape, v| {
                        loss::huber(v[0], tape.constant(y1.clone()), delta, o1.get()).unwrap()
                    },
                );
                cases.push(if all_outside { case.flat(&[0]) } else { case });
            }
        }
    }
    cases
}

/// [`BinaryOptions`] owning its weights.
#[derive(Debug, Clone)]
struct Binary {
    reduction: Reduction,
    sample_weights: Option<Vec<f64>>,
    pos_weight: Option<Vec<f64>>,
    label_smoothing: f64,
}

impl Binary {
    fn get(&self) -> BinaryOptions<'_, f64> {
        BinaryOptions {
            reduction: self.reduction,
            sample_weights: self.sample_weights.as_deref(),
            pos_weight: self.pos_weight.as_deref(),
            label_smoothing: self.label_smoothing,
        }
    }
}

/// How many positive weights a binary case has.
#[derive(Debug, Clone, Copy)]
enum PosWeight {
    No,
    PerLabel,
    Single,
}

type BinaryLoss = for<'t, 'a> fn(
    Var<'t, f64>,
    Var<'t, f64>,
    BinaryOptions<'a, f64>,
) -> Result<Var<'t, f64>, LossError>;

/// Binary cross-entropy on logits and on probabilities, with each reduction, sample weights,
/// positive weights per label and single, and label smoothing.
fn binary_cases() -> Vec<Case> {
    let mut r = rng(16);
    let mut cases = Vec::new();
    let combinations = [
        (false, PosWeight::No, 0.0),
        (true, PosWeight::PerLabel, 0.1),
        (true, PosWeight::No, 0.3),
        (false, PosWeight::Single, 0.0),
        (true, PosWeight::Single, 0.2),
    ];
    for reduction in REDUCTIONS {
        for (weighted, pos, smoothing) in combinations {
            let shape = [r.random_range(1..=5), r.random_range(1..=5)];
            let z = uniform(&mut r, &shape, -4.0, 4.0);
            let p = uniform(&mut r, &shape, 0.05, 0.95);
            // Hard and soft targets mixed.
            let y = uniform(&mut r, &shape, 0.0, 1.0).map(|t| if t < 0.7 { t.round() } else { t });
            let opts = Binary {
                reduction,
                sample_weights: weighted.then(|| weights(&mut r, shape[0])),
                pos_weight: match pos {
                    PosWeight::No => None,
                    PosWeight::PerLabel => Some(weights(&mut r, shape[1])),
                    PosWeight::Single => Some(weights(&mut r, 1)),
                },
                label_smoothing: smoothing,
            };
            let forms: [(&str, &'static str, Tensor<f64>, BinaryLoss, bool); 2] = [
                (
                    "bce with logits",
                    "logits",
                    z.clone(),
                    loss::binary_cross_entropy_with_logits,
                    true,
                ),
                ("bce", "p", p.clone(), loss::binary_cross_entropy, false),
            ];
            for (name, input, x, f, logits) in forms {
                let (y1, o1) = (y.clone(), opts.clone());
                let case = Case::new(
                    format!("{name} {opts:?} on {shape:?}"),
                    &[input],
                    vec![x],
                    move |tape, v| f(v[0], tape.constant(y1.clone()), o1.get()).unwrap(),
                );
                cases.push(if logits { case.smooth() } else { case });
            }
        }
    }
    cases
}

/// [`CategoricalOptions`] owning its weights.
#[derive(Debug, Clone)]
struct Categorical {
    reduction: Reduction,
    sample_weights: Option<Vec<f64>>,
    class_weights: Option<Vec<f64>>,
    label_smoothing: f64,
}

impl Categorical {
    fn get(&self) -> CategoricalOptions<'_, f64> {
        CategoricalOptions {
            reduction: self.reduction,
            sample_weights: self.sample_weights.as_deref(),
            class_weights: self.class_weights.as_deref(),
            label_smoothing: self.label_smoothing,
        }
    }
}

type DenseCategoricalLoss = for<'t, 'a> fn(
    Var<'t, f64>,
    Var<'t, f64>,
    CategoricalOptions<'a, f64>,
) -> Result<Var<'t, f64>, LossError>;

type SparseCategoricalLoss = for<'t, 'a, 'b> fn(
    Var<'t, f64>,
    &'b [usize],
    CategoricalOptions<'a, f64>,
) -> Result<Var<'t, f64>, LossError>;

/// Categorical cross-entropy on logits and on probabilities (random ones, and softmax outputs
/// differentiated through the softmax), against one-hot and soft targets, and the sparse forms
/// against integer labels; with each reduction, sample weights, class weights and label
/// smoothing.
fn categorical_cases() -> Vec<Case> {
    let mut r = rng(17);
    let mut cases = Vec::new();
    let combinations = [
        (false, false, 0.0),
        (true, true, 0.1),
        (false, true, 0.0),
        (true, false, 0.2),
    ];
    for reduction in REDUCTIONS {
        for (weighted, classed, smoothing) in combinations {
            // At least two classes: with one, every cross-entropy is constant.
            let (batch, classes) = (r.random_range(1..=5), r.random_range(2..=5));
            let z = uniform(&mut r, &[batch, classes], -4.0, 4.0);
            let p = uniform(&mut r, &[batch, classes], 0.05, 0.95);
            let ls = labels(&mut r, batch, classes);
            let hard = one_hot(&ls, classes);
            let soft = uniform(&mut r, &[batch, classes], 0.1, 1.0);
            let soft = &soft / &soft.sum_axes(&[1], true);
            let opts = Categorical {
                reduction,
                sample_weights: weighted.then(|| weights(&mut r, batch)),
                class_weights: classed.then(|| weights(&mut r, classes)),
                label_smoothing: smoothing,
            };
            let what = format!("{opts:?} on [{batch}, {classes}]");
            for (target, y) in [("one-hot", &hard), ("soft", &soft)] {
                let dense_forms: [(&str, DenseCategoricalLoss); 2] = [
                    ("with logits", loss::categorical_cross_entropy_with_logits),
                    ("on probabilities", loss::categorical_cross_entropy),
                ];
                for (form, f) in dense_forms {
                    let logits = form == "with logits";
                    let (y1, o1) = (y.clone(), opts.clone());
                    let case = Case::new(
                        format!("cce {form}, {target} targets, {what}"),
                        &[if logits { "logits" } else { "p" }],
                        vec![if logits { z.clone() } else { p.clone() }],
                        move |tape, v| f(v[0], tape.constant(y1.clone()), o1.get()).unwrap(),
                    );
                    cases.push(if logits { case.smooth() } else { case });
                }
                let (y1, o1) = (y.clone(), opts.clone());
                cases.push(Case::new(
                    format!("cce on softmax outputs, {target} targets, {what}"),
                    &["logits"],
                    vec![z.clone()],
                    move |tape, v| {
                        let p = softmax(v[0], 1);
                        loss::categorical_cross_entropy(p, tape.constant(y1.clone()), o1.get())
                            .unwrap()
                    },
                ));
            }
            let sparse_forms: [(&str, SparseCategoricalLoss); 2] = [
                (
                    "with logits",
                    loss::sparse_categorical_cross_entropy_with_logits,
                ),
                ("on probabilities", loss::sparse_categorical_cross_entropy),
            ];
            for (form, f) in sparse_forms {
                let logits = form == "with logits";
                let (l1, o1) = (ls.clone(), opts.clone());
                let case = Case::new(
                    format!("sparse cce {form}, labels {ls:?}, {what}"),
                    &[if logits { "logits" } else { "p" }],
                    vec![if logits { z.clone() } else { p.clone() }],
                    move |_, v| f(v[0], &l1, o1.get()).unwrap(),
                );
                cases.push(if logits { case.smooth() } else { case });
            }
            let (l1, o1) = (ls.clone(), opts.clone());
            cases.push(Case::new(
                format!("sparse cce on softmax outputs, labels {ls:?}, {what}"),
                &["logits"],
                vec![z.clone()],
                move |_, v| {
                    loss::sparse_categorical_cross_entropy(softmax(v[0], 1), &l1, o1.get()).unwrap()
                },
            ));
        }
    }
    cases
}

/// Every case above.
fn all_cases() -> Vec<Case> {
    [
        dense_cases(),
        activation_cases(),
        smooth_activation_cases(),
        softmax_cases(),
        regression_cases(),
        binary_cases(),
        categorical_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

// ---------------------------------------------------------------------------------------------
// Second and third derivatives against finite differences.

#[test]
fn dense_and_dense_activation_second_order() {
    dense_cases().iter().for_each(check_second_order);
}

#[test]
fn every_activation_second_order() {
    activation_cases().iter().for_each(check_second_order);
}

#[test]
fn smooth_activations_third_order() {
    let cases = smooth_activation_cases();
    // At least these are smooth (ELU on the negative side, softsign off 0), so checked here.
    for name in [
        "gelu",
        "gelu_tanh",
        "sigmoid",
        "tanh",
        "softplus",
        "silu",
        "softsign",
        "mish",
        "elu(1)",
        "elu(0.7)",
        "softmax",
    ] {
        let covered = cases
            .iter()
            .any(|c| c.what.starts_with(&format!("{name} on")));
        assert!(covered, "{name} is not checked to third order");
    }
    for (i, case) in cases.iter().enumerate() {
        check_second_order(case);
        check_third_order(case, 100 + i as u64);
    }
}

#[test]
fn softmax_and_log_softmax_along_every_axis() {
    for (i, case) in softmax_cases().iter().enumerate() {
        check_second_order(case);
        check_third_order(case, 200 + i as u64);
    }
}

#[test]
fn regression_losses_second_order() {
    let cases = regression_cases();
    assert_eq!(cases.len(), 3 * 2 * 4);
    // The all-outside Huber cases and MAE are the flat ones; the others are not.
    let flat = cases.iter().filter(|c| !c.flat.is_empty()).count();
    assert_eq!(
        flat,
        2 * 3 * 2,
        "MAE and Huber at 0.02 in each of 6 settings"
    );
    cases.iter().for_each(check_second_order);
}

#[test]
fn binary_cross_entropies_second_order() {
    binary_cases().iter().for_each(check_second_order);
}

#[test]
fn categorical_cross_entropies_second_order() {
    categorical_cases().iter().for_each(check_second_order);
}

#[test]
fn losses_with_logits_third_order() {
    let cases: Vec<Case> = [binary_cases(), categorical_cases()]
        .into_iter()
        .flatten()
        .filter(|c| c.smooth)
        .collect();
    // Per setting: bce with logits; cce with logits on two targets and the sparse form.
    assert_eq!(cases.len(), 3 * 5 + 3 * 4 * 3);
    for (i, case) in cases.iter().enumerate() {
        check_third_order(case, 300 + i as u64);
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-worked higher derivatives.

/// f', f'' and f''' of `act` at each point, each by [`Tape::grad`] of the sum of the one
/// before (the activation is element-wise, so that is the derivative at each point).
fn derivatives(act: Activation, points: &[f64]) -> [Vec<f64>; 3] {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_vec(points.to_vec(), &[points.len()]));
    let d1 = tape.grad(act.apply(x).sum(), &[x]).unwrap()[0];
    let d2 = tape.grad(d1.sum(), &[x]).unwrap()[0];
    let d3 = tape.grad(d2.sum(), &[x]).unwrap()[0];
    [d1, d2, d3].map(|d| d.value().data().to_vec())
}

/// Asserts that `got[i]` is `want(points[i])` to 1e-12 for every point.
fn assert_at(what: &str, points: &[f64], got: &[f64], want: impl Fn(f64) -> f64) {
    assert_eq!(got.len(), points.len(), "{what}");
    for (&x, &g) in points.iter().zip(got) {
        let w = want(x);
        assert!((g - w).abs() < 1e-12, "{what} at {x}: got {g}, want {w}");
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[test]
fn hand_worked_higher_derivatives() {
    let points = [-2.0, -1.3, -0.4, 0.0, 0.4, 1.1, 2.5];
    let nonzero = [-2.0, -0.6, -0.25, 0.3, 1.5];

    // softplus' = sigmoid, softplus'' = s (1 - s), softplus''' = s (1 - s) (1 - 2 s).
    let [d1, d2, d3] = derivatives(Activation::Softplus, &points);
    assert_at("softplus'", &points, &d1, sigmoid);
    assert_at("softplus''", &points, &d2, |x| {
        sigmoid(x) * (1.0 - sigmoid(x))
    });
    assert_at("softplus'''", &points, &d3, |x| {
        let s = sigmoid(x);
        s * (1.0 - s) * (1.0 - 2.0 * s)
    });
    assert_eq!(d2[3], 0.25, "softplus''(0) = 1/4");

    // sigmoid'' = s (1 - s) (1 - 2 s).
    let [_, d2, _] = derivatives(Activation::Sigmoid, &points);
    assert_at("sigmoid''", &points, &d2, |x| {
        let s = sigmoid(x);
        s * (1.0 - s) * (1.0 - 2.0 * s)
    });

    // tanh'' = -2 tanh (1 - tanh^2), tanh''' = -2 (1 - tanh^2)(1 - 3 tanh^2), -2 at 0.
    let [d1, d2, d3] = derivatives(Activation::Tanh, &points);
    assert_at("tanh'", &points, &d1, |x| 1.0 - x.tanh().powi(2));
    assert_at("tanh''", &points, &d2, |x| {
        -2.0 * x.tanh() * (1.0 - x.tanh().powi(2))
    });
    assert_at("tanh'''", &points, &d3, |x| {
        let t2 = x.tanh().powi(2);
        -2.0 * (1.0 - t2) * (1.0 - 3.0 * t2)
    });
    assert!(
        (d3[3] + 2.0).abs() < 1e-12,
        "tanh'''(0) = -2, got {}",
        d3[3]
    );

    // mish'(0) = tanh(softplus(0)) = tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 0.6.
    let [d1, _, _] = derivatives(Activation::Mish, &[0.0]);
    assert!((d1[0] - 0.6).abs() < 1e-12, "mish'(0) = 0.6, got {}", d1[0]);

    // softsign'' = -2 sign(x) / (1 + |x|)^3 and softsign''' = 6 / (1 + |x|)^4, off 0.
    let [d1, d2, d3] = derivatives(Activation::Softsign, &nonzero);
    assert_at("softsign'", &nonzero, &d1, |x| (1.0 + x.abs()).powi(-2));
    assert_at("softsign''", &nonzero, &d2, |x| {
        -2.0 * x.signum() / (1.0 + x.abs()).powi(3)
    });
    assert_at("softsign'''", &nonzero, &d3, |x| {
        6.0 / (1.0 + x.abs()).powi(4)
    });

    // gelu = x Phi(x): gelu'' = phi(x) (2 - x^2), 2 / sqrt(2 pi) at 0; gelu''' = x phi (x^2 - 4).
    let phi = |x: f64| (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let [d1, d2, d3] = derivatives(Activation::Gelu, &points);
    assert!((d1[3] - 0.5).abs() < 1e-12, "gelu'(0) = 1/2, got {}", d1[3]);
    assert_at("gelu''", &points, &d2, |x| phi(x) * (2.0 - x * x));
    assert_at("gelu'''", &points, &d3, |x| x * phi(x) * (x * x - 4.0));
    let two_over_root_2pi = 2.0 / (2.0 * std::f64::consts::PI).sqrt();
    assert!(
        (d2[3] - two_over_root_2pi).abs() < 1e-12,
        "gelu''(0), got {}",
        d2[3]
    );

    // The tanh form has the same curvature at 0: gelu_tanh''(0) = sqrt(2 / pi).
    let [d1, d2, _] = derivatives(Activation::GeluTanh, &[0.0]);
    assert!((d1[0] - 0.5).abs() < 1e-12, "gelu_tanh'(0), got {}", d1[0]);
    let root_2_over_pi = (2.0 / std::f64::consts::PI).sqrt();
    assert!(
        (d2[0] - root_2_over_pi).abs() < 1e-12,
        "gelu_tanh''(0), got {}",
        d2[0]
    );

    // silu'' = s (1 - s) (2 + x (1 - 2 s)), 1/2 at 0.
    let [_, d2, _] = derivatives(Activation::Silu, &points);
    assert_at("silu''", &points, &d2, |x| {
        let s = sigmoid(x);
        s * (1.0 - s) * (2.0 + x * (1.0 - 2.0 * s))
    });

    // elu with alpha 0.7: alpha e^x for every derivative on the negative side, 0 past the
    // first on the positive side.
    let [d1, d2, d3] = derivatives(Activation::Elu(0.7), &nonzero);
    let negative = |x: f64, positive: f64| if x < 0.0 { 0.7 * x.exp() } else { positive };
    assert_at("elu(0.7)'", &nonzero, &d1, |x| negative(x, 1.0));
    assert_at("elu(0.7)''", &nonzero, &d2, |x| negative(x, 0.0));
    assert_at("elu(0.7)'''", &nonzero, &d3, |x| negative(x, 0.0));

    // Leaky ReLU: slope alpha or 1, no curvature.
    let [d1, d2, _] = derivatives(Activation::LeakyRelu(0.3), &nonzero);
    assert_at("leaky_relu(0.3)'", &nonzero, &d1, |x| {
        if x < 0.0 { 0.3 } else { 1.0 }
    });
    assert_at("leaky_relu(0.3)''", &nonzero, &d2, |_| 0.0);
}

// ---------------------------------------------------------------------------------------------
// The Hessian of softmax cross-entropy.

/// The Hessian of `loss` with respect to a `[1, n]` row of logits `z`, row by row: row `k` is
/// the gradient of the `k`-th element of the recorded gradient.
fn hessian<F>(z: &[f64], loss: F) -> Vec<Vec<f64>>
where
    F: for<'t> Fn(&'t Tape<f64>, Var<'t, f64>) -> Var<'t, f64>,
{
    let n = z.len();
    let tape = Tape::<f64>::new();
    let zv = tape.param(Tensor::from_vec(z.to_vec(), &[1, n]));
    let l = loss(&tape, zv);
    assert_eq!(l.shape().len(), 0, "a scalar loss");
    let g = tape.grad(l, &[zv]).unwrap()[0];
    (0..n)
        .map(|k| {
            let row = tape.grad(g.narrow(1, k, 1).sum(), &[zv]).unwrap()[0];
            row.value().data().to_vec()
        })
        .collect()
}

#[test]
fn softmax_cross_entropy_hessian_is_diag_p_minus_p_p_transpose() {
    let z: [f64; 5] = [0.3, -1.2, 2.0, 0.7, -0.1];
    let total: f64 = z.iter().map(|v| v.exp()).sum();
    let p: Vec<f64> = z.iter().map(|v| v.exp() / total).collect();
    let expected = |i: usize, j: usize| if i == j { p[i] } else { 0.0 } - p[i] * p[j];
    let compare = |what: &str, h: Vec<Vec<f64>>| {
        assert_eq!(h.len(), 5, "{what}");
        for (i, row) in h.iter().enumerate() {
            assert_eq!(row.len(), 5, "{what}");
            for (j, &got) in row.iter().enumerate() {
                let want = expected(i, j);
                assert!(
                    (got - want).abs() < 1e-12,
                    "{what}: H[{i}][{j}] = {got}, want {want}"
                );
            }
        }
    };
    let label = 3;
    let mean = CategoricalOptions {
        reduction: Reduction::Mean,
        ..Default::default()
    };
    let y = one_hot(&[label], 5);
    compare(
        "categorical_cross_entropy_with_logits",
        hessian(&z, |tape, zv| {
            loss::categorical_cross_entropy_with_logits(zv, tape.constant(y.clone()), mean).unwrap()
        }),
    );
    compare(
        "sparse_categorical_cross_entropy_with_logits",
        hessian(&z, |_, zv| {
            loss::sparse_categorical_cross_entropy_with_logits(zv, &[label], mean).unwrap()
        }),
    );
    // Neither the target (if it sums to 1) nor a class weight (over a batch of one, the mean
    // divides it out) changes the Hessian.
    let soft = Tensor::from_vec(vec![0.1, 0.2, 0.3, 0.15, 0.25], &[1, 5]);
    compare(
        "categorical_cross_entropy_with_logits, soft target",
        hessian(&z, |tape, zv| {
            loss::categorical_cross_entropy_with_logits(zv, tape.constant(soft.clone()), mean)
                .unwrap()
        }),
    );
    let class_weights = [0.5, 2.0, 1.0, 3.0, 0.7];
    let weighted = CategoricalOptions {
        class_weights: Some(&class_weights[..]),
        ..mean
    };
    compare(
        "sparse_categorical_cross_entropy_with_logits, class weights",
        hessian(&z, |_, zv| {
            loss::sparse_categorical_cross_entropy_with_logits(zv, &[label], weighted).unwrap()
        }),
    );
}

// ---------------------------------------------------------------------------------------------
// The recorded gradient against the fast one.

/// Asserts that [`Tape::grad`] and `backward` give the same gradient of `c . f(x)` (random
/// weights `c`) for every input, to 1e-14 (relative to values above 1).
fn recorded_equals_fast(case: &Case, seed: u64) {
    let what = &case.what;
    let tape = Tape::<f64>::new();
    let vars: Vec<Var<'_, f64>> = case.inputs.iter().map(|x| tape.param(x.clone())).collect();
    let y = (case.f)(&tape, &vars);
    let c = weights_like(&y.shape(), seed);
    let j = (y * tape.constant(c)).sum();
    let fast = j.backward();
    let recorded = tape
        .grad(j, &vars)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    for (i, (&v, r)) in vars.iter().zip(&recorded).enumerate() {
        let name = case.names[i];
        let r = r.value();
        // No fast gradient: the output does not depend on this input, and the recorded
        // gradient must be zeros.
        let zeros = Tensor::zeros(r.shape());
        let f = fast.get(v).unwrap_or(&zeros);
        assert_eq!(f.shape(), r.shape(), "{what}: {name}");
        for (k, (&a, &b)) in f.data().iter().zip(r.data()).enumerate() {
            assert!(
                (a - b).abs() <= 1e-14 * a.abs().max(1.0),
                "{what}: d/d{name}[{k}]: fast {a:e}, recorded {b:e}, differ by {:e}",
                (a - b).abs()
            );
        }
    }
}

#[test]
fn recorded_gradients_equal_fast_gradients() {
    let cases = all_cases();
    for (i, case) in cases.iter().enumerate() {
        recorded_equals_fast(case, 1000 + i as u64);
        // And one order up: backward through the recorded gradient against `tape.grad` of it.
        recorded_equals_fast(&case.gradient(2000 + i as u64), 3000 + i as u64);
    }
}
