//! The ops custom architectures are built from: conv2d and conv1d, max and average pooling,
//! embedding, batch normalisation, dropout, and softmax / log-softmax with an additive mask.
//! Each: forward values worked by hand; gradients against central differences in f64 over at
//! least 50 seeded random configurations (property tests in seeded loops); second derivatives
//! on a few of them. conv2d and conv1d also against a direct loop, to 1e-12.

use crate::common;

use common::{rng, uniform};
use nabla_autodiff::{Comparison, GradCheck, GradCheckReport, Tape, Tensor, Var, Window};
use nabla_ops::{
    BatchNormOptions, Conv1dOptions, ConvOptions, RunningStats, avg_pool2d, batch_norm,
    causal_mask, conv1d, conv2d, dropout, embedding, log_softmax_masked, max_pool2d,
    softmax_masked,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Random configurations per op, at least.
const CONFIGURATIONS: u64 = 50;

/// Runs `case` on `count` seeded generators, each its own configuration.
fn for_each_configuration(seed: u64, count: u64, mut case: impl FnMut(u64, &mut StdRng)) {
    for config in 0..count {
        case(config, &mut rng(seed * 1000 + config));
    }
}

/// Checks `f` in f64 and asserts it passed cleanly: every element compared, no kink, no
/// warning (such as a gradient that is zero everywhere).
fn passes<F>(what: &str, inputs: &[Tensor<f64>], f: F) -> GradCheckReport
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let report = GradCheck::new()
        .check(inputs, f)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_clean(what, inputs, &report);
    report
}

/// Checks the second derivatives of `f` and asserts it passed cleanly, as [`passes`] does.
fn passes_second_order<F>(what: &str, inputs: &[Tensor<f64>], f: F)
where
    F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
{
    let report = GradCheck::new()
        .check_second_order(inputs, f)
        .unwrap_or_else(|e| panic!("{what} (second order): {e}"));
    assert_eq!(report.order, 2, "{what}");
    assert_clean(what, inputs, &report);
}

fn assert_clean(what: &str, inputs: &[Tensor<f64>], report: &GradCheckReport) {
    let elements: usize = inputs.iter().map(Tensor::numel).sum();
    assert_eq!(report.checked, elements, "{what}: {report}");
    assert!(report.kinks.is_empty(), "{what}: {report}");
    assert!(report.warnings.is_empty(), "{what}: {report}");
}

/// Asserts `got` equals `want` element by element within `tol`, naming `what`.
fn assert_close(what: &str, got: &Tensor<f64>, want: &[f64], tol: f64) {
    assert_eq!(got.numel(), want.len(), "{what}: {got:?}");
    for (k, (g, w)) in got.data().iter().zip(want).enumerate() {
        let same = g == w || (g - w).abs() <= tol;
        assert!(same, "{what}: element {k} is {g}, expected {w}\n{got:?}");
    }
}

fn t(data: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(data.to_vec(), shape)
}

fn normal(shape: &[usize], r: &mut StdRng) -> Tensor<f64> {
    Tensor::randn(shape, 0.0, 1.0, r)
}

// ---------------------------------------------------------------------------------------------
// Convolution.

/// conv2d by its definition: a loop over every output and every tap, in f64.
fn conv2d_reference(
    x: &Tensor<f64>,
    w: &Tensor<f64>,
    b: Option<&Tensor<f64>>,
    o: ConvOptions,
) -> Tensor<f64> {
    let &[n, _, h, width] = x.shape() else {
        panic!("4-D x")
    };
    let &[c_out, per_group, kh, kw] = w.shape() else {
        panic!("4-D w")
    };
    let outs_per_group = c_out / o.groups;
    let extent = |size: usize, a: usize, k: usize| {
        (size + 2 * o.padding[a] - o.dilation[a] * (k - 1) - 1) / o.stride[a] + 1
    };
    let (oh, ow) = (extent(h, 0, kh), extent(width, 1, kw));
    let mut y = Tensor::zeros(&[n, c_out, oh, ow]);
    let mut k = 0;
    for s in 0..n {
        for out in 0..c_out {
            let group = out / outs_per_group;
            for i in 0..oh {
                for j in 0..ow {
                    let mut acc = b.map_or(0.0, |b| b.data()[out]);
                    for c in 0..per_group {
                        for p in 0..kh {
                            for q in 0..kw {
                                let iy = (i * o.stride[0] + p * o.dilation[0]) as isize
                                    - o.padding[0] as isize;
                                let ix = (j * o.stride[1] + q * o.dilation[1]) as isize
                                    - o.padding[1] as isize;
                                if iy < 0 || ix < 0 || iy >= h as isize || ix >= width as isize {
                                    continue;
                                }
                                let channel = group * per_group + c;
                                acc += w.at(&[out, c, p, q])
                                    * x.at(&[s, channel, iy as usize, ix as usize]);
                            }
                        }
                    }
                    y.data_mut()[k] = acc;
                    k += 1;
                }
            }
        }
    }
    y
}

/// A random convolution with these options: `[x, w, b]` with `N` in 1..=2, 1 or 2 channels
/// per group in and out, a kernel of 1 to 3 taps per axis and an image from the smallest that
/// fits to 3 more, in which some window reads some pixel (with dilation and padding a small
/// image can have every window in the padding, and then no gradient reaches `x` or `w`).
fn random_conv(r: &mut StdRng, o: ConvOptions) -> [Tensor<f64>; 3] {
    loop {
        let n = r.random_range(1..=2);
        let c_in = o.groups * r.random_range(1..=2);
        let c_out = o.groups * r.random_range(1..=2);
        let (kh, kw) = (r.random_range(1..=3), r.random_range(1..=3));
        let size = |a: usize, k: usize, r: &mut StdRng| {
            let span = o.dilation[a] * (k - 1) + 1;
            let least = span.saturating_sub(2 * o.padding[a]).max(1);
            r.random_range(least..=least + 3)
        };
        let (h, w) = (size(0, kh, r), size(1, kw, r));
        let (xs, ws) = ([n, c_in, h, w], [c_out, c_in / o.groups, kh, kw]);
        let reads = conv2d_reference(&Tensor::ones(&xs), &Tensor::ones(&ws), None, o);
        if reads.data().iter().any(|&v| v > 0.0) {
            return [normal(&xs, r), normal(&ws, r), normal(&[c_out], r)];
        }
    }
}

/// Every combination of stride 1-2, padding 0-2, dilation 1-2 and groups 1-2.
fn every_conv_options() -> Vec<ConvOptions> {
    let mut all = Vec::new();
    for stride in [1, 2] {
        for padding in [0, 1, 2] {
            for dilation in [1, 2] {
                for groups in [1, 2] {
                    all.push(
                        ConvOptions::default()
                            .stride([stride, stride])
                            .padding([padding, padding])
                            .dilation([dilation, dilation])
                            .groups(groups),
                    );
                }
            }
        }
    }
    all
}

