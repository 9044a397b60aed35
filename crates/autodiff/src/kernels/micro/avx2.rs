//! AVX2 + FMA microkernels: 16 vector registers, 12 of them holding the tile's sums.

use super::x86_kernel;
use std::arch::x86_64::*;

x86_kernel! {
    /// f32, 6 rows by 16 columns (two registers of 8 lanes per row).
    fn f32_6x16: f32, "avx2,fma", mr = 6, nv = 2, lanes = 8, zero = _mm256_setzero_ps,
    splat = _mm256_set1_ps, load = _mm256_loadu_ps, store = _mm256_storeu_ps,
    fma = _mm256_fmadd_ps, mul = _mm256_mul_ps
}

x86_kernel! {
    /// f64, 6 rows by 8 columns (two registers of 4 lanes per row).
    fn f64_6x8: f64, "avx2,fma", mr = 6, nv = 2, lanes = 4, zero = _mm256_setzero_pd,
    splat = _mm256_set1_pd, load = _mm256_loadu_pd, store = _mm256_storeu_pd,
    fma = _mm256_fmadd_pd, mul = _mm256_mul_pd
}
