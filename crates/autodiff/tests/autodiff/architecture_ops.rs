//! The ops custom architectures are built from: slicing and joining along any axis
//! (`narrow`, `index_select`, `stack`, `split`, `chunk`), `where_cond`, `max_axes` /
//! `min_axes`, `logsumexp`, matrix products whose batch axes broadcast, and `unfold` / `fold`
//! (the sliding windows of convolutions and pooling). Each: forward values worked by hand, and
//! gradients against central differences in f64 over 50 seeded random configurations (a
//! property test in a seeded loop), plus second derivatives on a few of them.

use crate::common;

use common::{normal, passes, passes_second_order, rng};
use nabla_autodiff::{Comparison, Tape, Tensor, Var, Window};
use rand::Rng;
use rand::rngs::StdRng;

/// Random configurations per op.
const CONFIGURATIONS: u64 = 50;

/// Runs `case` on `CONFIGURATIONS` seeded generators, each its own configuration.
fn for_each_configuration(seed: u64, mut case: impl FnMut(u64, &mut StdRng)) {
    for config in 0..CONFIGURATIONS {
        case(config, &mut rng(seed * 1000 + config));
    }
}

/// A random shape of `ndim` axes with extents from 1 to 4.
fn shape_of(ndim: usize, rng: &mut StdRng) -> Vec<usize> {
    (0..ndim).map(|_| rng.random_range(1..=4)).collect()
}

#[test]
fn narrow_and_index_select_on_any_axis() {
    let x = Tensor::<f64>::from_fn(&[2, 3, 2], |i| i as f64);
    let tape = Tape::new();
    let v = tape.param(x.clone());
    assert_eq!(
        v.narrow(1, 1, 2).value().data(),
        &[2.0, 3.0, 4.0, 5.0, 8.0, 9.0, 10.0, 11.0]
    );
    let picked = v.index_select(1, &[2, 2, 0]);
    assert_eq!(
        picked.value().data(),
        &[4., 5., 4., 5., 0., 1., 10., 11., 10., 11., 6., 7.]
    );
    // Repeated picks add up in the gradient: slice 2 twice, slice 0 once, slice 1 never.
    let g = picked.sum().backward();
    assert_eq!(
        g[v].data(),
        &[1., 1., 0., 0., 2., 2., 1., 1., 0., 0., 2., 2.]
    );

    for_each_configuration(1, |config, rng| {
        let ndim = rng.random_range(1..=3);
        let shape = shape_of(ndim, rng);
        let axis = rng.random_range(0..ndim);
        let extent = shape[axis];
        let start = rng.random_range(0..extent);
        let len = rng.random_range(1..=extent - start);
        let count = rng.random_range(1..=5);
        let indices: Vec<usize> = (0..count).map(|_| rng.random_range(0..extent)).collect();
        let x = normal(&shape, rng);
        let what = format!("#{config} narrow axis {axis} {start}+{len} of {shape:?}");
        passes(&what, std::slice::from_ref(&x), |_, v| {
            v[0].narrow(axis, start, len)
        });
        let what = format!("#{config} index_select axis {axis} {indices:?} of {shape:?}");
        passes(&what, std::slice::from_ref(&x), |_, v| {
            v[0].index_select(axis, &indices)
        });
        if config < 5 {
            passes_second_order(&what, &[x], |_, v| v[0].index_select(axis, &indices).tanh());
        }
    });
}

#[test]
fn stack_split_and_chunk() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_fn(&[2, 5], |i| i as f64));
    let parts = x.chunk(2, 1); // extents 3 and 2
    assert_eq!(parts[0].value().data(), &[0.0, 1.0, 2.0, 5.0, 6.0, 7.0]);
    assert_eq!(parts[1].value().data(), &[3.0, 4.0, 8.0, 9.0]);
    let split = x.split(&[1, 4], 1);
    assert_eq!(split[0].value().data(), &[0.0, 5.0]);
    let stacked = Var::stack(&[parts[0], parts[0] * 2.0], 0);
    assert_eq!(stacked.shape().as_slice(), &[2, 2, 3]);
    assert_eq!(
        stacked.value().data()[6..],
        [0.0, 2.0, 4.0, 10.0, 12.0, 14.0]
    );
    assert_eq!(
        x.chunk(4, 0).len(),
        2,
        "fewer chunks than asked when the extent is smaller"
    );

    for_each_configuration(2, |config, rng| {
        let ndim = rng.random_range(1..=3);
        let shape = shape_of(ndim, rng);
        let axis = rng.random_range(0..=ndim);
        let count = rng.random_range(1..=3);
        let parts: Vec<Tensor<f64>> = (0..count).map(|_| normal(&shape, rng)).collect();
        let what = format!("#{config} stack {count} of {shape:?} at {axis}");
        passes(&what, &parts, |_, v| Var::stack(v, axis));

        let split_axis = rng.random_range(0..ndim);
        let chunks = rng.random_range(1..=3);
        let x = normal(&shape, rng);
        let what = format!("#{config} chunk {chunks} of {shape:?} along {split_axis}");
        // Weigh the chunks differently so each one's gradient is checked.
        passes(&what, &[x], |_, v| {
            let pieces = v[0].chunk(chunks, split_axis);
            let weighted: Vec<Var<'_, f64>> = pieces
                .iter()
                .enumerate()
                .map(|(i, p)| (*p * (i as f64 + 1.0)).sum())
                .collect();
            Var::stack(&weighted, 0)
        });
    });
}

