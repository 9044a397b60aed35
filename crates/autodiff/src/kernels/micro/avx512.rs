//! AVX-512F microkernels: 32 vector registers, 24 of them holding the tile's sums.

use super::x86_kernel;
use std::arch::x86_64::*;

x86_kernel! {
    /// f32, 12 rows by 32 columns (two registers of 16 lanes per row).
    fn f32_12x32: f32, "avx512f", mr = 12, nv = 2, lanes = 16, zero = _mm512_setzero_ps,
    splat = _mm512_set1_ps, load = _mm512_loadu_ps, store = _mm512_storeu_ps,
    fma = _mm512_fmadd_ps, mul = _mm512_mul_ps
}

x86_kernel! {
    /// f64, 12 rows by 16 columns (two registers of 8 lanes per row).
    fn f64_12x16: f64, "avx512f", mr = 12, nv = 2, lanes = 8, zero = _mm512_setzero_pd,
    splat = _mm512_set1_pd, load = _mm512_loadu_pd, store = _mm512_storeu_pd,
    fma = _mm512_fmadd_pd, mul = _mm512_mul_pd
}

x86_kernel! {
    /// f32, 24 rows by 16 columns (one register per row), for products with few columns.
    fn f32_24x16: f32, "avx512f", mr = 24, nv = 1, lanes = 16, zero = _mm512_setzero_ps,
    splat = _mm512_set1_ps, load = _mm512_loadu_ps, store = _mm512_storeu_ps,
    fma = _mm512_fmadd_ps, mul = _mm512_mul_ps
}

x86_kernel! {
    /// f64, 24 rows by 8 columns (one register per row), for products with few columns.
    fn f64_24x8: f64, "avx512f", mr = 24, nv = 1, lanes = 8, zero = _mm512_setzero_pd,
    splat = _mm512_set1_pd, load = _mm512_loadu_pd, store = _mm512_storeu_pd,
    fma = _mm512_fmadd_pd, mul = _mm512_mul_pd
}
