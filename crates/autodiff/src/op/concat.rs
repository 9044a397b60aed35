//! Joining and slicing along an axis: `concat`, `narrow`, and `pad` (a tensor placed into
//! zeros, the reverse of `narrow`). The gradient of each is a slice or a padding of the
//! gradient.

use super::rule::Backprop;
use super::{Op, Primitive};
use crate::float::Float;
use crate::scratch::Scratch;
use crate::shape::{ShapeDisplay, check_axis};
use crate::tape::{Inputs, Var};
use crate::tensor::Tensor;
use smallvec::smallvec;
use std::borrow::Cow;

/// The inputs joined along `axis`.
pub(crate) struct Concat {
    axis: usize,
}

/// The slice `start..start + len` along `axis`.
pub(crate) struct Narrow {
    axis: usize,
    start: usize,
    len: usize,
}

/// The input placed at `start` along `axis` of a zero tensor of extent `extent` there.
pub(crate) struct Pad {
    axis: usize,
    start: usize,
    extent: usize,
}

impl<'t, T: Float> Var<'t, T> {
    /// Joins vars along an axis.
    ///
    /// # Panics
    /// If `parts` is empty or the shapes disagree outside `axis`.
    pub fn concat(parts: &[Var<'t, T>], axis: usize) -> Self {
        assert!(!parts.is_empty(), "concat: needs at least one var");
        let tape = parts[0].tape;
        let keys: Inputs = parts.iter().map(|v| tape.own(*v, "concat")).collect();
        tape.record(Op::Concat(Concat { axis }), keys)
    }

    /// Joins vars of one shape along a new axis at position `axis` (0 to their number of
    /// axes): `n` vars of shape `[a, b]` stacked at axis 1 give `[a, n, b]`.
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let a = tape.param(Tensor::from_vec(vec![1.0, 2.0], &[2]));
    /// let b = tape.param(Tensor::from_vec(vec![3.0, 4.0], &[2]));
    /// let s = nabla_autodiff::Var::stack(&[a, b], 1);
    /// assert_eq!((s.shape().as_slice(), s.value().data()), (&[2, 2][..], &[1.0, 3.0, 2.0, 4.0][..]));
    /// ```
    ///
    /// # Panics
    /// If `parts` is empty, the shapes differ or `axis` is beyond the number of axes.
    pub fn stack(parts: &[Var<'t, T>], axis: usize) -> Self {
        assert!(!parts.is_empty(), "stack: needs at least one var");
        let shape = parts[0].shape();
        assert!(
            axis <= shape.len(),
            "stack: axis {axis} is beyond the {} axes of shape {}",
            shape.len(),
            ShapeDisplay(&shape)
        );
        let mut unsqueezed = shape.clone();
        unsqueezed.insert(axis, 1);
        let columns: Vec<Var<'t, T>> = parts
            .iter()
            .map(|p| {
                let other = p.shape();
                assert!(
                    other == shape,
                    "stack: shapes {} and {} differ; every var must have the same shape",
                    ShapeDisplay(&shape),
                    ShapeDisplay(&other)
                );
                p.reshape(&unsqueezed)
            })
            .collect();
        Var::concat(&columns, axis)
    }

    /// Consecutive slices along `axis` of the given sizes, which must add up to the axis's
    /// extent (PyTorch's `split` with a list).
    ///
    /// # Panics
    /// If `axis` is out of range or the sizes do not add up to its extent.
    pub fn split(self, sizes: &[usize], axis: usize) -> Vec<Self> {
        let shape = self.shape();
        check_axis("split", axis, &shape);
        assert!(
            sizes.iter().sum::<usize>() == shape[axis],
            "split: sizes {sizes:?} add up to {}, but axis {axis} of shape {} has extent {}",
            sizes.iter().sum::<usize>(),
            ShapeDisplay(&shape),
            shape[axis]
        );
        let mut start = 0;
        sizes
            .iter()
            .map(|&len| {
                let part = self.narrow(axis, start, len);
                start += len;
                part
            })
            .collect()
    }

    /// `chunks` slices of equal size along `axis` (the last smaller if the extent does not
    /// divide; fewer if the extent is smaller than `chunks`), as PyTorch's `chunk`.
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::from_fn(&[5], |i| i as f64));
    /// let parts = x.chunk(2, 0);
    /// assert_eq!(parts[1].value().data(), &[3.0, 4.0]); // sizes 3 and 2
    /// ```
    ///
    /// # Panics
    /// If `axis` is out of range or `chunks` is 0.
    pub fn chunk(self, chunks: usize, axis: usize) -> Vec<Self> {
        assert!(chunks > 0, "chunk: asked for 0 chunks; ask for at least 1");
        let shape = self.shape();
        check_axis("chunk", axis, &shape);
        let size = shape[axis].div_ceil(chunks).max(1);
        let mut sizes = vec![size; shape[axis] / size];
        if !shape[axis].is_multiple_of(size) {
            sizes.push(shape[axis] % size);
        }
        self.split(&sizes, axis)
    }

    /// The slice `start..start + len` along `axis`.
    ///
    /// ```
    /// use nabla_autodiff::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.param(Tensor::from_fn(&[2, 3], |i| i as f64));
    /// assert_eq!(x.narrow(1, 1, 2).value().data(), &[1.0, 2.0, 4.0, 5.0]);
    /// ```
    ///
    /// # Panics
    /// If the axis is out of range or the slice does not fit in it.
    pub fn narrow(self, axis: usize, start: usize, len: usize) -> Self {
        let shape = self.shape();
        check_axis("narrow", axis, &shape);
        assert!(
            start + len <= shape[axis],
            "narrow: range {start}..{} is outside axis {axis} of shape {}",
            start + len,
            ShapeDisplay(&shape)
        );
        let op = Narrow { axis, start, len };
        self.tape.record(Op::Narrow(op), smallvec![self.key])
    }

    /// This var placed at `start..` along `axis` of a zero tensor whose extent there is
    /// `extent` (see [`Tensor::pad`]).
    ///
    /// # Panics
    /// If the axis is out of range or the var does not fit at `start`.
    pub fn pad(self, axis: usize, start: usize, extent: usize) -> Self {
        let shape = self.shape();
        check_axis("pad", axis, &shape);
        assert!(
            start + shape[axis] <= extent,
            "pad: a var of shape {} does not fit at {start}..{} of an axis of extent {extent}",
            ShapeDisplay(&shape),
            start + shape[axis]
        );
        let op = Pad {
            axis,
            start,
            extent,
        };
        self.tape.record(Op::Pad(op), smallvec![self.key])
    }
}

impl<T: Float> Primitive<T> for Concat {
    fn name(&self) -> Cow<'_, str> {
        format!("concat axis {}", self.axis).into()
    }

