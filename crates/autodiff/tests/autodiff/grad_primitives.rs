//! Every differentiable primitive on the tape, checked against central differences in f64 on
//! random shapes; plus the checker's own controls: a wrong gradient is caught and located,
//! kinks are reported instead of failed, f32 is flagged, and fast mode works on large inputs.

use nabla_autodiff::gradcheck::{CheckMode, Location};
use nabla_autodiff::{CustomOp, GradCheck, GradCheckError, Scratch, Tensor, Var};
use rand::Rng;
use std::borrow::Cow;

use crate::common;

use common::{BINARY, BROADCAST_PAIRS, UNARY, nonzero, normal, passes, random_shape, rng};

#[test]
fn binary_ops_on_equal_shapes() {
    let mut rng = rng(1);
    for (name, op, _) in BINARY {
        let shape = random_shape(2, &mut rng);
        let inputs = [normal(&shape, &mut rng), nonzero(&shape, &mut rng)];
        passes(name, &inputs, |_, v| op(v[0], v[1]));
    }
}

#[test]
fn binary_ops_with_broadcasting_both_ways() {
    let mut rng = rng(2);
    for (name, op, _) in BINARY {
        for (left, right) in BROADCAST_PAIRS {
            let inputs = [normal(left, &mut rng), nonzero(right, &mut rng)];
            passes(&format!("{name} {left:?} {right:?}"), &inputs, |_, v| {
                op(v[0], v[1])
            });
            let swapped = [nonzero(right, &mut rng), nonzero(left, &mut rng)];
            passes(&format!("{name} {right:?} {left:?}"), &swapped, |_, v| {
                op(v[0], v[1])
            });
        }
    }
}

#[test]
fn elementwise_functions() {
    let mut rng = rng(4);
    for case in UNARY {
        let x = (case.inputs)(&random_shape(3, &mut rng), &mut rng);
        passes(case.name, &[x], |_, v| (case.op)(v[0]));
    }
    let x = nonzero(&random_shape(2, &mut rng), &mut rng);
    passes("rsub", std::slice::from_ref(&x), |_, v| v[0].rsub(-1.25));
    passes("rdiv", &[x], |_, v| v[0].rdiv(-1.25));
    let wide = Tensor::randn(&random_shape(3, &mut rng), 0.0, 1.5, &mut rng);
    passes("clamp", &[wide], |_, v| v[0].clamp(-0.5, 0.7));
    // Sigmoid far out on both sides, where a naive formula overflows.
    let far = Tensor::from_vec(vec![-40.0, -12.0, 12.0, 40.0], &[4]);
    passes("sigmoid far out", &[far], |_, v| v[0].sigmoid());
}

#[test]
fn clamp_with_elements_on_both_sides_of_the_bounds() {
    let x = Tensor::from_vec(vec![-2.0, -0.6, -0.4, 0.0, 0.69, 0.71, 3.0], &[7]);
    let report = passes("clamp", &[x], |_, v| v[0].clamp(-0.5, 0.7));
    assert_eq!(report.checked, 7);
}

#[test]
fn reductions_over_every_axis_set() {
    let mut rng = rng(5);
    let shape = random_shape(3, &mut rng);
    let x = normal(&shape, &mut rng);
    passes("sum", std::slice::from_ref(&x), |_, v| v[0].sum());
    passes("mean", std::slice::from_ref(&x), |_, v| v[0].mean());
    let axis_sets: [&[usize]; 7] = [&[0], &[1], &[2], &[0, 1], &[0, 2], &[1, 2], &[0, 1, 2]];
    for axes in axis_sets {
        for keepdim in [false, true] {
            let what = format!("axes {axes:?} keepdim {keepdim} of {shape:?}");
            passes(
                &format!("sum_axes {what}"),
                std::slice::from_ref(&x),
                |_, v| v[0].sum_axes(axes, keepdim),
            );
            passes(
                &format!("mean_axes {what}"),
                std::slice::from_ref(&x),
                |_, v| v[0].mean_axes(axes, keepdim),
            );
        }
    }
}

#[test]
fn matmul_plain_batched_and_mixed() {
    let mut rng = rng(6);
    let [b, m, k, n] = random_shape(4, &mut rng)[..] else {
        unreachable!()
    };
    let cases: [(&str, &[usize], &[usize]); 4] = [
        ("2-D", &[m, k], &[k, n]),
        ("batched", &[b, m, k], &[b, k, n]),
        ("batched x 2-D", &[b, m, k], &[k, n]),
        ("2-D x batched", &[m, k], &[b, k, n]),
    ];
    for (name, left, right) in cases {
        let inputs = [normal(left, &mut rng), normal(right, &mut rng)];
        passes(name, &inputs, |_, v| v[0].matmul(v[1]));
    }
}