#[test]
fn conv2d_by_hand() {
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_fn(&[1, 1, 3, 3], |i| (i + 1) as f64)); // 1..9
    let w = tape.param(t(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 2, 2]));
    let b = tape.param(t(&[1.0], &[1]));

    // Stride 2, padding 1: four windows over the zero-padded 5x5 image.
    //   (0, 0) reads only x[0, 0] = 1 at tap (1, 1): 4 * 1 = 4
    //   (0, 1) reads x[0, 1], x[0, 2] at taps (1, 0), (1, 1): 3 * 2 + 4 * 3 = 18
    //   (1, 0) reads x[1, 0], x[2, 0] at taps (0, 1), (1, 1): 2 * 4 + 4 * 7 = 36
    //   (1, 1) reads 5, 6, 8, 9: 5 + 12 + 24 + 36 = 77
    let options = ConvOptions::default().stride([2, 2]).padding([1, 1]);
    let y = conv2d(x, w, Some(b), options);
    assert_eq!(y.shape().as_slice(), &[1, 1, 2, 2]);
    assert_eq!(y.value().data(), &[5.0, 19.0, 37.0, 78.0]);
    let g = y.sum().backward();
    // Each pixel is read by exactly one window, at the tap named by its position's parity.
    assert_eq!(g[x].data(), &[4.0, 3.0, 4.0, 2.0, 1.0, 2.0, 4.0, 3.0, 4.0]);
    // Tap (0, 0) read 0, 0, 0, 5; tap (0, 1) 0, 0, 4, 6; tap (1, 0) 0, 2, 0, 8; tap (1, 1)
    // 1, 3, 7, 9.
    assert_eq!(g[w].data(), &[5.0, 10.0, 10.0, 20.0]);
    assert_eq!(g[b].data(), &[4.0]);

    // Dilation 2 on a 4x4 image x[r, c] = 4 r + c: taps (i, j), (i, j + 2), (i + 2, j),
    // (i + 2, j + 2) give 10 (4 i + j) + 2 * 2 + 3 * 8 + 4 * 10 = 10 (4 i + j) + 68.
    let x4 = tape.param(Tensor::from_fn(&[1, 1, 4, 4], |i| i as f64));
    let y = conv2d(x4, w, None, ConvOptions::default().dilation([2, 2]));
    assert_eq!(y.value().data(), &[68.0, 78.0, 108.0, 118.0]);

    // Groups 2, two filters per group, one 2x2 window: channel 0 = 1 2 3 4 and channel 1 =
    // 5 6 7 8. Filters 0, 1 see channel 0 only: sum = 10 and 1 - 2 = -1; filters 2, 3 see
    // channel 1 only: sum = 26 and 2 * 8 = 16.
    let x2 = tape.param(Tensor::from_fn(&[1, 2, 2, 2], |i| (i + 1) as f64));
    let filters = [
        1.0, 1.0, 1.0, 1.0, 1.0, -1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 2.0,
    ];
    let wg = tape.param(t(&filters, &[4, 1, 2, 2]));
    let y = conv2d(x2, wg, None, ConvOptions::default().groups(2));
    assert_eq!(y.value().data(), &[10.0, -1.0, 26.0, 16.0]);
}

#[test]
fn conv2d_with_stride_padding_dilation_and_groups_at_once() {
    // Two 3x3 channels (1..9 and 10..18), 2x2 kernels, stride 2, padding 1, dilation 2,
    // groups 2. The dilated kernel spans 3, the padded image 5: 2x2 outputs. Window (i, j)
    // reads rows {2i - 1, 2i + 1} and columns {2j - 1, 2j + 1}; only the centre (1, 1) lies
    // inside, at tap (1, 1), (1, 0), (0, 1), (0, 0) for the four windows in turn. So output
    // channel 0 is w0 reversed times 5, channel 1 is w1 reversed times 14, plus the bias.
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_fn(&[1, 2, 3, 3], |i| (i + 1) as f64));
    let w = tape.param(t(
        &[1.0, 2.0, 3.0, 4.0, -1.0, 0.5, 2.0, -2.0],
        &[2, 1, 2, 2],
    ));
    let b = tape.param(t(&[0.5, -1.0], &[2]));
    let options = ConvOptions::default()
        .stride([2, 2])
        .padding([1, 1])
        .dilation([2, 2])
        .groups(2);
    let y = conv2d(x, w, Some(b), options);
    assert_eq!(y.shape().as_slice(), &[1, 2, 2, 2]);
    assert_eq!(
        y.value().data(),
        &[20.5, 15.5, 10.5, 5.5, -29.0, 27.0, 6.0, -15.0]
    );
    let g = y.sum().backward();
    let mut dx = [0.0; 18];
    dx[4] = 1.0 + 2.0 + 3.0 + 4.0; // channel 0's centre, once through every tap of w0
    dx[13] = -1.0 + 0.5 + 2.0 - 2.0; // channel 1's centre, through w1
    assert_eq!(g[x].data(), &dx);
    assert_eq!(g[w].data(), &[5.0, 5.0, 5.0, 5.0, 14.0, 14.0, 14.0, 14.0]);
    assert_eq!(g[b].data(), &[4.0, 4.0]);
    // And the direct loop agrees.
    let reference = conv2d_reference(&x.value(), &w.value(), Some(&b.value()), options);
    assert_eq!(y.value(), reference);
}

#[test]
fn conv1d_by_hand() {
    // [1, 2, 3, 4, 5] padded with a zero at each end, kernel [1, 1] dilated by 2, stride 2:
    // windows read positions {-1, 1}, {1, 3}, {3, 5}: 0 + 2, 2 + 4, 4 + 0.
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_fn(&[1, 1, 5], |i| (i + 1) as f64));
    let w = tape.param(t(&[1.0, 1.0], &[1, 1, 2]));
    let options = Conv1dOptions::default().stride(2).padding(1).dilation(2);
    let y = conv1d(x, w, None, options);
    assert_eq!(y.shape().as_slice(), &[1, 1, 3]);
    assert_eq!(y.value().data(), &[2.0, 6.0, 4.0]);
    let g = y.sum().backward();
    assert_eq!(g[x].data(), &[0.0, 2.0, 0.0, 2.0, 0.0]);
    assert_eq!(g[w].data(), &[6.0, 6.0]); // taps 0: 0 + 2 + 4; taps 1: 2 + 4 + 0
}

#[test]
fn conv2d_gradients_for_every_stride_padding_dilation_and_groups() {
    // 24 combinations, 3 random shapes each, with bias on the first and last and off between.
    for (c, options) in every_conv_options().into_iter().enumerate() {
        let mut r = rng(100 + c as u64);
        for shape in 0..3 {
            let [x, w, b] = random_conv(&mut r, options);
            let what = format!(
                "conv2d #{c}.{shape} {options:?} x {:?} w {:?}",
                x.shape(),
                w.shape()
            );
            if shape == 1 {
                passes(&what, &[x, w], |_, v| conv2d(v[0], v[1], None, options));
            } else {
                passes(&what, &[x, w, b], |_, v| {
                    conv2d(v[0], v[1], Some(v[2]), options)
                });
            }
        }
    }
}

