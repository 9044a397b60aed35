//! Constructors: filled, ranged and random tensors.

use super::Tensor;
use crate::float::Float;
use crate::shape::numel;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

impl<T: Float> Tensor<T> {
    /// A tensor of the given shape with every element `value`.
    pub fn full(shape: &[usize], value: T) -> Self {
        Tensor::from_vec(vec![value; numel(shape)], shape)
    }

    /// A tensor of zeros.
    pub fn zeros(shape: &[usize]) -> Self {
        Self::full(shape, T::ZERO)
    }

    /// A tensor of ones.
    pub fn ones(shape: &[usize]) -> Self {
        Self::full(shape, T::ONE)
    }

    /// A zero-dimensional tensor holding one value.
    pub fn scalar(value: T) -> Self {
        Tensor::from_vec(vec![value], &[])
    }

    /// A tensor whose element at each row-major position `i` is `f(i)`.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let t = Tensor::<f64>::from_fn(&[2, 2], |i| i as f64 * 10.0);
    /// assert_eq!(t.data(), &[0.0, 10.0, 20.0, 30.0]);
    /// ```
    pub fn from_fn(shape: &[usize], f: impl FnMut(usize) -> T) -> Self {
        Tensor::from_vec((0..numel(shape)).map(f).collect(), shape)
    }

    /// The 1-D tensor `start, start + step, ...` up to but excluding `end`.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// assert_eq!(Tensor::arange(0.0, 1.0, 0.25).data(), &[0.0, 0.25, 0.5, 0.75]);
    /// ```
    ///
    /// # Panics
    /// If `step` is zero or not finite.
    pub fn arange(start: T, end: T, step: T) -> Self {
        assert!(
            step != T::ZERO && step.is_finite(),
            "arange: step must be finite and non-zero, got {step}"
        );
        let span = ((end - start) / step).to_f64();
        let n = if span > 0.0 { span.ceil() as usize } else { 0 };
        Tensor::from_vec(
            (0..n).map(|i| start + step * T::from_usize(i)).collect(),
            &[n],
        )
    }

    /// `n` evenly spaced values from `start` to `end`, both included.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// assert_eq!(Tensor::linspace(0.0, 1.0, 5).data(), &[0.0, 0.25, 0.5, 0.75, 1.0]);
    /// ```
    pub fn linspace(start: T, end: T, n: usize) -> Self {
        let data = match n {
            0 => Vec::new(),
            1 => vec![start],
            _ => {
                let step = (end - start) / T::from_usize(n - 1);
                (0..n)
                    .map(|i| {
                        if i == n - 1 {
                            end
                        } else {
                            start + step * T::from_usize(i)
                        }
                    })
                    .collect()
            }
        };
        Tensor::from_vec(data, &[n])
    }

    /// Samples from the normal distribution N(mean, std^2) drawn from `rng`.
    ///
    /// The same seeded generator gives the same tensor:
    /// ```
    /// use nabla_autodiff::Tensor;
    /// use rand::{SeedableRng, rngs::StdRng};
    /// let a = Tensor::<f32>::randn(&[3], 0.0, 1.0, &mut StdRng::seed_from_u64(7));
    /// let b = Tensor::<f32>::randn(&[3], 0.0, 1.0, &mut StdRng::seed_from_u64(7));
    /// assert_eq!(a, b);
    /// ```
    pub fn randn<R: Rng + ?Sized>(shape: &[usize], mean: T, std: T, rng: &mut R) -> Self {
        Self::from_fn(shape, |_| {
            let z: f64 = StandardNormal.sample(rng);
            mean + std * T::from_f64(z)
        })
    }

    /// Samples uniformly from `[low, high)` drawn from `rng`.
    pub fn rand_uniform<R: Rng + ?Sized>(shape: &[usize], low: T, high: T, rng: &mut R) -> Self {
        let (lo, hi) = (low.to_f64(), high.to_f64());
        Self::from_fn(shape, |_| T::from_f64(lo + (hi - lo) * rng.random::<f64>()))
    }

    /// The `n` x `n` identity matrix.
    pub fn eye(n: usize) -> Self {
        Self::from_fn(&[n, n], |i| if i / n == i % n { T::ONE } else { T::ZERO })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn filled_constructors() {
        assert_eq!(Tensor::<f64>::zeros(&[2, 2]).data(), &[0.0; 4]);
        assert_eq!(Tensor::<f32>::ones(&[3]).data(), &[1.0; 3]);
        assert_eq!(Tensor::full(&[1, 2], 7.5).data(), &[7.5, 7.5]);
        let s = Tensor::scalar(3.0_f64);
        assert_eq!((s.shape(), s.item()), (&[][..], 3.0));
        assert_eq!(Tensor::<f64>::eye(2).data(), &[1.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn ranges() {
        assert_eq!(Tensor::arange(5.0_f64, 0.0, -2.0).data(), &[5.0, 3.0, 1.0]);
        assert_eq!(Tensor::arange(0.0_f64, 0.0, 1.0).numel(), 0);
        assert_eq!(Tensor::linspace(2.0_f64, 3.0, 1).data(), &[2.0]);
        assert_eq!(
            Tensor::<f64>::linspace(-1.0, 1.0, 3).data(),
            &[-1.0, 0.0, 1.0]
        );
    }

    #[test]
    fn random_tensors_have_the_asked_moments() {
        let mut rng = StdRng::seed_from_u64(0);
        let n = Tensor::<f64>::randn(&[20_000], 2.0, 3.0, &mut rng);
        let mean = n.mean();
        let var = n.data().iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 20_000.0;
        assert!((mean - 2.0).abs() < 0.06, "mean {mean}");
        assert!((var.sqrt() - 3.0).abs() < 0.06, "std {}", var.sqrt());
        let u = Tensor::<f32>::rand_uniform(&[10_000], -1.0, 3.0, &mut rng);
        assert!(u.data().iter().all(|&x| (-1.0..3.0).contains(&x)));
        assert!((u.mean() - 1.0).abs() < 0.05);
    }
}