#[test]
fn matmul_t_with_every_transpose_flag() {
    let mut rng = rng(7);
    let [m, k, n] = random_shape(3, &mut rng)[..] else {
        unreachable!()
    };
    for batch in [None, Some(2)] {
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            let a = if ta { [k, m] } else { [m, k] };
            let b = if tb { [n, k] } else { [k, n] };
            let batched = |s: [usize; 2]| match batch {
                Some(b) => vec![b, s[0], s[1]],
                None => s.to_vec(),
            };
            let inputs = [normal(&batched(a), &mut rng), normal(&batched(b), &mut rng)];
            let what = format!("matmul_t ta {ta} tb {tb} batch {batch:?}");
            passes(&what, &inputs, |_, v| v[0].matmul_t(v[1], ta, tb));
        }
    }
}

#[test]
fn layout_ops() {
    let mut rng = rng(8);
    let x3 = normal(&random_shape(3, &mut rng), &mut rng);
    let x2 = normal(&random_shape(2, &mut rng), &mut rng);
    passes("transpose 2-D", std::slice::from_ref(&x2), |_, v| {
        v[0].transpose()
    });
    passes("transpose 3-D", std::slice::from_ref(&x3), |_, v| {
        v[0].transpose()
    });
    passes("permute", std::slice::from_ref(&x3), |_, v| {
        v[0].permute(&[2, 0, 1])
    });
    let n = x3.numel();
    passes("reshape", std::slice::from_ref(&x3), |_, v| {
        v[0].reshape(&[n])
    });
    let column = normal(&[3, 1], &mut rng);
    passes("broadcast_to [3, 1] -> [2, 3, 4]", &[column], |_, v| {
        v[0].broadcast_to(&[2, 3, 4])
    });
    let row = normal(&[4], &mut rng);
    passes("broadcast_to [4] -> [3, 4]", &[row], |_, v| {
        v[0].broadcast_to(&[3, 4])
    });
}

#[test]
fn indexing_ops() {
    let mut rng = rng(9);
    for ndim in [2, 3] {
        let shape = random_shape(ndim, &mut rng);
        let rows = shape[0];
        // Every row at least once, one of them three times, in a shuffled order.
        let mut indices: Vec<usize> = (0..rows).chain([rows - 1, rows - 1]).collect();
        for i in (1..indices.len()).rev() {
            indices.swap(i, rng.random_range(0..=i));
        }
        let x = normal(&shape, &mut rng);
        passes(
            &format!("select_rows {indices:?} of {shape:?}"),
            &[x],
            |_, v| v[0].select_rows(&indices),
        );
    }
    let shape = random_shape(2, &mut rng);
    let columns: Vec<usize> = (0..shape[0])
        .map(|_| rng.random_range(0..shape[1]))
        .collect();
    let x = normal(&shape, &mut rng);
    passes(
        &format!("gather_rows {columns:?} of {shape:?}"),
        &[x],
        |_, v| v[0].gather_rows(&columns),
    );
}

#[test]
fn concat_along_both_axes() {
    let mut rng = rng(10);
    for axis in [0, 1] {
        let shape = random_shape(2, &mut rng);
        let parts: Vec<Tensor<f64>> = (0..3)
            .map(|_| {
                let mut part = shape.clone();
                part[axis] = rng.random_range(1..=3);
                normal(&part, &mut rng)
            })
            .collect();
        passes(&format!("concat axis {axis}"), &parts, |_, v| {
            Var::concat(v, axis)
        });
    }
}

#[test]
fn a_small_network_with_a_shared_weight() {
    let mut rng = rng(11);
    let inputs = [
        normal(&[5, 3], &mut rng),
        normal(&[3, 4], &mut rng),
        normal(&[4], &mut rng),
        normal(&[4, 3], &mut rng),
    ];
    passes("mlp", &inputs, |_, v| {
        let hidden = (v[0].matmul(v[1]) + v[2]).tanh();
        let out = hidden.matmul(v[3]).sigmoid();
        // v[0] is used again: gradients from both paths must add up.
        (out - v[0]).powf(2.0).mean()
    });
}

#[test]
fn detach_stops_the_gradient() {
    // J = sum_j w_j x_j y_j with y detached: backward gives nothing for y while the
    // differences see w_j x_j, so every element of y fails with analytic 0 and x passes.
    let mut rng = rng(12);
    let x = nonzero(&[2, 3], &mut rng);
    let y = nonzero(&[2, 3], &mut rng);
    let err = GradCheck::new()
        .names(&["x", "y"])
        .offenders(6)
        .check(&[x.clone(), y], |_, v| (v[0] * v[1].detach()).sum())
        .unwrap_err();
    assert_eq!(err.failed, 6);
    assert_eq!(err.report.checked, 12);
    for m in &err.offenders {
        assert_eq!(
            (m.input, m.name.as_deref(), m.analytic),
            (1, Some("y"), 0.0)
        );
        let Location::Element(index) = &m.location else {
            panic!("full mode locates elements")
        };
        assert!((m.numeric - x.at(index)).abs() < 1e-8, "{m}");
    }
}

