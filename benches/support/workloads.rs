//! The training workloads of the performance comparison, shared by the `workloads` benchmark,
//! the `workloads` example and the allocation test. One step is forward, loss, backward and a
//! plain SGD update (learning rate 0.01) of every parameter in place, on a tape that is cleared
//! and reused.
//!
//! - tiny: 10 -> 64 relu -> 1, binary cross-entropy with logits, batch 32.
//! - mnist-mlp: 784 -> 256 relu -> 128 relu -> 10, softmax cross-entropy on labels, batch 128.
//! - wide: 1024 -> 1024 relu -> 1024 relu -> 10, softmax cross-entropy on labels, batch 256.
//! - cnn: the digits network, 1x8x8 images: conv 16 3x3 pad 1, relu, max pool 2, conv 32 3x3
//!   pad 1, relu, max pool 2, flatten 128 -> 64 relu -> 10, softmax cross-entropy, batch 32.
//! - mlp-lm: 3 tokens of 27 -> embedding 10 each, 30 -> 200 tanh -> 27, batch 64.
//! - attn-lm: 8 tokens of 27 -> token + position embedding 32, one pre-LayerNorm causal
//!   self-attention block (4 heads of 8, MLP 32 -> 128 GELU -> 32), final LayerNorm, the last
//!   position -> 27, batch 64.
//!
//! The data are random, drawn once from a fixed seed.

use nabla::autodiff::{Gradients, NodeId, Tape, Tensor, Var, Window};
use nabla::models::layer::layer_norm;
use nabla::ops::loss::{
    BinaryOptions, binary_cross_entropy_with_logits, sparse_categorical_cross_entropy_with_logits,
};
use nabla::ops::{
    Activation, ConvOptions, Init, causal_mask, conv2d, dense, dense_activation, gelu, max_pool2d,
    softmax_masked,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use smallvec::SmallVec;
use std::sync::Arc;

/// The learning rate of every workload's SGD step.
pub const LEARNING_RATE: f32 = 0.01;

/// A workload by name: its layer widths (for the MLPs), batch size and network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// The name used on the command line and in reports.
    pub name: &'static str,
    /// For the MLPs: input width, then each layer's output width.
    pub widths: &'static [usize],
    /// Rows per step.
    pub batch: usize,
    /// Which network.
    pub net: Net,
}

/// The network of a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net {
    /// Dense layers of the spec's widths.
    Mlp,
    /// The digits CNN.
    Cnn,
    /// The MLP language model over 3 tokens.
    MlpLm,
    /// The attention language model over 8 tokens.
    AttnLm,
}

/// Every workload: tiny, mnist-mlp, wide, cnn, mlp-lm, attn-lm, in that order.
pub const SPECS: [Spec; 6] = [
    Spec {
        name: "tiny",
        widths: &[10, 64, 1],
        batch: 32,
        net: Net::Mlp,
    },
    Spec {
        name: "mnist-mlp",
        widths: &[784, 256, 128, 10],
        batch: 128,
        net: Net::Mlp,
    },
    Spec {
        name: "wide",
        widths: &[1024, 1024, 1024, 10],
        batch: 256,
        net: Net::Mlp,
    },
    Spec {
        name: "cnn",
        widths: &[],
        batch: 32,
        net: Net::Cnn,
    },
    Spec {
        name: "mlp-lm",
        widths: &[],
        batch: 64,
        net: Net::MlpLm,
    },
    Spec {
        name: "attn-lm",
        widths: &[],
        batch: 64,
        net: Net::AttnLm,
    },
];

