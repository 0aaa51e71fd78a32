#include "bounds/batch_tests.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace sgdcheck::bounds {

std::string to_string(BatchTestKind k) {
  switch (k) {
    case BatchTestKind::kNorm:
      return "norm";
    case BatchTestKind::kInnerProduct:
      return "inner_product";
    case BatchTestKind::kOrthogonality:
      return "orthogonality";
    case BatchTestKind::kAugmented:
      return "augmented";
  }
  return "?";
}

BatchStats batch_stats(std::span<const GradBlock> blocks, Vec& g) {
  BatchStats st;
  Index d = -1;
  for (const auto& blk : blocks) {
    if (!blk.grads || blk.rows < 0 || blk.rows > blk.grads->rows())
      throw std::logic_error("batch_stats: a block has no matrix or more rows than it holds");
    if (blk.rows == 0) continue;
    if (d >= 0 && blk.grads->cols() != d)
      throw std::logic_error("batch_stats: blocks of different dimensions");
    d = blk.grads->cols();
    st.count += blk.rows;
  }
  if (st.count < 2) throw std::logic_error("batch_stats: the sample statistics need at least 2 gradients");
  // Pass 1: the mean g (into the caller's buffer) and the scale.
  const double inv_n = 1.0 / static_cast<double>(st.count);
  if (g.size() != d) g.resize(d);  // the runner passes a buffer of size d: no allocation
  g.setZero();
  double sum_sq = 0.0;
  for (const auto& blk : blocks)
    for (Index i = 0; i < blk.rows; ++i) {
      g += blk.grads->row(i).transpose();
      sum_sq += blk.grads->row(i).squaredNorm();
    }
  g *= inv_n;
  st.scale = sum_sq * inv_n;
  // Pass 2: the spreads around g.
  st.grad2 = g.squaredNorm();
  const double b1 = static_cast<double>(st.count - 1);
  double ss = 0.0, ip_mean = 0.0, ip_ss = 0.0, orth = 0.0;
  for (const auto& blk : blocks)
    for (Index i = 0; i < blk.rows; ++i) ip_mean += blk.grads->row(i).dot(g);
  ip_mean *= inv_n;  // = ‖g‖² up to rounding
  for (const auto& blk : blocks)
    for (Index i = 0; i < blk.rows; ++i) {
      const auto row = blk.grads->row(i);
      ss += (row - g.transpose()).squaredNorm();
      const double ip = row.dot(g);
      ip_ss += (ip - ip_mean) * (ip - ip_mean);
      if (st.grad2 > 0) orth += (row - (ip / st.grad2) * g.transpose()).squaredNorm();
    }
  st.s2 = ss / b1;
  st.var_ip = ip_ss / b1;
  st.var_orth = orth / b1;
  return st;
}

BatchStats batch_stats(const RowMat& grads, Index rows, Vec& g) {
  const GradBlock blk{&grads, rows};
  return batch_stats(std::span<const GradBlock>(&blk, 1), g);
}

double s2_one_pass(Index b, double sum_sq_norms, const Vec& mean) {
  if (b < 2) throw std::logic_error("s2_one_pass: needs b >= 2");
  const double bd = static_cast<double>(b);
  return (sum_sq_norms - bd * mean.squaredNorm()) / (bd - 1.0);
}

double pooled_s2(std::span<const Index> counts,
                 std::span<const Vec> means,
                 std::span<const double> s2,
                 Vec& mean_out) {
  if (counts.size() != means.size() || counts.size() != s2.size() || counts.empty())
    throw std::logic_error("pooled_s2: counts, means and s2 must have one equal, non-zero length");
  Index n = 0;
  for (Index c : counts) n += c;
  if (n < 2) throw std::logic_error("pooled_s2: needs at least 2 samples in all");
  mean_out.setZero(means[0].size());
  for (std::size_t m = 0; m < counts.size(); ++m) mean_out += static_cast<double>(counts[m]) * means[m];
  mean_out /= static_cast<double>(n);
  double num = 0.0;
  for (std::size_t m = 0; m < counts.size(); ++m) {
    const double bm = static_cast<double>(counts[m]);
    if (counts[m] >= 2) num += (bm - 1.0) * s2[m];
    num += bm * (means[m] - mean_out).squaredNorm();
  }
  return num / static_cast<double>(n - 1);
}

double proposal(BatchTestKind kind, const BatchStats& st, double eta) {
  const double e2 = eta * eta;
  const double inf = std::numeric_limits<double>::infinity();
  if (!(st.grad2 > 0)) return inf;
  switch (kind) {
    case BatchTestKind::kNorm:
      return st.s2 / (e2 * st.grad2);
    case BatchTestKind::kInnerProduct:
      return st.var_ip / (e2 * st.grad2 * st.grad2);
    case BatchTestKind::kOrthogonality:
      return st.var_orth / (e2 * st.grad2);
    case BatchTestKind::kAugmented:
      return std::max(st.var_ip / (e2 * st.grad2 * st.grad2), st.var_orth / (e2 * st.grad2));
  }
  return inf;
}

double oracle_proposal(double sigma2, double grad_norm2, double eta) {
  if (!(sigma2 > 0)) return 0.0;
  if (!(grad_norm2 > 0)) return std::numeric_limits<double>::infinity();
  return sigma2 / (eta * eta * grad_norm2);
}

std::int64_t next_batch(std::int64_t b, double prop, std::int64_t b_max, bool keep) {
  if (keep || b >= b_max || std::isnan(prop)) return b;
  const double c = std::ceil(prop);  // +inf stays +inf
  if (c >= static_cast<double>(b_max)) return b_max;
  if (c <= static_cast<double>(b)) return b;
  return static_cast<std::int64_t>(c);  // b < c < b_max: fits
}

bool zero_gradient(const BatchStats& st) { return st.grad2 < kZeroGradRel * st.scale || !(st.grad2 > 0); }

std::int64_t test_next_batch(
    BatchTestKind kind, const BatchStats& stats, double eta, std::int64_t b, std::int64_t b_max) {
  return next_batch(b, proposal(kind, stats, eta), b_max, zero_gradient(stats));
}

}  // namespace sgdcheck::bounds
