//! Extreme inputs stay finite and correct, in f32 and in f64: sigmoid and softplus at
//! |z| = 1e4, binary cross-entropy with logits at |z| = 100, and softmax cross-entropy with
//! logits spread over 2,000.

use nabla_autodiff::{BackwardOptions, Float, Tape, Tensor};
use nabla_ops::loss::{self, BinaryOptions};
use nabla_ops::{Activation, log_softmax, softmax};

fn tensor<T: Float>(values: &[f64], shape: &[usize]) -> Tensor<T> {
    Tensor::from_vec(values.iter().map(|&v| T::from_f64(v)).collect(), shape)
}

/// `value` and the gradient of `sum(f(x))` for each element-wise activation at `x`.
fn activation_at<T: Float>(act: Activation, x: &[f64]) -> (Tensor<T>, Tensor<T>) {
    let tape = Tape::<T>::new();
    let v = tape.param(tensor::<T>(x, &[1, x.len()]));
    let y = act.apply(v);
    let value = y.value().clone();
    let opts = BackwardOptions {
        seed: Some(Tensor::ones(&[1, x.len()])),
        ..Default::default()
    };
    (value, tape.backward_with(y, opts)[v].clone())
}

fn saturating_activations<T: Float>() {
    let x = [1e4, -1e4, 0.0];
    let (s, ds) = activation_at::<T>(Activation::Sigmoid, &x);
    assert_eq!(s, tensor(&[1.0, 0.0, 0.5], &[1, 3]), "{}", T::NAME);
    assert_eq!(ds, tensor(&[0.0, 0.0, 0.25], &[1, 3]));
    let (sp, dsp) = activation_at::<T>(Activation::Softplus, &x);
    assert_eq!(sp.data()[..2], [T::from_f64(1e4), T::ZERO]);
    assert!((sp.data()[2].to_f64() - std::f64::consts::LN_2).abs() < 1e-7);
    assert_eq!(dsp, tensor(&[1.0, 0.0, 0.5], &[1, 3]));
    for act in [
        Activation::Silu,
        Activation::Gelu,
        Activation::GeluTanh,
        Activation::Elu(1.0),
    ] {
        let (v, d) = activation_at::<T>(act, &x);
        assert!(v.all_finite() && d.all_finite(), "{act} in {}", T::NAME);
        assert_eq!(v.data()[0], T::from_f64(1e4), "{act}: identity for large x");
        assert_eq!(d.data()[0], T::ONE, "{act}");
    }
}

#[test]
fn sigmoid_softplus_and_friends_at_ten_thousand() {
    saturating_activations::<f32>();
    saturating_activations::<f64>();
}

fn logits_at_a_hundred<T: Float>() {
    // z = [100, -100, 100, -100] against y = [1, 0, 0, 1]: losses [~0, ~0, 100, 100].
    let tape = Tape::<T>::new();
    let z = tape.param(tensor::<T>(&[100.0, -100.0, 100.0, -100.0], &[4, 1]));
    let y = tape.constant(tensor::<T>(&[1.0, 0.0, 0.0, 1.0], &[4, 1]));
    let l = loss::binary_cross_entropy_with_logits(z, y, BinaryOptions::default()).unwrap();
    assert!(
        (l.item().to_f64() - 50.0).abs() < 1e-12,
        "{}: {}",
        T::NAME,
        l.item()
    );
    let g = l.backward()[z].clone();
    // (sigmoid(z) - y) / 4: e^-100 / 4 where right, +-1/4 where wrong.
    let want = [
        -3.720_075_976_020_836e-44 / 4.0,
        3.720_075_976_020_836e-44 / 4.0,
        0.25,
        -0.25,
    ];
    for (got, want) in g.data().iter().zip(want) {
        assert!(
            (got.to_f64() - want).abs() < 1e-45,
            "{}: {got} vs {want}",
            T::NAME
        );
    }
    // With pos_weight 3, the wrong positive costs 3 x 100 and pulls three times as hard.
    let pw = [T::from_f64(3.0)];
    let opts = BinaryOptions {
        pos_weight: Some(&pw[..]),
        ..Default::default()
    };
    let l = loss::binary_cross_entropy_with_logits(z, y, opts).unwrap();
    assert!((l.item().to_f64() - 100.0).abs() < 1e-9);
    assert!((l.backward()[z].data()[3].to_f64() + 0.75).abs() < 1e-12);
}

#[test]
fn binary_cross_entropy_with_logits_at_a_hundred() {
    logits_at_a_hundred::<f32>();
    logits_at_a_hundred::<f64>();
}

fn logits_spread_over_two_thousand<T: Float>() {
    // Row 0 is confidently wrong (label 0 at -1000, 1000 the max); row 1 confidently right.
    let tape = Tape::<T>::new();
    let z = tape.param(tensor::<T>(
        &[-1000.0, 0.0, 1000.0, 1000.0, -1000.0, 0.0],
        &[2, 3],
    ));
    let l = loss::sparse_categorical_cross_entropy_with_logits(z, &[0, 0], Default::default());
    let l = l.unwrap();
    // Row 0 costs 2000 (exactly: ln(1 + e^-1000 + e^-2000) vanishes), row 1 about 0.
    assert!(
        (l.item().to_f64() - 1000.0).abs() < 1e-9,
        "{}: {}",
        T::NAME,
        l.item()
    );
    let g = l.backward()[z].clone();
    let want = tensor::<T>(&[-0.5, 0.0, 0.5, 0.0, 0.0, 0.0], &[2, 3]);
    assert!(g.all_close(&want, T::ZERO, T::from_f64(1e-30)), "{g:?}");
    // The dense-target form and the activations agree and stay finite.
    let one_hot = tape.constant(tensor::<T>(&[1.0, 0.0, 0.0, 1.0, 0.0, 0.0], &[2, 3]));
    let dense = loss::categorical_cross_entropy_with_logits(z, one_hot, Default::default());
    assert_eq!(dense.unwrap().item(), l.item());
    let ls = log_softmax(z, 1).value().clone();
    assert_eq!(
        ls.data()[..3],
        [T::from_f64(-2000.0), T::from_f64(-1000.0), T::ZERO]
    );
    let s = softmax(z, 1).value().clone();
    assert_eq!(s.data()[..3], [T::ZERO, T::ZERO, T::ONE]);
}

#[test]
fn softmax_cross_entropy_with_logits_spread_over_two_thousand() {
    logits_spread_over_two_thousand::<f32>();
    logits_spread_over_two_thousand::<f64>();
}