#[test]
fn conv2d_equals_the_direct_loop() {
    let all = every_conv_options();
    for_each_configuration(2, 4 * CONFIGURATIONS, |config, r| {
        // Any of the 24 option sets, or an asymmetric one.
        let options = if config % 2 == 0 {
            all[r.random_range(0..all.len())]
        } else {
            ConvOptions::default()
                .stride([r.random_range(1..=3), r.random_range(1..=3)])
                .padding([r.random_range(0..=2), r.random_range(0..=2)])
                .dilation([r.random_range(1..=3), r.random_range(1..=3)])
                .groups(r.random_range(1..=3))
        };
        let [x, w, b] = random_conv(r, options);
        let tape = Tape::<f64>::new();
        let (xv, wv, bv) = (
            tape.constant(x.clone()),
            tape.constant(w.clone()),
            tape.constant(b.clone()),
        );
        let bias = config % 3 != 0;
        let y = conv2d(xv, wv, bias.then_some(bv), options).value();
        let want = conv2d_reference(&x, &w, bias.then_some(&b), options);
        let what = format!("#{config} {options:?} x {:?} w {:?}", x.shape(), w.shape());
        assert_eq!(y.shape(), want.shape(), "{what}");
        assert_close(&what, &y, want.data(), 1e-12);
    });
}

/// A random 1-D convolution with these options: `[x, w, b]` as for [`random_conv`], with a
/// sequence from the shortest that fits to 4 more, some window reading some element.
fn random_conv1d(r: &mut StdRng, o: Conv1dOptions) -> [Tensor<f64>; 3] {
    loop {
        let n = r.random_range(1..=2);
        let c_in = o.groups * r.random_range(1..=2);
        let c_out = o.groups * r.random_range(1..=2);
        let k = r.random_range(1..=3);
        let span = o.dilation * (k - 1) + 1;
        let least = span.saturating_sub(2 * o.padding).max(1);
        let len = r.random_range(least..=least + 4);
        let outputs = (len + 2 * o.padding - span) / o.stride + 1;
        let reads = (0..outputs).any(|i| {
            (0..k).any(|p| {
                (i * o.stride + p * o.dilation)
                    .checked_sub(o.padding)
                    .is_some_and(|at| at < len)
            })
        });
        if reads {
            return [
                normal(&[n, c_in, len], r),
                normal(&[c_out, c_in / o.groups, k], r),
                normal(&[c_out], r),
            ];
        }
    }
}

#[test]
fn conv1d_against_the_direct_loop_and_finite_differences() {
    for_each_configuration(3, CONFIGURATIONS, |config, r| {
        let options = Conv1dOptions::default()
            .stride(r.random_range(1..=2))
            .padding(r.random_range(0..=2))
            .dilation(r.random_range(1..=2))
            .groups(r.random_range(1..=2));
        let [x, w, b] = random_conv1d(r, options);
        // The reference: the 2-D loop on a one-row image with a 1 x k kernel.
        let as_2d = ConvOptions::default()
            .stride([1, options.stride])
            .padding([0, options.padding])
            .dilation([1, options.dilation])
            .groups(options.groups);
        let (xs, ws) = (x.shape(), w.shape());
        let reference = conv2d_reference(
            &x.reshape(&[xs[0], xs[1], 1, xs[2]]),
            &w.reshape(&[ws[0], ws[1], 1, ws[2]]),
            Some(&b),
            as_2d,
        );
        let what = format!("conv1d #{config} {options:?} x {xs:?} w {ws:?}");
        let tape = Tape::<f64>::new();
        let y = conv1d(
            tape.constant(x.clone()),
            tape.constant(w.clone()),
            Some(tape.constant(b.clone())),
            options,
        );
        let rs = reference.shape();
        assert_eq!(y.shape().as_slice(), &[rs[0], rs[1], rs[3]], "{what}");
        assert_close(&what, &y.value(), reference.data(), 1e-12);
        if config % 2 == 0 {
            passes(&what, &[x, w, b], |_, v| {
                conv1d(v[0], v[1], Some(v[2]), options)
            });
        } else {
            passes(&what, &[x, w], |_, v| conv1d(v[0], v[1], None, options));
        }
    });
}

#[test]
fn conv_second_derivatives() {
    let all = every_conv_options();
    for_each_configuration(4, 6, |config, r| {
        let options = all[(config as usize * 5) % all.len()];
        let [x, w, b] = random_conv(r, options);
        let what = format!("tanh(conv2d) #{config} {options:?} x {:?}", x.shape());
        passes_second_order(&what, &[x, w, b], |_, v| {
            conv2d(v[0], v[1], Some(v[2]), options).tanh()
        });
    });
    let mut r = rng(5);
    let x = normal(&[2, 2, 5], &mut r);
    let w = normal(&[2, 1, 3], &mut r);
    let options = Conv1dOptions::default().groups(2).padding(1).dilation(2);
    passes_second_order("tanh(conv1d)", &[x, w], |_, v| {
        conv1d(v[0], v[1], None, options).tanh()
    });
}

// ---------------------------------------------------------------------------------------------
// Pooling.

/// Pooling by its definition: over each window's taps inside the image, the maximum (taps in
/// the padding never win; -inf if there are none) or the sum divided by every tap, padding
/// included.
fn pool_reference(x: &Tensor<f64>, w: Window, max: bool) -> Tensor<f64> {
    let &[n, c, h, width] = x.shape() else {
        panic!("4-D x")
    };
    let [oh, ow] = w.output_size([h, width]).expect("a window that fits");
    let mut y = Tensor::zeros(&[n, c, oh, ow]);
    let mut k = 0;
    for plane in 0..n * c {
        for i in 0..oh {
            for j in 0..ow {
                let mut taps = Vec::new();
                for p in 0..w.kernel[0] {
                    for q in 0..w.kernel[1] {
                        let iy =
                            (i * w.stride[0] + p * w.dilation[0]) as isize - w.padding[0] as isize;
                        let ix =
                            (j * w.stride[1] + q * w.dilation[1]) as isize - w.padding[1] as isize;
                        if iy >= 0 && ix >= 0 && iy < h as isize && ix < width as isize {
                            taps.push(x.data()[(plane * h + iy as usize) * width + ix as usize]);
                        }
                    }
                }
                y.data_mut()[k] = if max {
                    taps.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v))
                } else {
                    taps.iter().sum::<f64>() / w.taps() as f64
                };
                k += 1;
            }
        }
    }
    y
}

/// A random window (kernel 1-3, stride 1-3, padding up to kernel / 2, dilation 1-2, each per
/// axis) and a random `[N, C, H, W]` input it fits, every window holding a pixel.
fn random_pool(r: &mut StdRng) -> (Window, Tensor<f64>) {
    loop {
        let kernel = [r.random_range(1..=3), r.random_range(1..=3)];
        let window = Window::new(kernel)
            .stride([r.random_range(1..=3), r.random_range(1..=3)])
            .padding([
                r.random_range(0..=kernel[0] / 2),
                r.random_range(0..=kernel[1] / 2),
            ])
            .dilation([r.random_range(1..=2), r.random_range(1..=2)]);
        let size = |a: usize, r: &mut StdRng| {
            let span = window.dilation[a] * (kernel[a] - 1) + 1;
            let least = span.saturating_sub(2 * window.padding[a]).max(1);
            r.random_range(least..=least + 3)
        };
        let shape = [
            r.random_range(1..=2),
            r.random_range(1..=3),
            size(0, r),
            size(1, r),
        ];
        let x = normal(&shape, r);
        if pool_reference(&x, window, true).all_finite() {
            return (window, x);
        }
    }
}

