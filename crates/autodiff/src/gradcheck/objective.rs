//! The function under test as one number, `J(x) = sum_k w_k f(x)_k`: its analytic gradient by
//! backward, and its finite differences along one element or one direction of one input, with
//! kinks told apart from curvature and from kinks merely near the point. `f` is the caller's
//! closure, recorded afresh on one reused tape ([`Recorded`]), or one op of it replayed alone.

use super::NOISE_MARGIN;
use super::report::Tolerance;
use crate::backward::BackwardOptions;
use crate::float::Float;
use crate::tape::{Tape, Var};
use crate::tensor::Tensor;
use rand::Rng;
use std::sync::Arc;

/// Which way an input is moved.
#[derive(Clone, Copy)]
pub(super) enum Step<'a> {
    /// One element, by row-major position.
    Element(usize),
    /// Every element along a unit vector.
    Direction(&'a [f64]),
}

/// The finite-difference verdict on one step.
pub(super) enum Probe {
    /// The function is smooth there: this is the central difference to compare against.
    Smooth { numeric: f64 },
    /// The slopes on either side differ: no derivative to compare against.
    Kink { forward: f64, backward: f64 },
}

/// What the first evaluation, at the unperturbed inputs, found.
pub(super) struct Start {
    /// The analytic gradient of J for each input asked for, row-major.
    pub(super) gradients: Vec<Vec<f64>>,
    /// The names the input vars were given, if any.
    pub(super) names: Vec<Option<String>>,
    /// Whether every output element was finite.
    pub(super) finite: bool,
    /// The rounding noise expected in one evaluation of J: `T::EPSILON * |w * y|_2`.
    pub(super) noise: f64,
    /// w, exactly as the `T` seed backward used, so both sides weigh alike.
    weights: Vec<f64>,
    /// J at the unperturbed inputs.
    centre: f64,
}

impl Start {
    /// Draws the output weights of `out` from `rng` (a one-element output gets weight 1) and
    /// runs backward on `tape` with them, for the gradients of `wrt`: the fast pass, or with
    /// `recorded` the pass recorded for higher-order gradients.
    pub(super) fn on_tape<'t, T: Float>(
        tape: &'t Tape<T>,
        wrt: &[Var<'t, T>],
        out: Var<'t, T>,
        recorded: bool,
        rng: &mut impl Rng,
    ) -> Start {
        let value = out.value();
        let weights = output_weights::<T>(value.numel(), rng);
        let centre = weigh(&weights, &value);
        let seed: Vec<T> = weights.iter().map(|&w| T::from_f64(w)).collect();
        let seed = Tensor::from_vec(seed, value.shape());
        let grads = tape.backward_with(
            out,
            BackwardOptions {
                seed: Some(seed),
                wrt: Some(wrt),
                create_graph: recorded,
                ..Default::default()
            },
        );
        let gradients = wrt
            .iter()
            .map(|&v| match grads.get(v) {
                Some(g) => g.data().iter().map(|g| g.to_f64()).collect(),
                None => vec![0.0; v.with_value(Tensor::numel)],
            })
            .collect();
        Start {
            gradients,
            names: wrt.iter().map(Var::name).collect(),
            finite: value.all_finite(),
            noise: T::EPSILON.to_f64() * weighted_norm(&weights, &value),
            weights,
            centre,
        }
    }
}

/// A function of the checked inputs that can be evaluated again at moved inputs.
pub(super) trait Function<T: Float> {
    /// Evaluates at `inputs` and hands the output to `read`.
    fn eval<R>(&mut self, inputs: &[Arc<Tensor<T>>], read: impl FnOnce(&Tensor<T>) -> R) -> R;
}

/// The caller's closure, recorded afresh on one reused tape at each evaluation.
pub(super) struct Recorded<'a, T: Float, F> {
    f: &'a F,
    tape: Tape<T>,
}

impl<T, F> Function<T> for Recorded<'_, T, F>
where
    T: Float,
    F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    fn eval<R>(&mut self, inputs: &[Arc<Tensor<T>>], read: impl FnOnce(&Tensor<T>) -> R) -> R {
        let result = {
            let (_, out) = record(&self.tape, inputs, self.f);
            out.with_value(read)
        };
        self.tape.clear();
        result
    }
}

