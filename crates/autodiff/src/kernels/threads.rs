//! A small pool of helper threads that runs the parts of one large matrix product side by side.
//!
//! [`run_parts`] runs `f(0)`, `f(1)`, ... on the calling thread and on parked helper threads:
//! each claims the next unclaimed part until none is left, so when the machine is busy and a
//! helper is slow to wake, the caller simply does more of the work. Helpers spin briefly after
//! each job before sleeping again, so that the products of one training step, which come a few
//! microseconds apart, do not pay a wake-up each. Only one caller uses the pool at a time; a
//! second caller (another thread, or a product inside a part) runs all of its parts itself.
//!
//! The helpers see the job as a borrowed closure whose lifetime is erased (`unsafe`): that is
//! sound because [`run_parts`] does not return, even when a part panics, before it has retired
//! the job and every helper that joined it has finished.
#![allow(unsafe_code)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

/// How many times a waiting thread checks for news before it sleeps on a condition variable
/// (tens of microseconds).
const SPINS: u32 = 1 << 14;

/// The threads products may use, 0 meaning "all cores" (see [`set_num_threads`]).
static REQUESTED: AtomicUsize = AtomicUsize::new(0);

/// Sets how many threads (the caller included) a large matrix product may use; 0 means one
/// per available core, the default. Values above the core count are clamped to it. Products
/// too small to gain from a second thread always run on the caller's.
///
/// ```
/// nabla_autodiff::set_num_threads(1); // every product on the calling thread
/// assert_eq!(nabla_autodiff::num_threads(), 1);
/// nabla_autodiff::set_num_threads(0); // back to one per core
/// ```
pub fn set_num_threads(n: usize) {
    REQUESTED.store(n, Ordering::Relaxed);
}

/// How many threads a large matrix product uses now (see [`set_num_threads`]).
pub fn num_threads() -> usize {
    let cores = cores();
    match REQUESTED.load(Ordering::Relaxed) {
        0 => cores,
        n => n.min(cores),
    }
}

fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A job as the helpers see it: the borrowed closure with its lifetime erased.
#[derive(Clone, Copy)]
struct Job(*const (dyn Fn(usize) + Sync + 'static));

// SAFETY: the closure is `Sync`, so calling it from another thread through a shared pointer is
// allowed; `run_parts` keeps it alive until every helper is done with it.
unsafe impl Send for Job {}

struct Pool {
    helpers: usize,
    /// Bumped once per job; helpers compare it with the last job they saw.
    generation: AtomicU64,
    /// The next part of the current job not yet claimed.
    next: AtomicUsize,
    /// Helpers inside the current job (between taking it and finishing their parts).
    active: AtomicUsize,
    /// Set while a caller owns the pool.
    busy: AtomicBool,
    /// Whether a helper's part panicked in the current job.
    panicked: AtomicBool,
    /// The current job and its number of parts; `None` once its caller stopped handing it out.
    job: Mutex<Option<(Job, usize)>>,
    work: Condvar,
    done_lock: Mutex<()>,
    done: Condvar,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<&'static Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let pool: &'static Pool = Box::leak(Box::new(Pool {
            helpers: cores() - 1,
            generation: AtomicU64::new(0),
            next: AtomicUsize::new(0),
            active: AtomicUsize::new(0),
            busy: AtomicBool::new(false),
            panicked: AtomicBool::new(false),
            job: Mutex::new(None),
            work: Condvar::new(),
            done_lock: Mutex::new(()),
            done: Condvar::new(),
        }));
        for index in 1..=pool.helpers {
            std::thread::Builder::new()
                .name(format!("nabla-gemm-{index}"))
                .spawn(move || helper(pool))
                .expect("nabla: could not start a matrix-product helper thread");
        }
        pool
    })
}

/// Claims and runs parts of `job` until none is left; reports a panic to the pool.
fn claim_parts(pool: &Pool, f: &(dyn Fn(usize) + Sync), parts: usize) {
    loop {
        let part = pool.next.fetch_add(1, Ordering::AcqRel);
        if part >= parts {
            return;
        }
        if catch_unwind(AssertUnwindSafe(|| f(part))).is_err() {
            pool.panicked.store(true, Ordering::Release);
        }
    }
}