/// The sweep of a 784 -> H relu -> 10 step (softmax cross-entropy on labels, SGD): the batch
/// at H = 256 (`b1-h256` to `b2048-h256`), then H at batch 128 (`b128-h64` to `b128-h4096`;
/// `b128-h256` is in the first part). Small batches show the fixed cost of a step, wide
/// layers how close the products come to the machine's GEMM ceiling.
pub const SWEEP: [Spec; 9] = [
    sweep_point("b1-h256", 1, &[784, 256, 10]),
    sweep_point("b8-h256", 8, &[784, 256, 10]),
    sweep_point("b32-h256", 32, &[784, 256, 10]),
    sweep_point("b128-h256", 128, &[784, 256, 10]),
    sweep_point("b512-h256", 512, &[784, 256, 10]),
    sweep_point("b2048-h256", 2048, &[784, 256, 10]),
    sweep_point("b128-h64", 128, &[784, 64, 10]),
    sweep_point("b128-h1024", 128, &[784, 1024, 10]),
    sweep_point("b128-h4096", 128, &[784, 4096, 10]),
];

const fn sweep_point(name: &'static str, batch: usize, widths: &'static [usize]) -> Spec {
    Spec {
        name,
        widths,
        batch,
        net: Net::Mlp,
    }
}

impl Spec {
    /// The spec called `name` (a workload of [`SPECS`] or a point of [`SWEEP`]), if there is
    /// one.
    pub fn find(name: &str) -> Option<Spec> {
        SPECS.iter().chain(&SWEEP).copied().find(|s| s.name == name)
    }

    /// Floating-point operations of one step's matrix products: forward, and backward's
    /// weight gradients and input gradients (none for the data). Counted for the MLPs; 0 for
    /// the other networks.
    pub fn flops(&self) -> u64 {
        let b = self.batch as u64;
        self.widths
            .windows(2)
            .enumerate()
            .map(|(i, w)| {
                let one = 2 * b * w[0] as u64 * w[1] as u64;
                if i == 0 { 2 * one } else { 3 * one }
            })
            .sum()
    }
}

/// A layer's weight `[in, out]` and bias `[out]`, shared with the tape each step.
type Layer = (Arc<Tensor<f32>>, Arc<Tensor<f32>>);

/// One workload's parameters, data and tape.
pub struct Workload {
    spec: Spec,
    body: Body,
}

/// The network-specific part of a workload.
enum Body {
    Mlp(Mlp),
    Arch(Arch),
}

impl Workload {
    /// The workload's parameters and data, from `seed`.
    pub fn new(spec: Spec, seed: u64) -> Self {
        let body = match spec.net {
            Net::Mlp => Body::Mlp(Mlp::new(spec, seed)),
            net => Body::Arch(Arch::new(net, spec.batch, seed)),
        };
        Workload { spec, body }
    }

    /// The workload's spec.
    pub fn spec(&self) -> Spec {
        self.spec
    }

    /// One training step; returns the loss before the update.
    pub fn step(&mut self) -> f32 {
        match &mut self.body {
            Body::Mlp(m) => m.step(),
            Body::Arch(a) => a.step(),
        }
    }
}

/// The MLP workloads: a dense stack trained with its own code path (unchanged since the first
/// comparison, so that its figures stay comparable).
struct Mlp {
    spec: Spec,
    params: Vec<Layer>,
    x: Arc<Tensor<f32>>,
    /// 0/1 targets `[batch, 1]` for the binary workload.
    y: Arc<Tensor<f32>>,
    /// Class labels for the multi-class workloads.
    labels: Vec<usize>,
    tape: Tape<f32>,
    /// Each parameter's node on the tape in the current step, weight then bias per layer.
    nodes: Vec<NodeId>,
}