/// J and the inputs it is evaluated at.
pub(super) struct Objective<'a, T: Float, E> {
    function: E,
    /// The unmoved inputs: each probe moves a copy and restores it from these.
    originals: &'a [Tensor<T>],
    /// The inputs as evaluated (shared with the tape, so nothing is copied per evaluation).
    inputs: Vec<Arc<Tensor<T>>>,
    /// w, exactly as the `T` seed backward used, so both sides weigh alike.
    weights: Vec<f64>,
    eps: f64,
    /// J at the unperturbed inputs.
    centre: f64,
    /// The rounding noise of one evaluation of J (see [`Start::noise`]).
    noise: f64,
    /// Function evaluations so far.
    pub(super) evaluations: usize,
    /// Steps that rounding in `T` swallowed (x + eps == x).
    pub(super) lost_steps: usize,
}

impl<'a, T, F> Objective<'a, T, Recorded<'a, T, F>>
where
    T: Float,
    F: for<'t> Fn(&'t Tape<T>, &[Var<'t, T>]) -> Var<'t, T>,
{
    /// Evaluates `f` at `originals` and runs backward with random output weights (see
    /// [`Start::on_tape`]).
    pub(super) fn new(
        f: &'a F,
        originals: &'a [Tensor<T>],
        eps: f64,
        recorded: bool,
        rng: &mut impl Rng,
    ) -> (Self, Start) {
        let mut tape = Tape::new();
        let inputs: Vec<Arc<Tensor<T>>> = originals.iter().map(|t| Arc::new(t.clone())).collect();
        let start = {
            let (vars, out) = record(&tape, &inputs, f);
            Start::on_tape(&tape, &vars, out, recorded, rng)
        };
        tape.clear();
        let objective = Objective::at(Recorded { f, tape }, originals, inputs, &start, eps);
        (objective, start)
    }
}

impl<'a, T: Float, E: Function<T>> Objective<'a, T, E> {
    /// J as `function` weighed by the weights of `start`, evaluated at `inputs` (the values of
    /// `originals`, perhaps already shared).
    pub(super) fn at(
        function: E,
        originals: &'a [Tensor<T>],
        inputs: Vec<Arc<Tensor<T>>>,
        start: &Start,
        eps: f64,
    ) -> Self {
        Objective {
            function,
            originals,
            inputs,
            weights: start.weights.clone(),
            eps,
            centre: start.centre,
            noise: start.noise,
            evaluations: 1,
            lost_steps: 0,
        }
    }

    /// Compares the slopes of J along `step` of input `input`: the central difference if J is
    /// smooth there, or both one-sided slopes if it has a kink.
    ///
    /// A kink shows as forward and backward differences that disagree. So does strong
    /// curvature (their gap is about `f'' eps`), so a disagreement is confirmed with the step
    /// doubled: extrapolating each side to a zero step removes the curvature term and leaves
    /// a real jump in slope. So does a kink that lies near the point but not at it (relu at
    /// `eps / 2`), so the jump is confirmed once more with steps of `eps / 10` and `eps / 100`
    /// (as far as rounding noise allows): where the slopes agree at a smaller step, the kink is
    /// farther away than that step, the point is smooth and the central difference at that
    /// step is the one compared.
    pub(super) fn probe(&mut self, input: usize, step: Step<'_>, tolerance: &Tolerance) -> Probe {
        let first = self.slopes(input, step, 1.0);
        let (forward, backward) = (first.forward, first.backward);
        if !tolerance.disagree(forward, backward) {
            return Probe::Smooth {
                numeric: first.central,
            };
        }
        let (up2, h_up2) = self.shifted(input, step, 2.0);
        let (down2, h_down2) = self.shifted(input, step, -2.0);
        let right = extrapolate(forward, first.up, (up2 - self.centre) / h_up2, h_up2);
        let left = extrapolate(
            backward,
            first.down,
            (self.centre - down2) / h_down2,
            h_down2,
        );
        // A jump below twice the allowance may be noise; and the central difference, which
        // averages the two sides, then lies within the allowance of either side anyway.
        if (right - left).abs() <= 2.0 * tolerance.allowed(right.abs().max(left.abs())) {
            return Probe::Smooth {
                numeric: first.central,
            };
        }
        for fraction in REFINEMENTS {
            // Noise in a slope grows as the step shrinks; stop before it nears the tolerance.
            if NOISE_MARGIN * self.noise > tolerance.atol * fraction * self.eps {
                break;
            }
            let finer = self.slopes(input, step, fraction);
            if finer.up > 0.0
                && finer.down > 0.0
                && !tolerance.disagree(finer.forward, finer.backward)
            {
                return Probe::Smooth {
                    numeric: finer.central,
                };
            }
        }
        Probe::Kink { forward, backward }
    }

    /// The differences of J along `step` with steps of `fraction * eps`. Steps lost to
    /// rounding at the full size are counted.
    fn slopes(&mut self, input: usize, step: Step<'_>, fraction: f64) -> Slopes {
        let (up, h_up) = self.shifted(input, step, fraction);
        let (down, h_down) = self.shifted(input, step, -fraction);
        if fraction == 1.0 {
            self.lost_steps += usize::from(h_up == 0.0) + usize::from(h_down == 0.0);
        }
        Slopes {
            forward: (up - self.centre) / h_up,
            backward: (self.centre - down) / h_down,
            central: (up - down) / (h_up + h_down),
            up: h_up,
            down: h_down,
        }
    }

    /// J with input `input` moved by `multiple * eps` along `step`, and the length of the
    /// step actually taken (for one element, after rounding in `T`). The input is restored.
    fn shifted(&mut self, input: usize, step: Step<'_>, multiple: f64) -> (f64, f64) {
        let delta = multiple * self.eps;
        let original = self.originals[input].data();
        // Nothing else holds the input between evaluations, so this copies nothing.
        let x = Arc::make_mut(&mut self.inputs[input]).data_mut();
        let taken = match step {
            Step::Element(j) => {
                x[j] = original[j] + T::from_f64(delta);
                (x[j].to_f64() - original[j].to_f64()).abs()
            }
            Step::Direction(u) => {
                for ((x, &o), &u) in x.iter_mut().zip(original).zip(u) {
                    *x = o + T::from_f64(delta * u);
                }
                delta.abs()
            }
        };
        let value = self.value();
        let x = Arc::make_mut(&mut self.inputs[input]).data_mut();
        match step {
            Step::Element(j) => x[j] = original[j],
            Step::Direction(_) => x.copy_from_slice(original),
        }
        (value, taken)
    }

    /// J at the current inputs.
    fn value(&mut self) -> f64 {
        let weights = &self.weights;
        let value = self.function.eval(&self.inputs, |out| {
            assert!(
                out.numel() == weights.len(),
                "gradient check: the function returned {} elements after a small change of its \
                 input, but {} at the input itself; it must return the same shape every time",
                out.numel(),
                weights.len()
            );
            weigh(weights, out)
        });
        self.evaluations += 1;
        value
    }
}

/// One-sided and central differences at one step size.
struct Slopes {
    /// `(J(x + h) - J(x)) / h`.
    forward: f64,
    /// `(J(x) - J(x - h)) / h`.
    backward: f64,
    /// `(J(x + h) - J(x - h)) / 2h`.
    central: f64,
    /// The steps actually taken up and down, after rounding in `T`.
    up: f64,
    down: f64,
}

/// The smaller steps, as fractions of `eps`, that a suspected kink is confirmed with.
const REFINEMENTS: [f64; 2] = [0.1, 0.01];

/// Puts `inputs` on `tape` as parameters and records `f` on them.
fn record<'t, T, F>(
    tape: &'t Tape<T>,
    inputs: &[Arc<Tensor<T>>],
    f: &F,
) -> (Vec<Var<'t, T>>, Var<'t, T>)
where
    T: Float,
    F: for<'s> Fn(&'s Tape<T>, &[Var<'s, T>]) -> Var<'s, T>,
{
    let vars: Vec<Var<'t, T>> = inputs.iter().map(|x| tape.param(x)).collect();
    let out = f(tape, &vars);
    (vars, out)
}

/// Weights for the output elements: 1 for a one-element output, else a random sign times a
/// magnitude in [0.5, 1.5), so that every element counts and none by accident cancels
/// another. Rounded to `T`, as backward will see them.
pub(super) fn output_weights<T: Float>(n: usize, rng: &mut impl Rng) -> Vec<f64> {
    if n == 1 {
        return vec![1.0];
    }
    (0..n)
        .map(|_| {
            let magnitude = 0.5 + rng.random::<f64>();
            let w = if rng.random::<bool>() {
                magnitude
            } else {
                -magnitude
            };
            T::from_f64(w).to_f64()
        })
        .collect()
}

/// `sum_k w_k out_k`, accumulated in `f64`.
fn weigh<T: Float>(weights: &[f64], out: &Tensor<T>) -> f64 {
    weights
        .iter()
        .zip(out.data())
        .map(|(w, y)| w * y.to_f64())
        .sum()
}

/// `|w * y|_2`: rounding errors of the terms of J, random in sign, add up like this.
fn weighted_norm<T: Float>(weights: &[f64], out: &Tensor<T>) -> f64 {
    weights
        .iter()
        .zip(out.data())
        .map(|(w, y)| (w * y.to_f64()).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// The slope at a zero step from one-sided slopes `d1` at step `h1` and `d2` at step `h2`,
/// assuming `d(h) = d(0) + c h` (Richardson extrapolation).
fn extrapolate(d1: f64, h1: f64, d2: f64, h2: f64) -> f64 {
    (h2 * d1 - h1 * d2) / (h2 - h1)
}

/// A random unit vector of length `n`: a normal sample, normalised.
pub(super) fn unit_direction(n: usize, rng: &mut impl Rng) -> Vec<f64> {
    use rand_distr::{Distribution, StandardNormal};
    loop {
        let v: Vec<f64> = (0..n).map(|_| StandardNormal.sample(rng)).collect();
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 0.0 {
            return v.into_iter().map(|x| x / norm).collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// Pins a closure to the higher-ranked signature `check` asks for.
    fn func<F>(f: F) -> F
    where
        F: for<'t> Fn(&'t Tape<f64>, &[Var<'t, f64>]) -> Var<'t, f64>,
    {
        f
    }

    #[test]
    fn extrapolation_removes_the_linear_term() {
        // d(h) = 3 + 5h at h = 0.1 and 0.2.
        assert!((extrapolate(3.5, 0.1, 4.0, 0.2) - 3.0).abs() < 1e-12);
    }

    #[test]
    fn weights_are_bounded_away_from_zero_and_signed() {
        let w = output_weights::<f64>(1000, &mut StdRng::seed_from_u64(1));
        assert!(w.iter().all(|w| (0.5..1.5).contains(&w.abs())));
        let negative = w.iter().filter(|&&w| w < 0.0).count();
        assert!(
            (400..600).contains(&negative),
            "{negative} negative of 1000"
        );
        assert_eq!(
            output_weights::<f64>(1, &mut StdRng::seed_from_u64(1)),
            [1.0]
        );
    }

    #[test]
    fn directions_have_unit_length() {
        let u = unit_direction(50, &mut StdRng::seed_from_u64(2));
        let norm = u.iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-12);
    }

    #[test]
    fn probe_tells_curvature_from_a_kink() {
        let tolerance = Tolerance {
            eps: 1e-6,
            atol: 1e-5,
            rtol: 1e-3,
        };
        // 1000 x^2 at 0: slope 0, but the one-sided slopes are +-1000 eps = +-1e-3, far
        // apart against atol, though the function is smooth.
        let f = func(|_, v| (v[0] * v[0] * 1000.0).sum());
        let x = [Tensor::from_vec(vec![0.0, 1.0], &[2])];
        let (mut objective, start) =
            Objective::new(&f, &x, 1e-6, false, &mut StdRng::seed_from_u64(3));
        assert_eq!(start.gradients[0], [0.0, 2000.0]);
        match objective.probe(0, Step::Element(0), &tolerance) {
            Probe::Smooth { numeric } => assert!(numeric.abs() < 1e-6, "{numeric}"),
            Probe::Kink { .. } => panic!("curvature taken for a kink"),
        }
        assert_eq!(objective.evaluations, 1 + 4);

        let g = func(|_, v| v[0].relu().sum());
        let x = [Tensor::from_vec(vec![0.05, 0.0], &[2])];
        let (mut objective, _) = Objective::new(&g, &x, 1e-6, false, &mut StdRng::seed_from_u64(3));
        match objective.probe(0, Step::Element(1), &tolerance) {
            Probe::Kink { forward, backward } => {
                assert!((forward - 1.0).abs() < 1e-9 && backward.abs() < 1e-9)
            }
            Probe::Smooth { numeric } => panic!("relu at 0 seen as smooth, slope {numeric}"),
        }
    }

    #[test]
    fn probing_restores_the_input() {
        let f = func(|_, v| (v[0] * v[0]).sum());
        let x = [Tensor::from_vec(vec![0.3, -1.7, 2.0], &[3])];
        let tolerance = Tolerance {
            eps: 1e-6,
            atol: 1e-5,
            rtol: 1e-3,
        };
        let (mut objective, _) = Objective::new(&f, &x, 1e-6, false, &mut StdRng::seed_from_u64(4));
        let u = unit_direction(3, &mut StdRng::seed_from_u64(5));
        objective.probe(0, Step::Element(1), &tolerance);
        objective.probe(0, Step::Direction(&u), &tolerance);
        assert_eq!(objective.inputs[0].data(), x[0].data());
        assert!((objective.value() - (0.09 + 2.89 + 4.0)).abs() < 1e-12);
    }
}