/// Squares its input, with a vjp that is right everywhere except at one row-major position,
/// where it is twice what it should be.
struct SquareWrongAt(usize);

impl CustomOp<f64> for SquareWrongAt {
    fn name(&self) -> Cow<'_, str> {
        "square (wrong)".into()
    }

    fn forward(&mut self, inputs: &[&Tensor<f64>], pool: &mut Scratch<f64>) -> Tensor<f64> {
        pool.map(inputs[0], |x| x * x)
    }

    fn vjp(
        &self,
        _input: usize,
        inputs: &[&Tensor<f64>],
        _output: &Tensor<f64>,
        grad: &Tensor<f64>,
        _pool: &mut Scratch<f64>,
    ) -> Option<Tensor<f64>> {
        let x = inputs[0].data();
        let wrong = self.0;
        Some(Tensor::from_fn(grad.shape(), |j| {
            let right = 2.0 * x[j] * grad.data()[j];
            if j == wrong { 2.0 * right } else { right }
        }))
    }
}

#[test]
fn a_wrong_vjp_is_caught_and_located() {
    let mut rng = rng(13);
    let a = nonzero(&[2, 3], &mut rng);
    let b = nonzero(&[2, 3], &mut rng);
    // J = sum a * b^2, with b^2's gradient doubled at row-major position 4, element [1, 1].
    let err = GradCheck::new()
        .names(&["a", "b"])
        .check(&[a.clone(), b.clone()], |_, v| {
            (v[0] * v[1].apply(SquareWrongAt(4), &[])).sum()
        })
        .unwrap_err();
    assert_eq!((err.failed, err.report.checked), (1, 12));
    let m = &err.offenders[..];
    assert_eq!(m.len(), 1);
    let m = &m[0];
    assert_eq!((m.input, m.name.as_deref()), (1, Some("b")));
    assert_eq!(m.location, Location::Element(vec![1, 1]));
    let right = 2.0 * a.at(&[1, 1]) * b.at(&[1, 1]);
    assert!((m.analytic - 2.0 * right).abs() < 1e-12, "{m}");
    assert!((m.numeric - right).abs() < 1e-7, "{m}");
    assert!((m.abs_error - right.abs()).abs() < 1e-7);
    assert!((m.rel_error - 0.5).abs() < 1e-7);

    let message = err.to_string();
    for part in [
        "1 of 12 elements".to_owned(),
        format!("input 1 'b' element [1, 1]: analytic {:.6e}", m.analytic),
        format!("numeric {:.6e}", m.numeric),
        "eps 1e-6, atol 1e-5, rtol 1e-3".to_owned(),
    ] {
        assert!(message.contains(&part), "missing {part:?} in:\n{message}");
    }
}

#[test]
fn relu_and_abs_at_zero_are_kinks_not_failures() {
    let x = Tensor::from_vec(vec![0.0, 0.5, -0.7, 0.0], &[2, 2]);
    let relu = GradCheck::new()
        .check(std::slice::from_ref(&x), |_, v| v[0].relu())
        .unwrap();
    let abs = GradCheck::new()
        .check(std::slice::from_ref(&x), |_, v| v[0].abs())
        .unwrap();
    for (report, left) in [(&relu, 0.0), (&abs, -1.0)] {
        assert_eq!(report.checked, 4);
        let places: Vec<_> = report.kinks.iter().map(|k| k.location.clone()).collect();
        assert_eq!(
            places,
            [Location::Element(vec![0, 0]), Location::Element(vec![1, 1])]
        );
        for kink in &report.kinks {
            // The output weights scale both slopes by the same random w.
            let w = kink.forward;
            assert!(w.abs() >= 0.5 && w.abs() < 1.5, "{kink}");
            assert!((kink.backward - left * w).abs() < 1e-8, "{kink}");
            assert_eq!(kink.analytic, 0.0);
        }
        assert!(report.max_abs_error < 1e-8, "{report}");
    }
}

