use super::*;
use crate::op::CustomOp;
use crate::scratch::Scratch;
use std::borrow::Cow;

fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(data.to_vec(), shape)
}

#[test]
fn unravel_is_row_major() {
    assert_eq!(unravel(0, &[2, 3]), [0, 0]);
    assert_eq!(unravel(5, &[2, 3]), [1, 2]);
    assert_eq!(unravel(7, &[2, 2, 3]), [1, 0, 1]);
    assert!(unravel(0, &[]).is_empty());
}

#[test]
fn f32_floors_the_step_and_tolerances_and_f64_keeps_them() {
    let check = GradCheck::new().eps(1e-4).atol(0.5).rtol(1e-6);
    let t64 = check.tolerance_for::<f64>();
    assert_eq!((t64.eps, t64.atol, t64.rtol), (1e-4, 0.5, 1e-6));
    let t32 = check.tolerance_for::<f32>();
    assert_eq!((t32.eps, t32.atol, t32.rtol), (1e-3, 0.5, 1e-2));
}

#[test]
fn a_correct_gradient_passes_with_its_counts() {
    // J = sum x^3: derivative 3x^2, central difference error eps^2 * 6 / 6 = 1e-12.
    let report = GradCheck::new()
        .check(&[t(&[0.5, -2.0, 1.5], &[3])], |_, v| v[0].powf(3.0).sum())
        .unwrap();
    assert_eq!(report.checked, 3);
    assert_eq!(report.evaluations, 1 + 2 * 3);
    assert!(report.max_abs_error < 1e-7, "{}", report.max_abs_error);
    assert!(report.kinks.is_empty() && report.warnings.is_empty());
    assert_eq!(report.mode, CheckMode::Full);
    assert_eq!(report.dtype, "f64");
    assert!(
        report.to_string().contains("3 elements checked"),
        "{report}"
    );
}

#[test]
fn a_stopped_gradient_fails_with_hand_worked_numbers() {
    // J = x.detach() * x at x = [1, -3]: backward sees d/dx = x = [1, -3], the differences
    // see d/dx x^2 = 2x = [2, -6].
    let err = GradCheck::new()
        .names(&["x"])
        .check(&[t(&[1.0, -3.0], &[2])], |_, v| {
            (v[0].detach() * v[0]).sum()
        })
        .unwrap_err();
    assert_eq!(err.failed, 2);
    assert_eq!(err.report.checked, 2);
    let worst = &err.offenders[0];
    assert_eq!(worst.location, Location::Element(vec![1]));
    assert_eq!(worst.name.as_deref(), Some("x"));
    assert_eq!(worst.analytic, -3.0);
    assert!((worst.numeric + 6.0).abs() < 1e-8);
    assert!((worst.abs_error - 3.0).abs() < 1e-8);
    assert!((worst.rel_error - 0.5).abs() < 1e-8);
    // allowed = 1e-5 + 1e-3 * 6
    assert!((worst.excess - (3.0 - 0.006_01)).abs() < 1e-8);
    assert_eq!(err.offenders[1].location, Location::Element(vec![0]));

    let message = err.to_string();
    for part in [
        "2 of 2 elements",
        "input 0 'x' element [1]: analytic -3.000000e0, numeric -6.000000e0",
        "abs error 3.000e0, rel error 5.000e-1",
        "eps 1e-6, atol 1e-5, rtol 1e-3",
    ] {
        assert!(message.contains(part), "missing {part:?} in:\n{message}");
    }
    assert_eq!(format!("{err:?}"), message);
}

#[test]
fn only_the_worst_offenders_are_listed() {
    let x = Tensor::from_fn(&[4, 5], |i| 1.0 + i as f64);
    let err = GradCheck::new()
        .offenders(3)
        .check(&[x], |_, v| (v[0].detach() * v[0]).sum())
        .unwrap_err();
    assert_eq!(err.failed, 20);
    assert_eq!(err.offenders.len(), 3);
    // The error is x itself, so the largest elements are the worst: 20, 19, 18.
    let worst: Vec<_> = err.offenders.iter().map(|m| m.location.clone()).collect();
    assert_eq!(
        worst,
        [
            Location::Element(vec![3, 4]),
            Location::Element(vec![3, 3]),
            Location::Element(vec![3, 2])
        ]
    );
    assert!(err.to_string().contains("worst 3 of 20 offender(s)"));
}