#[test]
fn where_cond_chooses_and_routes_the_gradient() {
    let tape = Tape::<f64>::new();
    let a = tape.param(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]));
    let b = tape.param(Tensor::from_vec(vec![10.0, 20.0], &[2]));
    let condition = tape.constant(Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], &[2, 2]));
    let y = condition.where_cond(a, b);
    assert_eq!(y.value().data(), &[1.0, 20.0, 10.0, 4.0]);
    let g = (y * tape.constant(Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])))
        .sum()
        .backward();
    assert_eq!(g[a].data(), &[1.0, 0.0, 0.0, 4.0]);
    assert_eq!(g[b].data(), &[3.0, 2.0]); // summed back over the broadcast rows
    // An infinite value on the side not chosen leaks into nothing.
    let x = tape.param(Tensor::from_vec(vec![-1.0, 2.0], &[2]));
    let guarded = x.mask(Comparison::Gt, 0.0).where_cond(x.ln(), x * 0.0);
    let g = guarded.sum().backward();
    assert!(
        guarded.value().all_finite() && g[x].all_finite(),
        "{:?}",
        g[x]
    );
    assert_eq!(g[x].data(), &[0.0, 0.5]);

    for_each_configuration(3, |config, rng| {
        let mut shape = shape_of(rng.random_range(1..=3), rng);
        shape[0] = shape[0].max(2); // room for both choices
        // Each side broadcasts from a shape with some extents set to 1; the condition has the
        // full shape and alternates, so both sides are chosen somewhere.
        let thin = |rng: &mut StdRng| -> Vec<usize> {
            shape
                .iter()
                .map(|&e| if rng.random_bool(0.3) { 1 } else { e })
                .collect()
        };
        let (ts, fs) = (thin(rng), thin(rng));
        let cs = shape.clone();
        let condition = Tensor::from_fn(&cs, |i| if i % 2 == 0 { 1.0 } else { 0.0 });
        let inputs = [normal(&ts, rng), normal(&fs, rng)];
        let what = format!("#{config} where {cs:?} ? {ts:?} : {fs:?}");
        passes(&what, &inputs, |tape, v| {
            tape.constant(condition.clone()).where_cond(v[0], v[1])
        });
        if config < 5 {
            passes_second_order(&what, &inputs, |tape, v| {
                tape.constant(condition.clone())
                    .where_cond(v[0], v[1])
                    .square()
            });
        }
    });
}

#[test]
fn max_and_min_over_axes_share_ties() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_vec(
        vec![4.0, 1.0, 4.0, -2.0, -2.0, 0.0],
        &[2, 3],
    ));
    let top = x.max_axes(&[1], true);
    assert_eq!(
        (top.shape().as_slice(), top.value().data()),
        (&[2, 1][..], &[4.0, 0.0][..])
    );
    assert_eq!(
        top.sum().backward()[x].data(),
        &[0.5, 0.0, 0.5, 0.0, 0.0, 1.0]
    );
    let bottom = x.min_axes(&[0, 1], false);
    assert_eq!(bottom.item(), -2.0);
    assert_eq!(bottom.backward()[x].data(), &[0.0, 0.0, 0.0, 0.5, 0.5, 0.0]);

    for_each_configuration(4, |config, rng| {
        let ndim = rng.random_range(1..=3);
        let shape = shape_of(ndim, rng);
        let axes: Vec<usize> = (0..ndim).filter(|_| rng.random_bool(0.5)).collect();
        let keepdim = rng.random_bool(0.5);
        // Spread-out values: no ties, and no two within a finite-difference step.
        let x = Tensor::from_fn(&shape, |i| i as f64 * 0.37 - 1.0);
        let mut shuffled = x.data().to_vec();
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, rng.random_range(0..=i));
        }
        let x = Tensor::from_vec(shuffled, &shape);
        let what = format!("#{config} max/min over {axes:?} of {shape:?} keepdim {keepdim}");
        passes(&what, std::slice::from_ref(&x), |_, v| {
            v[0].max_axes(&axes, keepdim) - v[0].min_axes(&axes, keepdim) * 2.0
        });
        if config < 5 {
            passes_second_order(&what, &[x], |_, v| v[0].max_axes(&axes, keepdim).square());
        }
    });
}

