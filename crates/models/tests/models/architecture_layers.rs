//! The layers for convolutional and transformer architectures: shapes, parameter counts,
//! values against hand-worked numbers, gradients against finite differences, initial
//! statistics, batch-norm statistics and summaries.

use nabla_autodiff::{GradCheck, Tape, Tensor};
use nabla_models::Param;
use nabla_models::layer::{
    AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dense, Embedding, Flatten, ForwardCtx,
    LastPosition, Layer, LayerNorm, MaxPool2d, MultiHeadSelfAttention, PositionEmbedding, Reshape,
    Sequential, TransformerBlock,
};
use nabla_models::optim::{self, Adam};
use nabla_ops::loss::sparse_categorical_cross_entropy_with_logits;
use nabla_ops::{Activation, ConvOptions, conv2d};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Runs `layer` on `x` (a constant) on a fresh tape and returns the output's value.
fn run<L: Layer<f64>>(layer: &L, x: &Tensor<f64>, training: bool) -> Tensor<f64> {
    let tape = Tape::new();
    let mut rng = StdRng::seed_from_u64(0);
    let mut ctx = ForwardCtx {
        training,
        rng: &mut rng,
    };
    layer.forward(tape.constant(x.clone()), &mut ctx).value()
}

fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol,
            "element {i}: {g} vs {w}\n{got:?}\n{want:?}"
        );
    }
}

/// Checks the gradient of `layer`'s output with respect to its input with [`GradCheck`].
fn check_input_gradient<L: Layer<f64>>(layer: &L, x: &Tensor<f64>, training: bool) {
    let report = GradCheck::new()
        .names(&["x"])
        .check(std::slice::from_ref(x), |_tape, v| {
            let mut rng = StdRng::seed_from_u64(0);
            let mut ctx = ForwardCtx {
                training,
                rng: &mut rng,
            };
            layer.forward(v[0], &mut ctx)
        })
        .unwrap_or_else(|e| panic!("{}: {e}", layer.name()));
    assert_eq!(report.checked, x.numel());
}

/// Checks the gradient of every parameter of `layer`, as the layer binds it, against central
/// differences of `J = sum_k w_k y_k` (fixed random weights `w`, as [`GradCheck`] weighs an
/// output), each parameter element moved through `params_mut`. Returns how many elements were
/// checked.
fn check_param_gradients<L: Layer<f64>>(layer: &mut L, x: &Tensor<f64>, training: bool) -> usize {
    let shape = run(layer, x, training).shape().to_vec();
    let mut rng = StdRng::seed_from_u64(17);
    let weights = Tensor::from_fn(&shape, |_| {
        let sign = if rng.random::<bool>() { 1.0 } else { -1.0 };
        sign * rng.random_range(0.5..1.5)
    });
    let objective = |layer: &L| -> f64 {
        let y = run(layer, x, training);
        y.data()
            .iter()
            .zip(weights.data())
            .map(|(y, w)| y * w)
            .sum()
    };
    let analytic: Vec<Tensor<f64>> = {
        let tape = Tape::new();
        let mut rng = StdRng::seed_from_u64(0);
        let mut ctx = ForwardCtx {
            training,
            rng: &mut rng,
        };
        let y = layer.forward(tape.constant(x.clone()), &mut ctx);
        let grads = (y * tape.constant(weights.clone())).sum().backward();
        layer
            .params()
            .iter()
            .map(|p| {
                p.grad(&grads)
                    .unwrap_or_else(|| panic!("{}: no gradient for {}", layer.name(), p.name()))
                    .clone()
            })
            .collect()
    };
    let eps = 1e-6;
    let mut checked = 0;
    for (i, grad) in analytic.iter().enumerate() {
        for j in 0..grad.numel() {
            let original = layer.params()[i].value().data()[j];
            let set = |layer: &mut L, v: f64| layer.params_mut()[i].value_mut().data_mut()[j] = v;
            set(layer, original + eps);
            let up = objective(layer);
            set(layer, original - eps);
            let down = objective(layer);
            set(layer, original);
            let numeric = (up - down) / (2.0 * eps);
            let a = grad.data()[j];
            assert!(
                (a - numeric).abs() <= 1e-6 + 1e-4 * numeric.abs(),
                "{}: parameter {} ({}) element {j}: analytic {a} vs numeric {numeric}",
                layer.name(),
                i,
                layer.params()[i].name()
            );
            checked += 1;
        }
    }
    checked
}

fn randn(shape: &[usize], seed: u64) -> Tensor<f64> {
    Tensor::randn(shape, 0.0, 1.0, &mut StdRng::seed_from_u64(seed))
}

