//! `nabla::testing::assert_gradients!`: a one-line gradient check whose panic message is the
//! whole report, naming the op that fails inside a bigger expression.

use nabla::autodiff::{Elem, ElementwiseFn, GradCheck, Tape, Tensor, Var};
use nabla::testing::{assert_gradients, assert_gradients_with};
use std::borrow::Cow;
use std::panic;

/// `x^3` whose derivative is stated as `slope x^2`: right when `slope` is 3.
#[derive(Clone, Copy)]
struct Cube {
    slope: f64,
}

impl ElementwiseFn<f64> for Cube {
    fn name(&self) -> Cow<'static, str> {
        "cube".into()
    }

    fn f(&self, x: f64) -> f64 {
        x * x * x
    }

    fn df<S: Elem<f64>>(&self, x: S, _y: S) -> S {
        x * x * self.slope
    }
}

/// `tanh(cube(x @ w)).mean()`, recorded in the scope `block`.
fn block<'t>(tape: &'t Tape<f64>, v: &[Var<'t, f64>], slope: f64) -> Var<'t, f64> {
    let _scope = tape.scope("block");
    v[0].matmul(v[1]).elementwise(Cube { slope }).tanh().mean()
}

fn inputs() -> (Tensor<f64>, Tensor<f64>) {
    (
        Tensor::from_vec(vec![0.3, -1.2, 0.9, 0.7, 0.4, -0.5], &[2, 3]),
        Tensor::from_vec(vec![0.5, -0.25, 0.8, 0.6, -0.4, 0.35], &[3, 2]),
    )
}

#[test]
fn a_right_gradient_passes_and_returns_the_report() {
    let (x, w) = inputs();
    let report = assert_gradients!(x, w => |tape, v| block(tape, v, 3.0));
    assert_eq!(report.checked, 6 + 6);
    assert!(report.max_abs_error < 1e-8, "{report}");
    // References work as well as tensors, and settings come before a semicolon.
    let check = GradCheck::new().projections(3);
    let report = assert_gradients!(check; &x, &w => |tape, v| block(tape, v, 3.0));
    assert_eq!(report.checked, 2 * 3);
}

#[test]
#[should_panic(expected = "first failing op: #3 cube (scope block), input 0 element [")]
fn a_wrong_gradient_panics_naming_the_op() {
    let (x, w) = inputs();
    assert_gradients!(x, w => |tape, v| block(tape, v, 2.0));
}

#[test]
fn the_panic_message_is_the_whole_report() {
    let (x, w) = inputs();
    let caught = panic::catch_unwind(|| {
        assert_gradients_with(&GradCheck::new().names(&["x", "w"]), &[x, w], |tape, v| {
            block(tape, v, 2.0)
        })
    });
    let payload = caught.expect_err("a wrong gradient panics");
    let message = payload
        .downcast_ref::<String>()
        .expect("a formatted message");
    for part in [
        "gradient check failed in f64: 12 of 12 elements checked differ from central differences",
        "worst: input 1 'w' element [0, 0]: analytic 2.074218e-1, numeric 3.111327e-1",
        "first failing op: #3 cube (scope block), input 0 element [0, 0]: analytic 2.108838e0, \
         numeric 3.163257e0",
        "(tolerance: eps 1e-6, atol 1e-5, rtol 1e-3)",
        "worst 5 of 12 offender(s)",
    ] {
        assert!(message.contains(part), "missing {part:?} in:\n{message}");
    }
}

#[test]
fn inputs_are_named_after_their_expressions() {
    let (x, w) = inputs();
    let caught = panic::catch_unwind(
        || assert_gradients!(x, w => |_, v| (v[0].detach() * v[0]).sum() + v[1].sum()),
    );
    let payload = caught.expect_err("a cut gradient panics");
    let message = payload.downcast_ref::<String>().expect("a message");
    assert!(message.contains("input 0 'x' element"), "{message}");
    assert!(
        message.contains("op(s) on the path pass when checked alone"),
        "{message}"
    );
}
