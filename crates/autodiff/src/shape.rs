//! Shapes, strides and NumPy broadcasting rules.

use smallvec::SmallVec;
use std::fmt;

/// The extents of a tensor's axes, outermost first. Inline for up to six axes.
pub type Shape = SmallVec<[usize; 6]>;

/// Number of elements in a tensor of this shape (1 for a scalar's empty shape).
#[inline]
pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Row-major (C-order) strides, in elements, for a contiguous tensor of this shape.
pub fn contiguous_strides(shape: &[usize]) -> Shape {
    let mut strides: Shape = SmallVec::from_elem(0, shape.len());
    let mut acc = 1;
    for (stride, &extent) in strides.iter_mut().zip(shape).rev() {
        *stride = acc;
        acc *= extent;
    }
    strides
}

/// Displays a shape as `[2, 3]`, `[]` for a scalar.
pub struct ShapeDisplay<'a>(pub &'a [usize]);

impl fmt::Display for ShapeDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// The shape two shapes broadcast to under NumPy's rules, or `None` if they do not.
///
/// Shapes are aligned at their last axis; two extents are compatible when they are equal or one
/// of them is 1.
///
/// ```
/// use nabla_autodiff::shape::broadcast_shapes;
/// assert_eq!(broadcast_shapes(&[3, 1], &[1, 4]).unwrap().as_slice(), &[3, 4]);
/// assert_eq!(broadcast_shapes(&[5, 4], &[4]).unwrap().as_slice(), &[5, 4]);
/// assert!(broadcast_shapes(&[3], &[4]).is_none());
/// ```
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Shape> {
    let ndim = a.len().max(b.len());
    let mut out: Shape = SmallVec::with_capacity(ndim);
    for i in 0..ndim {
        let ea = extent_from_end(a, ndim - 1 - i);
        let eb = extent_from_end(b, ndim - 1 - i);
        out.push(match (ea, eb) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        });
    }
    Some(out)
}

/// Like [`broadcast_shapes`] but panics with a message naming the op and both shapes.
pub(crate) fn broadcast_or_panic(op: &str, a: &[usize], b: &[usize]) -> Shape {
    broadcast_shapes(a, b).unwrap_or_else(|| {
        panic!(
            "{op}: shapes {} and {} cannot be broadcast together (extents must match or be 1, \
             aligned from the last axis)",
            ShapeDisplay(a),
            ShapeDisplay(b)
        )
    })
}

/// Whether a tensor of shape `from` can be broadcast to `to`.
pub fn can_broadcast_to(from: &[usize], to: &[usize]) -> bool {
    from.len() <= to.len()
        && from
            .iter()
            .rev()
            .zip(to.iter().rev())
            .all(|(&f, &t)| f == t || f == 1)
}

/// Extent of axis `ndim - 1 - back` in `shape` aligned from the end, 1 where `shape` is shorter.
#[inline]
fn extent_from_end(shape: &[usize], back: usize) -> usize {
    if back < shape.len() {
        shape[shape.len() - 1 - back]
    } else {
        1
    }
}

/// Strides that read a contiguous tensor of shape `from` as if it had shape `to` (zero stride on
/// broadcast axes). `from` must broadcast to `to`.
pub(crate) fn broadcast_strides(from: &[usize], to: &[usize]) -> Shape {
    let own = contiguous_strides(from);
    let offset = to.len() - from.len();
    (0..to.len())
        .map(|i| {
            if i < offset || from[i - offset] == 1 {
                0
            } else {
                own[i - offset]
            }
        })
        .collect()
}

/// The shape after reducing `axes` with the reduced axes kept at extent 1 (every axis when
/// `axes` is `None`).
pub(crate) fn keepdim_shape(shape: &[usize], axes: Option<&[usize]>) -> Shape {
    shape
        .iter()
        .enumerate()
        .map(|(i, &e)| match axes {
            Some(a) if !a.contains(&i) => e,
            _ => 1,
        })
        .collect()
}

/// Resolves an axis index, panicking with the op's name if it is out of range.
pub(crate) fn check_axis(op: &str, axis: usize, shape: &[usize]) -> usize {
    assert!(
        axis < shape.len(),
        "{op}: axis {axis} is out of range for a tensor of shape {} ({} axes)",
        ShapeDisplay(shape),
        shape.len()
    );
    axis
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strides_are_row_major() {
        assert_eq!(contiguous_strides(&[2, 3, 4]).as_slice(), &[12, 4, 1]);
        assert!(contiguous_strides(&[]).is_empty());
    }

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(broadcast_shapes(&[], &[2, 3]).unwrap().as_slice(), &[2, 3]);
        assert_eq!(
            broadcast_shapes(&[2, 1, 3], &[4, 1]).unwrap().as_slice(),
            &[2, 4, 3]
        );
        assert!(broadcast_shapes(&[2, 3], &[3, 2]).is_none());
        assert!(can_broadcast_to(&[1, 4], &[3, 4]));
        assert!(!can_broadcast_to(&[3, 4], &[4]));
        assert_eq!(
            broadcast_strides(&[3, 1], &[2, 3, 4]).as_slice(),
            &[0, 1, 0]
        );
    }

    #[test]
    #[should_panic(expected = "add: shapes [3] and [4] cannot be broadcast")]
    fn broadcast_panic_names_op_and_shapes() {
        broadcast_or_panic("add", &[3], &[4]);
    }
}