fn shapes(summary: &nabla_models::layer::Summary) -> Vec<&str> {
    summary
        .rows
        .iter()
        .map(|r| r.output_shape.as_str())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Conv2d

#[test]
fn conv2d_shape_name_and_parameter_count() {
    let mut rng = StdRng::seed_from_u64(0);
    let conv = Conv2d::<f64>::new(1, 16, [3, 3], &mut rng).padding([1, 1]);
    assert_eq!(conv.param_count(), 160);
    assert_eq!(conv.name(), "conv2d 1->16 3x3 pad 1");
    let y = run(&conv, &Tensor::zeros(&[2, 1, 8, 8]), false);
    assert_eq!(y.shape(), &[2, 16, 8, 8]);
    let strided = Conv2d::<f64>::new(3, 4, [3, 3], &mut rng).stride([2, 2]);
    assert_eq!(
        run(&strided, &Tensor::zeros(&[1, 3, 9, 7]), false).shape(),
        &[1, 4, 4, 3]
    );
}

#[test]
fn conv2d_by_hand_and_against_the_op() {
    // One 3x3 image 1..9, a 2x2 filter of ones and bias 0.5: window sums plus 0.5.
    let mut rng = StdRng::seed_from_u64(0);
    let mut conv = Conv2d::<f64>::new(1, 1, [2, 2], &mut rng);
    conv.set_weights(
        Tensor::ones(&[1, 1, 2, 2]),
        Tensor::from_vec(vec![0.5], &[1]),
    );
    let x = Tensor::from_fn(&[1, 1, 3, 3], |i| (i + 1) as f64);
    assert_eq!(run(&conv, &x, false).data(), &[12.5, 16.5, 24.5, 28.5]);

    // Random filters, stride, padding, dilation and groups: the layer is the op.
    let options = ConvOptions::default().groups(2);
    let conv = Conv2d::<f64>::with_options(4, 6, [3, 2], options, &mut rng)
        .stride([2, 1])
        .padding([1, 1])
        .dilation([1, 2]);
    let x = randn(&[2, 4, 7, 6], 1);
    let tape = Tape::new();
    let want = conv2d(
        tape.constant(x.clone()),
        tape.constant(conv.weight().value().clone()),
        Some(tape.constant(conv.bias().value().clone())),
        conv.options(),
    );
    let got = run(&conv, &x, false);
    assert_eq!(got.shape(), want.shape().as_slice());
    assert_eq!(got.data(), want.value().data());
}

#[test]
fn conv2d_init_stays_within_the_torch_bound() {
    // fan_in = 16 * 3 * 3 = 144: weights and bias in +-1/12, variance 1/(3 * 144).
    let mut rng = StdRng::seed_from_u64(5);
    let conv = Conv2d::<f64>::new(16, 32, [3, 3], &mut rng);
    let bound = 1.0 / 12.0;
    let w = conv.weight().value().data();
    assert!(w.iter().all(|v| v.abs() <= bound));
    assert!(w.iter().any(|v| v.abs() > 0.99 * bound));
    assert!(conv.bias().value().data().iter().all(|v| v.abs() <= bound));
    let n = w.len() as f64;
    let mean = w.iter().sum::<f64>() / n;
    let var = w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    assert!(
        mean.abs() < 4.0 * (bound * bound / 3.0 / n).sqrt(),
        "{mean}"
    );
    assert!((var / (bound * bound / 3.0) - 1.0).abs() < 0.06, "{var}");
}

#[test]
fn conv2d_gradients_match_finite_differences() {
    let mut rng = StdRng::seed_from_u64(2);
    let mut conv = Conv2d::<f64>::new(2, 3, [2, 3], &mut rng)
        .padding([1, 1])
        .stride([1, 2])
        .activation(Activation::Tanh);
    let x = randn(&[2, 2, 4, 5], 3);
    check_input_gradient(&conv, &x, false);
    assert_eq!(
        check_param_gradients(&mut conv, &x, false),
        3 * 2 * 2 * 3 + 3
    );
}

// ---------------------------------------------------------------------------------------
// Pooling, Flatten, Reshape, LastPosition

#[test]
fn pooling_by_hand() {
    // 4x4 image 0..16 in 2x2 windows: maxima 5 7 13 15, means 2.5 4.5 10.5 12.5.
    let x = Tensor::from_fn(&[1, 1, 4, 4], |i| i as f64);
    let max = MaxPool2d::new([2, 2]);
    assert_eq!(run(&max, &x, false).data(), &[5.0, 7.0, 13.0, 15.0]);
    assert_eq!(Layer::<f64>::param_count(&max), 0);
    let avg = AvgPool2d::new([2, 2]);
    assert_eq!(run(&avg, &x, false).data(), &[2.5, 4.5, 10.5, 12.5]);
    // Stride 1 overlaps the windows; padding 1 with stride 2 counts padded zeros in the mean.
    let overlapping = MaxPool2d::new([3, 3]).stride([1, 1]);
    assert_eq!(
        run(&overlapping, &x, false).data(),
        &[10.0, 11.0, 14.0, 15.0]
    );
    let padded = AvgPool2d::new([2, 2]).padding([1, 1]);
    let y = run(&padded, &x, false);
    assert_eq!(y.shape(), &[1, 1, 3, 3]);
    assert_eq!(y.data()[0], 0.0 / 4.0);
    assert_eq!(y.data()[1], (1.0 + 2.0) / 4.0);
    assert_eq!(y.data()[4], (5.0 + 6.0 + 9.0 + 10.0) / 4.0);
}

#[test]
fn pooling_gradients_match_finite_differences() {
    // Distinct values: no ties, so max pooling is smooth at x.
    let x = randn(&[2, 3, 4, 4], 4);
    check_input_gradient(&MaxPool2d::new([2, 2]), &x, false);
    check_input_gradient(
        &AvgPool2d::new([3, 3]).stride([1, 1]).padding([1, 1]),
        &x,
        false,
    );
}

#[test]
fn flatten_and_reshape_keep_row_major_order() {
    let x = Tensor::from_fn(&[2, 3, 2, 2], |i| i as f64);
    let flat = run(&Flatten, &x, false);
    assert_eq!(flat.shape(), &[2, 12]);
    assert_eq!(flat.data(), x.data());
    let images = run(
        &Reshape::new(&[1, 8, 8]),
        &Tensor::from_fn(&[3, 64], |i| i as f64),
        false,
    );
    assert_eq!(images.shape(), &[3, 1, 8, 8]);
    assert_eq!(images.data()[64 + 9], (64 + 9) as f64); // sample 1, row 1, column 1
    assert_eq!(run(&Flatten, &Tensor::zeros(&[4]), false).shape(), &[4, 1]);
    check_input_gradient(&Flatten, &randn(&[2, 2, 3], 5), false);
    check_input_gradient(&Reshape::new(&[3, 2]), &randn(&[2, 6], 6), false);
}

#[test]
fn last_position_picks_the_final_step() {
    let x = Tensor::from_fn(&[2, 3, 2], |i| i as f64);
    let y = run(&LastPosition, &x, false);
    assert_eq!(y.shape(), &[2, 2]);
    assert_eq!(y.data(), &[4.0, 5.0, 10.0, 11.0]);
    // Only the last position gets a gradient.
    let tape = Tape::new();
    let xv = tape.param(x);
    let mut rng = StdRng::seed_from_u64(0);
    let y = LastPosition.forward(
        xv,
        &mut ForwardCtx {
            training: false,
            rng: &mut rng,
        },
    );
    let g = y.sum().backward();
    assert_eq!(
        g[xv].data(),
        &[0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    );
}

// ---------------------------------------------------------------------------------------
// Embeddings

#[test]
fn embedding_picks_rows_and_accumulates_repeated_ids() {
    let mut rng = StdRng::seed_from_u64(0);
    let embed = Embedding::<f64>::new(4, 3, &mut rng);
    assert_eq!(embed.param_count(), 12);
    assert_eq!(embed.name(), "embedding 4x3");
    let table = embed.weight().value().clone();
    let ids = Tensor::from_vec(vec![3.0, 0.0, 3.0, 1.0], &[2, 2]);
    let y = run(&embed, &ids, false);
    assert_eq!(y.shape(), &[2, 2, 3]);
    let row = |r: usize| table.data()[3 * r..3 * r + 3].to_vec();
    assert_eq!(
        y.data(),
        [row(3), row(0), row(3), row(1)].concat().as_slice()
    );

    let tape = Tape::new();
    let y = embed.forward(
        tape.constant(ids),
        &mut ForwardCtx {
            training: true,
            rng: &mut rng,
        },
    );
    let grads = (y * 2.0).sum().backward();
    let g = embed.weight().grad(&grads).unwrap();
    assert_eq!(
        g.data(),
        &[2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 0.0, 0.0, 0.0, 4.0, 4.0, 4.0]
    );
}

#[test]
fn embedding_tables_start_standard_normal() {
    let mut rng = StdRng::seed_from_u64(11);
    let embed = Embedding::<f64>::new(1000, 100, &mut rng);
    let w = embed.weight().value().data();
    let n = w.len() as f64;
    let mean = w.iter().sum::<f64>() / n;
    let std = (w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    // 100,000 draws: standard errors 0.003 (mean) and 0.0022 (std).
    assert!(mean.abs() < 0.015, "{mean}");
    assert!((std - 1.0).abs() < 0.01, "{std}");
    let positions = PositionEmbedding::<f64>::new(500, 200, &mut rng);
    let w = positions.weight().value().data();
    let std = (w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64).sqrt();
    assert!((std - 1.0).abs() < 0.01, "{std}");
}

#[test]
fn embedding_gradient_matches_finite_differences() {
    let mut rng = StdRng::seed_from_u64(3);
    let mut embed = Embedding::<f64>::new(5, 3, &mut rng);
    let ids = Tensor::from_vec(vec![4.0, 1.0, 4.0, 0.0, 2.0, 4.0], &[2, 3]);
    assert_eq!(check_param_gradients(&mut embed, &ids, true), 15);
}

#[test]
#[should_panic(expected = "embedding 27x32: id 27 at position [0, 2] of ids of shape [1, 3]")]
fn embedding_refuses_an_id_past_the_vocabulary() {
    let embed = Embedding::<f64>::new(27, 32, &mut StdRng::seed_from_u64(0));
    run(
        &embed,
        &Tensor::from_vec(vec![0.0, 26.0, 27.0], &[1, 3]),
        false,
    );
}

#[test]
fn position_embedding_adds_the_first_rows() {
    let mut rng = StdRng::seed_from_u64(0);
    let mut positions = PositionEmbedding::<f64>::new(4, 2, &mut rng);
    assert_eq!(positions.name(), "position_embedding 4x2");
    positions.params_mut()[0].set_value(Tensor::from_fn(&[4, 2], |i| 10.0 * i as f64));
    let x = Tensor::from_fn(&[2, 3, 2], |i| i as f64);
    let y = run(&positions, &x, false);
    assert_eq!(
        y.data(),
        &[
            0.0, 11.0, 22.0, 33.0, 44.0, 55.0, 6.0, 17.0, 28.0, 39.0, 50.0, 61.0
        ]
    );
    // Rows 0..3 are used once per sequence; row 3 not at all.
    let tape = Tape::new();
    let y = positions.forward(
        tape.constant(x.clone()),
        &mut ForwardCtx {
            training: true,
            rng: &mut rng,
        },
    );
    let grads = y.sum().backward();
    assert_eq!(
        positions.weight().grad(&grads).unwrap().data(),
        &[2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 0.0, 0.0]
    );
    check_input_gradient(&positions, &x, false);
    assert_eq!(check_param_gradients(&mut positions, &x, false), 8);
}

// ---------------------------------------------------------------------------------------
// Attention

/// A dim-`dim` attention whose projections are all the identity and whose biases are 0.
fn identity_attention(dim: usize, heads: usize, causal: bool) -> MultiHeadSelfAttention<f64> {
    let mut attention =
        MultiHeadSelfAttention::new(dim, heads, causal, &mut StdRng::seed_from_u64(0));
    let eye = |i: usize, j: usize| if i == j { 1.0 } else { 0.0 };
    let params = attention.params_mut();
    let [in_w, in_b, out_w, out_b] = <[&mut Param<f64>; 4]>::try_from(params).ok().unwrap();
    in_w.set_value(Tensor::from_fn(&[dim, 3 * dim], |k| {
        eye(k / (3 * dim), k % (3 * dim) % dim)
    }));
    in_b.set_value(Tensor::zeros(&[3 * dim]));
    out_w.set_value(Tensor::from_fn(&[dim, dim], |k| eye(k / dim, k % dim)));
    out_b.set_value(Tensor::zeros(&[dim]));
    attention
}

#[test]
fn attention_with_identity_projections_by_hand() {
    // Tokens x0 = [1, 0] and x1 = [1, 1]; q = k = v = x; scores x x^T / sqrt(2):
    // row 0 is [1, 1] / sqrt 2 (uniform), row 1 is [1, 2] / sqrt 2.
    let x = Tensor::from_vec(vec![1.0, 0.0, 1.0, 1.0], &[1, 2, 2]);
    let a = 1.0 / (1.0 + (1.0 / 2.0_f64.sqrt()).exp()); // weight of x0 in row 1
    let open = identity_attention(2, 1, false);
    assert_close(
        open.attention_weights(&x).data(),
        &[0.5, 0.5, a, 1.0 - a],
        1e-15,
    );
    assert_close(
        run(&open, &x, false).data(),
        &[1.0, 0.5, 1.0, 1.0 - a],
        1e-15,
    );

    // Causal: position 0 sees only itself.
    let causal = identity_attention(2, 1, true);
    assert_close(
        causal.attention_weights(&x).data(),
        &[1.0, 0.0, a, 1.0 - a],
        1e-15,
    );
    assert_close(
        run(&causal, &x, false).data(),
        &[1.0, 0.0, 1.0, 1.0 - a],
        1e-15,
    );
}

#[test]
fn heads_attend_on_their_own_features() {
    // dim 4 in 2 heads: head 0 sees features 0..2 (the tokens above), head 1 features 2..4,
    // which are 0, so its scores are equal and its weights uniform over what it may see.
    let x = Tensor::from_vec(vec![1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0], &[1, 2, 4]);
    let a = 1.0 / (1.0 + (1.0 / 2.0_f64.sqrt()).exp());
    let weights = identity_attention(4, 2, true).attention_weights(&x);
    assert_eq!(weights.shape(), &[1, 2, 2, 2]);
    assert_close(
        weights.data(),
        &[1.0, 0.0, a, 1.0 - a, 1.0, 0.0, 0.5, 0.5],
        1e-15,
    );
}

#[test]
fn causal_attention_never_looks_ahead() {
    let mut rng = StdRng::seed_from_u64(9);
    let attention = MultiHeadSelfAttention::<f64>::new(8, 2, true, &mut rng);
    let x = randn(&[2, 5, 8], 10);
    let w = attention.attention_weights(&x);
    assert_eq!(w.shape(), &[2, 2, 5, 5]);
    for (r, row) in w.data().chunks(5).enumerate() {
        let i = r % 5;
        assert!(row[i + 1..].iter().all(|&v| v == 0.0), "row {r}: {row:?}");
        assert!(row[..=i].iter().all(|&v| v > 0.0), "row {r}: {row:?}");
        assert!(
            (row.iter().sum::<f64>() - 1.0).abs() < 1e-12,
            "row {r}: {row:?}"
        );
    }
    // Changing the last position leaves every earlier output as it was.
    let mut later = x.clone();
    for v in &mut later.data_mut()[4 * 8..5 * 8] {
        *v += 3.0;
    }
    let (y, y_later) = (run(&attention, &x, false), run(&attention, &later, false));
    for n in 0..2 {
        let early = n * 40..n * 40 + 32;
        assert_eq!(y.data()[early.clone()], y_later.data()[early]);
    }
    assert_ne!(y.data()[32..40], y_later.data()[32..40]);

    // Without the mask, every row is a full distribution.
    let open = MultiHeadSelfAttention::<f64>::new(8, 2, false, &mut rng);
    let w = open.attention_weights(&x);
    assert!(w.data().iter().all(|&v| v > 0.0));
}

#[test]
fn attention_init_follows_pytorch() {
    let mut rng = StdRng::seed_from_u64(4);
    let attention = MultiHeadSelfAttention::<f64>::new(64, 4, false, &mut rng);
    assert_eq!(attention.param_count(), 64 * 192 + 192 + 64 * 64 + 64);
    assert_eq!(attention.name(), "self_attention 64 heads 4");
    // Xavier uniform over fans 64 and 192: bound sqrt(6 / 256); out_proj +-1/8; biases 0.
    let glorot = (6.0_f64 / 256.0).sqrt();
    let w_in = attention.in_proj_weight().value().data();
    assert!(w_in.iter().all(|v| v.abs() <= glorot));
    assert!(w_in.iter().any(|v| v.abs() > 0.99 * glorot));
    let w_out = attention.out_proj_weight().value().data();
    assert!(w_out.iter().all(|v| v.abs() <= 0.125));
    assert!(w_out.iter().any(|v| v.abs() > 0.99 * 0.125));
    assert!(
        attention
            .in_proj_bias()
            .value()
            .data()
            .iter()
            .all(|&v| v == 0.0)
    );
    assert!(
        attention
            .out_proj_bias()
            .value()
            .data()
            .iter()
            .all(|&v| v == 0.0)
    );
}

#[test]
fn attention_gradients_match_finite_differences() {
    for causal in [false, true] {
        let mut rng = StdRng::seed_from_u64(6);
        let mut attention = MultiHeadSelfAttention::<f64>::new(4, 2, causal, &mut rng);
        // Non-zero biases, so their gradients are not trivially those of a zero point.
        for p in attention.params_mut() {
            let shape = p.value().shape().to_vec();
            p.set_value(Tensor::randn(&shape, 0.0, 0.5, &mut rng));
        }
        let x = randn(&[2, 3, 4], 7);
        check_input_gradient(&attention, &x, false);
        assert_eq!(
            check_param_gradients(&mut attention, &x, false),
            4 * 12 + 12 + 16 + 4
        );
    }
}

// ---------------------------------------------------------------------------------------
// Transformer block

#[test]
fn transformer_block_shape_and_parameter_count() {
    let mut rng = StdRng::seed_from_u64(0);
    let block = TransformerBlock::<f64>::new(32, 4, 128, true, &mut rng);
    assert_eq!(block.name(), "transformer_block 32 heads 4 mlp 128 causal");
    let attention = 32 * 96 + 96 + 32 * 32 + 32;
    let mlp = 32 * 128 + 128 + 128 * 32 + 32;
    assert_eq!(block.param_count(), 2 * 2 * 32 + attention + mlp);
    assert_eq!(block.param_count(), 12_704);
    assert_eq!(block.params().len(), 12);
    assert_eq!(
        run(&block, &randn(&[2, 8, 32], 1), false).shape(),
        &[2, 8, 32]
    );
    // Linear layers as PyTorch's nn.Linear: weights and biases in +-1/sqrt(fan_in).
    let [fc1, fc2] = block.feed_forward();
    assert_eq!(fc1.activation(), Activation::Gelu);
    let bound = 1.0 / 32.0_f64.sqrt();
    assert!(fc1.bias().value().data().iter().all(|v| v.abs() <= bound));
    assert!(
        fc1.bias()
            .value()
            .data()
            .iter()
            .any(|v| v.abs() > 0.5 * bound)
    );
    let bound = 1.0 / 128.0_f64.sqrt();
    assert!(fc2.weight().value().data().iter().all(|v| v.abs() <= bound));
}

#[test]
fn transformer_block_is_the_residual_composition() {
    // Rebuild the block from its parts: x + attn(ln1(x)), then + fc2(fc1(ln2(h))).
    let mut rng = StdRng::seed_from_u64(1);
    let block = TransformerBlock::<f64>::new(4, 2, 8, true, &mut rng);
    let x = randn(&[2, 3, 4], 2);
    let ln = LayerNorm::<f64>::new(4); // the block's norms start at gamma 1, beta 0
    let [fc1, fc2] = block.feed_forward();
    let h = {
        let a = run(block.attention(), &run(&ln, &x, false), false);
        Tensor::from_fn(&[2, 3, 4], |i| x.data()[i] + a.data()[i])
    };
    let m = run(
        fc2,
        &run(fc1, &run(&ln, &h, false).reshape(&[6, 4]), false),
        false,
    );
    let want: Vec<f64> = h.data().iter().zip(m.data()).map(|(h, m)| h + m).collect();
    assert_close(run(&block, &x, false).data(), &want, 1e-12);

    // The block's inspection sees ln1(x), as its forward does.
    let direct = block.attention().attention_weights(&run(&ln, &x, false));
    assert_close(block.attention_weights(&x).data(), direct.data(), 1e-15);
}

#[test]
fn causal_transformer_block_never_looks_ahead() {
    let mut rng = StdRng::seed_from_u64(3);
    let block = TransformerBlock::<f64>::new(8, 2, 16, true, &mut rng);
    let x = randn(&[1, 4, 8], 4);
    let mut later = x.clone();
    later.data_mut()[3 * 8] += 1.0;
    let (y, y_later) = (run(&block, &x, false), run(&block, &later, false));
    assert_eq!(y.data()[..24], y_later.data()[..24]);
    assert_ne!(y.data()[24..], y_later.data()[24..]);
}

#[test]
fn transformer_block_gradients_match_finite_differences() {
    let mut rng = StdRng::seed_from_u64(5);
    let mut block = TransformerBlock::<f64>::new(4, 2, 8, true, &mut rng);
    // Move the norms and biases off their starting values so every gradient is exercised.
    for p in block.params_mut() {
        let noise = Tensor::randn(p.value().shape(), 0.0, 0.2, &mut rng);
        p.value_mut().zip_assign(&noise, "perturb", |v, n| v + n);
    }
    let x = randn(&[2, 3, 4], 6);
    check_input_gradient(&block, &x, false);
    let total = block.param_count();
    assert_eq!(check_param_gradients(&mut block, &x, false), total);
}

// ---------------------------------------------------------------------------------------
// Batch normalisation

#[test]
fn batch_norm2d_training_updates_running_stats_and_evaluation_uses_them() {
    // Two samples, two channels, 1x2 pixels.
    // Channel 0: 1 3 | 5 7: mean 4, biased variance 5, unbiased 20/3.
    // Channel 1: 0 0 | 2 2: mean 1, biased variance 1, unbiased 4/3.
    let x = Tensor::from_vec(vec![1.0, 3.0, 0.0, 0.0, 5.0, 7.0, 2.0, 2.0], &[2, 2, 1, 2]);
    let mut norm = BatchNorm2d::<f64>::new(2);
    assert_eq!(norm.name(), "batch_norm2d 2");
    assert_eq!(norm.param_count(), 4);
    let y = run(&norm, &x, true);
    let (s0, s1) = ((5.0_f64 + 1e-5).sqrt(), (1.0_f64 + 1e-5).sqrt());
    assert_close(
        y.data(),
        &[
            -3.0 / s0,
            -1.0 / s0,
            -1.0 / s1,
            -1.0 / s1,
            1.0 / s0,
            3.0 / s0,
            1.0 / s1,
            1.0 / s1,
        ],
        1e-12,
    );
    {
        let stats = norm.running_stats();
        assert_close(stats.mean.data(), &[0.4, 0.1], 1e-15);
        assert_close(
            stats.var.data(),
            &[0.9 + 0.1 * 20.0 / 3.0, 0.9 + 0.1 * 4.0 / 3.0],
            1e-15,
        );
        assert_eq!(stats.batches, 1);
    }
    run(&norm, &x, true);
    let (mean, var) = {
        let stats = norm.running_stats();
        assert_eq!(stats.batches, 2);
        (stats.mean.data().to_vec(), stats.var.data().to_vec())
    };
    assert_close(&mean, &[0.9 * 0.4 + 0.4, 0.9 * 0.1 + 0.1], 1e-15);
    let v0 = 0.9 * (0.9 + 0.1 * 20.0 / 3.0) + 0.1 * 20.0 / 3.0;
    assert_close(&var, &[v0, 0.9 * (0.9 + 0.4 / 3.0) + 0.4 / 3.0], 1e-15);

    // Evaluation with an affine transform: 2 (x - mean) / sqrt(var + eps) + 0.5 on channel 0,
    // -(x - mean) / sqrt(var + eps) on channel 1; the statistics stay put.
    norm.params_mut()[0].set_value(Tensor::from_vec(vec![2.0, -1.0], &[2]));
    norm.params_mut()[1].set_value(Tensor::from_vec(vec![0.5, 0.0], &[2]));
    let y = run(&norm, &x, false);
    let want: Vec<f64> = (0..8)
        .map(|i| {
            let c = (i / 2) % 2;
            let z = (x.data()[i] - mean[c]) / (var[c] + 1e-5).sqrt();
            if c == 0 { 2.0 * z + 0.5 } else { -z }
        })
        .collect();
    assert_close(y.data(), &want, 1e-12);
    assert_eq!(norm.running_stats().batches, 2);
    assert_close(norm.running_stats().mean.data(), &mean, 0.0);
}

#[test]
fn batch_norm_gradients_match_finite_differences() {
    let mut rng = StdRng::seed_from_u64(8);
    let mut norm2d = BatchNorm2d::<f64>::new(3);
    let mut norm1d = BatchNorm1d::<f64>::new(3);
    for p in norm2d.params_mut().into_iter().chain(norm1d.params_mut()) {
        p.set_value(Tensor::randn(&[3], 0.5, 1.0, &mut rng));
    }
    for training in [true, false] {
        let x = randn(&[2, 3, 2, 3], 9);
        check_input_gradient(&norm2d, &x, training);
        assert_eq!(check_param_gradients(&mut norm2d, &x, training), 6);
        for shape in [&[4, 3][..], &[2, 3, 4]] {
            let x = randn(shape, 10);
            check_input_gradient(&norm1d, &x, training);
            assert_eq!(check_param_gradients(&mut norm1d, &x, training), 6);
        }
    }
}

#[test]
fn batch_norm1d_normalises_features_of_rows() {
    // [N, C] = [4, 1]: values 1 2 3 6, mean 3, biased variance 3.5.
    let norm = BatchNorm1d::<f64>::new(1);
    let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 6.0], &[4, 1]);
    let s = (3.5_f64 + 1e-5).sqrt();
    assert_close(
        run(&norm, &x, true).data(),
        &[-2.0 / s, -1.0 / s, 0.0, 3.0 / s],
        1e-12,
    );
    assert_close(
        norm.running_stats().var.data(),
        &[0.9 + 0.1 * 14.0 / 3.0],
        1e-15,
    );
}

// ---------------------------------------------------------------------------------------
// Summaries

fn digits_cnn(rng: &mut StdRng) -> Sequential<f32> {
    Sequential::new()
        .with(
            Conv2d::new(1, 16, [3, 3], rng)
                .padding([1, 1])
                .activation(Activation::Relu),
        )
        .with(MaxPool2d::new([2, 2]))
        .with(
            Conv2d::new(16, 32, [3, 3], rng)
                .padding([1, 1])
                .activation(Activation::Relu),
        )
        .with(MaxPool2d::new([2, 2]))
        .with(Flatten)
        .with(Dense::new(128, 64, Activation::Relu, rng))
        .with(Dense::new(64, 10, Activation::Identity, rng))
}

#[test]
fn summary_of_a_digits_cnn() {
    let net = digits_cnn(&mut StdRng::seed_from_u64(0));
    let summary = net.summary_for(&[1, 8, 8]);
    assert_eq!(summary.input_shape, vec![1, 8, 8]);
    assert_eq!(
        shapes(&summary),
        [
            "[batch, 16, 8, 8]",
            "[batch, 16, 4, 4]",
            "[batch, 32, 4, 4]",
            "[batch, 32, 2, 2]",
            "[batch, 128]",
            "[batch, 64]",
            "[batch, 10]",
        ]
    );
    let params: Vec<usize> = summary.rows.iter().map(|r| r.params).collect();
    assert_eq!(params, [160, 0, 4640, 0, 0, 8256, 650]);
    assert_eq!(
        summary.total_params(),
        16 * 9 + 16 + 16 * 32 * 9 + 32 + 128 * 64 + 64 + 64 * 10 + 10
    );
    assert_eq!(summary.total_params(), 13_706);
    let text = summary.to_string();
    assert!(text.starts_with("input: [batch, 1, 8, 8]\n"), "{text}");
    assert!(text.contains("conv2d 1->16 3x3 pad 1 relu"), "{text}");
    assert!(text.contains("max_pool2d 2x2"), "{text}");
    assert!(text.ends_with("total parameters: 13706"), "{text}");

    // The same network fed feature rows of 64 through a Reshape.
    let mut rng = StdRng::seed_from_u64(0);
    let mut rows = Sequential::<f32>::new().with(Reshape::new(&[1, 8, 8]));
    rows.push(digits_cnn(&mut rng));
    let summary = rows.summary(64);
    assert_eq!(shapes(&summary), ["[batch, 1, 8, 8]", "[batch, 10]"]);
    assert!(summary.to_string().starts_with("input: [batch, 64]\n"));
    assert_eq!(summary.rows[0].layer, "reshape [1, 8, 8]");
}

#[test]
fn summary_of_a_character_transformer() {
    let mut rng = StdRng::seed_from_u64(0);
    let net = Sequential::<f32>::new()
        .with(Embedding::new(27, 32, &mut rng))
        .with(PositionEmbedding::new(8, 32, &mut rng))
        .with(TransformerBlock::new(32, 4, 128, true, &mut rng))
        .with(LayerNorm::new(32))
        .with(LastPosition)
        .with(Dense::new(32, 27, Activation::Identity, &mut rng));
    // Zeros are valid token ids, so the summary runs on a context of 8 zeros.
    let summary = net.summary_for(&[8]);
    assert_eq!(
        shapes(&summary),
        [
            "[batch, 8, 32]",
            "[batch, 8, 32]",
            "[batch, 8, 32]",
            "[batch, 8, 32]",
            "[batch, 32]",
            "[batch, 27]",
        ]
    );
    let params: Vec<usize> = summary.rows.iter().map(|r| r.params).collect();
    assert_eq!(params, [864, 256, 12_704, 64, 0, 891]);
    assert_eq!(summary.total_params(), 14_779);
    let text = summary.to_string();
    assert!(text.starts_with("input: [batch, 8]\n"), "{text}");
    assert!(
        text.contains("transformer_block 32 heads 4 mlp 128 causal"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------
// Training

/// Adam steps on `net` for logits of `x` against `labels`; returns the first and last loss.
fn train(net: &mut Sequential<f64>, x: &Tensor<f64>, labels: &[usize], steps: usize) -> (f64, f64) {
    let mut adam = Adam::<f64>::new(0.01);
    let mut rng = StdRng::seed_from_u64(0);
    let mut losses = Vec::new();
    let mut tape = Tape::new();
    for _ in 0..steps {
        let grads = {
            let logits = net.forward(
                tape.constant(x.clone()),
                &mut ForwardCtx {
                    training: true,
                    rng: &mut rng,
                },
            );
            let loss =
                sparse_categorical_cross_entropy_with_logits(logits, labels, Default::default())
                    .unwrap();
            losses.push(loss.item());
            loss.backward()
        };
        tape.clear();
        optim::step(&mut adam, net.params_mut(), &grads, None);
    }
    (losses[0], losses[steps - 1])
}

#[test]
fn a_small_cnn_learns_bar_orientation() {
    // 4x4 images with one bright row (class 0) or one bright column (class 1).
    let mut images = Vec::new();
    let mut labels = Vec::new();
    for k in 0..4 {
        for class in 0..2 {
            images.extend((0..16).map(|p| {
                let (r, c) = (p / 4, p % 4);
                let on = if class == 0 { r == k } else { c == k };
                if on { 1.0 } else { 0.0 }
            }));
            labels.push(class);
        }
    }
    let x = Tensor::from_vec(images, &[8, 1, 4, 4]);
    let mut rng = StdRng::seed_from_u64(1);
    let mut net = Sequential::<f64>::new()
        .with(
            Conv2d::new(1, 4, [3, 3], &mut rng)
                .padding([1, 1])
                .activation(Activation::Relu),
        )
        .with(BatchNorm2d::new(4))
        .with(MaxPool2d::new([2, 2]))
        .with(Flatten)
        .with(Dense::new(16, 2, Activation::Identity, &mut rng));
    let (first, last) = train(&mut net, &x, &labels, 60);
    assert!(last < 0.1 * first, "loss {first} -> {last}");
}

#[test]
fn a_tiny_transformer_learns_to_count() {
    // Contexts of 4 tokens counting mod 5 (2 3 4 0, ...): the next token is last + 1 mod 5.
    let contexts: Vec<f64> = (0..5)
        .flat_map(|s| (0..4).map(move |i| ((s + i) % 5) as f64))
        .collect();
    let labels: Vec<usize> = (0..5).map(|s| (s + 4) % 5).collect();
    let x = Tensor::from_vec(contexts, &[5, 4]);
    let mut rng = StdRng::seed_from_u64(2);
    let mut net = Sequential::<f64>::new()
        .with(Embedding::new(5, 8, &mut rng))
        .with(PositionEmbedding::new(4, 8, &mut rng))
        .with(TransformerBlock::new(8, 2, 16, true, &mut rng))
        .with(LayerNorm::new(8))
        .with(LastPosition)
        .with(Dense::new(8, 5, Activation::Identity, &mut rng));
    let (first, last) = train(&mut net, &x, &labels, 80);
    assert!(last < 0.1 * first, "loss {first} -> {last}");
}
