//! The microkernels of the blocked product, and the run-time choice among them.
//!
//! A microkernel multiplies one packed panel of A (`mr` rows, `k` deep) by one packed panel of
//! B (`k` deep, `nr` columns), summing the `mr x nr` tile in registers, then writes
//! `alpha * tile + beta * C` into a row-major block of C. Each instruction set has its own
//! kernels and tile sizes ([`Isa`]): AVX-512F and AVX2 with FMA on x86_64 (`std::arch`
//! intrinsics), and a plain-Rust one everywhere else.
//!
//! The path is chosen once per process: the widest the CPU has, unless the environment variable
//! `NABLA_GEMM_ISA` (`avx512`, `avx2` or `portable`) asks for a narrower one, so that every path
//! can be timed and tested on one machine.
//!
//! Uses `unsafe`: the kernels call intrinsics that exist only on CPUs with their features (the
//! caller checks [`Isa::supported`]) and read and write through raw pointers into the packed
//! panels and C, whose extents the caller guarantees.
#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod portable;

use super::gemm::MatRef;
use super::pack;
use crate::float::Float;
use std::sync::OnceLock;

/// An instruction set a family of microkernels is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// AVX-512F: 32 registers of 512 bits.
    Avx512,
    /// AVX2 with FMA: 16 registers of 256 bits.
    Avx2,
    /// Plain Rust, for any CPU.
    Portable,
}

impl Isa {
    /// Every path, widest first.
    pub const ALL: [Isa; 3] = [Isa::Avx512, Isa::Avx2, Isa::Portable];

    /// The name `NABLA_GEMM_ISA` uses for this path.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "avx512",
            Isa::Avx2 => "avx2",
            Isa::Portable => "portable",
        }
    }

    /// Whether this CPU can run the path's kernels.
    pub fn supported(self) -> bool {
        match self {
            Isa::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The paths this CPU can run, widest first (`Portable` always among them).
    pub fn available() -> impl Iterator<Item = Isa> {
        Isa::ALL.into_iter().filter(|isa| isa.supported())
    }

    /// The path products take: chosen on first use, from `NABLA_GEMM_ISA` and the CPU.
    pub fn active() -> Isa {
        static ACTIVE: OnceLock<Isa> = OnceLock::new();
        *ACTIVE.get_or_init(|| {
            let request = std::env::var("NABLA_GEMM_ISA").ok();
            let chosen = Isa::choose(request.as_deref());
            if let Some(name) = request.filter(|name| name != chosen.name()) {
                eprintln!(
                    "nabla: NABLA_GEMM_ISA={name} is not a path this CPU runs \
                     (avx512, avx2 or portable); using {}",
                    chosen.name()
                );
            }
            chosen
        })
    }

    /// The path a `NABLA_GEMM_ISA` value asks for if the CPU has it, else the widest one.
    fn choose(request: Option<&str>) -> Isa {
        let best = Isa::available().next().unwrap_or(Isa::Portable);
        Isa::ALL
            .into_iter()
            .find(|isa| Some(isa.name()) == request && isa.supported())
            .unwrap_or(best)
    }
}

/// A microkernel: `c[r * ldc + j] = alpha * sum_p a[p * mr + r] * b[p * nr + j] + beta * c[..]`
/// for `r < mr`, `j < nr`, `p < k`; with `beta == 0`, C's old contents (NaN included) are not
/// read.
///
/// # Safety
/// The CPU supports the kernel's [`Isa`]; `a` points to `k * mr` readable elements, `b` to
/// `k * nr`, and `c` to `mr` rows of `nr` elements `ldc` apart, readable and writable, which
/// nothing else accesses during the call.
pub type KernelFn<T> =
    unsafe fn(k: usize, a: *const T, b: *const T, c: *mut T, ldc: usize, alpha: T, beta: T);

/// Packs an operand block into a kernel's panels (see [`pack::panels`]).
pub type PackFn<T> = fn(&mut [T], MatRef<'_, T>);

/// A microkernel with its tile, its packing and the cache blocks the blocked product uses
/// around it.
#[derive(Clone, Copy, Debug)]
pub struct Micro<T> {
    /// The path the kernel belongs to.
    pub isa: Isa,
    /// Rows of C per tile (rows of a packed A panel).
    pub mr: usize,
    /// Columns of C per tile (columns of a packed B panel).
    pub nr: usize,
    /// Depth of the packed panels: a B panel (`kc x nr`) stays in L1 while A panels stream.
    pub kc: usize,
    /// Rows of A packed at a time: the `mc x kc` block stays in L2.
    pub mc: usize,
    /// Columns of B packed at a time: the `kc x nc` block stays in L3.
    pub nc: usize,
    /// The kernel.
    pub run: KernelFn<T>,
    /// Packs a block of A (`rows x depth`) into `mr`-row panels.
    pub pack_a: PackFn<T>,
    /// Packs a block of B, seen transposed (`cols x depth`), into `nr`-column panels.
    pub pack_b: PackFn<T>,
}

impl<T: Float> Micro<T> {
    /// The kernel `run` of an `MR x NR` tile on `isa`, with the given cache blocks.
    fn new<const MR: usize, const NR: usize>(
        isa: Isa,
        [kc, mc, nc]: [usize; 3],
        run: KernelFn<T>,
    ) -> Micro<T> {
        Micro {
            isa,
            mr: MR,
            nr: NR,
            kc,
            mc,
            nc,
            run,
            pack_a: pack::panels::<T, MR>,
            pack_b: pack::panels::<T, NR>,
        }
    }
}

/// Element types with microkernels (`f32` and `f64`).
pub trait GemmKernel: Copy + Send + Sync + 'static {
    /// The kernel and blocking of `isa` for this type. Running it needs `isa.supported()`.
    #[doc(hidden)]
    fn micro(isa: Isa) -> Micro<Self>;

    /// As [`micro`](Self::micro), with a narrower tile where `isa` has one, for products of
    /// few columns (at most half of `micro`'s `nr`), which would mostly multiply the zeros
    /// padding B's last panel.
    #[doc(hidden)]
    fn narrow(isa: Isa) -> Micro<Self> {
        Self::micro(isa)
    }
}

/// Cache blocking (this machine: AMD Zen 5, L1d 48 KiB 12-way, L2 1 MiB 16-way per core, L3
/// 32 MiB shared). `kc` keeps a B panel at about 32 KiB, two thirds of L1, next to the A
/// panel streaming through; `mc` keeps the packed A block near half of L2 (the rest holds the
/// B panels passing through and C); `nc` keeps the packed B block at 4 MiB to 8 MiB of L3.
impl GemmKernel for f32 {
    fn micro(isa: Isa) -> Micro<f32> {
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => Micro::new::<12, 32>(isa, [256, 480, 4096], avx512::f32_12x32),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => Micro::new::<6, 16>(isa, [384, 336, 4096], avx2::f32_6x16),
            _ => Micro::new::<{ portable::MR }, { portable::NR }>(
                Isa::Portable,
                [256, 256, 4096],
                portable::kernel::<f32>,
            ),
        }
    }

    fn narrow(isa: Isa) -> Micro<f32> {
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => Micro::new::<24, 16>(isa, [256, 480, 4096], avx512::f32_24x16),
            _ => Self::micro(isa),
        }
    }
}

