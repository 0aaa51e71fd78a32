#include "bounds/minibatch_lsq_oracle.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "bounds/detail/lsq_moments.hpp"

namespace sgdcheck::bounds {

namespace detail {

Eigen::MatrixXd weighted_gram(const Eigen::Ref<const Eigen::MatrixXd>& rows, const Eigen::VectorXd& w) {
  const double n = static_cast<double>(rows.rows());
  Eigen::MatrixXd G = rows.transpose() * (w.asDiagonal() * rows);
  G /= n;
  return G;
}

Eigen::VectorXd row_quadratic_forms(const Eigen::Ref<const Eigen::MatrixXd>& rows, const Eigen::MatrixXd& Q) {
  const Eigen::MatrixXd XQ = rows * Q;
  return XQ.cwiseProduct(rows).rowwise().sum();
}

Eigen::MatrixXd batch_hessian_sandwich(const Eigen::Ref<const Eigen::MatrixXd>& rows,
                                       const Eigen::MatrixXd& A,
                                       const Eigen::MatrixXd& Q,
                                       double theta_b) {
  Eigen::MatrixXd out = weighted_gram(rows, row_quadratic_forms(rows, Q));
  out *= theta_b;
  out.noalias() += (1.0 - theta_b) * (A * Q * A);
  return out;
}

}  // namespace detail

const BoundInfo& MinibatchLsqOracleParams::info() {
  static const BoundInfo i{"stich.oracle.minibatch_lsq",
                           "exact mini-batch SGD on least squares (O1)",
                           "sgdcheck O1 (moment recursion)",
                           Label::kChecked,
                           Guarantee::kExact,
                           "dist2"};
  return i;
}

std::optional<std::string> hypotheses_violated(const Eigen::Ref<const Eigen::MatrixXd>& rows,
                                               const Eigen::Ref<const Eigen::VectorXd>& residuals,
                                               const MinibatchLsqOracleParams& p) {
  const Eigen::Index n = rows.rows(), d = rows.cols();
  if (n < 1 || d < 1) return fmt::format("data is {}×{}: need n >= 1 and d >= 1", n, d);
  if (residuals.size() != n) return fmt::format("residuals has size {} but there are n = {} rows", residuals.size(), n);
  if (p.e0.size() != d) return fmt::format("e0 has size {} but d = {}", p.e0.size(), d);
  if (!rows.allFinite() || !residuals.allFinite() || !p.e0.allFinite()) {
    return std::string("data, residuals or e0 contain a non-finite value");
  }
  if (!(p.theta_b >= 0.0 && p.theta_b <= 1.0)) return fmt::format("theta_b = {:g} violates 0 <= θ_b <= 1", p.theta_b);
  if (auto w = iterations_invalid(p.iterations)) return w;
  if (auto w = p.step.invalid_for(p.iterations.empty() ? 0 : p.iterations.back())) return w;
  // x* must be a least-squares minimiser: Σ r_i a_i = 0 (normal equations), up to round-off. On
  // realizable data the residuals are pure round-off (~1e-15) and need not be orthogonal to anything,
  // so a drift below 1e-12·‖A‖_F is accepted whatever ‖r‖ is.
  const double drift = (rows.transpose() * residuals).norm();
  const double scale = rows.norm() * residuals.norm();
  if (drift > 1e-8 * scale && drift > 1e-12 * rows.norm()) {
    return fmt::format("residuals are not orthogonal to the data: ‖Σ r_i a_i‖ = {:g} > 1e-8·‖A‖_F‖r‖ = {:g} "
                       "(r_i = a_iᵀx* − y_i at a least-squares minimiser x*)",
                       drift,
                       1e-8 * scale);
  }
  return std::nullopt;
}

namespace {

/// S(P) = (1/n) Σ_i w_i a_i a_iᵀ with w_i = a_iᵀPa_i + 2 r_i a_iᵀm + r_i², the batch part of E[ggᵀ], in one
/// of two exact forms chosen by cost (both sum the same terms; they differ only in rounding):
///  - rows:  w from the rows (n d² multiply-adds), then the weighted Gram (n d²): O(n d²) per step;
///  - moments: the data's fourth, third and second moments over the D = d(d+1)/2 packed pairs
///    (K: D × D, T: D × d, c: D), precomputed once, so that S(P) = unpack(K·pack(P) + T·m + c):
///    O(D² + D d) per step, independent of n (cheaper whenever n ≳ d²/8; built only while K is small).
/// All buffers are allocated once; the step loop does not allocate.
class SecondMoment {
 public:
  SecondMoment(const Eigen::Ref<const Eigen::MatrixXd>& rows,
               const Eigen::Ref<const Eigen::VectorXd>& residuals,
               std::int64_t steps)
      : rows_(rows), residuals_(residuals), d_(rows.cols()), D_(d_ * (d_ + 1) / 2) {
    const Eigen::Index nrows = rows.rows();
    const double n = static_cast<double>(nrows);
    r2_ = residuals.array().square().matrix();
    // Total multiply-adds of either form over the run (the moments' precomputation is n D²).
    const double Dd = static_cast<double>(D_), T = static_cast<double>(std::max<std::int64_t>(steps, 1));
    const double rows_cost = T * 2.0 * n * static_cast<double>(d_ * d_);
    const double moments_cost = n * Dd * (Dd + static_cast<double>(d_)) + T * Dd * (Dd + static_cast<double>(d_));
    moments_ = D_ <= kMaxPacked && moments_cost < 0.5 * rows_cost;
    if (moments_) {
      // U(i, p) = a_ij a_ik for the pair p = (j <= k), built in blocks of rows (bounded memory);
      // packing weights 1 (j = k) or 2 (j < k) turn Σ_p U(i,p) w_p P_p into a_iᵀPa_i.
      weight_.resize(D_);
      for (Eigen::Index j = 0, q = 0; j < d_; ++j)
        for (Eigen::Index k = j; k < d_; ++k, ++q) weight_[q] = j == k ? 1.0 : 2.0;
      K_ = Eigen::MatrixXd::Zero(D_, D_);
      T_ = Eigen::MatrixXd::Zero(D_, d_);
      c_ = Eigen::VectorXd::Zero(D_);
      constexpr Eigen::Index kBlock = 256;
      Eigen::MatrixXd U(std::min(kBlock, nrows), D_);
      for (Eigen::Index i0 = 0; i0 < nrows; i0 += kBlock) {
        const Eigen::Index nb = std::min(kBlock, nrows - i0);
        const auto R = rows.middleRows(i0, nb);
        for (Eigen::Index j = 0, q = 0; j < d_; ++j)
          for (Eigen::Index k = j; k < d_; ++k, ++q) U.col(q).head(nb) = R.col(j).cwiseProduct(R.col(k));
        const auto Ub = U.topRows(nb);
        K_.noalias() += Ub.transpose() * Ub;
        T_.noalias() += Ub.transpose() * ((2.0 * residuals.segment(i0, nb)).asDiagonal() * R);
        c_.noalias() += Ub.transpose() * r2_.segment(i0, nb);
      }
      K_ /= n;
      T_ /= n;
      c_ /= n;
      packed_.resize(D_);
      out_.resize(D_);
    } else {
      Xm_.resize(nrows);
      w_.resize(nrows);
      XP_.resize(nrows, d_);
      WX_.resize(nrows, d_);
    }
  }