#[test]
fn logsumexp_is_stable_and_its_gradient_is_the_softmax() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_vec(
        vec![0.0, 2.0_f64.ln(), -1000.0, -1000.0],
        &[2, 2],
    ));
    let l = x.logsumexp(&[1], false);
    // ln(1 + 2) and -1000 + ln 2.
    assert!((l.value().data()[0] - 3.0_f64.ln()).abs() < 1e-15);
    assert!((l.value().data()[1] - (-1000.0 + 2.0_f64.ln())).abs() < 1e-12);
    let g = l.sum().backward();
    assert!(g[x].all_close(
        &Tensor::from_vec(vec![1.0 / 3.0, 2.0 / 3.0, 0.5, 0.5], &[2, 2]),
        1e-15,
        1e-15
    ));
    let all_masked = tape.constant(Tensor::from_vec(vec![f64::NEG_INFINITY; 2], &[2]));
    assert_eq!(all_masked.logsumexp(&[0], false).item(), f64::NEG_INFINITY);

    for_each_configuration(5, |config, rng| {
        let ndim = rng.random_range(1..=3);
        let shape = shape_of(ndim, rng);
        let axes: Vec<usize> = (0..ndim).filter(|_| rng.random_bool(0.6)).collect();
        let keepdim = rng.random_bool(0.5);
        let x = Tensor::randn(&shape, 0.0, 3.0, rng);
        let what = format!("#{config} logsumexp over {axes:?} of {shape:?} keepdim {keepdim}");
        passes(&what, std::slice::from_ref(&x), |_, v| {
            v[0].logsumexp(&axes, keepdim)
        });
        // Over lanes of one element logsumexp is the identity, whose second derivative is 0.
        let lane: usize = axes.iter().map(|&a| shape[a]).product();
        if config < 5 && lane > 1 {
            passes_second_order(&what, &[x], |_, v| v[0].logsumexp(&axes, keepdim));
        }
    });
}

#[test]
fn matmul_broadcasts_its_batch_axes() {
    // [2, 1, 2, 2] x [3, 2, 1]: batches broadcast to [2, 3].
    let a = Tensor::<f64>::from_fn(&[2, 1, 2, 2], |i| i as f64);
    let b = Tensor::<f64>::from_fn(&[3, 2, 1], |i| i as f64 + 1.0);
    let c = a.matmul(&b);
    assert_eq!(c.shape(), &[2, 3, 2, 1]);
    // Batch (1, 2): a[1] = [[4, 5], [6, 7]], b[2] = [[5], [6]] -> [50, 72].
    assert_eq!((c.at(&[1, 2, 0, 0]), c.at(&[1, 2, 1, 0])), (50.0, 72.0));

    for_each_configuration(6, |config, rng| {
        let (m, k, n) = (
            rng.random_range(1..=3),
            rng.random_range(1..=3),
            rng.random_range(1..=3),
        );
        let batch = shape_of(rng.random_range(0..=2), rng);
        let thin = |rng: &mut StdRng| -> Vec<usize> {
            let lead = rng.random_range(0..=batch.len());
            batch[lead..]
                .iter()
                .map(|&e| if rng.random_bool(0.3) { 1 } else { e })
                .collect()
        };
        let (ta, tb) = (rng.random_bool(0.5), rng.random_bool(0.5));
        let mut sa = thin(rng);
        sa.extend(if ta { [k, m] } else { [m, k] });
        let mut sb = thin(rng);
        sb.extend(if tb { [n, k] } else { [k, n] });
        let inputs = [normal(&sa, rng), normal(&sb, rng)];
        let what = format!("#{config} matmul_t {sa:?} (t {ta}) x {sb:?} (t {tb})");
        passes(&what, &inputs, |_, v| v[0].matmul_t(v[1], ta, tb));
        if config < 5 {
            passes_second_order(&what, &inputs, |_, v| v[0].matmul_t(v[1], ta, tb).tanh());
        }
    });
}

