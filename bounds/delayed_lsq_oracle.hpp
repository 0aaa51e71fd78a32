#pragma once
/// \file Exact expected error of mini-batch SGD with a fixed delay τ on realizable finite-sum least
/// squares (sgdcheck spec `papers/stich2021_critical.md` §4, oracle O2).
#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bounds/bound.hpp"
#include "bounds/oracle_curve.hpp"
#include "bounds/step_schedule.hpp"

namespace sgdcheck::bounds {

/// Everything O2 needs besides the data.
struct DelayedLsqOracleParams {
  Eigen::VectorXd e0;                    ///< x_0 − x*, size d (also x_s − x* for s < 0)
  StepSchedule step;                     ///< γ_t >= 0
  double theta_b = 1.0;                  ///< batch variance factor θ_b ∈ [0, 1]
  std::int64_t tau = 0;                  ///< fixed delay τ >= 0
  std::vector<std::int64_t> iterations;  ///< where to report, sorted, >= 0
  static const BoundInfo& info();
};

/// The first failed hypothesis (sizes, θ_b, τ, steps, iteration list), or nullopt. `rows` is n×d.
std::optional<std::string> hypotheses_violated(const Eigen::Ref<const Eigen::MatrixXd>& rows,
                                               const DelayedLsqOracleParams& p);

/// \brief Exact \f$\mathbb{E}\|x_t-x^\star\|^2\f$ and \f$\mathbb{E}f(x_t)-f^\star\f$ of mini-batch SGD with a
/// fixed delay τ on realizable least squares (spec O2).
/// **Setting.** \f$f(x) = \frac1{2n}\sum_i (a_i^\top x - y_i)^2\f$ with \f$y_i = a_i^\top x^\star\f$ (σ = 0).
/// Batches as in O1 (θ_b); the batch at step t is independent of the past.
/// **Algorithm.** \f$x_{t+1} = x_t - \gamma_t\, g_{B_t}(x_{t-\tau})\f$ with \f$x_s = x_0\f$ for s < 0.
/// **Guarantee.** Exact, checked (spec: against brute-force enumeration; here against Monte Carlo and
/// O1 at τ = 0). State \f$Z^{jk}_t = \mathbb{E}e_{t-j}e_{t-k}^\top\f$, j, k <= τ, \f$Z^{jk}_0 = e_0e_0^\top\f$,
/// H the batch mean of \f$a_ia_i^\top\f$, \f$\mathbb{E}[HQH] = (1-\theta_b)AQA + \theta_b S(Q)\f$:
/// \f[ Z'^{00} = Z^{00} - \gamma(AZ^{\tau0} + Z^{0\tau}A) + \gamma^2\mathbb{E}[HZ^{\tau\tau}H], \quad
///     Z'^{0k} = Z^{0,k-1} - \gamma AZ^{\tau,k-1}, \quad Z'^{k0} = (Z'^{0k})^\top, \quad Z'^{jk} = Z^{j-1,k-1}. \f]
/// Stored as a ring over time, so the shift is free: O(nd² + τd³) per step, O(τ²d²) memory.
/// **References.** [1] sgdcheck spec papers/stich2021_critical.md §4 O2; [2] Stich, Mohtashami & Jaggi
/// (2021), arXiv:2103.02351 (setting).
OracleCurve delayed_lsq_oracle(const Eigen::Ref<const Eigen::MatrixXd>& rows, const DelayedLsqOracleParams& p);

}  // namespace sgdcheck::bounds
