#include "bounds/minibatch_lsq_oracle.hpp"

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
                           "spec stich2021_critical §4 O1 (moment recursion)",
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

OracleCurve minibatch_lsq_oracle(const Eigen::Ref<const Eigen::MatrixXd>& rows,
                                 const Eigen::Ref<const Eigen::VectorXd>& residuals,
                                 const MinibatchLsqOracleParams& p) {
  if (auto w = hypotheses_violated(rows, residuals, p)) throw HypothesisViolated(MinibatchLsqOracleParams::info().id + ": " + *w);
  const double n = static_cast<double>(rows.rows());
  const double theta = p.theta_b;
  const Eigen::MatrixXd A = rows.transpose() * rows / n;
  const Eigen::VectorXd r2 = residuals.array().square().matrix();

  OracleCurve out;
  out.iterations = p.iterations;
  out.dist2.reserve(p.iterations.size());
  out.subopt.reserve(p.iterations.size());

  Eigen::VectorXd m = p.e0;
  Eigen::MatrixXd P = p.e0 * p.e0.transpose();
  std::int64_t t = 0;
  for (const std::int64_t target : p.iterations) {
    while (t < target && !out.diverged_at) {
      const double g = p.step(t);
      // w_i = a_iᵀP a_i + 2 r_i a_iᵀm + r_i²;  E[ggᵀ] = (1−θ)APA + θ·(1/n)Σ w_i a_ia_iᵀ.
      const Eigen::VectorXd Xm = rows * m;
      const Eigen::VectorXd w =
          detail::row_quadratic_forms(rows, P) + 2.0 * residuals.cwiseProduct(Xm) + r2;
      const Eigen::MatrixXd AP = A * P;
      Eigen::MatrixXd second = detail::weighted_gram(rows, w);
      second *= theta;
      second.noalias() += (1.0 - theta) * (AP * A);
      P += -g * (AP + AP.transpose()) + (g * g) * second;
      detail::symmetrize(P);
      m -= g * (A * m);
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