#[test]
fn unfold_and_fold_over_every_geometry() {
    // A 3x3 image, 2x2 windows: the four windows' taps, worked by hand.
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_fn(&[1, 1, 3, 3], |i| i as f64 + 1.0));
    let cols = x.unfold(Window::new([2, 2]), 0.0);
    assert_eq!(
        cols.value().data(),
        &[
            1., 2., 4., 5., 2., 3., 5., 6., 4., 5., 7., 8., 5., 6., 8., 9.
        ]
    );
    // Every window reads the centre once, a corner once in total, an edge twice.
    assert_eq!(
        cols.sum().backward()[x].data(),
        &[1., 2., 1., 2., 4., 2., 1., 2., 1.]
    );
    // Padding reads the pad value: a 1x1 image with padding 1 and a 2x2 kernel.
    let one = tape.param(Tensor::from_vec(vec![5.0], &[1, 1, 1, 1]));
    let padded = one.unfold(Window::new([2, 2]).padding([1, 1]), -9.0);
    assert_eq!(padded.value().shape(), &[1, 4, 4]);
    assert_eq!(&padded.value().data()[..4], &[-9.0, -9.0, -9.0, 5.0]);

    for_each_configuration(7, |config, rng| {
        let (n, c) = (rng.random_range(1..=2), rng.random_range(1..=2));
        let window = Window::new([rng.random_range(1..=3), rng.random_range(1..=3)])
            .stride([rng.random_range(1..=2), rng.random_range(1..=2)])
            .padding([rng.random_range(0..=2), rng.random_range(0..=2)])
            .dilation([rng.random_range(1..=2), rng.random_range(1..=2)]);
        let (h, w) = (rng.random_range(3..=6), rng.random_range(3..=6));
        let Some([oh, ow]) = window.output_size([h, w]) else {
            return;
        };
        let x = normal(&[n, c, h, w], rng);
        let what = format!("#{config} unfold {window:?} of {:?}", [n, c, h, w]);
        passes(&what, std::slice::from_ref(&x), |_, v| {
            v[0].unfold(window, 0.0)
        });
        let cols = normal(&[n, c * window.taps(), oh * ow], rng);
        let what = format!("#{config} fold {window:?} into {:?}", [h, w]);
        passes(&what, std::slice::from_ref(&cols), |_, v| {
            v[0].fold(window, [h, w])
        });
        if config < 5 {
            passes_second_order(&what, &[x], |_, v| v[0].unfold(window, 0.0).tanh());
        }
    });
}

#[test]
fn lookup_picks_rows_by_the_ids_of_a_tensor() {
    let tape = Tape::<f64>::new();
    let table = tape.param(Tensor::from_fn(&[4, 2], |i| i as f64));
    let ids = tape.constant(Tensor::from_vec(vec![3.0, 1.0, 3.0], &[3]));
    let rows = table.lookup(ids);
    assert_eq!(rows.value().data(), &[6.0, 7.0, 2.0, 3.0, 6.0, 7.0]);
    let g = (rows * tape.constant(Tensor::from_fn(&[3, 2], |i| i as f64)))
        .sum()
        .backward();
    // Row 3 gets positions 0 and 2 ([0, 1] + [4, 5]); row 1 gets position 1; rows 0, 2 nothing.
    assert_eq!(g[table].data(), &[0.0, 0.0, 2.0, 3.0, 0.0, 0.0, 4.0, 6.0]);
    assert!(g.get(ids).is_none());

    for_each_configuration(8, |config, rng| {
        let (vocab, width) = (rng.random_range(1..=5), rng.random_range(1..=3));
        let id_shape = shape_of(rng.random_range(1..=2), rng);
        let ids = Tensor::from_fn(&id_shape, |_| rng.random_range(0..vocab) as f64);
        let table = normal(&[vocab, width], rng);
        let what = format!("#{config} lookup {id_shape:?} in [{vocab}, {width}]");
        passes(&what, std::slice::from_ref(&table), |tape, v| {
            v[0].lookup(tape.constant(ids.clone()))
        });
        if config < 5 {
            passes_second_order(&what, &[table], |tape, v| {
                v[0].lookup(tape.constant(ids.clone())).tanh()
            });
        }
    });
}

#[test]
#[should_panic(expected = "lookup: id 4 at position 1 is not a row of a table of 3 rows")]
fn an_id_outside_the_table_names_itself() {
    let tape = Tape::<f64>::new();
    let table = tape.param(Tensor::zeros(&[3, 2]));
    table.lookup(tape.constant(Tensor::from_vec(vec![0.0, 4.0], &[2])));
}
