//! A steady-state training step allocates nothing of nabla's own: after warm-up, the tape, its
//! buffer pool, the ops' boxes and the gradients reuse the memory of earlier steps. A counting
//! global allocator (this test binary's own) checks it for the tiny and mnist-mlp workloads.
//!
//! One allocation per product remains on the larger workload: the blocked kernel of the
//! `matrixmultiply` crate allocates its packing buffer on every call and takes no buffer from
//! its caller. Products small enough for nabla's own loops (all of tiny's) allocate nothing.

#[path = "../benches/support/workloads.rs"]
#[allow(dead_code)]
mod workloads;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use workloads::{Spec, Workload};

/// Counts the allocations made by the thread that is counting, passing everything to the
/// system allocator.
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    // `try_with`: the allocator also serves thread teardown, when the locals are gone.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: forwarded with the caller's pointer, layout and size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    COUNT.with(|c| c.set(0));
    COUNTING.with(|on| on.set(true));
    f();
    COUNTING.with(|on| on.set(false));
    COUNT.with(|c| c.get())
}

/// Allocations per step, averaged over 20 steps after warm-up.
fn steady_state_allocations(name: &str) -> usize {
    let mut w = Workload::new(Spec::find(name).expect("a known workload"), 1);
    let first = w.step();
    for _ in 0..5 {
        w.step();
    }
    let mut last = first;
    let count = allocations(|| {
        for _ in 0..20 {
            last = w.step();
        }
    });
    // The steps did train: the loss went down from the first step's.
    assert!(last < first, "{name}: loss {first} -> {last}");
    count / 20
}

#[test]
fn tiny_step_allocates_nothing_after_warm_up() {
    assert_eq!(steady_state_allocations("tiny"), 0);
}

#[test]
fn mnist_mlp_step_allocates_only_the_kernels_packing_buffers() {
    // 3 products forward, 3 weight gradients and 2 input gradients, all big enough for the
    // blocked kernel, which allocates one packing buffer on the calling thread per call.
    let blocked_products = 8;
    nabla::autodiff::set_num_threads(1);
    assert_eq!(steady_state_allocations("mnist-mlp"), blocked_products);
}

#[test]
fn the_counter_sees_allocations() {
    let n = allocations(|| drop(std::hint::black_box(vec![1u8; 10])));
    assert_eq!(n, 1);
}
