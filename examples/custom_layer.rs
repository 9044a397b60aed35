//! A custom layer built from its own op: a Swish activation with a learned slope per feature,
//! `y = x * sigmoid(beta * x)`. The op states its forward value and its vector-Jacobian
//! product (on tensors, and recorded on vars so that it can be differentiated again); the layer
//! owns `beta`; the gradient checker confirms the op to first and second order; and the layer
//! then trains inside an ordinary network on the wine data.
//!
//! Run with `cargo run --release --example custom_layer`.

use nabla::autodiff::{CustomOp, Float, GradCheck, NotDifferentiable, Scratch, Tensor, Var};
use nabla::models::Param;
use nabla::models::data::{CsvOptions, Dataset, prepare_split};
use nabla::models::head::{Head, LossWeights};
use nabla::models::layer::{Dense, ForwardCtx, Layer, Sequential};
use nabla::models::optim::{self, Adam};
use nabla::ops::Activation;
use nabla::ops::loss::LossTargets;
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

    fn forward(&mut self, inputs: &[&Tensor<T>], scratch: &mut Scratch<T>) -> Tensor<T> {
        let (x, beta) = (inputs[0], inputs[1]);
        scratch.zip_map(x, beta, |x, b| x * sigmoid(b * x))
    }

    fn vjp(
        &self,
        input: usize,
        inputs: &[&Tensor<T>],
        _output: &Tensor<T>,
        grad: &Tensor<T>,
        scratch: &mut Scratch<T>,
    ) -> Option<Tensor<T>> {
        let (x, beta) = (inputs[0], inputs[1]);
        // With s = sigmoid(beta x): dy/dx = s + beta x s (1 - s), dy/dbeta = x^2 s (1 - s).
        let local = scratch.zip_map(x, beta, |x, b| {
            let s = sigmoid(b * x);
            let ds = s * (T::ONE - s);
            if input == 0 {
                s + b * x * ds
            } else {
                x * x * ds
            }
        });
        let full = scratch.zip_map(&local, grad, |d, g| d * g);
        scratch.recycle(local);
        // beta was broadcast over the batch: sum its gradient back to [features].
        Some(if input == 0 {
            full
        } else {
            let summed = scratch.sum_to_shape(&full, beta.shape());
            scratch.recycle(full);
            summed
        })
    }

    /// The same products on vars, so that the layer's gradients can be differentiated again.
    fn vjp_graph<'t>(
        &self,
        input: usize,
        inputs: &[Var<'t, T>],
        _output: Var<'t, T>,
        grad: Var<'t, T>,
    ) -> Result<Option<Var<'t, T>>, NotDifferentiable> {
        let (x, beta) = (inputs[0], inputs[1]);
        let s = (x * beta).sigmoid();
        let ds = s * s.rsub(T::ONE);
        Ok(Some(if input == 0 {
            grad * (s + beta * x * ds)
        } else {
            (grad * x * x * ds).sum_to_shape(&beta.shape())
        }))
    }
}

/// The logistic function of one number, without overflow.
fn sigmoid<T: Float>(x: T) -> T {
    if x >= T::ZERO {
        T::ONE / (T::ONE + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::ONE + e)
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
    let check = GradCheck::new().names(&["x", "beta"]);
    let report = check.check(&[x.clone(), beta.clone()], |_tape, v| {
        v[0].apply(LearnedSwish, &[v[1]])
    })?;
    println!("{report}");
    let report =
        check.check_second_order(&[x, beta], |_tape, v| v[0].apply(LearnedSwish, &[v[1]]))?;
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
        let loss = head.loss(z, LossTargets::Labels(&labels), LossWeights::default())?;
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