#[test]
fn max_pool2d_by_hand() {
    let tape = Tape::<f64>::new();
    // 2x2 windows at stride 2 over a 4x4 image: the maximum of each quarter.
    let image = [
        1.0, 5.0, 2.0, 0.0, //
        3.0, 4.0, 8.0, 1.0, //
        0.0, 2.0, 7.0, 6.0, //
        9.0, 1.0, 3.0, 3.0,
    ];
    let x = tape.param(t(&image, &[1, 1, 4, 4]));
    let y = max_pool2d(x, Window::new([2, 2]).stride([2, 2]));
    assert_eq!(y.value().data(), &[5.0, 8.0, 9.0, 7.0]);
    let mut dx = [0.0; 16];
    for at in [1, 6, 12, 10] {
        dx[at] = 1.0;
    }
    assert_eq!(y.sum().backward()[x].data(), &dx);

    // Overlapping windows (stride 1) that all hold the 9 in the centre: it collects four
    // gradients.
    let x = tape.param(t(&[1., 2., 3., 4., 9., 6., 7., 8., 5.], &[1, 1, 3, 3]));
    let y = max_pool2d(x, Window::new([2, 2]));
    assert_eq!(y.value().data(), &[9.0; 4]);
    assert_eq!(
        y.sum().backward()[x].data(),
        &[0., 0., 0., 0., 4., 0., 0., 0., 0.]
    );

    // Kernel 3, stride 2, padding 1 over 1..9: windows are the four 2x2 corners.
    let x = tape.param(Tensor::from_fn(&[1, 1, 3, 3], |i| (i + 1) as f64));
    let y = max_pool2d(x, Window::new([3, 3]).stride([2, 2]).padding([1, 1]));
    assert_eq!(y.value().data(), &[5.0, 6.0, 8.0, 9.0]);

    // Dilation 2: the corners 1, 3, 7, 9.
    let y = max_pool2d(x, Window::new([2, 2]).dilation([2, 2]));
    assert_eq!(y.value().data(), &[9.0]);

    // Batch and channels pool separately: each 2x2 plane's maximum is its last element.
    let x = tape.param(Tensor::from_fn(&[2, 2, 2, 2], |i| i as f64));
    let y = max_pool2d(x, Window::new([2, 2]));
    assert_eq!(y.shape().as_slice(), &[2, 2, 1, 1]);
    assert_eq!(y.value().data(), &[3.0, 7.0, 11.0, 15.0]);
}

#[test]
fn max_pool2d_ties_share_the_gradient_equally() {
    let tape = Tape::<f64>::new();
    // Three taps tie for the maximum 2: each gets a third.
    let x = tape.param(t(&[2.0, 2.0, 1.0, 2.0], &[1, 1, 2, 2]));
    let y = max_pool2d(x, Window::new([2, 2]));
    assert_eq!(y.item(), 2.0);
    let third = 1.0 / 3.0;
    assert_eq!(y.backward()[x].data(), &[third, third, 0.0, third]);
    // Ties in two overlapping windows: [3, 3, 3] with kernel 2 stride 1 gives two windows,
    // each sharing its gradient between its two taps: 1/2, 1/2 + 1/2, 1/2.
    let x = tape.param(t(&[3.0, 3.0, 3.0], &[1, 1, 1, 3]));
    let y = max_pool2d(x, Window::new([1, 2]));
    assert_eq!(y.sum().backward()[x].data(), &[0.5, 1.0, 0.5]);
}

#[test]
fn a_max_pool_window_wholly_in_the_padding_gives_minus_infinity_and_no_gradient() {
    // A 2x2 kernel dilated by 2 with padding 1 over a 1x1 image reads (-1, -1), (-1, 1), (1, -1)
    // and (1, 1): all padding.
    let tape = Tape::<f64>::new();
    let x = tape.param(t(&[3.0], &[1, 1, 1, 1]));
    let y = max_pool2d(x, Window::new([2, 2]).dilation([2, 2]).padding([1, 1]));
    assert_eq!(y.value().data(), &[f64::NEG_INFINITY]);
    let g = tape.grad(y, &[x]).unwrap()[0].value();
    assert_eq!(g.data(), &[0.0]);
}

#[test]
fn avg_pool2d_by_hand() {
    let tape = Tape::<f64>::new();
    // Kernel 3, stride 2, padding 1 over 1..9: each window holds a 2x2 corner and five padded
    // zeros, all nine counted: 12 / 9, 16 / 9, 24 / 9, 28 / 9.
    let x = tape.param(Tensor::from_fn(&[1, 1, 3, 3], |i| (i + 1) as f64));
    let y = avg_pool2d(x, Window::new([3, 3]).stride([2, 2]).padding([1, 1]));
    assert_close(
        "avg 3x3",
        &y.value(),
        &[12.0 / 9.0, 16.0 / 9.0, 24.0 / 9.0, 28.0 / 9.0],
        1e-15,
    );
    // A pixel gets 1/9 from each window that reads it: the centre is in all four.
    let g = y.sum().backward();
    let counts = [1.0, 2.0, 1.0, 2.0, 4.0, 2.0, 1.0, 2.0, 1.0];
    let want: Vec<f64> = counts.iter().map(|c| c / 9.0).collect();
    assert_close("avg 3x3 gradient", &g[x], &want, 1e-15);

    // Dilation 2: the mean of the corners 1, 3, 7, 9.
    let y = avg_pool2d(x, Window::new([2, 2]).dilation([2, 2]));
    assert_eq!(y.value().data(), &[5.0]);

    // Stride 1, no padding, 2x2 windows over 1..9: 3, 4, 6, 7.
    let y = avg_pool2d(x, Window::new([2, 2]));
    assert_eq!(y.value().data(), &[3.0, 4.0, 6.0, 7.0]);
}

#[test]
fn pooling_against_the_direct_loop_and_finite_differences() {
    for_each_configuration(6, CONFIGURATIONS, |config, r| {
        let (window, x) = random_pool(r);
        let what = format!("#{config} {window:?} x {:?}", x.shape());
        let tape = Tape::<f64>::new();
        let xv = tape.constant(x.clone());
        let max = max_pool2d(xv, window).value();
        assert_eq!(max, pool_reference(&x, window, true), "max_pool2d {what}");
        let avg = avg_pool2d(xv, window).value();
        let want = pool_reference(&x, window, false);
        assert_eq!(avg.shape(), want.shape(), "avg_pool2d {what}");
        assert_close(&format!("avg_pool2d {what}"), &avg, want.data(), 1e-14);
        passes(
            &format!("max_pool2d {what}"),
            std::slice::from_ref(&x),
            |_, v| max_pool2d(v[0], window),
        );
        passes(&format!("avg_pool2d {what}"), &[x], |_, v| {
            avg_pool2d(v[0], window)
        });
    });
}