  /// S(P) for the current (P, m), into `S` (d × d, symmetric).
  void evaluate(const Eigen::MatrixXd& P, const Eigen::VectorXd& m, Eigen::MatrixXd& S) {
    const double n = static_cast<double>(rows_.rows());
    if (moments_) {
      for (Eigen::Index j = 0, p = 0; j < d_; ++j)
        for (Eigen::Index k = j; k < d_; ++k, ++p) packed_[p] = weight_[p] * P(j, k);
      out_ = c_;
      out_.noalias() += K_ * packed_;
      out_.noalias() += T_ * m;
      for (Eigen::Index j = 0, p = 0; j < d_; ++j)
        for (Eigen::Index k = j; k < d_; ++k, ++p) S(j, k) = S(k, j) = out_[p];
      return;
    }
    Xm_.noalias() = rows_ * m;
    XP_.noalias() = rows_ * P;
    w_ = XP_.cwiseProduct(rows_).rowwise().sum();
    w_ += 2.0 * residuals_.cwiseProduct(Xm_) + r2_;
    WX_.noalias() = w_.asDiagonal() * rows_;
    S.noalias() = rows_.transpose() * WX_;
    S /= n;
  }

 private:
  static constexpr Eigen::Index kMaxPacked = 2080;  // d <= 64: K is at most 2080² doubles (35 MB)
  const Eigen::Ref<const Eigen::MatrixXd>& rows_;
  const Eigen::Ref<const Eigen::VectorXd>& residuals_;
  Eigen::Index d_, D_;
  bool moments_ = false;
  Eigen::VectorXd r2_;
  Eigen::MatrixXd K_, T_;
  Eigen::VectorXd c_, weight_, packed_, out_;
  Eigen::VectorXd Xm_, w_;
  Eigen::MatrixXd XP_, WX_;
};

}  // namespace

OracleCurve minibatch_lsq_oracle(const Eigen::Ref<const Eigen::MatrixXd>& rows,
                                 const Eigen::Ref<const Eigen::VectorXd>& residuals,
                                 const MinibatchLsqOracleParams& p) {
  if (auto w = hypotheses_violated(rows, residuals, p)) throw HypothesisViolated(MinibatchLsqOracleParams::info().id + ": " + *w);
  const double n = static_cast<double>(rows.rows());
  const Eigen::Index d = rows.cols();
  const double theta = p.theta_b;
  const Eigen::MatrixXd A = rows.transpose() * rows / n;
  SecondMoment moments(rows, residuals, p.iterations.empty() ? 0 : p.iterations.back());

  OracleCurve out;
  out.iterations = p.iterations;
  out.dist2.reserve(p.iterations.size());
  out.subopt.reserve(p.iterations.size());

  Eigen::VectorXd m = p.e0;
  Eigen::MatrixXd P = p.e0 * p.e0.transpose();
  // Step buffers, allocated once.
  Eigen::MatrixXd AP(d, d), second(d, d), PAt(d, d);
  Eigen::VectorXd Am(d);
  std::int64_t t = 0;
  for (const std::int64_t target : p.iterations) {
    while (t < target && !out.diverged_at) {
      const double g = p.step(t);
      // E[ggᵀ] = (1−θ)APA + θ·S(P), S(P) = (1/n)Σ w_i a_ia_iᵀ, w_i = a_iᵀP a_i + 2 r_i a_iᵀm + r_i².
      moments.evaluate(P, m, second);
      AP.noalias() = A * P;
      second *= theta;
      second.noalias() += (1.0 - theta) * (AP * A);
      PAt = AP.transpose();
      P.noalias() += -g * (AP + PAt);
      P.noalias() += (g * g) * second;
      // symmetrise in place (P = (P + Pᵀ)/2 without a temporary)
      for (Eigen::Index j = 0; j < d; ++j)
        for (Eigen::Index k = j + 1; k < d; ++k) P(j, k) = P(k, j) = 0.5 * (P(j, k) + P(k, j));
      Am.noalias() = A * m;
      m -= g * Am;
      ++t;
      if (!P.allFinite() || !m.allFinite()) out.diverged_at = t;
    }
    if (out.diverged_at) {
      out.dist2.push_back(std::numeric_limits<double>::infinity());
      out.subopt.push_back(std::numeric_limits<double>::infinity());
    } else {
      out.dist2.push_back(P.trace());
      out.subopt.push_back(0.5 * (A.cwiseProduct(P)).sum());
    }
  }
  return out;
}

}  // namespace sgdcheck::bounds
