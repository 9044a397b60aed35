//! A custom layer built from its own op: a Swish activation with a learned slope per feature,
//! `y = x * sigmoid(beta * x)`. The op states its forward value and its vector-Jacobian
//! product; the layer owns `beta`; the gradient checker confirms the op; and the layer then
//! trains inside an ordinary network on the wine data.
//!
//! Run with `cargo run --release --example custom_layer`.

use nabla::autodiff::op::sigmoid;
use nabla::autodiff::{BufferPool, CustomOp, Float, GradCheck, Tensor, Var};
use nabla::models::Param;
use nabla::models::data::{CsvOptions, Dataset, prepare_split};
use nabla::models::head::{BatchTargets, Head, LossWeights};
use nabla::models::layer::{Dense, ForwardCtx, Layer, Sequential};
use nabla::models::optim::{self, Adam};
use nabla::ops::Activation;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::borrow::Cow;
use std::error::Error;

/// `y[i, j] = x[i, j] * sigmoid(beta[j] * x[i, j])` for x `[batch, features]`, beta `[features]`.
struct LearnedSwish;

impl<T: Float> CustomOp<T> for LearnedSwish {
    fn name(&self) -> Cow<'_, str> {
        "learned_swish".into()
    }

    fn forward(&mut self, inputs: &[&Tensor<T>], pool: &mut BufferPool<T>) -> Tensor<T> {
        let (x, beta) = (inputs[0], inputs[1]);
        x.zip_map_in(beta, pool.take(x.numel()), "learned_swish", |x, b| {
            x * sigmoid(b * x)
        })
    }

    fn vjp(
        &self,
        input: usize,
        inputs: &[&Tensor<T>],
        _output: &Tensor<T>,
        grad: &Tensor<T>,
        pool: &mut BufferPool<T>,
    ) -> Option<Tensor<T>> {
        let (x, beta) = (inputs[0], inputs[1]);
        // With s = sigmoid(beta x): dy/dx = s + beta x s (1 - s), dy/dbeta = x^2 s (1 - s).
        let local = x.zip_map_in(beta, pool.take(x.numel()), "learned_swish vjp", |x, b| {
            let s = sigmoid(b * x);
            let ds = s * (T::ONE - s);
            if input == 0 {
                s + b * x * ds
            } else {
                x * x * ds
            }
        });
        let full = local.zip_map(grad, "learned_swish vjp", |d, g| d * g);
        pool.recycle(local);
        // beta was broadcast over the batch: sum its gradient back to [features].
        Some(if input == 0 {
            full
        } else {
            full.sum_to_shape(beta.shape())
        })
    }
}

/// The layer: owns beta (starting at 1, plain Swish) and records the op.
struct LearnedSwishLayer<T: Float> {
    beta: Param<T>,
}

impl<T: Float> Layer<T> for LearnedSwishLayer<T> {
    fn name(&self) -> String {
        "learned swish".into()
    }

    fn forward<'t>(&self, x: Var<'t, T>, _ctx: &mut ForwardCtx<'_>) -> Var<'t, T> {
        x.apply(LearnedSwish, &[self.beta.bind(x.tape())])
    }

    fn params(&self) -> Vec<&Param<T>> {
        vec![&self.beta]
    }

    fn params_mut(&mut self) -> Vec<&mut Param<T>> {
        vec![&mut self.beta]
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    // 1. Check the op's gradient against central differences in f64.
    let mut rng = StdRng::seed_from_u64(1);
    let x = Tensor::<f64>::randn(&[5, 3], 0.0, 1.5, &mut rng);
    let beta = Tensor::<f64>::randn(&[3], 1.0, 0.5, &mut rng);
    let report = GradCheck::new()
        .names(&["x", "beta"])
        .check(&[x, beta], |_tape, v| v[0].apply(LearnedSwish, &[v[1]]))?;
    println!("{report}");

    // 2. Train a network with the layer on the wine data.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/wine.csv");
    let data = Dataset::from_csv(path, &CsvOptions::labels("cultivar"))?;
    let (train, test) = prepare_split(&data, 0.2, 0)?; // seeded split, standardised features
    let classes = data.targets().n_classes().expect("labels");

    let mut net = Sequential::<f64>::new()
        .with(Dense::new(
            train.n_features(),
            16,
            Activation::Identity,
            &mut rng,
        ))
        .with(LearnedSwishLayer {
            beta: Param::new("beta", Tensor::ones(&[16])),
        })
        .with(Dense::new(16, classes, Activation::Identity, &mut rng));
    println!("{}", net.summary(train.n_features()));
    let head = Head::multi_class(classes, true);
    let labels = train.targets().class_indices().expect("labels");
    let mut adam = Adam::new(0.01);
    let mut tape = nabla::autodiff::Tape::new();
    for epoch in 1..=100 {
        tape.clear();
        let x = tape.constant(train.features().clone());
        let z = net.forward(
            x,
            &mut ForwardCtx {
                training: true,
                rng: &mut rng,
            },
        );
        let loss = head.loss(z, BatchTargets::Labels(&labels), LossWeights::default())?;
        let value = loss.item();
        let grads = loss.backward();
        tape.clear();
        optim::step(&mut adam, net.params_mut(), &grads, None);
        if epoch % 25 == 0 {
            println!("epoch {epoch:3}  loss {value:.4}");
        }
    }
    let beta = net
        .params()
        .iter()
        .find(|p| p.name() == "beta")
        .map(|p| p.value().clone());
    println!("learned beta: {:.2}", beta.expect("the layer has beta"));
    let out = nabla::models::train::predict_outputs(&net, &head, test.features());
    let truth = test.targets().class_indices().expect("labels");
    let correct = out
        .argmax(1)
        .iter()
        .zip(&truth)
        .filter(|(p, t)| p == t)
        .count();
    println!("test accuracy {:.4}", correct as f64 / truth.len() as f64);
    Ok(())
}
