#pragma once
/// \file The two-phase SGD step of finite-sum least squares on a Dataset, inline so that
/// LeastSquares and the step benchmark run the very same code: residuals r_k = a_{i_k}ᵀat − y_{i_k}
/// of the drawn batch, then x ← x − (γ/b)·Σ_k r_k a_{i_k} over the stored entries only.
/// Dense rows go through raw row pointers (no per-row storage switch, no Eigen expression set-up for
/// the update); every value is computed by the same floating-point operations as Dataset::row_dot
/// and Dataset::add_row (both use core/kernels.hpp's fixed-order dot and axpy), so results are
/// bit-identical to them.
#include <cstddef>

#include "core/kernels.hpp"

#include "problems/dataset.hpp"
#include "problems/problem.hpp"

namespace sgdcheck::problems::ls_step {

/// ws.coeffs = residuals of the rows in ws.indices at `at` (capacity from make_workspace: no allocation).
inline void residuals(const Dataset& data, const Vec& at, Workspace& ws) {
  ws.coeffs.clear();
  if (!data.is_sparse) {
    const Index d = data.dense.cols();
    const double* A = data.dense.data();
    const double* y = data.y.data();
    for (Index i : ws.indices) ws.coeffs.push_back(kernels::dot(A + i * d, at.data(), d) - y[i]);
    return;
  }
  for (Index i : ws.indices) ws.coeffs.push_back(data.row_dot(i, at) - data.y[i]);
}

/// x ← x − (γ/b)·Σ_k r_k a_{i_k} with the residuals of residuals().
inline void apply(const Dataset& data, double gamma, const Workspace& ws, Vec& x) {
  const double scale = -gamma / static_cast<double>(ws.indices.size());
  if (!data.is_sparse) {
    const Index d = data.dense.cols();
    const double* A = data.dense.data();
    double* xp = x.data();
    for (std::size_t k = 0; k < ws.indices.size(); ++k) {
      const double c = scale * ws.coeffs[k];
      const double* a = A + ws.indices[k] * d;
      kernels::axpy(c, a, xp, d);
    }
    return;
  }
  for (std::size_t k = 0; k < ws.indices.size(); ++k) data.add_row(ws.indices[k], scale * ws.coeffs[k], x);
}

}  // namespace sgdcheck::problems::ls_step
