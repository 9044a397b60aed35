//! [`Indices`]: a copy of an index list (class labels) that an op keeps, in a vector reused
//! from ops dropped earlier on the same thread, so that recording a loss each training step
//! does not allocate once the first steps have run.

use std::cell::RefCell;
use std::ops::Deref;

/// Spare vectors kept per thread; more than this are freed.
const KEEP: usize = 64;

thread_local! {
    static SPARE: RefCell<Vec<Vec<usize>>> = const { RefCell::new(Vec::new()) };
}

/// An owned index list whose vector goes back to a per-thread spare list when dropped.
#[derive(Debug)]
pub(crate) struct Indices(Vec<usize>);

impl Indices {
    /// A copy of `src`.
    pub(crate) fn copy_of(src: &[usize]) -> Self {
        let mut v = SPARE
            .try_with(|s| s.borrow_mut().pop())
            .ok()
            .flatten()
            .unwrap_or_default();
        v.clear();
        v.extend_from_slice(src);
        Indices(v)
    }
}

impl Deref for Indices {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        &self.0
    }
}

impl Drop for Indices {
    fn drop(&mut self) {
        let v = std::mem::take(&mut self.0);
        // `try_with`: during thread teardown the list may be gone; the vector is then freed.
        let _ = SPARE.try_with(|s| {
            let mut s = s.borrow_mut();
            if s.len() < KEEP && v.capacity() > 0 {
                s.push(v);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_list_lends_its_vector_to_the_next() {
        let a = Indices::copy_of(&[1, 2, 3, 4, 5, 6, 7, 8]);
        let ptr = a.as_ptr();
        drop(a);
        let b = Indices::copy_of(&[9, 8]);
        assert_eq!((&*b, b.as_ptr()), (&[9, 8][..], ptr));
    }
}