impl Mlp {
    /// The workload's parameters (He-uniform weights, zero biases) and data, from `seed`.
    fn new(spec: Spec, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let params = spec
            .widths
            .windows(2)
            .map(|w| {
                let weight = Init::HeUniform.tensor::<f32, _>(&[w[0], w[1]], w[0], w[1], &mut rng);
                (Arc::new(weight), Arc::new(Tensor::zeros(&[w[1]])))
            })
            .collect::<Vec<_>>();
        let x = Tensor::rand_uniform(&[spec.batch, spec.widths[0]], -1.0, 1.0, &mut rng);
        let classes = *spec.widths.last().expect("widths are not empty");
        let labels: Vec<usize> = (0..spec.batch)
            .map(|_| rng.random_range(0..classes.max(2)))
            .collect();
        let y = Tensor::from_fn(&[spec.batch, 1], |i| (labels[i] % 2) as f32);
        Mlp {
            spec,
            nodes: Vec::with_capacity(2 * params.len()),
            params,
            x: Arc::new(x),
            y: Arc::new(y),
            labels,
            tape: Tape::new(),
        }
    }

    /// One training step; returns the loss before the update.
    fn step(&mut self) -> f32 {
        let (loss, grads) = {
            let tape = &self.tape;
            self.nodes.clear();
            let mut h = tape.constant(&self.x);
            let last = self.params.len() - 1;
            for (i, (w, b)) in self.params.iter().enumerate() {
                let (w, b) = (tape.param(w), tape.param(b));
                self.nodes.extend([w.id(), b.id()]);
                let act = if i == last {
                    Activation::Identity
                } else {
                    Activation::Relu
                };
                h = dense_activation(h, w, Some(b), act);
            }
            let loss = if self.spec.widths.last() == Some(&1) {
                let y = tape.constant(&self.y);
                binary_cross_entropy_with_logits(h, y, BinaryOptions::default())
            } else {
                sparse_categorical_cross_entropy_with_logits(h, &self.labels, Default::default())
            }
            .expect("the workload's shapes fit its loss");
            (loss.item(), loss.backward())
        };
        self.tape.clear(); // the tape lets go of the parameters, so they update in place
        for ((w, b), ids) in self.params.iter_mut().zip(self.nodes.chunks_exact(2)) {
            for (p, &id) in [w, b].into_iter().zip(ids) {
                let g = grads.get_id(id).expect("every parameter gets a gradient");
                let p = Arc::get_mut(p).expect("the cleared tape holds no parameter");
                for (p, &g) in p.data_mut().iter_mut().zip(g.data()) {
                    *p -= LEARNING_RATE * g;
                }
            }
        }
        self.tape.recycle(grads);
        loss
    }
}

/// Parameters shared with the tape each step and updated in place by plain SGD.
struct Params {
    tensors: Vec<Arc<Tensor<f32>>>,
    /// Each parameter's node on the tape in the current step.
    nodes: Vec<NodeId>,
}

impl Params {
    /// Puts every parameter on `tape` and returns the vars, in order.
    fn bind<'t>(&mut self, tape: &'t Tape<f32>) -> SmallVec<[Var<'t, f32>; 20]> {
        self.nodes.clear();
        let vars: SmallVec<[Var<'t, f32>; 20]> =
            self.tensors.iter().map(|p| tape.param(p)).collect();
        self.nodes.extend(vars.iter().map(|v| v.id()));
        vars
    }

    /// `p -= lr * grad` for every parameter; the tape must be cleared (it holds no parameter).
    fn update(&mut self, grads: &Gradients<f32>) {
        for (p, &id) in self.tensors.iter_mut().zip(&self.nodes) {
            let g = grads.get_id(id).expect("every parameter gets a gradient");
            let p = Arc::get_mut(p).expect("the cleared tape holds no parameter");
            for (p, &g) in p.data_mut().iter_mut().zip(g.data()) {
                *p -= LEARNING_RATE * g;
            }
        }
    }
}

/// The architecture workloads: their parameters (PyTorch-default initialisation), random
/// inputs and labels, and tape.
struct Arch {
    net: Net,
    params: Params,
    /// Images `[batch, 1, 8, 8]`, or token ids `[batch, context]` as floats.
    x: Arc<Tensor<f32>>,
    labels: Vec<usize>,
    tape: Tape<f32>,
}

/// Width of the attention model.
const DIM: usize = 32;
/// Heads of the attention model.
const HEADS: usize = 4;