impl GemmKernel for f64 {
    fn micro(isa: Isa) -> Micro<f64> {
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => Micro::new::<12, 16>(isa, [256, 240, 2048], avx512::f64_12x16),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => Micro::new::<6, 8>(isa, [384, 168, 2048], avx2::f64_6x8),
            _ => Micro::new::<{ portable::MR }, { portable::NR }>(
                Isa::Portable,
                [256, 128, 2048],
                portable::kernel::<f64>,
            ),
        }
    }

    fn narrow(isa: Isa) -> Micro<f64> {
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => Micro::new::<24, 8>(isa, [256, 240, 2048], avx512::f64_24x8),
            _ => Self::micro(isa),
        }
    }
}

/// Defines an x86_64 microkernel (see [`KernelFn`]) from a vector type's intrinsics: `mr`
/// rows by `nv` vectors of `lanes` columns, the tile's sums held in `mr * nv` registers. Each
/// step of `k` loads the `nv` vectors of B's row and, for each row of A, broadcasts its element
/// and multiply-adds it into the row's vectors.
#[cfg(target_arch = "x86_64")]
macro_rules! x86_kernel {
    (
        $(#[$doc:meta])*
        fn $name:ident: $t:ty, $features:literal, mr = $mr:literal, nv = $nv:literal,
        lanes = $lanes:literal, zero = $zero:ident, splat = $splat:ident, load = $load:ident,
        store = $store:ident, fma = $fma:ident, mul = $mul:ident
    ) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// As for [`KernelFn`](super::KernelFn).
        #[target_feature(enable = $features)]
        pub(super) unsafe fn $name(
            k: usize,
            a: *const $t,
            b: *const $t,
            c: *mut $t,
            ldc: usize,
            alpha: $t,
            beta: $t,
        ) {
            const MR: usize = $mr;
            const NV: usize = $nv;
            const LANES: usize = $lanes;
            let mut sums = [[$zero(); NV]; MR];
            // Bring the tile of C into cache while the sums run.
            for r in 0..MR {
                let row = c.wrapping_add(r * ldc).cast::<i8>();
                _mm_prefetch::<_MM_HINT_T0>(row);
                _mm_prefetch::<_MM_HINT_T0>(row.wrapping_add(NV * LANES * size_of::<$t>() - 1));
            }
            let (mut a, mut b) = (a, b);
            for _ in 0..k {
                // SAFETY: step p of k reads a[p * MR..][..MR] and b[p * NV * LANES..][..NV *
                // LANES], inside the panels the caller guarantees.
                unsafe {
                    let mut row = [$zero(); NV];
                    for (v, lane) in row.iter_mut().enumerate() {
                        *lane = $load(b.add(v * LANES));
                    }
                    for (r, sum) in sums.iter_mut().enumerate() {
                        let x = $splat(*a.add(r));
                        for (s, &y) in sum.iter_mut().zip(&row) {
                            *s = $fma(x, y, *s);
                        }
                    }
                    a = a.add(MR);
                    b = b.add(NV * LANES);
                }
            }
            let alpha = $splat(alpha);
            for (r, sum) in sums.iter().enumerate() {
                for (v, &s) in sum.iter().enumerate() {
                    // SAFETY: row r < MR, columns v * LANES.. < NV * LANES of C's tile, which
                    // the caller guarantees readable and writable.
                    unsafe {
                        let at = c.add(r * ldc + v * LANES);
                        let new = if beta == 0.0 {
                            $mul(alpha, s)
                        } else if beta == 1.0 {
                            $fma(alpha, s, $load(at))
                        } else {
                            $fma(alpha, s, $mul($splat(beta), $load(at)))
                        };
                        $store(at, new);
                    }
                }
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
use x86_kernel;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_picks_a_supported_path_or_the_widest() {
        let best = Isa::available().next().unwrap();
        assert_eq!(Isa::choose(None), best);
        assert_eq!(Isa::choose(Some("no-such-path")), best);
        assert_eq!(Isa::choose(Some("portable")), Isa::Portable);
        for isa in Isa::ALL {
            let chosen = Isa::choose(Some(isa.name()));
            assert_eq!(chosen == isa, isa.supported(), "{isa:?}");
        }
        assert!(Isa::available().any(|isa| isa == Isa::Portable));
        assert!(Isa::active().supported());
    }

    /// Each kernel against the sums it should compute, on one tile, for the three ways of
    /// treating C (overwritten, accumulated, scaled), with NaN in C when beta is 0.
    fn check_tile<T: crate::float::Float>(micro: Micro<T>) {
        let isa = micro.isa;
        let (mr, nr, k) = (micro.mr, micro.nr, 5);
        let a: Vec<T> = (0..k * mr).map(|i| T::from_usize(i % 7)).collect();
        let b: Vec<T> = (0..k * nr).map(|i| T::from_usize(i % 5)).collect();
        let ldc = nr + 3;
        for beta in [0.0, 1.0, -0.5] {
            let old = |i: usize| {
                if beta == 0.0 {
                    T::NAN
                } else {
                    T::from_usize(i % 3)
                }
            };
            let mut c: Vec<T> = (0..mr * ldc).map(old).collect();
            // SAFETY: `isa` is supported (the callers check), and the slices have the extents
            // the kernel reads and writes.
            unsafe {
                (micro.run)(
                    k,
                    a.as_ptr(),
                    b.as_ptr(),
                    c.as_mut_ptr(),
                    ldc,
                    T::TWO,
                    T::from_f64(beta),
                )
            };
            for r in 0..mr {
                for j in 0..ldc {
                    let want = if j < nr {
                        let dot: T = (0..k).map(|p| a[p * mr + r] * b[p * nr + j]).sum();
                        let kept = if beta == 0.0 {
                            T::ZERO
                        } else {
                            T::from_f64(beta) * old(r * ldc + j)
                        };
                        T::TWO * dot + kept
                    } else {
                        old(r * ldc + j)
                    };
                    let got = c[r * ldc + j];
                    assert!(
                        got == want || (got.is_nan() && want.is_nan()),
                        "{isa:?} {} beta {beta} at ({r}, {j}): {got} vs {want}",
                        T::NAME
                    );
                }
            }
        }
    }

    #[test]
    fn every_available_kernel_computes_its_tile() {
        for isa in Isa::available() {
            check_tile(f32::micro(isa));
            check_tile(f32::narrow(isa));
            check_tile(f64::micro(isa));
            check_tile(f64::narrow(isa));
        }
    }
}
