//! Dropout: random zeros in training, with the survivors scaled up.

use nabla_autodiff::{Float, Var};
use rand::Rng;

/// Training-mode inverted dropout: each element of `x` is zeroed with probability `p` and the
/// others are scaled by `1 / (1 - p)`, so the expected output is `x`:
///
/// `y = x * m / (1 - p)`, `m_i ~ Bernoulli(1 - p)` independently
///
/// as PyTorch's `dropout` in training mode (in inference, do not call it: the layer is the
/// identity there). The mask `m / (1 - p)` is a constant drawn from `rng` into the tape's
/// recycled memory ([`Tape::constant_from_fn`](nabla_autodiff::Tape::constant_from_fn)), so a
/// training step that calls it allocates nothing once warmed up; the gradient is the incoming
/// gradient times the same mask. `p = 0` returns `x` itself and draws nothing.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::dropout;
/// use rand::SeedableRng;
///
/// let tape = Tape::<f64>::new();
/// let x = tape.param(Tensor::ones(&[1000]));
/// let mut rng = rand::rngs::StdRng::seed_from_u64(7);
/// let y = dropout(x, 0.25, &mut rng);
/// let y = y.value();
/// // Every element is 0 or 1 / 0.75; about a quarter are 0.
/// assert!(y.data().iter().all(|&v| v == 0.0 || v == 1.0 / 0.75));
/// let dropped = y.data().iter().filter(|&&v| v == 0.0).count();
/// assert!((200..300).contains(&dropped));
/// ```
///
/// # Panics
/// If `p` is not in `[0, 1)` (the message names `p`).
pub fn dropout<'t, T: Float, R: Rng + ?Sized>(x: Var<'t, T>, p: T, rng: &mut R) -> Var<'t, T> {
    let drop = p.to_f64();
    assert!(
        (0.0..1.0).contains(&drop),
        "dropout: p = {p} is not in [0, 1); p is the probability of zeroing an element"
    );
    if drop == 0.0 {
        return x;
    }
    let scale = T::ONE / (T::ONE - p);
    let mask = x.tape().constant_from_fn(&x.shape(), |_| {
        if rng.random::<f64>() < drop {
            T::ZERO
        } else {
            scale
        }
    });
    x * mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::{Tape, Tensor};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn drop_with(p: f64) {
        let tape = Tape::<f64>::new();
        let x = tape.param(Tensor::ones(&[3]));
        dropout(x, p, &mut StdRng::seed_from_u64(1));
    }

    #[test]
    #[should_panic(expected = "dropout: p = 1 is not in [0, 1)")]
    fn p_of_one_is_refused() {
        drop_with(1.0);
    }

    #[test]
    #[should_panic(expected = "dropout: p = -0.1 is not in [0, 1)")]
    fn a_negative_p_is_refused() {
        drop_with(-0.1);
    }

    #[test]
    #[should_panic(expected = "dropout: p = NaN is not in [0, 1)")]
    fn nan_is_refused() {
        drop_with(f64::NAN);
    }

    #[test]
    fn p_zero_is_the_identity() {
        let tape = Tape::<f32>::new();
        let x = tape.param(Tensor::ones(&[3]));
        let before = tape.len();
        let y = dropout(x, 0.0, &mut StdRng::seed_from_u64(1));
        assert_eq!(y.id(), x.id());
        assert_eq!(tape.len(), before);
    }
}
