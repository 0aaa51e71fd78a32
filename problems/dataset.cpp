#include "problems/dataset.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/errors.hpp"

namespace sgdcheck::problems {

void check_gram_dimension(const Dataset& data) {
  if (data.cols() > kMaxGramDimension)
    throw DataError(SourceLoc{data.source, 0},
                    fmt::format("d = {} features exceeds the limit d <= {} of the dense constants: they use dense d x d "
                                "matrices ({:.1f} GB each); least squares takes larger d by its iterative method",
                                data.cols(), kMaxGramDimension,
                                8.0 * static_cast<double>(data.cols()) * static_cast<double>(data.cols()) / 1e9));
}

void check_finite_sum_data(const Dataset& data) {
  if (data.rows() < 2)
    throw DataError(SourceLoc{data.source, 0},
                    fmt::format("n = {} sample(s): expected at least 2 (a noise parameter needs two samples)", data.rows()));
  if (data.cols() > kMaxIterativeDimension)
    throw DataError(SourceLoc{data.source, 0},
                    fmt::format("d = {} features exceeds the limit d <= {} (the iterative constants keep O(100 d) "
                                "numbers; the dense ones need d <= {})",
                                data.cols(), kMaxIterativeDimension, kMaxGramDimension));
}

double Dataset::row_norm2(Index i) const {
  if (!is_sparse) return Eigen::Map<const Vec>(dense.data() + i * dense.cols(), dense.cols()).squaredNorm();
  double s = 0.0;
  for (SpMat::InnerIterator it(sparse, i); it; ++it) s += it.value() * it.value();
  return s;
}

Vec Dataset::row_norms2() const {
  Vec out(rows());
  for (Index i = 0; i < rows(); ++i) out[i] = row_norm2(i);
  return out;
}

Mat Dataset::weighted_gram(const Vec& weights) const {
  check_gram_dimension(*this);
  const Index n = rows();
  const double inv_n = 1.0 / static_cast<double>(n);
  if (!is_sparse) {
    if (weights.size() == 0) {
      Mat g = Mat::Zero(cols(), cols());
      g.selfadjointView<Eigen::Lower>().rankUpdate(dense.transpose(), inv_n);
      return g.selfadjointView<Eigen::Lower>();
    }
    // AᵀDA with D ≥ 0: rank update of (√D A); weights may be negative in general, so use the product.
    const RowMat scaled = weights.asDiagonal() * dense;
    return inv_n * (dense.transpose() * scaled);
  }
  SpMat scaled = sparse;
  if (weights.size() != 0) scaled = weights.asDiagonal() * sparse;
  const SpMat at = sparse.transpose();
  Mat g = Mat(at * scaled);
  g *= inv_n;
  return g;
}

Vec Dataset::transpose_times(const Vec& v) const {
  if (!is_sparse) return dense.transpose() * v;
  return sparse.transpose() * v;
}

Vec Dataset::times(const Vec& x) const {
  if (!is_sparse) return dense * x;
  return sparse * x;
}

double Dataset::max_column_density() const {
  const Index n = rows(), d = cols();
  if (n == 0 || d == 0) return 0.0;
  std::vector<Index> count(static_cast<std::size_t>(d), 0);
  if (!is_sparse) {
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < d; ++j)
        if (dense(i, j) != 0.0) ++count[static_cast<std::size_t>(j)];
  } else {
    for (Index i = 0; i < n; ++i)
      for (SpMat::InnerIterator it(sparse, i); it; ++it)
        if (it.value() != 0.0) ++count[static_cast<std::size_t>(it.index())];
  }
  return static_cast<double>(*std::max_element(count.begin(), count.end())) / static_cast<double>(n);
}

Index Dataset::zero_rows() const {
  Index z = 0;
  for (Index i = 0; i < rows(); ++i)
    if (row_norm2(i) == 0.0) ++z;
  return z;
}

RowMat Dataset::to_dense() const {
  if (!is_sparse) return dense;
  return RowMat(sparse);
}

}  // namespace sgdcheck::problems
