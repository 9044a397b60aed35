//! Every op and loss gradient-checked in f64 against central differences, on random shapes.

use crate::common;

use common::{away_from_zero, labels, matrix_shape, one_hot, rng, uniform, weights};
use nabla_autodiff::{GradCheck, Tape, Tensor, Var};
use nabla_ops::loss::{self, BinaryOptions, CategoricalOptions, Reduction, RegressionOptions};
use nabla_ops::{Activation, dense};
use rand::Rng;

const REDUCTIONS: [Reduction; 3] = [Reduction::Mean, Reduction::Sum, Reduction::None];

/// Checks `f` at `inputs` with the default tolerances.
fn check<F>(what: &str, inputs: &[Tensor<f64>], f: F)
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    check_with(GradCheck::new(), what, inputs, f);
}

/// Checks `f` at `inputs`, failing the test with `what` and the checker's message when a
/// derivative is off, and also when the check could pass without saying anything: a kink
/// excused from comparison, or a warning (such as a gradient that is zero everywhere).
fn check_with<F>(checker: GradCheck, what: &str, inputs: &[Tensor<f64>], f: F)
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    match checker.check(inputs, f) {
        Ok(report) => assert!(
            report.kinks.is_empty() && report.warnings.is_empty(),
            "{what}: {report}"
        ),
        Err(e) => panic!("{what}: {e}"),
    }
}

#[test]
fn dense_with_and_without_bias() {
    let mut r = rng(1);
    for _ in 0..6 {
        let [batch, fan_in] = matrix_shape(&mut r, 6);
        let fan_out = r.random_range(1..=5);
        let x = uniform(&mut r, &[batch, fan_in], -2.0, 2.0);
        let w = uniform(&mut r, &[fan_in, fan_out], -1.0, 1.0);
        let b = uniform(&mut r, &[fan_out], -1.0, 1.0);
        let what = format!("dense {batch}x{fan_in} by {fan_in}x{fan_out}");
        GradCheck::new()
            .names(&["x", "w", "b"])
            .check(&[x.clone(), w.clone(), b], |_, v| {
                dense(v[0], v[1], Some(v[2]))
            })
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        check(&what, &[x, w], |_, v| dense(v[0], v[1], None));
    }
}

#[test]
fn every_activation() {
    let mut r = rng(2);
    let with_other_parameters = [Activation::LeakyRelu(0.3), Activation::Elu(0.7)];
    for act in Activation::ALL.into_iter().chain(with_other_parameters) {
        for _ in 0..3 {
            let shape = matrix_shape(&mut r, 5);
            let x = away_from_zero(&mut r, &shape);
            check(&format!("{act} on {:?}", x.shape()), &[x], |_, v| {
                act.apply(v[0])
            });
        }
    }
}

#[test]
fn softmax_and_log_softmax_along_every_axis() {
    let mut r = rng(3);
    let x = uniform(&mut r, &[3, 4, 2], -4.0, 4.0);
    for axis in 0..3 {
        check(
            &format!("softmax axis {axis}"),
            std::slice::from_ref(&x),
            |_, v| nabla_ops::softmax(v[0], axis),
        );
        check(
            &format!("log_softmax axis {axis}"),
            std::slice::from_ref(&x),
            |_, v| nabla_ops::log_softmax(v[0], axis),
        );
    }
}

#[test]
fn regression_losses_with_every_reduction_and_sample_weights() {
    let mut r = rng(4);
    for reduction in REDUCTIONS {
        for weighted in [false, true] {
            let shape = matrix_shape(&mut r, 5);
            let x = uniform(&mut r, &shape, -2.0, 2.0);
            // Targets offset from the predictions so |x - y| stays away from 0 and from delta.
            let y = x.map(|v| v + 0.3) + away_from_zero(&mut r, &shape).map(|d| d * 0.1);
            let w = weights(&mut r, shape[0]);
            let opts = RegressionOptions {
                reduction,
                sample_weights: weighted.then_some(&w[..]),
            };
            let what = format!("{reduction:?} weighted={weighted} on {shape:?}");
            check(
                &format!("mse {what}"),
                std::slice::from_ref(&x),
                |tape, v| loss::mean_squared_error(v[0], tape.constant(y.clone()), opts).unwrap(),
            );
            check(
                &format!("mae {what}"),
                std::slice::from_ref(&x),
                |tape, v| loss::mean_absolute_error(v[0], tape.constant(y.clone()), opts).unwrap(),
            );
            check(
                &format!("huber {what}"),
                std::slice::from_ref(&x),
                |tape, v| loss::huber(v[0], tape.constant(y.clone()), 0.45, opts).unwrap(),
            );
        }
    }
}

