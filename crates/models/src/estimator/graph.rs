//! The graph of a fitted model's loss on a few rows, for teaching: what the network computes
//! and what backward sends back along every edge (see `nabla_autodiff::dump`).

use super::{FitError, guard_data};
use crate::head::{Head, LossWeights};
use crate::layer::{ForwardCtx, Layer, Sequential};
use crate::train::TargetData;
use nabla_autodiff::dump::GraphDump;
use nabla_autodiff::{Float, Tape, Tensor};
use nabla_ops::loss::LossTargets;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Records `net` and `head`'s loss on `x` (the network's inputs) against `y` in evaluation
/// mode, runs backward keeping every gradient, and returns the dump.
pub(crate) fn loss_graph<T: Float>(
    method: &'static str,
    net: &Sequential<T>,
    head: &Head,
    x: Tensor<T>,
    y: TargetData<T>,
) -> Result<GraphDump<T>, FitError> {
    guard_data(method, || {
        let tape = Tape::<T>::new();
        let mut rng = StdRng::seed_from_u64(0);
        let x = tape.constant(x).named("x");
        let z = net.forward(
            x,
            &mut ForwardCtx {
                training: false,
                rng: &mut rng,
            },
        );
        let targets = match &y {
            TargetData::Dense(t) => LossTargets::Dense(tape.constant(t.clone()).named("y")),
            TargetData::Labels(labels) => LossTargets::Labels(labels),
        };
        let loss = head
            .loss(z, targets, LossWeights::default())
            .map_err(FitError::Loss)?
            .named("loss");
        let grads = tape.backward_retain_all(loss);
        Ok(GraphDump::new(&tape, Some(&grads)))
    })?
}