#[test]
fn names_given_inside_the_closure_are_used() {
    let err = GradCheck::new()
        .check(&[t(&[2.0], &[1])], |_, v| {
            let x = v[0].named("weight");
            (x.detach() * x).sum()
        })
        .unwrap_err();
    assert_eq!(err.offenders[0].name.as_deref(), Some("weight"));
    assert!(err.to_string().contains("input 0 'weight' element [0]"));
}

#[test]
fn misfitting_names_and_unused_inputs_are_warned_about() {
    let report = GradCheck::new()
        .names(&["a", "b", "c"])
        .check(&[t(&[1.0, 2.0], &[2]), t(&[3.0], &[1])], |_, v| {
            v[0].exp().sum()
        })
        .unwrap();
    assert_eq!(report.warnings.len(), 2, "{:?}", report.warnings);
    assert!(report.warnings[0].contains("3 name(s) were given for 2 input(s)"));
    assert!(report.warnings[1].contains("input 1 'b': the gradient is zero everywhere"));
}

#[test]
fn a_non_finite_output_is_warned_about() {
    let err = GradCheck::new()
        .check(&[t(&[-1.0, 4.0], &[2])], |_, v| v[0].ln().sum())
        .unwrap_err();
    assert!(err.report.warnings[0].contains("not finite"));
}

#[test]
fn a_step_lost_to_rounding_is_warned_about() {
    // The spacing of f64 near 1e12 is about 1.2e-4, so x + 1e-6 == x.
    let err = GradCheck::new()
        .check(&[t(&[1e12], &[1])], |_, v| v[0].sum())
        .unwrap_err();
    assert!(err.offenders[0].numeric.is_nan());
    let warned = |part: &str| err.report.warnings.iter().any(|w| w.contains(part));
    assert!(warned("2 step(s) of 1e-6 vanished"), "{err}");
    // J = 1e12 carries rounding noise of 2.2e-16 * 1e12 = 2.2e-4: 10 times that over eps.
    assert!(
        (err.report.tolerance.atol - 10.0 * 2.2204e-4 / 1e-6).abs() < 1.0,
        "{err}"
    );
    assert!(warned("atol was raised from 1e-5 to 2.22"), "{err}");
}

/// Relu whose gradient at 0 is 5: outside the slopes 0 and 1.
struct BadReluAtZero;

impl CustomOp<f64> for BadReluAtZero {
    fn name(&self) -> Cow<'_, str> {
        "bad relu".into()
    }

    fn forward(&mut self, inputs: &[&Tensor<f64>], _: &mut Scratch<f64>) -> Tensor<f64> {
        inputs[0].map(|x| x.max(0.0))
    }

    fn vjp(
        &self,
        _: usize,
        inputs: &[&Tensor<f64>],
        _: &Tensor<f64>,
        grad: &Tensor<f64>,
        _: &mut Scratch<f64>,
    ) -> Option<Tensor<f64>> {
        let slope = |x: f64| match x {
            0.0 => 5.0,
            x if x > 0.0 => 1.0,
            _ => 0.0,
        };
        Some(grad.zip_map(inputs[0], "bad relu", |g, x| g * slope(x)))
    }
}

#[test]
fn a_kink_is_reported_and_an_impossible_value_there_warned_about() {
    let report = GradCheck::new()
        .check(&[t(&[0.0, 0.5], &[2])], |_, v| {
            v[0].apply(BadReluAtZero, &[]).sum()
        })
        .unwrap();
    assert_eq!(report.checked, 2);
    assert_eq!(report.kinks.len(), 1);
    let kink = &report.kinks[0];
    assert_eq!(kink.location, Location::Element(vec![0]));
    assert!((kink.forward - 1.0).abs() < 1e-9, "{kink}");
    assert!(kink.backward.abs() < 1e-9, "{kink}");
    assert_eq!(kink.analytic, 5.0);
    assert!(!kink.analytic_between_sides(&report.tolerance));
    assert_eq!(report.warnings.len(), 1);
    assert!(report.warnings[0].contains("outside both one-sided slopes"));
    assert!(report.to_string().contains("1 kink(s)"), "{report}");
}

#[test]
fn the_same_seed_gives_the_same_check() {
    let x = Tensor::from_fn(&[3, 3], |i| (i as f64 * 0.7).sin());
    let run = |seed| {
        GradCheck::new()
            .seed(seed)
            .projections(2)
            .check(std::slice::from_ref(&x), |_, v| v[0].tanh())
            .unwrap()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1).max_abs_error, run(2).max_abs_error);
}