impl Arch {
    fn new(net: Net, batch: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut uniform = |shape: &[usize], fan_in: usize| {
            let bound = 1.0 / (fan_in as f32).sqrt();
            Arc::new(Tensor::rand_uniform(shape, -bound, bound, &mut rng))
        };
        let (tensors, x_shape, classes): (Vec<Arc<Tensor<f32>>>, Vec<usize>, usize) = match net {
            Net::Cnn => (
                vec![
                    uniform(&[16, 1, 3, 3], 9),
                    uniform(&[16], 9),
                    uniform(&[32, 16, 3, 3], 144),
                    uniform(&[32], 144),
                    uniform(&[128, 64], 128),
                    uniform(&[64], 128),
                    uniform(&[64, 10], 64),
                    uniform(&[10], 64),
                ],
                vec![batch, 1, 8, 8],
                10,
            ),
            Net::MlpLm => (
                vec![
                    uniform(&[27, 10], 1),
                    uniform(&[30, 200], 30),
                    uniform(&[200], 30),
                    uniform(&[200, 27], 200),
                    uniform(&[27], 200),
                ],
                vec![batch, 3],
                27,
            ),
            Net::AttnLm => {
                let ones = || Arc::new(Tensor::ones(&[DIM]));
                let zeros = || Arc::new(Tensor::zeros(&[DIM]));
                (
                    vec![
                        uniform(&[27, DIM], 1),
                        uniform(&[8, DIM], 1),
                        ones(),
                        zeros(),
                        uniform(&[DIM, 3 * DIM], DIM),
                        uniform(&[3 * DIM], DIM),
                        uniform(&[DIM, DIM], DIM),
                        uniform(&[DIM], DIM),
                        ones(),
                        zeros(),
                        uniform(&[DIM, 128], DIM),
                        uniform(&[128], DIM),
                        uniform(&[128, DIM], 128),
                        uniform(&[DIM], 128),
                        ones(),
                        zeros(),
                        uniform(&[DIM, 27], DIM),
                        uniform(&[27], DIM),
                    ],
                    vec![batch, 8],
                    27,
                )
            }
            Net::Mlp => unreachable!("the MLPs have their own workload"),
        };
        let x = match net {
            Net::Cnn => Tensor::rand_uniform(&x_shape, 0.0, 1.0, &mut rng),
            _ => Tensor::from_fn(&x_shape, |_| rng.random_range(0..27) as f32),
        };
        let labels = (0..batch).map(|_| rng.random_range(0..classes)).collect();
        Arch {
            net,
            params: Params {
                nodes: Vec::with_capacity(tensors.len()),
                tensors,
            },
            x: Arc::new(x),
            labels,
            tape: Tape::new(),
        }
    }

    fn step(&mut self) -> f32 {
        let (loss, grads) = {
            let tape = &self.tape;
            let p = self.params.bind(tape);
            let x = tape.constant(&self.x);
            let logits = match self.net {
                Net::Cnn => cnn(x, &p),
                Net::MlpLm => mlp_lm(x, &p),
                Net::AttnLm => attn_lm(x, &p),
                Net::Mlp => unreachable!("the MLPs have their own workload"),
            };
            let loss = sparse_categorical_cross_entropy_with_logits(
                logits,
                &self.labels,
                Default::default(),
            )
            .expect("the workload's shapes fit its loss");
            (loss.item(), loss.backward())
        };
        self.tape.clear();
        self.params.update(&grads);
        self.tape.recycle(grads);
        loss
    }
}

