#pragma once
/// \file Small dense kernels of the SGD inner loops, written so that their floating-point operations
/// are fixed by the length alone: the same bits on every build and machine whatever the alignment of
/// the data or the SIMD width of the target. Independent lanes are held in SIMD vectors (a lane rounds
/// exactly as the scalar operation does); nothing is reassociated and nothing is fused (no multiply-
/// add). Each kernel has two forms with the same operations: W = 2 (the default) holds its lanes in
/// two-double vectors, the best code for baseline x86-64 (SSE2); W = 4 holds them in four-double
/// vectors, for functions compiled with `__attribute__((target("avx2")))` (one 32-byte register per
/// vector; in baseline code a four-double vector costs more than two pairs). Both give the same bits,
/// so a caller may pick its build at run time by cpu_has_avx2(). Every kernel is always inlined.
///
/// Why not Eigen's `a.dot(x)` here: at the lengths of the inner loops (d = 2 … 100) its dynamic-size
/// reduction spends much of its ~110 instructions (d = 10) on alignment peeling and set-up, and its
/// summation order depends on the address alignment of the operands.
#include <cstddef>
#include <cstring>

#define SGDCHECK_KERNEL [[gnu::always_inline]] inline

/// Marks a function to be compiled for AVX2 (x86-64; nothing elsewhere, where W = 4 vectors are
/// generic). Only call such a function where cpu_has_avx2() is true.
#if defined(__x86_64__)
#define SGDCHECK_AVX2_TARGET __attribute__((target("avx2")))
#else
#define SGDCHECK_AVX2_TARGET
#endif