#[test]
fn clamp_bounds_and_maximum_ties_are_kinks() {
    let x = Tensor::from_vec(vec![-0.5, 0.2, 0.7], &[3]);
    let report = GradCheck::new()
        .check(&[x], |_, v| v[0].clamp(-0.5, 0.7).sum())
        .unwrap();
    let at: Vec<_> = report.kinks.iter().map(|k| k.location.clone()).collect();
    assert_eq!(at, [Location::Element(vec![0]), Location::Element(vec![2])]);
    // Inside the bounds (and on them) the gradient is 1: the slope inside.
    assert_eq!(report.kinks[0].forward.round(), 1.0);
    assert_eq!(report.kinks[1].backward.round(), 1.0);

    let a = Tensor::from_vec(vec![1.0, 2.0], &[2]);
    let b = Tensor::from_vec(vec![1.0, 3.0], &[2]);
    let report = GradCheck::new()
        .check(&[a, b], |_, v| v[0].maximum(v[1]).sum())
        .unwrap();
    assert_eq!(report.kinks.len(), 2, "{report}");
    for kink in &report.kinks {
        assert_eq!(kink.location, Location::Element(vec![0]));
        assert_eq!(kink.analytic, 0.5); // ties split the gradient
    }
}

#[test]
fn an_f32_check_warns_and_loosens() {
    let mut rng = rng(14);
    let x = normal(&[3, 4], &mut rng).cast::<f32>();
    let w = normal(&[4, 2], &mut rng).cast::<f32>();
    let report = GradCheck::new()
        .check(&[x, w], |_, v| v[0].matmul(v[1]).tanh())
        .unwrap();
    assert_eq!(report.dtype, "f32");
    assert_eq!(report.checked, 20);
    assert_eq!(report.tolerance.eps, 1e-3);
    assert_eq!(report.warnings.len(), 1, "{report}");
    assert!(report.warnings[0].contains("gradient check in f32"));
    assert!(report.warnings[0].contains("check in f64"));
    // f32 still catches a gross error: a gradient stopped on one input.
    let x = Tensor::<f32>::from_vec(vec![0.5, -1.0, 2.0], &[3]);
    let err: GradCheckError = GradCheck::new()
        .check(&[x.clone(), x], |_, v| (v[0] * v[1].detach()).sum())
        .unwrap_err();
    assert_eq!(err.failed, 3);
}

#[test]
fn fast_mode_on_a_large_matmul() {
    let mut rng = rng(15);
    let a = normal(&[64, 64], &mut rng);
    let b = normal(&[64, 64], &mut rng);
    let report = GradCheck::new()
        .projections(4)
        .check(&[a.clone(), b.clone()], |_, v| v[0].matmul(v[1]))
        .unwrap();
    assert_eq!(report.mode, CheckMode::Projections(4));
    assert_eq!(report.checked, 2 * 4);
    assert_eq!(report.evaluations, 1 + 2 * 8);
    assert!(report.max_rel_error < 1e-6, "{report}");

    // One element of a's 4096 with a doubled gradient still shows in the directions of a,
    // and only there.
    let err = GradCheck::new()
        .projections(4)
        .names(&["a", "b"])
        .check(&[a, b], |_, v| {
            v[0].apply(SquareWrongAt(1000), &[]).matmul(v[1])
        })
        .unwrap_err();
    assert!(err.failed >= 3, "{err}");
    for m in &err.offenders {
        assert_eq!(m.input, 0, "{err}");
        assert!(
            matches!(m.location, Location::Direction(d) if d < 4),
            "{err}"
        );
    }
    let message = err.to_string();
    assert!(
        message.contains("input 0 'a' random direction #"),
        "{message}"
    );
    assert!(message.contains("directions checked"), "{message}");
}

#[test]
fn reverses_of_the_layout_and_indexing_ops() {
    let mut rng = rng(13);
    let x = normal(&[3, 4], &mut rng);
    passes(
        "sum_to_shape [3, 4] -> [1, 4]",
        std::slice::from_ref(&x),
        |_, v| v[0].sum_to_shape(&[1, 4]),
    );
    passes(
        "sum_to_shape [3, 4] -> [3, 1]",
        std::slice::from_ref(&x),
        |_, v| v[0].sum_to_shape(&[3, 1]),
    );
    passes(
        "sum_to_shape [3, 4] -> [4]",
        std::slice::from_ref(&x),
        |_, v| v[0].sum_to_shape(&[4]),
    );
    passes(
        "index_add_rows with repeats",
        std::slice::from_ref(&x),
        |_, v| v[0].index_add_rows(&[4, 0, 4], 5),
    );
    let column = normal(&[3], &mut rng);
    passes("scatter_rows", &[column], |_, v| {
        v[0].scatter_rows(&[2, 0, 2], 3)
    });
    for axis in [0, 1] {
        passes(
            &format!("narrow axis {axis}"),
            std::slice::from_ref(&x),
            |_, v| v[0].narrow(axis, 1, 2),
        );
        passes(
            &format!("pad axis {axis}"),
            std::slice::from_ref(&x),
            |_, v| v[0].pad(axis, 2, 7),
        );
    }
}