/// The digits CNN's logits for images `x`.
fn cnn<'t>(x: Var<'t, f32>, p: &[Var<'t, f32>]) -> Var<'t, f32> {
    let same = ConvOptions::default().padding([1, 1]);
    let pool = Window::new([2, 2]).stride([2, 2]);
    let h = max_pool2d(conv2d(x, p[0], Some(p[1]), same).relu(), pool);
    let h = max_pool2d(conv2d(h, p[2], Some(p[3]), same).relu(), pool);
    let h = h.reshape(&[h.shape()[0], 128]);
    let h = dense_activation(h, p[4], Some(p[5]), Activation::Relu);
    dense(h, p[6], Some(p[7]))
}

/// The MLP language model's logits for 3-token contexts `x`.
fn mlp_lm<'t>(x: Var<'t, f32>, p: &[Var<'t, f32>]) -> Var<'t, f32> {
    let batch = x.shape()[0];
    let e = p[0].lookup(x).reshape(&[batch, 30]);
    let h = dense(e, p[1], Some(p[2])).tanh();
    dense(h, p[3], Some(p[4]))
}

/// The attention language model's logits for 8-token contexts `x`.
fn attn_lm<'t>(x: Var<'t, f32>, p: &[Var<'t, f32>]) -> Var<'t, f32> {
    let (batch, t) = (x.shape()[0], x.shape()[1]);
    let head = DIM / HEADS;
    let h = p[0].lookup(x) + p[1].narrow(0, 0, t);
    let qkv = dense(
        layer_norm(h, p[2], p[3], 1e-5).reshape(&[batch * t, DIM]),
        p[4],
        Some(p[5]),
    );
    let heads = qkv
        .reshape(&[batch, t, 3, HEADS, head])
        .permute(&[2, 0, 3, 1, 4]); // [3, batch, heads, t, head]
    let [q, k, v] = [0, 1, 2].map(|i| heads.narrow(0, i, 1).reshape(&[batch, HEADS, t, head]));
    let scores = q.matmul_t(k, false, true) * (1.0 / (head as f32).sqrt());
    let weights = softmax_masked(scores, 3, causal_mask(x.tape(), t));
    let attended = weights
        .matmul(v)
        .permute(&[0, 2, 1, 3])
        .reshape(&[batch * t, DIM]);
    let h = h + dense(attended, p[6], Some(p[7])).reshape(&[batch, t, DIM]);
    let normed = layer_norm(h, p[8], p[9], 1e-5).reshape(&[batch * t, DIM]);
    let mlp = dense(gelu(dense(normed, p[10], Some(p[11]))), p[12], Some(p[13]));
    let h = h + mlp.reshape(&[batch, t, DIM]);
    let last = layer_norm(h, p[14], p[15], 1e-5)
        .narrow(1, t - 1, 1)
        .reshape(&[batch, DIM]);
    dense(last, p[16], Some(p[17]))
}

/// A classifier shaped like mnist-mlp (784 -> 256 relu -> 128 relu -> 10 softmax), f32,
/// fitted for one epoch on 512 random rows: what the prediction benchmarks serve from.
pub fn mnist_classifier() -> nabla::models::estimator::Classifier<f32> {
    use nabla::models::data::Targets;
    use nabla::models::estimator::{Classifier, ClassifierConfig, NetworkConfig, Validation};
    let mut rng = StdRng::seed_from_u64(7);
    let labels: Vec<usize> = (0..512).map(|_| rng.random_range(0..10)).collect();
    let names: Vec<String> = (0..10).map(|c| format!("digit {c}")).collect();
    let y = Targets::labels(labels, &names).expect("labels below 10");
    let mut network = NetworkConfig {
        hidden: vec![256, 128],
        validation: Validation::None,
        ignore_diagnostics: true,
        ..NetworkConfig::default()
    };
    network.fit.epochs = 1;
    let mut model = Classifier::new(ClassifierConfig {
        network,
        ..ClassifierConfig::default()
    });
    model
        .fit(&prediction_rows(512, 8), &y)
        .expect("the random rows fit");
    model
}

/// `rows` random feature rows of width 784 in [0, 1), from `seed`.
pub fn prediction_rows(rows: usize, seed: u64) -> Tensor<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    Tensor::from_fn(&[rows, 784], |_| rng.random::<f64>())
}
