//! A WGAN-GP style gradient penalty, `mean_i (||dD/dx_i|| - 1)^2`, for a critic `D` built
//! from the ops crate's layers: the penalty needs the critic's gradient with respect to its
//! input as a recorded var, and training needs the penalty's gradient with respect to the
//! critic's weights, a second derivative. Both are checked: by hand for a linear critic, and
//! against finite differences for a two-layer one.

use nabla::autodiff::{GradCheck, Tape, Tensor, Var};
use nabla::ops::{Activation, dense, dense_activation};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// The penalty `mean_i (||dD/dx_i|| - 1)^2` of `critic` at the points `x` (one per row).
fn gradient_penalty<'t>(
    tape: &'t Tape<f64>,
    x: &Tensor<f64>,
    critic: impl Fn(Var<'t, f64>) -> Var<'t, f64>,
) -> Var<'t, f64> {
    let x = tape.constant(x.clone());
    let scores = critic(x);
    let dx = tape.grad(scores.sum(), &[x]).unwrap()[0];
    let norms = dx.square().sum_axes(&[1], false).sqrt();
    (norms - 1.0).square().mean()
}

#[test]
fn a_linear_critics_penalty_and_its_gradient_by_hand() {
    // D(x) = x w: dD/dx_i = w for every row, so the penalty is (||w|| - 1)^2 = 16 for
    // w = (3, 4), and its gradient 2 (||w|| - 1) w / ||w|| = (4.8, 6.4).
    let tape = Tape::<f64>::new();
    let w = tape.param(Tensor::from_vec(vec![3.0, 4.0], &[2, 1]));
    let points = Tensor::from_vec(vec![0.1, -0.3, 2.0, 1.0, -0.5, 0.25], &[3, 2]);
    let penalty = gradient_penalty(&tape, &points, |x| dense(x, w, None));
    assert_eq!(penalty.item(), 16.0);
    let grads = penalty.backward();
    assert!(
        grads[w].all_close(&Tensor::from_vec(vec![4.8, 6.4], &[2, 1]), 1e-15, 1e-14),
        "{:?}",
        grads[w]
    );
}

#[test]
fn a_two_layer_critics_penalty_gradient_matches_finite_differences() {
    let mut rng = StdRng::seed_from_u64(7);
    let (features, hidden) = (3, 5);
    let weights = [
        Tensor::randn(&[features, hidden], 0.0, 0.8, &mut rng),
        Tensor::randn(&[hidden], 0.0, 0.3, &mut rng),
        Tensor::randn(&[hidden, 1], 0.0, 0.8, &mut rng),
    ];
    // Points between "real" and "fake" samples, as WGAN-GP draws them.
    let real = Tensor::randn(&[6, features], 1.0, 0.5, &mut rng);
    let fake = Tensor::randn(&[6, features], -1.0, 0.5, &mut rng);
    let mix = Tensor::rand_uniform(&[6, 1], 0.0, 1.0, &mut rng);
    let points = &(&real * &mix) + &(&fake * &(&Tensor::ones(&[6, 1]) - &mix));

    for activation in [Activation::Tanh, Activation::Softplus, Activation::Silu] {
        let report = GradCheck::new()
            .names(&["w1", "b1", "w2"])
            .check(&weights, |tape, v| {
                gradient_penalty(tape, &points, |x| {
                    let h = dense_activation(x, v[0], Some(v[1]), activation);
                    // (An output bias would not move dD/dx, so it gets no gradient here.)
                    dense(h, v[2], None)
                })
            })
            .unwrap_or_else(|e| panic!("{activation}: {e}"));
        assert!(
            report.kinks.is_empty() && report.warnings.is_empty(),
            "{report}"
        );
        assert_eq!(report.checked, features * hidden + hidden + hidden);
        assert!(report.max_abs_error < 1e-7, "{activation}: {report}");
    }
}