namespace sgdcheck::kernels {

/// True when this CPU runs AVX2 code (x86-64; false elsewhere). Cached after the first call. Kernels
/// called from a function compiled with `__attribute__((target("avx2")))` use 32-byte registers and
/// give the same bits as the baseline build, so a caller may pick either by this flag.
bool cpu_has_avx2();

namespace detail {
/// Two and four doubles in SIMD registers (GCC / clang vector extension: SSE2 on baseline x86-64,
/// AVX in code compiled for it, NEON on aarch64, scalars elsewhere). Lane-wise operations round
/// exactly as the scalar ones do. Four-double vectors are passed by reference only: by value, their
/// ABI differs between SSE2 and AVX code.
using V2 = double __attribute__((vector_size(16)));
using V4 = double __attribute__((vector_size(32)));
SGDCHECK_KERNEL V2 load2(const double* p) {
  V2 v;
  std::memcpy(&v, p, sizeof v);  // an unaligned load
  return v;
}
SGDCHECK_KERNEL void store2(double* p, V2 v) { std::memcpy(p, &v, sizeof v); }
SGDCHECK_KERNEL void load4(V4& v, const double* p) { std::memcpy(&v, p, sizeof v); }
SGDCHECK_KERNEL void store4(double* p, const V4& v) { std::memcpy(p, &v, sizeof v); }
SGDCHECK_KERNEL void splat4(V4& v, double c) { v = V4{c, c, c, c}; }
}  // namespace detail

/// Σ_j a_j·x_j: four partial sums s_l over j ≡ l (mod 4) in increasing j, each starting at its first
/// product (d ≥ 4; with d < 4 there are none and the sum starts at +0), combined as (s0 + s1) + (s2 + s3),
/// then the last d mod 4 products added in order. The partial sums are held as two pairs (s0, s1),
/// (s2, s3) (W = 2) or one vector (s0, s1, s2, s3) (W = 4).
template <int W = 2>
SGDCHECK_KERNEL double dot(const double* a, const double* x, std::ptrdiff_t d) {
  static_assert(W == 2 || W == 4);
  using detail::load2;
  std::ptrdiff_t j = 0;
  double s = 0.0;
  if (d >= 4) {
    if constexpr (W == 2) {
      detail::V2 s01 = load2(a) * load2(x), s23 = load2(a + 2) * load2(x + 2);
      for (j = 4; j + 4 <= d; j += 4) {
        s01 += load2(a + j) * load2(x + j);
        s23 += load2(a + j + 2) * load2(x + j + 2);
      }
      s = (s01[0] + s01[1]) + (s23[0] + s23[1]);
    } else {
      detail::V4 acc, av, xv;
      detail::load4(av, a);
      detail::load4(xv, x);
      acc = av * xv;
      for (j = 4; j + 4 <= d; j += 4) {
        detail::load4(av, a + j);
        detail::load4(xv, x + j);
        acc += av * xv;
      }
      s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    }
  }
  // The d mod 4 < 4 remaining terms in order, unrolled (at d = 2 … 10 the tail is a large share).
  const std::ptrdiff_t rem = d - j;
  if (rem > 0) s += a[j] * x[j];
  if (rem > 1) s += a[j + 1] * x[j + 1];
  if (rem > 2) s += a[j + 2] * x[j + 2];
  return s;
}

/// out[k] = dot(a[k], x, d) for k = 0 … 3, bit for bit (each row in dot()'s order), with x loaded
/// once for the four rows. W = 4 keeps the four rows' sums in one vector from the combination on: the
/// partial-sum vectors are transposed (each lane still adds the same two numbers), and the tail adds one
/// column of the four rows per vector operation.
template <int W = 2>
SGDCHECK_KERNEL void dot4(const double* const* a, const double* x, std::ptrdiff_t d, double* out) {
  static_assert(W == 2 || W == 4);
  using detail::load2;
  using detail::V2;
  std::ptrdiff_t j = 0;
  if constexpr (W == 2) {
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    if (d >= 4) {
      V2 s01[4], s23[4];
      const V2 x01 = load2(x), x23 = load2(x + 2);
      for (int k = 0; k < 4; ++k) {
        s01[k] = load2(a[k]) * x01;
        s23[k] = load2(a[k] + 2) * x23;
      }
      for (j = 4; j + 4 <= d; j += 4) {
        const V2 y01 = load2(x + j), y23 = load2(x + j + 2);
        for (int k = 0; k < 4; ++k) {
          s01[k] += load2(a[k] + j) * y01;
          s23[k] += load2(a[k] + j + 2) * y23;
        }
      }
      for (int k = 0; k < 4; ++k) s[k] = (s01[k][0] + s01[k][1]) + (s23[k][0] + s23[k][1]);
    }
    // The tail (d mod 4 < 4 terms) in order, with its x values loaded once.
    const std::ptrdiff_t rem = d - j;
    const double x0 = rem > 0 ? x[j] : 0.0, x1 = rem > 1 ? x[j + 1] : 0.0, x2 = rem > 2 ? x[j + 2] : 0.0;
    for (int k = 0; k < 4; ++k) {
      const double* ak = a[k] + j;
      double sk = s[k];
      if (rem > 0) sk += ak[0] * x0;
      if (rem > 1) sk += ak[1] * x1;
      if (rem > 2) sk += ak[2] * x2;
      out[k] = sk;
    }
  } else {
    using detail::V4;
    V4 s = {0.0, 0.0, 0.0, 0.0};
    if (d >= 4) {
      V4 acc[4], xv, av;
      detail::load4(xv, x);
      for (int k = 0; k < 4; ++k) {
        detail::load4(av, a[k]);
        acc[k] = av * xv;
      }
      for (j = 4; j + 4 <= d; j += 4) {
        detail::load4(xv, x + j);
        for (int k = 0; k < 4; ++k) {
          detail::load4(av, a[k] + j);
          acc[k] += av * xv;
        }
      }
      // s_k = (acc_k[0] + acc_k[1]) + (acc_k[2] + acc_k[3]) for the four rows at once.
      const V4 h01 = __builtin_shufflevector(acc[0], acc[1], 0, 4, 2, 6) +
                     __builtin_shufflevector(acc[0], acc[1], 1, 5, 3, 7);  // row 0, 1: (01, 01, 23, 23)
      const V4 h23 = __builtin_shufflevector(acc[2], acc[3], 0, 4, 2, 6) +
                     __builtin_shufflevector(acc[2], acc[3], 1, 5, 3, 7);
      s = __builtin_shufflevector(h01, h23, 0, 1, 4, 5) + __builtin_shufflevector(h01, h23, 2, 3, 6, 7);
    }
    // The tail in order: column j of the four rows as one vector (pairs of columns by a 2 × 4 transpose).
    const std::ptrdiff_t rem = d - j;
    if (rem >= 2) {
      const V2 p0 = load2(a[0] + j), p1 = load2(a[1] + j), p2 = load2(a[2] + j), p3 = load2(a[3] + j);
      const V4 t02 = __builtin_shufflevector(p0, p2, 0, 1, 2, 3),
               t13 = __builtin_shufflevector(p1, p3, 0, 1, 2, 3);
      const V4 x0 = {x[j], x[j], x[j], x[j]}, x1 = {x[j + 1], x[j + 1], x[j + 1], x[j + 1]};
      s += __builtin_shufflevector(t02, t13, 0, 4, 2, 6) * x0;
      s += __builtin_shufflevector(t02, t13, 1, 5, 3, 7) * x1;
      j += 2;
    }
    if (rem % 2 == 1) {
      const V4 col = {a[0][j], a[1][j], a[2][j], a[3][j]};
      const V4 x0 = {x[j], x[j], x[j], x[j]};
      s += col * x0;
    }
    detail::store4(out, s);
  }
}

/// y_j += c·a_j for j = 0 … d−1 (one multiply and one add per element, W elements at a time).
template <int W = 2>
SGDCHECK_KERNEL void axpy(double c, const double* a, double* y, std::ptrdiff_t d) {
  static_assert(W == 2 || W == 4);
  using detail::load2;
  std::ptrdiff_t j = 0;
  if constexpr (W == 4) {
    detail::V4 cc;
    detail::splat4(cc, c);
    for (; j + 4 <= d; j += 4) {
      detail::V4 av, yv;
      detail::load4(av, a + j);
      detail::load4(yv, y + j);
      yv += cc * av;
      detail::store4(y + j, yv);
    }
  }
  const detail::V2 cc = {c, c};
  for (; j + 2 <= d; j += 2) detail::store2(y + j, load2(y + j) + cc * load2(a + j));
  for (; j < d; ++j) y[j] += c * a[j];
}

/// y_j += c_k·a_k,j for k = 0 … 3 in this order, for j = 0 … d−1: the same operations, rounding
/// for rounding, as axpy(c[0], a[0], y, d) … axpy(c[3], a[3], y, d) one after the other (each y_j
/// receives the four products in k order), with y_j loaded and stored once instead of four times.
template <int W = 2>
SGDCHECK_KERNEL void axpy4(const double* c, const double* const* a, double* y, std::ptrdiff_t d) {
  static_assert(W == 2 || W == 4);
  using detail::load2;
  const double *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3];
  std::ptrdiff_t j = 0;
  if constexpr (W == 4) {
    // The four coefficients as one vector, each broadcast by a lane permute (and its low half for the
    // pairs below).
    detail::V4 cv;
    detail::load4(cv, c);
    const detail::V4 c0 = __builtin_shufflevector(cv, cv, 0, 0, 0, 0),
                     c1 = __builtin_shufflevector(cv, cv, 1, 1, 1, 1),
                     c2 = __builtin_shufflevector(cv, cv, 2, 2, 2, 2),
                     c3 = __builtin_shufflevector(cv, cv, 3, 3, 3, 3);
    for (; j + 4 <= d; j += 4) {
      detail::V4 v, r;
      detail::load4(v, y + j);
      detail::load4(r, a0 + j);
      v += c0 * r;
      detail::load4(r, a1 + j);
      v += c1 * r;
      detail::load4(r, a2 + j);
      v += c2 * r;
      detail::load4(r, a3 + j);
      v += c3 * r;
      detail::store4(y + j, v);
    }
    if (j + 2 <= d) {
      detail::V2 v = load2(y + j);
      v += __builtin_shufflevector(c0, c0, 0, 1) * load2(a0 + j);
      v += __builtin_shufflevector(c1, c1, 0, 1) * load2(a1 + j);
      v += __builtin_shufflevector(c2, c2, 0, 1) * load2(a2 + j);
      v += __builtin_shufflevector(c3, c3, 0, 1) * load2(a3 + j);
      detail::store2(y + j, v);
      j += 2;
    }
  } else {
    const detail::V2 c0 = {c[0], c[0]}, c1 = {c[1], c[1]}, c2 = {c[2], c[2]}, c3 = {c[3], c[3]};
    for (; j + 2 <= d; j += 2) {
      detail::V2 v = load2(y + j);
      v += c0 * load2(a0 + j);
      v += c1 * load2(a1 + j);
      v += c2 * load2(a2 + j);
      v += c3 * load2(a3 + j);
      detail::store2(y + j, v);
    }
  }
  if (j < d) {  // at most one element left
    double v = y[j];
    v += c[0] * a0[j];
    v += c[1] * a1[j];
    v += c[2] * a2[j];
    v += c[3] * a3[j];
    y[j] = v;
  }
}

/// x_j −= γ·(r·a_j) for j = 0 … d−1: the step x − γ·g with g = r·a, rounded as that expression is
/// (r·a_j first), W elements at a time.
template <int W = 2>
SGDCHECK_KERNEL void sub_scaled(double gamma, double r, const double* a, double* x, std::ptrdiff_t d) {
  static_assert(W == 2 || W == 4);
  using detail::load2;
  std::ptrdiff_t j = 0;
  if constexpr (W == 4) {
    detail::V4 gg, rr;
    detail::splat4(gg, gamma);
    detail::splat4(rr, r);
    for (; j + 4 <= d; j += 4) {
      detail::V4 av, xv;
      detail::load4(av, a + j);
      detail::load4(xv, x + j);
      xv -= gg * (rr * av);
      detail::store4(x + j, xv);
    }
  }
  const detail::V2 gg = {gamma, gamma}, rr = {r, r};
  for (; j + 2 <= d; j += 2) detail::store2(x + j, load2(x + j) - gg * (rr * load2(a + j)));
  for (; j < d; ++j) x[j] -= gamma * (r * a[j]);
}

}  // namespace sgdcheck::kernels
