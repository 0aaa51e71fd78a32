#pragma once
/// \file Small dense kernels of the SGD inner loops, written so that their floating-point operations
/// are fixed by the length alone: the same bits on every build and machine whatever the alignment of
/// the data or the SIMD width of the target. Pairs of independent lanes are held in two-double vectors
/// (a lane rounds exactly as the scalar operation does); nothing is reassociated.
///
/// Why not Eigen's `a.dot(x)` here: at the lengths of the inner loops (d = 2 … 100) its dynamic-size
/// reduction spends much of its ~110 instructions (d = 10) on alignment peeling and set-up, and its
/// summation order depends on the address alignment of the operands.
#include <cstddef>
#include <cstring>

namespace sgdcheck::kernels {

namespace detail {
/// Two doubles in one SIMD register (GCC / clang vector extension: SSE2 on x86-64, NEON on aarch64,
/// two scalars elsewhere). Lane-wise operations round exactly as the scalar ones do.
using V2 = double __attribute__((vector_size(16)));
inline V2 load2(const double* p) {
  V2 v;
  std::memcpy(&v, p, sizeof v);  // an unaligned load
  return v;
}
inline void store2(double* p, V2 v) { std::memcpy(p, &v, sizeof v); }
}  // namespace detail

/// Σ_j a_j·x_j: four partial sums s_l over j ≡ l (mod 4) in increasing j, combined as
/// (s0 + s1) + (s2 + s3), then the last d mod 4 products added in order. The partial sums are held as
/// two pairs (s0, s1) and (s2, s3) in SIMD registers.
inline double dot(const double* a, const double* x, std::ptrdiff_t d) {
  using detail::load2;
  detail::V2 s01 = {0.0, 0.0}, s23 = {0.0, 0.0};
  std::ptrdiff_t j = 0;
  for (; j + 4 <= d; j += 4) {
    s01 += load2(a + j) * load2(x + j);
    s23 += load2(a + j + 2) * load2(x + j + 2);
  }
  double s = (s01[0] + s01[1]) + (s23[0] + s23[1]);
  for (; j < d; ++j) s += a[j] * x[j];
  return s;
}

/// y_j += c·a_j for j = 0 … d−1 (one multiply and one add per element, two elements at a time).
inline void axpy(double c, const double* a, double* y, std::ptrdiff_t d) {
  using detail::load2;
  const detail::V2 cc = {c, c};
  std::ptrdiff_t j = 0;
  for (; j + 2 <= d; j += 2) detail::store2(y + j, load2(y + j) + cc * load2(a + j));
  for (; j < d; ++j) y[j] += c * a[j];
}

/// x_j −= γ·(r·a_j) for j = 0 … d−1: the step x − γ·g with g = r·a, rounded as that expression is
/// (r·a_j first), two elements at a time.
inline void sub_scaled(double gamma, double r, const double* a, double* x, std::ptrdiff_t d) {
  using detail::load2;
  const detail::V2 gg = {gamma, gamma}, rr = {r, r};
  std::ptrdiff_t j = 0;
  for (; j + 2 <= d; j += 2) detail::store2(x + j, load2(x + j) - gg * (rr * load2(a + j)));
  for (; j < d; ++j) x[j] -= gamma * (r * a[j]);
}

}  // namespace sgdcheck::kernels
