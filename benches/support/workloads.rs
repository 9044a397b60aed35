//! The three training workloads of the performance comparison, shared by the `workloads`
//! benchmark, the `workloads` example and the allocation test. One step is forward, loss,
//! backward and a plain SGD update (learning rate 0.01) of every parameter in place, on a tape
//! that is cleared and reused.
//!
//! - tiny: 10 -> 64 relu -> 1, binary cross-entropy with logits, batch 32.
//! - mnist-mlp: 784 -> 256 relu -> 128 relu -> 10, softmax cross-entropy on labels, batch 128.
//! - wide: 1024 -> 1024 relu -> 1024 relu -> 10, softmax cross-entropy on labels, batch 256.
//!
//! The data are random, drawn once from a fixed seed.

use nabla::autodiff::{NodeId, Tape, Tensor};
use nabla::ops::loss::{
    BinaryOptions, binary_cross_entropy_with_logits, sparse_categorical_cross_entropy_with_logits,
};
use nabla::ops::{Activation, Init, dense_activation};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;

/// The learning rate of every workload's SGD step.
pub const LEARNING_RATE: f32 = 0.01;

/// A workload by name: its layer widths, batch size and kind of target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// The name used on the command line and in reports.
    pub name: &'static str,
    /// Input width, then each layer's output width.
    pub widths: &'static [usize],
    /// Rows per step.
    pub batch: usize,
}

/// tiny, mnist-mlp and wide, in that order.
pub const SPECS: [Spec; 3] = [
    Spec {
        name: "tiny",
        widths: &[10, 64, 1],
        batch: 32,
    },
    Spec {
        name: "mnist-mlp",
        widths: &[784, 256, 128, 10],
        batch: 128,
    },
    Spec {
        name: "wide",
        widths: &[1024, 1024, 1024, 10],
        batch: 256,
    },
];

impl Spec {
    /// The spec called `name`, if there is one.
    pub fn find(name: &str) -> Option<Spec> {
        SPECS.iter().copied().find(|s| s.name == name)
    }

    /// Floating-point operations of one step's matrix products: forward, and backward's
    /// weight gradients and input gradients (none for the data).
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

impl Workload {
    /// The workload's parameters (He-uniform weights, zero biases) and data, from `seed`.
    pub fn new(spec: Spec, seed: u64) -> Self {
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
        Workload {
            spec,
            nodes: Vec::with_capacity(2 * params.len()),
            params,
            x: Arc::new(x),
            y: Arc::new(y),
            labels,
            tape: Tape::new(),
        }
    }

    /// The workload's spec.
    pub fn spec(&self) -> Spec {
        self.spec
    }

    /// One training step; returns the loss before the update.
    pub fn step(&mut self) -> f32 {
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