#[test]
fn pooling_second_derivatives() {
    for_each_configuration(7, 5, |config, r| {
        let (window, x) = random_pool(r);
        let what = format!("#{config} {window:?} x {:?}", x.shape());
        passes_second_order(
            &format!("tanh(max_pool2d) {what}"),
            std::slice::from_ref(&x),
            |_, v| max_pool2d(v[0], window).tanh(),
        );
        passes_second_order(&format!("tanh(avg_pool2d) {what}"), &[x], |_, v| {
            avg_pool2d(v[0], window).tanh()
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Embedding.

#[test]
fn embedding_by_hand() {
    let tape = Tape::<f64>::new();
    // Row r of the table is [r, 10 r, 100 r].
    let table = tape.param(Tensor::from_fn(&[4, 3], |i| {
        (i / 3) as f64 * [1.0, 10.0, 100.0][i % 3]
    }));
    let y = embedding(table, &[2, 0, 2, 3, 2, 1], &[2, 3]);
    assert_eq!(y.shape().as_slice(), &[2, 3, 3]);
    assert_eq!(
        y.value().data(),
        &[
            2., 20., 200., 0., 0., 0., 2., 20., 200., //
            3., 30., 300., 2., 20., 200., 1., 10., 100.
        ]
    );
    // Weighted by position: id 2 sits at positions 0, 2 and 4, so its row gets 1 + 3 + 5.
    let weights = tape.constant(Tensor::from_fn(&[2, 3, 1], |i| (i + 1) as f64));
    let g = (y * weights).sum().backward();
    assert_eq!(
        g[table].data(),
        &[2., 2., 2., 6., 6., 6., 9., 9., 9., 4., 4., 4.]
    );
}

#[test]
fn embedding_against_direct_indexing_and_finite_differences() {
    for_each_configuration(8, CONFIGURATIONS, |config, r| {
        let (vocab, dim) = (r.random_range(1..=6), r.random_range(1..=4));
        let shape: Vec<usize> = (0..r.random_range(1..=3))
            .map(|_| r.random_range(1..=3))
            .collect();
        let positions: usize = shape.iter().product();
        let ids: Vec<usize> = (0..positions).map(|_| r.random_range(0..vocab)).collect();
        let table = normal(&[vocab, dim], r);
        let what = format!("#{config} embedding {ids:?} in {shape:?} of [{vocab}, {dim}]");

        let tape = Tape::<f64>::new();
        let tv = tape.param(table.clone());
        let y = embedding(tv, &ids, &shape);
        let mut want_shape = shape.clone();
        want_shape.push(dim);
        assert_eq!(y.shape().as_slice(), want_shape.as_slice(), "{what}");
        let want: Vec<f64> = ids
            .iter()
            .flat_map(|&id| table.data()[id * dim..(id + 1) * dim].to_vec())
            .collect();
        assert_eq!(y.value().data(), want.as_slice(), "{what}");
        // The gradient of sum(c * y) adds row c_i into row ids[i].
        let c = normal(&want_shape, r);
        let g = (y * tape.constant(c.clone())).sum().backward();
        let mut want = vec![0.0; vocab * dim];
        for (i, &id) in ids.iter().enumerate() {
            for d in 0..dim {
                want[id * dim + d] += c.data()[i * dim + d];
            }
        }
        assert_close(&what, &g[tv], &want, 1e-14);
        passes(&what, &[table], |_, v| embedding(v[0], &ids, &shape));
    });
}

#[test]
fn embedding_second_derivatives() {
    for_each_configuration(9, 4, |config, r| {
        let table = normal(&[5, 3], r);
        let ids: Vec<usize> = (0..6).map(|_| r.random_range(0..5)).collect();
        let what = format!("#{config} tanh(embedding) {ids:?}");
        passes_second_order(&what, &[table], |_, v| {
            embedding(v[0], &ids, &[2, 3]).tanh()
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Batch normalisation.

#[test]
fn batch_norm_by_hand() {
    let tape = Tape::<f64>::new();
    // [N = 4, C = 2]: channel 0 = 1, 3, 1, 3 (mean 2, biased variance 1) and channel 1 = 0, 4,
    // 4, 8 (mean 4, biased variance 8).
    let x = tape.param(t(&[1., 0., 3., 4., 1., 4., 3., 8.], &[4, 2]));
    let w = tape.param(t(&[2.0, -1.0], &[2]));
    let b = tape.param(t(&[0.5, 3.0], &[2]));
    let options = BatchNormOptions {
        momentum: 0.1,
        eps: 0.0,
    };
    let mut running = RunningStats::new(2);
    let y = batch_norm(x, Some(w), Some(b), &mut running, true, options);
    // Channel 0 normalises to -1, 1, -1, 1, then 2 y + 0.5; channel 1 to -sqrt 2, 0, 0,
    // sqrt 2, then 3 - y.
    let r2 = 2.0_f64.sqrt();
    assert_close(
        "training",
        &y.value(),
        &[-1.5, 3.0 + r2, 2.5, 3.0, -1.5, 3.0, 2.5, 3.0 - r2],
        1e-15,
    );
    // Running mean 0.1 * [2, 4]; running variance 0.9 + 0.1 * unbiased [4/3, 32/3].
    assert_close("running mean", &running.mean, &[0.2, 0.4], 1e-15);
    let var = [0.9 + 0.4 / 3.0, 0.9 + 3.2 / 3.0];
    assert_close("running variance", &running.var, &var, 1e-15);
    assert_eq!(running.batches, 1);

    // Inference normalises with the running statistics and leaves them alone.
    let y = batch_norm(x, Some(w), Some(b), &mut running, false, options);
    let want: Vec<f64> = [1., 0., 3., 4., 1., 4., 3., 8.]
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let c = i % 2;
            let n = (v - [0.2, 0.4][c]) / var[c].sqrt();
            n * [2.0, -1.0][c] + [0.5, 3.0][c]
        })
        .collect();
    assert_close("inference", &y.value(), &want, 1e-14);
    assert_eq!(running.batches, 1);
    assert_close("running mean", &running.mean, &[0.2, 0.4], 1e-15);

    // In training the output sums to 0 per channel whatever x is, so the gradient of the sum
    // is 0: the batch statistics' own gradient cancels the direct one.
    let plain = batch_norm(x, None, None, &mut running, true, options);
    let g = plain.sum().backward();
    assert!(g[x].data().iter().all(|v| v.abs() < 1e-14), "{:?}", g[x]);
}

#[test]
fn batch_norm_reduces_every_axis_but_the_channels() {
    // [N = 2, C = 2, H = 1, W = 2], x = 0..8: channel 0 holds 0, 1, 4, 5 and channel 1 holds
    // 2, 3, 6, 7; both have biased variance 4.25 about means 2.5 and 4.5.
    let tape = Tape::<f64>::new();
    let x = tape.param(Tensor::from_fn(&[2, 2, 1, 2], |i| i as f64));
    let options = BatchNormOptions {
        momentum: 0.5,
        eps: 0.0,
    };
    let mut running = RunningStats::new(2);
    let y = batch_norm(x, None, None, &mut running, true, options);
    let s = 4.25_f64.sqrt();
    let z = [-2.5 / s, -1.5 / s, 1.5 / s, 2.5 / s];
    assert_close(
        "4-D",
        &y.value(),
        &[z[0], z[1], z[0], z[1], z[2], z[3], z[2], z[3]],
        1e-15,
    );
    assert_close("running mean", &running.mean, &[1.25, 2.25], 1e-15);
    let var = 0.5 + 0.5 * 4.25 * 4.0 / 3.0;
    assert_close("running variance", &running.var, &[var, var], 1e-15);

    // [N = 2, C = 1, L = 3] in f32: the defaults, eps 1e-5.
    let tape = Tape::<f32>::new();
    let x = tape.param(Tensor::from_vec(
        vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        &[2, 1, 3],
    ));
    let mut running = RunningStats::new(1);
    let y = batch_norm(x, None, None, &mut running, true, Default::default());
    let (mean, var) = (3.5_f32, 17.5_f32 / 6.0);
    let want = |v: f32| (v - mean) / (var + 1e-5).sqrt();
    for (k, got) in y.value().data().iter().enumerate() {
        assert!((got - want(k as f32 + 1.0)).abs() < 1e-6, "{k}: {got}");
    }
    assert!((running.var.data()[0] - (0.9 + 0.1 * 3.5)).abs() < 1e-6);
}

/// A random batch-norm setting: `x`, optional weight and bias, starting statistics, whether
/// training, and options.
struct BatchNormCase {
    x: Tensor<f64>,
    weight: Option<Tensor<f64>>,
    bias: Option<Tensor<f64>>,
    running: RunningStats<f64>,
    training: bool,
    options: BatchNormOptions<f64>,
}

impl BatchNormCase {
    fn random(r: &mut StdRng) -> Self {
        let training = r.random_bool(0.6);
        let shape = loop {
            let ndim = r.random_range(2..=4);
            let shape: Vec<usize> = (0..ndim).map(|_| r.random_range(1..=3)).collect();
            if shape.iter().product::<usize>() / shape[1] > 1 {
                break shape;
            }
        };
        let c = shape[1];
        let x = Tensor::randn(&shape, 0.5, 1.5, r);
        let weight = r.random_bool(0.5).then(|| normal(&[c], r));
        let bias = r.random_bool(0.5).then(|| normal(&[c], r));
        let mut running = RunningStats::new(c);
        running.mean = normal(&[c], r);
        running.var = uniform(r, &[c], 0.5, 2.0);
        let options = BatchNormOptions {
            momentum: r.random_range(0.05..0.5),
            eps: 1e-5,
        };
        BatchNormCase {
            x,
            weight,
            bias,
            running,
            training,
            options,
        }
    }

    /// The inputs to check: `x`, then the weight and the bias where present.
    fn inputs(&self) -> Vec<Tensor<f64>> {
        let mut inputs = vec![self.x.clone()];
        inputs.extend(self.weight.clone());
        inputs.extend(self.bias.clone());
        inputs
    }

    /// batch_norm on vars for [`BatchNormCase::inputs`], from a copy of the statistics.
    fn apply<'t>(&self, v: &[Var<'t, f64>]) -> Var<'t, f64> {
        let w = self.weight.as_ref().map(|_| v[1]);
        let b = self.bias.as_ref().map(|_| v[v.len() - 1]);
        let mut running = self.running.clone();
        batch_norm(v[0], w, b, &mut running, self.training, self.options)
    }

    /// The output and the updated statistics, by the definition.
    fn reference(&self) -> (Vec<f64>, RunningStats<f64>) {
        let shape = self.x.shape();
        let c = shape[1];
        let inner: usize = shape[2..].iter().product();
        let channel = |k: usize| (k / inner) % c;
        let count = (self.x.numel() / c) as f64;
        let mut sum = vec![0.0; c];
        for (k, v) in self.x.data().iter().enumerate() {
            sum[channel(k)] += v;
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / count).collect();
        let mut sq = vec![0.0; c];
        for (k, v) in self.x.data().iter().enumerate() {
            sq[channel(k)] += (v - mean[channel(k)]).powi(2);
        }
        let var: Vec<f64> = sq.iter().map(|s| s / count).collect();
        let mut running = self.running.clone();
        let (use_mean, use_var) = if self.training {
            let m = self.options.momentum;
            for ch in 0..c {
                running.mean.data_mut()[ch] = (1.0 - m) * running.mean.data()[ch] + m * mean[ch];
                running.var.data_mut()[ch] =
                    (1.0 - m) * running.var.data()[ch] + m * var[ch] * count / (count - 1.0);
            }
            running.batches += 1;
            (mean, var)
        } else {
            (
                self.running.mean.data().to_vec(),
                self.running.var.data().to_vec(),
            )
        };
        let y = self
            .x
            .data()
            .iter()
            .enumerate()
            .map(|(k, v)| {
                let ch = channel(k);
                let n = (v - use_mean[ch]) / (use_var[ch] + self.options.eps).sqrt();
                let scaled = self.weight.as_ref().map_or(n, |w| n * w.data()[ch]);
                scaled + self.bias.as_ref().map_or(0.0, |b| b.data()[ch])
            })
            .collect();
        (y, running)
    }
}

#[test]
fn batch_norm_against_the_definition_and_finite_differences() {
    for_each_configuration(10, CONFIGURATIONS, |config, r| {
        let case = BatchNormCase::random(r);
        let what = format!(
            "#{config} batch_norm x {:?} training {} weight {} bias {}",
            case.x.shape(),
            case.training,
            case.weight.is_some(),
            case.bias.is_some()
        );
        let tape = Tape::<f64>::new();
        let vars: Vec<Var<'_, f64>> = case.inputs().into_iter().map(|t| tape.param(t)).collect();
        let w = case.weight.as_ref().map(|_| vars[1]);
        let b = case.bias.as_ref().map(|_| vars[vars.len() - 1]);
        let mut running = case.running.clone();
        let y = batch_norm(vars[0], w, b, &mut running, case.training, case.options);
        let (want, want_running) = case.reference();
        assert_close(&what, &y.value(), &want, 1e-12);
        assert_close(&what, &running.mean, want_running.mean.data(), 1e-14);
        assert_close(&what, &running.var, want_running.var.data(), 1e-14);
        assert_eq!(running.batches, want_running.batches, "{what}");
        passes(&what, &case.inputs(), |_, v| case.apply(v));
    });
}

#[test]
fn batch_norm_second_derivatives() {
    for_each_configuration(11, 6, |config, r| {
        let case = BatchNormCase::random(r);
        let what = format!(
            "#{config} tanh(batch_norm) x {:?} training {}",
            case.x.shape(),
            case.training
        );
        passes_second_order(&what, &case.inputs(), |_, v| case.apply(v).tanh());
    });
}

// ---------------------------------------------------------------------------------------------
// Dropout.

#[test]
fn dropout_masks_scales_and_routes_the_gradient() {
    for_each_configuration(12, CONFIGURATIONS, |config, r| {
        let shape: Vec<usize> = (0..r.random_range(1..=3))
            .map(|_| r.random_range(1..=5))
            .collect();
        let p = if config == 0 {
            0.0
        } else {
            r.random_range(0.0..0.9)
        };
        let seed = r.random::<u64>();
        // Entries of size at least 0.5, so that y / x recovers the mask.
        let x = uniform(r, &shape, 0.5, 2.0);
        let what = format!("#{config} dropout {p} on {shape:?}");

        let tape = Tape::<f64>::new();
        let xv = tape.param(x.clone());
        let y = dropout(xv, p, &mut StdRng::seed_from_u64(seed));
        let again = dropout(xv, p, &mut StdRng::seed_from_u64(seed));
        assert_eq!(
            y.value(),
            again.value(),
            "{what}: the same seed, the same mask"
        );
        let scale = 1.0 / (1.0 - p);
        let mask: Vec<f64> = y
            .value()
            .data()
            .iter()
            .zip(x.data())
            .map(|(y, x)| y / x)
            .collect();
        for m in &mask {
            assert!(*m == 0.0 || (m - scale).abs() < 1e-12, "{what}: mask {m}");
        }
        // The gradient of sum(c * y) is c times the mask.
        let c = normal(&shape, r);
        let g = (y * tape.constant(c.clone())).sum().backward();
        let want: Vec<f64> = c.data().iter().zip(&mask).map(|(c, m)| c * m).collect();
        assert_close(&what, &g[xv], &want, 1e-12);
        if mask.iter().any(|&m| m != 0.0) {
            passes(&what, &[x], |_, v| {
                dropout(v[0], p, &mut StdRng::seed_from_u64(seed))
            });
        } else {
            // Everything dropped: the checker agrees the gradient is 0, and says so.
            let report = GradCheck::new()
                .check(&[x], |_, v| {
                    dropout(v[0], p, &mut StdRng::seed_from_u64(seed))
                })
                .unwrap();
            assert_eq!(report.warnings.len(), 1, "{what}: {report}");
            assert!(
                report.warnings[0].contains("zero everywhere"),
                "{what}: {report}"
            );
        }
    });
}

#[test]
fn dropout_drops_a_fraction_p_and_keeps_the_mean() {
    let tape = Tape::<f32>::new();
    let x = tape.param(Tensor::ones(&[100, 200]));
    let y = dropout(x, 0.3, &mut StdRng::seed_from_u64(13)).value();
    let n = y.numel() as f64;
    let dropped = y.data().iter().filter(|&&v| v == 0.0).count() as f64 / n;
    // Standard deviation of the fraction: sqrt(0.3 * 0.7 / 20000) = 0.0032.
    assert!((dropped - 0.3).abs() < 0.015, "dropped {dropped}");
    let mean = y.data().iter().map(|&v| v as f64).sum::<f64>() / n;
    assert!((mean - 1.0).abs() < 0.03, "mean {mean}");
    // Different draws from one generator differ.
    let mut rng = StdRng::seed_from_u64(14);
    let a = dropout(x, 0.5, &mut rng).value();
    let b = dropout(x, 0.5, &mut rng).value();
    assert_ne!(a, b);
}

#[test]
fn dropout_second_derivatives() {
    for_each_configuration(15, 4, |config, r| {
        let x = normal(&[3, 4], r);
        let seed = 100 + config;
        passes_second_order(&format!("#{config} tanh(dropout)"), &[x], |_, v| {
            dropout(v[0], 0.25, &mut StdRng::seed_from_u64(seed)).tanh()
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Softmax and log-softmax with an additive mask.

const NEG_INF: f64 = f64::NEG_INFINITY;

/// Masked softmax (or log-softmax) by its definition: per lane along `axis`, over the entries
/// whose mask is above -inf, of `x + mask`; 0 (or -inf) elsewhere and in lanes with none.
fn masked_reference(x: &Tensor<f64>, axis: usize, mask: &Tensor<f64>, log: bool) -> Vec<f64> {
    let shape = x.shape();
    let m = mask.broadcast_to(shape);
    let (len, inner) = (shape[axis], shape[axis + 1..].iter().product::<usize>());
    let outer: usize = shape[..axis].iter().product();
    let mut y = vec![if log { NEG_INF } else { 0.0 }; x.numel()];
    for o in 0..outer {
        for i in 0..inner {
            let at = |k: usize| (o * len + k) * inner + i;
            let allowed: Vec<usize> = (0..len).filter(|&k| m.data()[at(k)] > NEG_INF).collect();
            let z = |k: usize| x.data()[at(k)] + m.data()[at(k)];
            let Some(max) = allowed.iter().map(|&k| z(k)).reduce(f64::max) else {
                continue;
            };
            let total: f64 = allowed.iter().map(|&k| (z(k) - max).exp()).sum();
            for &k in &allowed {
                y[at(k)] = if log {
                    z(k) - max - total.ln()
                } else {
                    (z(k) - max).exp() / total
                };
            }
        }
    }
    y
}

#[test]
fn masked_softmax_by_hand() {
    let tape = Tape::<f64>::new();
    // Row [1, 2, 3] with the middle masked: softmax of [1, 3] is 1 / (1 + e^2), e^2 / (1 + e^2).
    let x = tape.param(t(&[1.0, 2.0, 3.0], &[1, 3]));
    let mask = tape.constant(t(&[0.0, NEG_INF, 0.0], &[3]));
    let e2 = 2.0_f64.exp();
    let p = softmax_masked(x, 1, mask);
    assert_close(
        "softmax",
        &p.value(),
        &[1.0 / (1.0 + e2), 0.0, e2 / (1.0 + e2)],
        1e-15,
    );
    let l = log_softmax_masked(x, 1, mask);
    let ln = (1.0 + e2).ln();
    assert_close("log_softmax", &l.value(), &[-ln, NEG_INF, 2.0 - ln], 1e-15);
    // The masked entry gets no gradient, from either.
    assert_eq!(p.sum().backward()[x].data()[1], 0.0);
    let c = tape.constant(t(&[1.0, 5.0, 2.0], &[1, 3]));
    let finite = l.mask(Comparison::Gt, NEG_INF);
    let g = (finite.where_cond(l, tape.scalar(0.0)) * c)
        .sum()
        .backward();
    // d/dx of 1 * l_0 + 2 * l_2 = [1, 0, 2] - s * 3 over the allowed entries.
    let s = [1.0 / (1.0 + e2), e2 / (1.0 + e2)];
    assert_close(
        "log_softmax gradient",
        &g[x],
        &[1.0 - 3.0 * s[0], 0.0, 2.0 - 3.0 * s[1]],
        1e-15,
    );

    // A causal mask over 3 positions with zero scores: row i is uniform over 0..=i.
    let scores = tape.param(Tensor::zeros(&[3, 3]));
    let p = softmax_masked(scores, 1, causal_mask(&tape, 3));
    let third = 1.0 / 3.0;
    assert_close(
        "causal",
        &p.value(),
        &[1.0, 0.0, 0.0, 0.5, 0.5, 0.0, third, third, third],
        1e-15,
    );
}

#[test]
fn a_fully_masked_lane_gives_zeros_and_no_nan_anywhere() {
    // Scores [2, 3] of 2 batches: the mask [2, 1, 3] leaves row 1 of batch 0 wholly masked.
    let tape = Tape::<f64>::new();
    let data = [0.3, -1.2, 2.0, 0.7, 0.1, -0.4];
    let x = tape.param(t(&data, &[2, 1, 3]));
    let mask = tape.constant(t(
        &[0.0, NEG_INF, 0.0, NEG_INF, NEG_INF, NEG_INF],
        &[2, 1, 3],
    ));
    let c = tape.constant(t(&[1.0, -2.0, 0.5, 3.0, 1.5, -1.0], &[2, 1, 3]));
    for log in [false, true] {
        let y = if log {
            log_softmax_masked(x, 2, mask)
        } else {
            softmax_masked(x, 2, mask)
        };
        let dead = if log { NEG_INF } else { 0.0 };
        assert_eq!(&y.value().data()[3..], &[dead; 3], "log {log}");
        // The gradient is finite, 0 in the dead lane and at masked entries, and in the live
        // lane what the same lane gives on its own.
        let keep = y.mask(Comparison::Gt, NEG_INF);
        let loss = (keep.where_cond(y, tape.scalar(0.0)) * c).sum();
        let g = loss.backward()[x].clone();
        assert!(g.all_finite(), "log {log}: {g:?}");
        assert_eq!(&g.data()[3..], &[0.0; 3], "log {log}");
        assert_eq!(g.data()[1], 0.0, "log {log}");
        let alone = tape.param(t(&data[..3], &[1, 1, 3]));
        let lane_mask = tape.constant(t(&[0.0, NEG_INF, 0.0], &[1, 1, 3]));
        let y = if log {
            log_softmax_masked(alone, 2, lane_mask)
        } else {
            softmax_masked(alone, 2, lane_mask)
        };
        let keep = y.mask(Comparison::Gt, NEG_INF);
        let c0 = tape.constant(t(&[1.0, -2.0, 0.5], &[1, 1, 3]));
        let g0 = (keep.where_cond(y, tape.scalar(0.0)) * c0).sum().backward();
        assert_close("live lane", &g0[alone], &g.data()[..3], 1e-15);
        // Second derivatives are finite too.
        let dx = tape.grad(loss, &[x]).unwrap()[0];
        let d2 = tape.grad((dx * dx).sum(), &[x]).unwrap()[0].value();
        assert!(d2.all_finite(), "log {log}: {d2:?}");
    }
}

/// A random masked-softmax setting: `x` of 1 to 4 axes, an axis of extent at least 2, and an
/// additive mask that broadcasts to `x` (fewer axes, or extent 1 on some) with entries 0,
/// -inf or a finite bias; at least one lane has two allowed entries (else every output is
/// constant). About half the settings have a wholly masked lane.
fn random_masked(r: &mut StdRng) -> (Tensor<f64>, usize, Tensor<f64>) {
    loop {
        let ndim = r.random_range(1..=4);
        let axis = r.random_range(0..ndim);
        let shape: Vec<usize> = (0..ndim)
            .map(|a| r.random_range(if a == axis { 2 } else { 1 }..=4))
            .collect();
        let dropped = r.random_range(0..ndim);
        let mask_shape: Vec<usize> = shape[dropped..]
            .iter()
            .map(|&e| if r.random_bool(0.3) { 1 } else { e })
            .collect();
        let masked = r.random_range(0.2..0.7);
        let n: usize = mask_shape.iter().product();
        let values: Vec<f64> = (0..n)
            .map(|_| match r.random_range(0.0..1.0) {
                u if u < masked => NEG_INF,
                u if u < masked + 0.15 => r.random_range(-1.0..1.0),
                _ => 0.0,
            })
            .collect();
        let mask = Tensor::from_vec(values, &mask_shape);
        let x = Tensor::randn(&shape, 0.0, 2.0, r);
        let y = masked_reference(&x, axis, &mask, false);
        let (len, inner) = (shape[axis], shape[axis + 1..].iter().product::<usize>());
        let outer: usize = shape[..axis].iter().product();
        let lane_sizes: Vec<usize> = (0..outer * inner)
            .map(|l| {
                let (o, i) = (l / inner, l % inner);
                (0..len)
                    .filter(|k| y[(o * len + k) * inner + i] > 0.0)
                    .count()
            })
            .collect();
        if lane_sizes.iter().any(|&s| s >= 2) {
            return (x, axis, mask);
        }
    }
}

/// `y` with its -inf entries replaced by 0 (where_cond: no gradient flows to them), so that a
/// log-softmax with masked entries can be summed.
fn finite_part<'t>(tape: &'t Tape<f64>, y: Var<'t, f64>) -> Var<'t, f64> {
    y.mask(Comparison::Gt, NEG_INF)
        .where_cond(y, tape.scalar(0.0))
}

#[test]
fn masked_softmax_against_the_definition_and_finite_differences() {
    let mut dead_lanes = 0;
    for_each_configuration(16, CONFIGURATIONS, |config, r| {
        let (x, axis, mask) = random_masked(r);
        let what = format!("#{config} axis {axis} of x {:?}, mask {mask:?}", x.shape());
        let tape = Tape::<f64>::new();
        let m = tape.constant(mask.clone());
        let p = softmax_masked(tape.param(x.clone()), axis, m).value();
        assert_close(&what, &p, &masked_reference(&x, axis, &mask, false), 1e-12);
        let l = log_softmax_masked(tape.param(x.clone()), axis, m).value();
        assert_close(&what, &l, &masked_reference(&x, axis, &mask, true), 1e-12);
        let lane_count = x.numel() / x.shape()[axis];
        let live = p
            .sum_axes(&[axis], false)
            .data()
            .iter()
            .filter(|&&s| s > 0.5)
            .count();
        if live < lane_count {
            dead_lanes += 1;
        }

        passes(
            &format!("softmax_masked {what}"),
            std::slice::from_ref(&x),
            |tape, v| softmax_masked(v[0], axis, tape.constant(mask.clone())),
        );
        passes(
            &format!("log_softmax_masked {what}"),
            std::slice::from_ref(&x),
            |tape, v| {
                finite_part(
                    tape,
                    log_softmax_masked(v[0], axis, tape.constant(mask.clone())),
                )
            },
        );
        // A finite mask is an attention bias: its gradient is x's, summed over broadcasting.
        if config % 5 == 0 {
            let bias = normal(mask.shape(), r);
            passes(
                &format!("softmax_masked with a bias {what}"),
                &[x, bias],
                |_, v| softmax_masked(v[0], axis, v[1]),
            );
        }
    });
    // Both paths (every lane live, and some lane wholly masked) were taken often.
    assert!(
        (10..=40).contains(&dead_lanes),
        "{dead_lanes} settings with a dead lane"
    );
}

#[test]
fn masked_softmax_second_derivatives() {
    for_each_configuration(17, 6, |config, r| {
        let (x, axis, mask) = random_masked(r);
        let what = format!("#{config} axis {axis} of x {:?}, mask {mask:?}", x.shape());
        passes_second_order(
            &format!("softmax_masked {what}"),
            std::slice::from_ref(&x),
            |tape, v| softmax_masked(v[0], axis, tape.constant(mask.clone())),
        );
        passes_second_order(&format!("log_softmax_masked {what}"), &[x], |tape, v| {
            finite_part(
                tape,
                log_softmax_masked(v[0], axis, tape.constant(mask.clone())),
            )
        });
    });
}
