//! [`Tensor`]: an n-dimensional, row-major, contiguous array of `f32` or `f64`.
//!
//! The tensor is a plain value: a `Vec` of elements and a shape. Everything here is eager and
//! records nothing; the [`Tape`](crate::Tape) builds on these operations to record a graph.
//!
//! Every operation here allocates its result. The tape computes the same operations into
//! recycled buffers through crate-private `_in` forms, which [`Scratch`](crate::Scratch)
//! exposes to op authors; the user-facing methods below never take a buffer.

mod construct;
mod display;
mod elementwise;
pub(crate) mod layout;
mod linalg;
mod reduce;
mod select;
mod window;

pub use elementwise::Comparison;
pub(crate) use linalg::matmul_len;
pub use window::Window;
pub(crate) use window::{fold_len, unfold_len};

use crate::float::Float;
use crate::shape::{Shape, ShapeDisplay, numel};

/// An n-dimensional array of `f32` or `f64`, stored contiguously in row-major order.
///
/// ```
/// use nabla_autodiff::Tensor;
/// let a = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
/// let b = Tensor::from_vec(vec![10.0, 20.0, 30.0], &[3]);
/// let c = &a + &b; // broadcast over rows
/// assert_eq!(c.data(), &[11.0, 22.0, 33.0, 14.0, 25.0, 36.0]);
/// assert_eq!(c.sum_axes(&[0], false).data(), &[25.0, 47.0, 69.0]);
/// ```
#[derive(Clone, PartialEq)]
pub struct Tensor<T> {
    data: Vec<T>,
    shape: Shape,
}

impl<T: Float> Tensor<T> {
    /// A tensor from row-major data and a shape.
    ///
    /// # Panics
    /// If `data.len()` is not the product of `shape`. Use [`Tensor::try_from_vec`] to get an
    /// error instead.
    pub fn from_vec(data: Vec<T>, shape: &[usize]) -> Self {
        Self::try_from_vec(data, shape).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A tensor from row-major data and a shape, or an error saying how the lengths disagree.
    ///
    /// ```
    /// use nabla_autodiff::Tensor;
    /// let err = Tensor::try_from_vec(vec![1.0_f64; 5], &[2, 3]).unwrap_err();
    /// assert!(err.to_string().contains("5 elements"));
    /// ```
    pub fn try_from_vec(data: Vec<T>, shape: &[usize]) -> Result<Self, ShapeError> {
        if data.len() != numel(shape) {
            return Err(ShapeError {
                op: "from_vec",
                message: format!(
                    "{} elements cannot fill shape {}, which holds {}; pass a shape whose \
                     extents multiply to the data's length",
                    data.len(),
                    ShapeDisplay(shape),
                    numel(shape)
                ),
            });
        }
        Ok(Tensor {
            data,
            shape: shape.into(),
        })
    }

    /// The extents of each axis, outermost first (empty for a scalar).
    #[inline]
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of axes.
    #[inline]
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of elements.
    #[inline]
    pub fn numel(&self) -> usize {
        self.data.len()
    }

    /// The elements in row-major order.
    #[inline]
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// The elements in row-major order, writable.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// Gives up the tensor, returning its elements.
    #[inline]
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }

    /// The element at a multi-index.
    ///
    /// # Panics
    /// If the index has the wrong number of axes or is out of range.
    pub fn at(&self, index: &[usize]) -> T {
        self.data[self.offset_of("at", index)]
    }

    /// The value of a one-element tensor (any shape whose extents are all 1).
    ///
    /// # Panics
    /// If the tensor has more than one element.
    pub fn item(&self) -> T {
        assert!(
            self.data.len() == 1,
            "item: tensor of shape {} has {} elements, not 1",
            ShapeDisplay(&self.shape),
            self.data.len()
        );
        self.data[0]
    }

    /// The same elements converted to another float type.
    pub fn cast<U: Float>(&self) -> Tensor<U> {
        Tensor {
            data: self.data.iter().map(|x| U::from_f64(x.to_f64())).collect(),
            shape: self.shape.clone(),
        }
    }

    /// Whether every element is finite.
    pub fn all_finite(&self) -> bool {
        self.data.iter().all(|x| x.is_finite())
    }

    /// Row-major offset of a multi-index.
    pub(crate) fn offset_of(&self, op: &str, index: &[usize]) -> usize {
        assert!(
            index.len() == self.ndim(),
            "{op}: index {index:?} has {} axes but the tensor has shape {}",
            index.len(),
            ShapeDisplay(&self.shape)
        );
        let mut offset = 0;
        for (axis, (&i, &extent)) in index.iter().zip(self.shape.iter()).enumerate() {
            assert!(
                i < extent,
                "{op}: index {index:?} is out of range on axis {axis} of shape {}",
                ShapeDisplay(&self.shape)
            );
            offset = offset * extent + i;
        }
        offset
    }

    /// Builds a tensor from a reused buffer: `buf` is cleared and filled by `fill`, which must
    /// push exactly `numel(shape)` elements.
    pub(crate) fn build_in(buf: Vec<T>, shape: &[usize], fill: impl FnOnce(&mut Vec<T>)) -> Self {
        let mut data = buf;
        data.clear();
        data.reserve(numel(shape));
        fill(&mut data);
        debug_assert_eq!(data.len(), numel(shape), "build_in filled the wrong length");
        Tensor {
            data,
            shape: shape.into(),
        }
    }

    /// Becomes a copy of `other`, reusing this tensor's memory.
    pub(crate) fn copy_from(&mut self, other: &Tensor<T>) {
        self.data.clear();
        self.data.extend_from_slice(&other.data);
        self.shape.clone_from(&other.shape);
    }

    /// Sets the shape without touching the data. The caller guarantees the element count.
    pub(crate) fn set_shape(&mut self, shape: &[usize]) {
        debug_assert_eq!(numel(shape), self.data.len());
        self.shape = shape.into();
    }
}

/// A shape mismatch reported as a value rather than a panic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// The operation that was asked for.
    pub op: &'static str,
    /// What was passed and what was expected.
    pub message: String,
}

impl std::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.op, self.message)
    }
}

impl std::error::Error for ShapeError {}
