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
    assert_eq!(err.offenders[1].kink, None);

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

/// An element-wise test op given by `f`, the derivative its product uses, and the derivative
/// its recorded product uses (none by default), each free to be wrong.
#[derive(Clone, Copy)]
struct Pointwise {
    name: &'static str,
    f: fn(f64) -> f64,
    df: fn(f64) -> f64,
    recorded_df: Option<for<'t> fn(Var<'t, f64>) -> Var<'t, f64>>,
}

impl CustomOp<f64> for Pointwise {
    fn name(&self) -> Cow<'_, str> {
        self.name.into()
    }

    fn forward(&mut self, inputs: &[&Tensor<f64>], _: &mut Scratch<f64>) -> Tensor<f64> {
        inputs[0].map(self.f)
    }

    fn vjp(
        &self,
        _: usize,
        inputs: &[&Tensor<f64>],
        _: &Tensor<f64>,
        grad: &Tensor<f64>,
        _: &mut Scratch<f64>,
    ) -> Option<Tensor<f64>> {
        Some(grad.zip_map(inputs[0], self.name, |g, x| g * (self.df)(x)))
    }

    fn vjp_graph<'t>(
        &self,
        _: usize,
        inputs: &[Var<'t, f64>],
        _: Var<'t, f64>,
        grad: Var<'t, f64>,
    ) -> Result<Option<Var<'t, f64>>, crate::NotDifferentiable> {
        let df = self.recorded_df.ok_or(crate::NotDifferentiable)?;
        Ok(Some(grad * df(inputs[0])))
    }
}

/// Abs whose gradient at 0 is 5: outside the one-sided slopes -1 and 1 (the case).
const BAD_ABS: Pointwise = Pointwise {
    name: "bad abs",
    f: f64::abs,
    df: |x| if x == 0.0 { 5.0 } else { x.signum() },
    recorded_df: None,
};

/// `x^3` with a product that uses `df` as its derivative.
fn cube(df: fn(f64) -> f64) -> Pointwise {
    Pointwise {
        name: "cube",
        f: |x| x * x * x,
        df,
        recorded_df: None,
    }
}

/// The derivative of `x^3`, and a wrong one.
const RIGHT: fn(f64) -> f64 = |x| 3.0 * x * x;
const WRONG: fn(f64) -> f64 = |x| 2.0 * x * x;

/// Squares, with a right fast product and a recorded product of `x g` instead of `2 x g`.
const BAD_RECORDED_SQUARE: Pointwise = Pointwise {
    name: "square",
    f: |x| x * x,
    df: |x| 2.0 * x,
    recorded_df: Some(|x| x),
};

#[test]
fn an_analytic_value_outside_the_slopes_of_a_kink_fails() {
    let err = GradCheck::new()
        .check(&[t(&[0.0, 0.5], &[2])], |_, v| {
            v[0].apply(BAD_ABS, &[]).sum()
        })
        .unwrap_err();
    assert_eq!((err.failed, err.report.checked), (1, 2));
    assert!(err.report.kinks.is_empty(), "{err}");
    let m = &err.offenders[0];
    assert_eq!(m.location, Location::Element(vec![0]));
    assert_eq!(m.analytic, 5.0);
    let [left, right] = m.kink.expect("a kink");
    assert!(
        (left + 1.0).abs() < 1e-9 && (right - 1.0).abs() < 1e-9,
        "{m}"
    );
    // Measured against the nearer slope, 1.
    assert!(
        (m.numeric - 1.0).abs() < 1e-9 && (m.abs_error - 4.0).abs() < 1e-9,
        "{m}"
    );
    let message = err.to_string();
    assert!(
        message.contains(
            "input 0 element [0]: analytic 5.000000e0, outside the one-sided slopes of a kink, \
             -1.000000e0 on the left and 1.000000e0 on the right, abs error 4.000e0"
        ),
        "{message}"
    );
    // Alone, the op fails the same way (its output weighed by a random w: slopes -w and w).
    let op = err.failing_op.as_deref().expect("the op is named");
    assert_eq!((op.node, op.op.as_str()), (1, "bad abs"));
    let [left, right] = op.mismatch.kink.expect("a kink");
    assert!((left + right).abs() < 1e-9 && (op.mismatch.analytic - 5.0 * right).abs() < 1e-9);
    assert!(message.contains("first failing op: #1 bad abs, input 0 element [0]"));
}

#[test]
fn a_point_nearer_a_kink_than_the_step_is_smooth() {
    // relu at 5e-7 with step 1e-6: the central difference straddles the kink at 0 (slopes 0.5
    // on the left and 1 on the right), but at step 1e-7 both slopes are 1.
    let x = t(&[5e-7, -5e-7], &[2]);
    let report = GradCheck::new()
        .eps(1e-6)
        .check(&[x], |_, v| (v[0].relu() + v[0].abs()).sum())
        .unwrap();
    assert!(report.kinks.is_empty(), "{report}");
    assert!(report.warnings.is_empty(), "{report}");
    assert!(report.max_abs_error < 1e-8, "{report}");
    // Per element: 2 steps, 2 doubled, 2 at a tenth.
    assert_eq!(report.evaluations, 1 + 2 * 6);

    // At the kink itself the slopes differ at every step: still a kink.
    let report = GradCheck::new()
        .check(&[t(&[0.0], &[1])], |_, v| v[0].relu().sum())
        .unwrap();
    assert_eq!(report.kinks.len(), 1, "{report}");
    assert_eq!(
        (report.kinks[0].backward, report.kinks[0].forward),
        (0.0, 1.0)
    );
}