#[test]
fn binary_cross_entropies_with_every_option() {
    let mut r = rng(5);
    for reduction in REDUCTIONS {
        for (weighted, pos, smoothing) in
            [(false, false, 0.0), (true, true, 0.1), (true, false, 0.3)]
        {
            let shape = matrix_shape(&mut r, 5);
            let z = uniform(&mut r, &shape, -4.0, 4.0);
            let p = uniform(&mut r, &shape, 0.05, 0.95);
            // Hard and soft targets mixed.
            let y = uniform(&mut r, &shape, 0.0, 1.0).map(|t| if t < 0.7 { t.round() } else { t });
            let w = weights(&mut r, shape[0]);
            let pw = weights(&mut r, shape[1]);
            let opts = BinaryOptions {
                reduction,
                sample_weights: weighted.then_some(&w[..]),
                pos_weight: pos.then_some(&pw[..]),
                label_smoothing: smoothing,
            };
            let what = format!("{opts:?} on {shape:?}");
            check(&format!("bce with logits {what}"), &[z], |tape, v| {
                loss::binary_cross_entropy_with_logits(v[0], tape.constant(y.clone()), opts)
                    .unwrap()
            });
            check(&format!("bce {what}"), &[p], |tape, v| {
                loss::binary_cross_entropy(v[0], tape.constant(y.clone()), opts).unwrap()
            });
        }
    }
}

#[test]
fn categorical_cross_entropies_with_every_option() {
    let mut r = rng(6);
    for reduction in REDUCTIONS {
        for (weighted, classed, smoothing) in
            [(false, false, 0.0), (true, true, 0.1), (false, true, 0.0)]
        {
            // At least two classes: with one, every cross-entropy is constant.
            let (batch, classes) = (r.random_range(1..=5), r.random_range(2..=5));
            let z = uniform(&mut r, &[batch, classes], -4.0, 4.0);
            let p = uniform(&mut r, &[batch, classes], 0.05, 0.95);
            let ls = labels(&mut r, batch, classes);
            let hard = one_hot(&ls, classes);
            // Soft targets: a random distribution per row.
            let soft = uniform(&mut r, &[batch, classes], 0.1, 1.0);
            let soft = &soft / &soft.sum_axes(&[1], true);
            let w = weights(&mut r, batch);
            let cw = weights(&mut r, classes);
            let opts = CategoricalOptions {
                reduction,
                sample_weights: weighted.then_some(&w[..]),
                class_weights: classed.then_some(&cw[..]),
                label_smoothing: smoothing,
            };
            let what = format!("{opts:?} on [{batch}, {classes}]");
            for y in [&hard, &soft] {
                check(
                    &format!("cce with logits {what}"),
                    std::slice::from_ref(&z),
                    |tape, v| {
                        loss::categorical_cross_entropy_with_logits(
                            v[0],
                            tape.constant(y.clone()),
                            opts,
                        )
                        .unwrap()
                    },
                );
                check(
                    &format!("cce {what}"),
                    std::slice::from_ref(&p),
                    |tape, v| {
                        loss::categorical_cross_entropy(v[0], tape.constant(y.clone()), opts)
                            .unwrap()
                    },
                );
            }
            check(
                &format!("sparse cce with logits {what}"),
                std::slice::from_ref(&z),
                |_, v| loss::sparse_categorical_cross_entropy_with_logits(v[0], &ls, opts).unwrap(),
            );
            check(
                &format!("sparse cce {what}"),
                std::slice::from_ref(&p),
                |_, v| loss::sparse_categorical_cross_entropy(v[0], &ls, opts).unwrap(),
            );
        }
    }
}

#[test]
fn a_two_layer_network_end_to_end() {
    // dense -> gelu -> dense -> softmax cross-entropy, checked with respect to every weight.
    let mut r = rng(7);
    let x = uniform(&mut r, &[5, 4], -1.0, 1.0);
    let ls = labels(&mut r, 5, 3);
    let params = [
        uniform(&mut r, &[4, 6], -0.8, 0.8),
        uniform(&mut r, &[6], -0.1, 0.1),
        uniform(&mut r, &[6, 3], -0.8, 0.8),
        uniform(&mut r, &[3], -0.1, 0.1),
    ];
    check("mlp", &params, |tape, v| {
        let h = nabla_ops::gelu(dense(tape.constant(x.clone()), v[0], Some(v[1])));
        let logits = dense(h, v[2], Some(v[3]));
        loss::sparse_categorical_cross_entropy_with_logits(logits, &ls, Default::default()).unwrap()
    });
}
