//! `Display` and `Debug`: nested brackets like NumPy, eliding the middle of long axes.

use super::Tensor;
use crate::float::Float;
use crate::shape::ShapeDisplay;
use std::fmt;

/// Axes longer than this show their first and last [`EDGE`] entries around an ellipsis.
const SUMMARY_THRESHOLD: usize = 8;
const EDGE: usize = 3;

impl<T: Float> fmt::Display for Tensor<T> {
    /// Writes the elements in nested brackets. A precision (`{:.3}`) applies to every element;
    /// without one each element is written in its shortest exact form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ndim() == 0 {
            return write_elem(f, self.data()[0]);
        }
        write_axis(f, self, 0, 0)
    }
}

impl<T: Float> fmt::Debug for Tensor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tensor<{}>{} ", T::NAME, ShapeDisplay(self.shape()))?;
        fmt::Display::fmt(self, f)
    }
}

fn write_elem<T: Float>(f: &mut fmt::Formatter<'_>, x: T) -> fmt::Result {
    match f.precision() {
        Some(p) => write!(f, "{x:.p$}"),
        None => write!(f, "{x}"),
    }
}

fn write_axis<T: Float>(
    f: &mut fmt::Formatter<'_>,
    t: &Tensor<T>,
    axis: usize,
    offset: usize,
) -> fmt::Result {
    let extent = t.shape()[axis];
    let inner: usize = t.shape()[axis + 1..].iter().product();
    let last = axis + 1 == t.ndim();
    let shown: Vec<Option<usize>> = if extent > SUMMARY_THRESHOLD {
        (0..EDGE)
            .map(Some)
            .chain(std::iter::once(None))
            .chain((extent - EDGE..extent).map(Some))
            .collect()
    } else {
        (0..extent).map(Some).collect()
    };
    f.write_str("[")?;
    for (pos, entry) in shown.iter().enumerate() {
        if pos > 0 {
            if last {
                f.write_str(", ")?;
            } else {
                f.write_str(",")?;
                for _ in 0..t.ndim() - axis - 1 {
                    f.write_str("\n")?;
                }
                for _ in 0..=axis {
                    f.write_str(" ")?;
                }
            }
        }
        match entry {
            None => f.write_str("...")?,
            Some(i) if last => write_elem(f, t.data()[offset + i])?,
            Some(i) => write_axis(f, t, axis + 1, offset + i * inner)?,
        }
    }
    f.write_str("]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_matrices_print_in_full() {
        let t = Tensor::from_vec(vec![1.0, 2.5, -3.0, 4.0], &[2, 2]);
        assert_eq!(t.to_string(), "[[1, 2.5],\n [-3, 4]]");
        assert_eq!(
            format!("{t:.2?}"),
            "Tensor<f64>[2, 2] [[1.00, 2.50],\n [-3.00, 4.00]]"
        );
        assert_eq!(Tensor::scalar(0.5_f32).to_string(), "0.5");
    }

    #[test]
    fn long_axes_are_summarised() {
        let t = Tensor::<f64>::arange(0.0, 100.0, 1.0);
        assert_eq!(t.to_string(), "[0, 1, 2, ..., 97, 98, 99]");
        let cube = Tensor::<f64>::zeros(&[2, 1, 2]);
        assert_eq!(cube.to_string(), "[[[0, 0]],\n\n [[0, 0]]]");
    }
}