fn helper(pool: &'static Pool) {
    let mut seen = 0;
    loop {
        let mut spins = 0;
        while pool.generation.load(Ordering::Acquire) == seen && spins < SPINS {
            std::hint::spin_loop();
            spins += 1;
        }
        let taken = {
            let mut slot = pool.job.lock().unwrap_or_else(|e| e.into_inner());
            while pool.generation.load(Ordering::Acquire) == seen {
                slot = pool.work.wait(slot).unwrap_or_else(|e| e.into_inner());
            }
            seen = pool.generation.load(Ordering::Acquire);
            // Joining happens under the lock the caller retires the job with, so that once
            // retired, no helper can still join it.
            if slot.is_some() {
                pool.active.fetch_add(1, Ordering::AcqRel);
            }
            *slot
        };
        let Some((job, parts)) = taken else { continue };
        // SAFETY: this helper counts in `active`, and the caller of `run_parts` does not
        // return before `active` is back to 0, so the closure is still alive.
        claim_parts(pool, unsafe { &*job.0 }, parts);
        if pool.active.fetch_sub(1, Ordering::AcqRel) == 1 {
            let _lock = pool.done_lock.lock().unwrap_or_else(|e| e.into_inner());
            pool.done.notify_all();
        }
    }
}

/// Retires the current job and waits for the helpers inside it, even when the caller's own
/// parts panic.
struct Retire(&'static Pool);

impl Drop for Retire {
    fn drop(&mut self) {
        let pool = self.0;
        *pool.job.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let mut spins = 0;
        while pool.active.load(Ordering::Acquire) != 0 && spins < SPINS {
            std::hint::spin_loop();
            spins += 1;
        }
        let mut lock = pool.done_lock.lock().unwrap_or_else(|e| e.into_inner());
        while pool.active.load(Ordering::Acquire) != 0 {
            lock = pool.done.wait(lock).unwrap_or_else(|e| e.into_inner());
        }
        pool.busy.store(false, Ordering::Release);
    }
}

/// Runs `f(0)`, ..., `f(parts - 1)` and returns when all are done. The caller and any free
/// helpers claim parts as they go, so a helper that the operating system has not scheduled yet
/// costs nothing: the caller then runs its parts itself.
///
/// # Panics
/// If any part panics (after every part has finished).
pub(crate) fn run_parts(parts: usize, f: &(dyn Fn(usize) + Sync)) {
    let serial = || (0..parts).for_each(f);
    if parts <= 1 {
        return serial();
    }
    let pool = pool();
    if pool.helpers == 0
        || pool
            .busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
    {
        return serial();
    }
    // SAFETY: only the lifetime is erased; `Retire` below blocks until no helper can still
    // use the pointer, before `f`'s borrow ends.
    let job = Job(unsafe {
        std::mem::transmute::<*const (dyn Fn(usize) + Sync + '_), *const (dyn Fn(usize) + Sync)>(f)
    });
    {
        let mut slot = pool.job.lock().unwrap_or_else(|e| e.into_inner());
        *slot = Some((job, parts));
        pool.panicked.store(false, Ordering::Relaxed);
        pool.next.store(0, Ordering::Release);
        pool.generation.fetch_add(1, Ordering::AcqRel);
        pool.work.notify_all();
    }
    {
        let _retire = Retire(pool);
        claim_parts(pool, f, parts);
    }
    assert!(
        !pool.panicked.load(Ordering::Acquire),
        "a part of a parallel matrix product panicked"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn every_part_runs_once() {
        for parts in [1, 2, 3, 7] {
            let hits: Vec<AtomicUsize> = (0..parts).map(|_| AtomicUsize::new(0)).collect();
            run_parts(parts, &|i| {
                hits[i].fetch_add(1, Ordering::Relaxed);
            });
            assert!(
                hits.iter().all(|h| h.load(Ordering::Relaxed) == 1),
                "{parts}"
            );
        }
    }

    #[test]
    fn concurrent_callers_each_get_their_parts_done() {
        std::thread::scope(|s| {
            for t in 0..4 {
                s.spawn(move || {
                    for _ in 0..200 {
                        let sum = AtomicUsize::new(0);
                        run_parts(2, &|i| {
                            sum.fetch_add(i + t, Ordering::Relaxed);
                        });
                        assert_eq!(sum.load(Ordering::Relaxed), 1 + 2 * t);
                    }
                });
            }
        });
    }
}
