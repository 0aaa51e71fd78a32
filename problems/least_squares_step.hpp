#pragma once
/// \file The two-phase SGD step of finite-sum least squares on a Dataset, inline so that
/// LeastSquares and the step benchmark run the very same code: residuals r_k = a_{i_k}ᵀat − y_{i_k}
/// of the drawn batch, then x ← x − (γ/b)·Σ_k r_k a_{i_k} over the stored entries only.
/// Dense rows go through raw row pointers (no per-row storage switch, no Eigen expression set-up for
/// the update); every value is computed by the same floating-point operations as Dataset::row_dot
/// and Dataset::add_row (both use core/kernels.hpp's fixed-order dot and axpy), so results are
/// bit-identical to them, and identical between the baseline and the AVX2 builds of the two phases.
#include <cstddef>

#include "core/kernels.hpp"
#include "problems/dataset.hpp"
#include "problems/problem.hpp"

namespace sgdcheck::problems::ls_step {

/// ws.coeffs = residuals of the rows in ws.indices at `at` (capacity from make_workspace: no allocation).
/// W: the kernels' vector width (core/kernels.hpp; 4 in code compiled for AVX2), the same bits.
/// D > 0: the dense rows have exactly D columns (the caller checked) and the kernels' loops unroll at
/// compile time; the same operations, so the same bits as D = 0.
template <int W = 2, int D = 0>
SGDCHECK_KERNEL void residuals(const Dataset& data, const Vec& at, Workspace& ws) {
  const std::size_t b = ws.indices.size();
  ws.coeffs.resize(b);
  double* out = ws.coeffs.data();
  if (!data.is_sparse) {
    const Index d = D > 0 ? D : data.dense.cols();
    const double* A = data.dense.data();
    const double* y = data.y.data();
    const double* x = at.data();
    std::size_t k = 0;
    // Four rows per pass over `at` (dot4: each row's sum exactly as dot() forms it).
    for (; k + 4 <= b; k += 4) {
      const Index* i = ws.indices.data() + k;
      const double* rows[4] = {A + i[0] * d, A + i[1] * d, A + i[2] * d, A + i[3] * d};
      double r[4];
      kernels::dot4<W>(rows, x, d, r);
      for (int l = 0; l < 4; ++l) out[k + l] = r[l] - y[i[l]];
    }
    for (; k < b; ++k) out[k] = kernels::dot<W>(A + ws.indices[k] * d, x, d) - y[ws.indices[k]];
    return;
  }
  for (std::size_t k = 0; k < b; ++k) out[k] = data.row_dot(ws.indices[k], at) - data.y[ws.indices[k]];
}

/// dst[0 … D) = src[0 … D) in the kernels' blocks (four-wide with W = 4, then pairs, then one double), so
/// that a kernel's loads of dst read whole stored blocks: a wide load from two narrower stores cannot be
/// forwarded and stalls (memcpy of 80 bytes stores 16-byte pieces).
template <int W, int D>
SGDCHECK_KERNEL void copy_blocks(double* dst, const double* src) {
  int j = 0;
  if constexpr (W == 4) {
    for (; j + 4 <= D; j += 4) {
      kernels::detail::V4 v;
      kernels::detail::load4(v, src + j);
      kernels::detail::store4(dst + j, v);
    }
  }
  for (; j + 2 <= D; j += 2) kernels::detail::store2(dst + j, kernels::detail::load2(src + j));
  for (; j < D; ++j) dst[j] = src[j];
}

/// x ← x − (γ/b)·Σ_k r_k a_{i_k} with the residuals of residuals(); D as there, and x is updated in a
/// local array that no store can alias (held in registers across the batch, written back once).
template <int W = 2, int D = 0>
SGDCHECK_KERNEL void apply(const Dataset& data, double gamma, const Workspace& ws, Vec& x) {
  const double scale = -gamma / static_cast<double>(ws.indices.size());
  if (!data.is_sparse) {
    const Index d = D > 0 ? D : data.dense.cols();
    const double* A = data.dense.data();
    double local[D > 0 ? D : 1];
    double* xp = x.data();
    if constexpr (D > 0) {
      copy_blocks<W, D>(local, xp);
      xp = local;
    }
    const std::size_t b = ws.indices.size();
    std::size_t k = 0;
    // Four rows per pass over x (axpy4: the same sums in the same order as four axpy calls).
    for (; k + 4 <= b; k += 4) {
      const double c[4] = {scale * ws.coeffs[k], scale * ws.coeffs[k + 1], scale * ws.coeffs[k + 2],
                           scale * ws.coeffs[k + 3]};
      const double* rows[4] = {A + ws.indices[k] * d, A + ws.indices[k + 1] * d, A + ws.indices[k + 2] * d,
                               A + ws.indices[k + 3] * d};
      kernels::axpy4<W>(c, rows, xp, d);
    }
    for (; k < b; ++k) kernels::axpy<W>(scale * ws.coeffs[k], A + ws.indices[k] * d, xp, d);
    if constexpr (D > 0) copy_blocks<W, D>(x.data(), local);
    return;
  }
  for (std::size_t k = 0; k < ws.indices.size(); ++k) data.add_row(ws.indices[k], scale * ws.coeffs[k], x);
}

/// residuals<4>() and apply<4>() compiled for AVX2 (defined in least_squares.cpp): the same bits, four
/// doubles per register, and dense rows of d <= kFixedMaxDim columns through the D = d forms. Call only
/// where kernels::cpu_has_avx2() is true.
inline constexpr int kFixedMaxDim = 16;
void residuals_avx2(const Dataset& data, const Vec& at, Workspace& ws);
void apply_avx2(const Dataset& data, double gamma, const Workspace& ws, Vec& x);

}  // namespace sgdcheck::problems::ls_step
