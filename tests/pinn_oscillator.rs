//! The physics-informed example trains to the exact solution, and the second derivative it
//! trains on (taken through the tape with `Tape::grad` twice) is the network's true second
//! derivative: it agrees with central finite differences of the network itself.
//!
//! The training lives in `examples/pinn_oscillator.rs`; this test includes that file.

#[path = "../examples/pinn_oscillator.rs"]
#[allow(dead_code)]
mod pinn;

use pinn::{Network, TrainConfig};

/// The example's network, trained with the example's settings, silently.
fn trained_network() -> Network {
    let config = TrainConfig {
        report_every: None,
        ..TrainConfig::default()
    };
    let (network, _) = pinn::train(&config).expect("a tanh network is differentiable twice");
    network
}

/// Inputs inside `(0, pi)` where `u''` (about `-sin x`) is far from zero, so a relative
/// comparison is meaningful.
const PROBE_POINTS: [f64; 5] = [0.4, 1.0, 1.6, 2.2, 2.8];

#[test]
fn trained_network_matches_sine_on_200_points() {
    let network = trained_network();
    let points = pinn::evaluation_points(200);
    let max_error = pinn::max_error_against_sine(&network, &points);
    assert!(
        max_error < 1e-2,
        "max |u(x) - sin x| on 200 points is {max_error:.3e}, expected < 1e-2"
    );
}

#[test]
fn recorded_derivatives_agree_with_central_differences() {
    let network = trained_network();
    let recorded =
        pinn::derivatives_at(&network, &PROBE_POINTS).expect("a tanh network is differentiable");
    // Step sizes: the truncation error of a central difference grows as h^2 and the rounding
    // error as eps / h (first derivative) or eps / h^2 (second); these keep both near 1e-8.
    let (h1, h2) = (1e-4, 1e-3);
    for (i, &x) in PROBE_POINTS.iter().enumerate() {
        let first = pinn::predict(&network, &[x - h1, x + h1]);
        let first_difference = (first[1] - first[0]) / (2.0 * h1);
        let second = pinn::predict(&network, &[x - h2, x, x + h2]);
        let second_difference = (second[2] - 2.0 * second[1] + second[0]) / (h2 * h2);

        let (du, d2u) = (recorded.du[i], recorded.d2u[i]);
        assert!(
            (du - first_difference).abs() <= 1e-5 * du.abs(),
            "u'({x}): tape {du:.10}, central difference {first_difference:.10}"
        );
        assert!(
            (d2u - second_difference).abs() <= 1e-5 * d2u.abs(),
            "u''({x}): tape {d2u:.10}, central difference {second_difference:.10}"
        );
        // And the value agrees with the forward pass it was recorded with.
        assert!((recorded.u[i] - second[1]).abs() <= 1e-14);
    }
}