/// `tanh(cube(x @ w)).mean()`, recorded in the scope `block`, with `df` in cube's product.
fn block<'t>(tape: &'t Tape<f64>, v: &[Var<'t, f64>], df: fn(f64) -> f64) -> Var<'t, f64> {
    let _scope = tape.scope("block");
    v[0].matmul(v[1]).apply(cube(df), &[]).tanh().mean()
}

fn block_inputs() -> [Tensor<f64>; 2] {
    [
        t(&[0.3, -1.2, 0.9, 0.7, 0.4, -0.5], &[2, 3]),
        t(&[0.5, -0.25, 0.8, 0.6, -0.4, 0.35], &[3, 2]),
    ]
}

#[test]
fn the_op_with_a_wrong_gradient_is_named_inside_a_bigger_expression() {
    let err = GradCheck::new()
        .names(&["x", "w"])
        .check(&block_inputs(), |tape, v| block(tape, v, WRONG))
        .unwrap_err();
    // #0 x, #1 w, #2 matmul, #3 cube, #4 tanh, #5 mean; matmul passed, cube fails.
    assert_eq!(err.ops_checked, 2);
    let op = err.failing_op.as_deref().expect("the op is named");
    assert_eq!((op.node, op.op.as_str()), (3, "cube"));
    assert_eq!(op.scope.as_deref(), Some("block"));
    assert_eq!(op.name, None);
    let m = &op.mismatch;
    assert_eq!((m.input, m.kink), (0, None));
    assert!(
        matches!(&m.location, Location::Element(i) if i.len() == 2),
        "{m}"
    );
    // The op's own product is 2x^2 g where the differences see 3x^2 g.
    assert!((m.analytic / m.numeric - 2.0 / 3.0).abs() < 1e-6, "{m}");
    assert!(m.numeric.abs() > 0.1, "{m}");
    assert_eq!(op.tolerance, err.report.tolerance);

    let message = err.to_string();
    let line = format!(
        "first failing op: #3 cube (scope block), input 0 {}: analytic {:.6e}, numeric {:.6e}",
        m.location, m.analytic, m.numeric
    );
    assert!(message.contains(&line), "missing {line:?} in:\n{message}");
    assert!(message.contains("(tolerance: eps 1e-6, atol 1e-5, rtol 1e-3)"));
    println!("{message}");

    // Fast mode names it too, by a direction.
    let err = GradCheck::new()
        .projections(2)
        .check(&block_inputs(), |tape, v| block(tape, v, WRONG))
        .unwrap_err();
    let op = err.failing_op.as_deref().expect("the op is named");
    assert_eq!((op.node, op.op.as_str()), (3, "cube"));
    assert!(matches!(op.mismatch.location, Location::Direction(_)));
}

#[test]
fn the_same_expression_with_a_right_gradient_passes() {
    let report = GradCheck::new()
        .check(&block_inputs(), |tape, v| block(tape, v, RIGHT))
        .unwrap();
    assert_eq!(report.checked, 12);
    assert!(
        report.kinks.is_empty() && report.warnings.is_empty(),
        "{report}"
    );
    assert!(report.max_abs_error < 1e-8, "{report}");
}

#[test]
fn a_fault_between_ops_is_said_to_be_no_single_op() {
    let err = GradCheck::new()
        .check(&[t(&[1.0, -3.0], &[2])], |_, v| {
            (v[0].detach() * v[0]).sum()
        })
        .unwrap_err();
    // mul and sum pass alone; the detach made a constant, which is no op.
    assert_eq!((err.failing_op.as_deref(), err.ops_checked), (None, 2));
    assert!(
        err.to_string()
            .contains("all 2 op(s) on the path pass when checked alone"),
        "{err}"
    );
}

#[test]
fn a_wrong_recorded_product_is_named_by_the_second_order_check() {
    let x = t(&[0.5, -1.5], &[2]);
    GradCheck::new()
        .check(std::slice::from_ref(&x), |_, v| {
            v[0].apply(BAD_RECORDED_SQUARE, &[]).exp().sum()
        })
        .unwrap();
    let err = GradCheck::new()
        .check_second_order(&[x], |_, v| {
            v[0].apply(BAD_RECORDED_SQUARE, &[]).exp().sum()
        })
        .unwrap_err();
    assert_eq!(err.report.order, 1, "{err}");
    let op = err.failing_op.as_deref().expect("the op is named");
    assert_eq!((op.node, op.op.as_str()), (1, "square"));
    assert!((op.mismatch.analytic / op.mismatch.numeric - 0.5).abs() < 1e-6);
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
