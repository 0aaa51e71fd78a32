#include "bounds/delayed_lsq_oracle.hpp"

#include <fmt/format.h>
#include <limits>

#include "bounds/detail/lsq_moments.hpp"

namespace sgdcheck::bounds {

const BoundInfo& DelayedLsqOracleParams::info() {
  static const BoundInfo i{"stich.oracle.delayed_lsq",
                           "exact delayed mini-batch SGD on realizable least squares (O2)",
                           "sgdcheck O2 (block moment recursion)",
                           Label::kChecked,
                           Guarantee::kExact,
                           "dist2"};
  return i;
}

std::optional<std::string> hypotheses_violated(const Eigen::Ref<const Eigen::MatrixXd>& rows,
                                               const DelayedLsqOracleParams& p) {
  const Eigen::Index n = rows.rows(), d = rows.cols();
  if (n < 1 || d < 1) return fmt::format("data is {}×{}: need n >= 1 and d >= 1", n, d);
  if (p.e0.size() != d) return fmt::format("e0 has size {} but d = {}", p.e0.size(), d);
  if (!rows.allFinite() || !p.e0.allFinite()) return std::string("data or e0 contain a non-finite value");
  if (!(p.theta_b >= 0.0 && p.theta_b <= 1.0)) return fmt::format("theta_b = {:g} violates 0 <= θ_b <= 1", p.theta_b);
  if (p.tau < 0) return fmt::format("tau = {} violates tau >= 0", p.tau);
  if (auto w = iterations_invalid(p.iterations)) return w;
  if (auto w = p.step.invalid_for(p.iterations.empty() ? 0 : p.iterations.back())) return w;
  return std::nullopt;
}

namespace {

/// C(s, s') = E e_s e_{s'}ᵀ for the τ+1 most recent times, indexed by time modulo τ+1.
class CovarianceRing {
 public:
  CovarianceRing(std::int64_t tau, const Eigen::MatrixXd& init)
      : k_(tau + 1), blocks_(static_cast<std::size_t>(k_ * k_), init) {}
  Eigen::MatrixXd& at(std::int64_t s, std::int64_t s2) {
    return blocks_[static_cast<std::size_t>(slot(s) * k_ + slot(s2))];
  }

 private:
  std::int64_t slot(std::int64_t s) const { return ((s % k_) + k_) % k_; }
  std::int64_t k_;
  std::vector<Eigen::MatrixXd> blocks_;
};

}  // namespace

OracleCurve delayed_lsq_oracle(const Eigen::Ref<const Eigen::MatrixXd>& rows, const DelayedLsqOracleParams& p) {
  if (auto w = hypotheses_violated(rows, p)) throw HypothesisViolated(DelayedLsqOracleParams::info().id + ": " + *w);
  const double n = static_cast<double>(rows.rows());
  const std::int64_t tau = p.tau;
  const Eigen::MatrixXd A = rows.transpose() * rows / n;

  OracleCurve out;
  out.iterations = p.iterations;
  CovarianceRing C(tau, p.e0 * p.e0.transpose());
  std::vector<Eigen::MatrixXd> cross(static_cast<std::size_t>(tau));  // C(t+1, t+1−k), k = 1..τ
  std::int64_t t = 0;
  for (const std::int64_t target : p.iterations) {
    while (t < target && !out.diverged_at) {
      const double g = p.step(t);
      const std::int64_t stale = t - tau;
      // C(t+1, t+1): the gradient is taken at the stale iterate e_{t−τ}.
      const Eigen::MatrixXd A_stale_now = A * C.at(stale, t);  // A·E e_{t−τ}e_tᵀ
      Eigen::MatrixXd diag = C.at(t, t) - g * (A_stale_now + A_stale_now.transpose());
      diag.noalias() += (g * g) * detail::batch_hessian_sandwich(rows, A, C.at(stale, stale), p.theta_b);
      detail::symmetrize(diag);
      // C(t+1, s) for s = t+1−k, k = 1..τ: the batch at t is independent of e_s.
      for (std::int64_t k = 1; k <= tau; ++k) {
        const std::int64_t s = t + 1 - k;
        cross[static_cast<std::size_t>(k - 1)] = C.at(t, s) - g * (A * C.at(stale, s));
      }
      // Time t+1 takes the slot of t−τ, which is no longer needed.
      C.at(t + 1, t + 1) = diag;
      for (std::int64_t k = 1; k <= tau; ++k) {
        const std::int64_t s = t + 1 - k;
        C.at(t + 1, s) = cross[static_cast<std::size_t>(k - 1)];
        C.at(s, t + 1) = cross[static_cast<std::size_t>(k - 1)].transpose();
      }
      ++t;
      if (!diag.allFinite()) out.diverged_at = t;
    }
    if (out.diverged_at) {
      out.dist2.push_back(std::numeric_limits<double>::infinity());
      out.subopt.push_back(std::numeric_limits<double>::infinity());
    } else {
      const Eigen::MatrixXd& P = C.at(t, t);
      out.dist2.push_back(P.trace());
      out.subopt.push_back(0.5 * (A.cwiseProduct(P)).sum());
    }
  }
  return out;
}

}  // namespace sgdcheck::bounds
