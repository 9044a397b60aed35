//! The worked values from the articles nabla grew out of: sigmoid of a handful of logits, the
//! 2-unit softmax that equals it, and the sigmoid head with binary cross-entropy that is the
//! same model as the 2-unit softmax head with categorical cross-entropy.

use nabla_autodiff::{Float, Tape, Tensor, Var};
use nabla_ops::loss::{self, BinaryOptions, CategoricalOptions};
use nabla_ops::{sigmoid, softmax};

const Z: [f64; 7] = [30.0, -2.0, -10.0, 0.1, 1.0, -30.0, 20.0];
/// sigmoid(Z) as the articles print it, to f32 precision.
const SIGMOID_Z: [f64; 7] = [1.0, 0.11920291, 0.0000454, 0.5249792, 0.7310586, 0.0, 1.0];
const CLASSES: [usize; 7] = [1, 0, 0, 1, 1, 0, 1];
/// Targets for the same-model test: some right, some badly wrong.
const Y: [usize; 7] = [1, 0, 1, 1, 0, 0, 0];

fn column<T: Float>(values: &[f64]) -> Tensor<T> {
    Tensor::from_vec(
        values.iter().map(|&v| T::from_f64(v)).collect(),
        &[values.len(), 1],
    )
}

/// The rows [0, z] from a [n, 1] var of logits z.
fn zero_and<'t, T: Float>(tape: &'t Tape<T>, z: Var<'t, T>) -> Var<'t, T> {
    let zeros = tape.constant(Tensor::zeros(&[z.shape()[0], 1]));
    Var::concat(&[zeros, z], 1)
}

fn sigmoid_and_softmax_agree<T: Float>() {
    let tape = Tape::<T>::new();
    let z = tape.param(column::<T>(&Z));
    let s = sigmoid(z).value().clone();
    for (got, want) in s.data().iter().zip(SIGMOID_Z) {
        assert!(
            (got.to_f64() - want).abs() < 1e-7,
            "{}: {got} vs {want}",
            T::NAME
        );
    }
    let p = softmax(zero_and(&tape, z), 1).value().clone();
    for (i, &si) in s.data().iter().enumerate() {
        let (p0, p1) = (p.at(&[i, 0]), p.at(&[i, 1]));
        // Same function: equal up to one rounding of the type.
        let tol = T::from_f64(4.0) * T::EPSILON;
        assert!(
            (p1 - si).abs() <= tol && (p0 - (T::ONE - si)).abs() <= tol,
            "row {i}"
        );
    }
    let thresholded: Vec<usize> = s.data().iter().map(|&v| usize::from(v > T::HALF)).collect();
    assert_eq!(thresholded, CLASSES);
    assert_eq!(p.argmax(1), CLASSES);
}

#[test]
fn sigmoid_and_two_unit_softmax_give_the_worked_values_and_classes() {
    sigmoid_and_softmax_agree::<f32>();
    sigmoid_and_softmax_agree::<f64>();
}

/// Loss and dloss/dz of both heads, from probabilities and from logits.
fn both_heads<T: Float>(from_logits: bool) -> [(T, Tensor<T>); 2] {
    let tape = Tape::<T>::new();
    let z = tape.param(column::<T>(&Z));
    let y: Vec<f64> = Y.iter().map(|&c| c as f64).collect();
    let y = tape.constant(column::<T>(&y));
    let sigmoid_head = if from_logits {
        loss::binary_cross_entropy_with_logits(z, y, BinaryOptions::default())
    } else {
        loss::binary_cross_entropy(sigmoid(z), y, BinaryOptions::default())
    }
    .unwrap();
    let logits = zero_and(&tape, z);
    let one_hot = tape.constant(Tensor::from_fn(&[7, 2], |i| {
        T::from_f64(if Y[i / 2] == i % 2 { 1.0 } else { 0.0 })
    }));
    let softmax_head = if from_logits {
        loss::categorical_cross_entropy_with_logits(logits, one_hot, CategoricalOptions::default())
    } else {
        loss::categorical_cross_entropy(softmax(logits, 1), one_hot, CategoricalOptions::default())
    }
    .unwrap();
    [sigmoid_head, softmax_head].map(|l| (l.item(), tape.backward(l)[z].clone()))
}

fn same_model<T: Float>(rtol: f64) {
    for from_logits in [true, false] {
        let [(l1, g1), (l2, g2)] = both_heads::<T>(from_logits);
        let close = |a: T, b: T| (a - b).abs().to_f64() <= rtol * a.abs().to_f64().max(1e-30);
        assert!(
            close(l1, l2),
            "{} logits={from_logits}: loss {l1} vs {l2}",
            T::NAME
        );
        for (a, b) in g1.data().iter().zip(g2.data()) {
            assert!(
                close(*a, *b) || (*a - *b).abs().to_f64() < 1e-12,
                "{a} vs {b}"
            );
        }
    }
}

#[test]
fn sigmoid_bce_and_two_unit_softmax_cce_are_the_same_model() {
    same_model::<f64>(1e-9);
    same_model::<f32>(1e-5);
}

#[test]
fn the_same_model_by_hand() {
    // Mean over the 7 rows of softplus(z) - y z; gradient (sigmoid(z) - y) / 7.
    let [(loss, grad), _] = both_heads::<f64>(true);
    let mut want = 0.0;
    for (z, y) in Z.iter().zip(Y) {
        want += (z.max(0.0) - z * y as f64 + (-z.abs()).exp().ln_1p()) / 7.0;
    }
    assert!((loss - want).abs() < 1e-14, "{loss} vs {want}");
    // Row 2 (z = -10, y = 1): (sigmoid(-10) - 1) / 7.
    assert!((grad.data()[2] - (4.539_786_870_243_439e-5 - 1.0) / 7.0).abs() < 1e-15);
    // Row 0 (z = 30, y = 1) is right and confident: gradient -sigmoid(-30) / 7.
    assert!((grad.data()[0] + 9.357_622_968_839_299e-14 / 7.0).abs() < 1e-27);
}
