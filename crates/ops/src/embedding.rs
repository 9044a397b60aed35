//! Embedding lookup: rows of a table picked by integer ids.

use crate::conv::view;
use nabla_autodiff::{Float, Shape, Var};

/// The rows of `table` `[vocab, dim]` at `ids`, laid out in `shape` (`ids` in row-major order,
/// one per position: `[batch, context]`, say), giving `shape + [dim]`:
///
/// `y[i_1, ..., i_k, :] = table[ids[flat(i_1, ..., i_k)], :]`
///
/// The gradient of `table` is the incoming gradient's rows added into the rows they were read
/// from: a row picked several times collects the sum, a row never picked gets 0. Computed as
/// [`Var::select_rows`] and a reshape, so it is differentiable to any order.
///
/// ```
/// use nabla_autodiff::{Tape, Tensor};
/// use nabla_ops::embedding;
///
/// let tape = Tape::<f64>::new();
/// let table = tape.param(Tensor::from_fn(&[4, 2], |i| i as f64)); // row r = [2r, 2r + 1]
/// let y = embedding(table, &[3, 0, 3, 1], &[2, 2]); // a batch of 2 contexts of 2
/// assert_eq!(y.shape().as_slice(), &[2, 2, 2]);
/// assert_eq!(y.value().data(), &[6.0, 7.0, 0.0, 1.0, 6.0, 7.0, 2.0, 3.0]);
/// // Id 3 was picked twice: its row collects both gradients; id 2 was never picked.
/// assert_eq!(y.sum().backward()[table].data(), &[1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 2.0, 2.0]);
/// ```
///
/// # Panics
/// If `table` is not 2-D, the number of ids is not the number of positions in `shape`, or an
/// id is not below `vocab`; the message names the id, its position in `shape` and the
/// vocabulary size.
pub fn embedding<'t, T: Float>(table: Var<'t, T>, ids: &[usize], shape: &[usize]) -> Var<'t, T> {
    let ts = table.shape();
    let &[vocab, dim] = ts.as_slice() else {
        panic!("embedding: the table has shape {ts:?}; expected [vocab, dim]")
    };
    let positions: usize = shape.iter().product();
    assert!(
        ids.len() == positions,
        "embedding: {} ids do not fill shape {shape:?}, which has {positions} positions",
        ids.len()
    );
    if let Some(at) = ids.iter().position(|&id| id >= vocab) {
        panic!(
            "embedding: id {} at position {:?} is out of range for a vocabulary of {vocab} \
             (a table of shape {ts:?})",
            ids[at],
            unravel(at, shape)
        );
    }
    let out: Shape = shape.iter().copied().chain([dim]).collect();
    view(table.select_rows(ids), &out)
}

/// The multi-index of row-major position `flat` in `shape`.
fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (i, &extent) in shape.iter().enumerate().rev() {
        index[i] = flat % extent;
        flat /= extent;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;
    use nabla_autodiff::{Tape, Tensor};

    fn lookup(table: &[usize], ids: &[usize], shape: &[usize]) {
        let tape = Tape::<f32>::new();
        embedding(tape.param(Tensor::zeros(table)), ids, shape);
    }

    #[test]
    #[should_panic(expected = "embedding: id 5 at position [1, 0] is out of range for a \
                               vocabulary of 5 (a table of shape [5, 3])")]
    fn an_id_out_of_range_names_itself_its_position_and_the_vocabulary() {
        lookup(&[5, 3], &[0, 4, 5, 1], &[2, 2]);
    }

    #[test]
    #[should_panic(expected = "embedding: 3 ids do not fill shape [2, 2], which has 4 positions")]
    fn ids_must_fill_the_shape() {
        lookup(&[5, 3], &[0, 1, 2], &[2, 2]);
    }

    #[test]
    #[should_panic(expected = "embedding: the table has shape [5]; expected [vocab, dim]")]
    fn the_table_is_a_matrix() {
        lookup(&[5], &[0], &[1]);
    }

    #[test]
    fn unravel_is_row_major() {
        assert_eq!(unravel(5, &[2, 3]), vec![1, 2]);
        assert_eq!(unravel(0, &[]), Vec::<usize>::new());
    }
}