    fn rule(&self, i: usize, shapes: &[&[usize]]) -> String {
        let start: usize = shapes[..i].iter().map(|s| s[self.axis]).sum();
        let end = start + shapes[i][self.axis];
        format!(
            "dL/dx{i} = g[{start}..{end}] along axis {} (where x{i} sits)",
            self.axis
        )
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let len = inputs.iter().map(|t| t.numel()).sum();
        Tensor::concat_in(inputs, self.axis, s.take(len))
    }

    /// Each input gets the slice of the gradient where it sat.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
        let start = x[..i].iter().map(|&v| b.shape(v)[self.axis]).sum();
        let len = b.shape(x[i])[self.axis];
        Some(b.narrow(g, self.axis, start, len))
    }
}

impl<T: Float> Primitive<T> for Narrow {
    fn name(&self) -> Cow<'_, str> {
        let end = self.start + self.len;
        format!("narrow axis {} [{}..{end}]", self.axis, self.start).into()
    }

    fn rule(&self, _i: usize, shapes: &[&[usize]]) -> String {
        format!(
            "dL/dx = g placed at [{}..{}] along axis {} of zeros {}",
            self.start,
            self.start + self.len,
            self.axis,
            ShapeDisplay(shapes[0])
        )
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let x = inputs[0];
        let n = x.numel() / x.shape()[self.axis].max(1) * self.len;
        x.narrow_in(self.axis, self.start, self.len, s.take(n))
    }

    /// The gradient put back in place, zero where the slice left elements out.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
        let extent = b.shape(x[0])[self.axis];
        Some(b.pad(g, self.axis, self.start, extent))
    }
}

impl<T: Float> Primitive<T> for Pad {
    fn name(&self) -> Cow<'_, str> {
        format!(
            "pad axis {} at {} to {}",
            self.axis, self.start, self.extent
        )
        .into()
    }

    fn rule(&self, _i: usize, shapes: &[&[usize]]) -> String {
        let end = self.start + shapes[0][self.axis];
        format!("dL/dx = g[{}..{end}] along axis {}", self.start, self.axis)
    }

    fn forward(&self, inputs: &[&Tensor<T>], s: &mut Scratch<T>) -> Tensor<T> {
        let x = inputs[0];
        let n = x.numel() / x.shape()[self.axis].max(1) * self.extent;
        x.pad_in(self.axis, self.start, self.extent, s.take(n))
    }

    /// The slice of the gradient where the input sat.
    fn vjp<B: Backprop<T>>(&self, b: &mut B, _i: usize, x: &[B::V], g: B::V) -> Option<B::V> {
        let len = b.shape(x[0])[self.axis];
        Some(b.narrow(g, self.axis, self.start, len))
    }
}
