#pragma once
/// \file Exact expected error of mini-batch SGD on finite-sum least squares, any data, σ >= 0
/// (sgdcheck spec `papers/stich2021_critical.md` §4, oracle O1).
#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bounds/bound.hpp"
#include "bounds/oracle_curve.hpp"
#include "bounds/step_schedule.hpp"

namespace sgdcheck::bounds {

/// Everything O1 needs besides the data.
struct MinibatchLsqOracleParams {
  Eigen::VectorXd e0;                    ///< x_0 − x*, size d
  StepSchedule step;                     ///< γ_t >= 0 (any value: divergence is reported as +inf)
  double theta_b = 1.0;                  ///< batch variance factor θ_b ∈ [0, 1]
  std::vector<std::int64_t> iterations;  ///< where to report, sorted, >= 0
  static const BoundInfo& info();
};

/// The first failed hypothesis (sizes, θ_b range, steps, iteration list, residuals orthogonal to
/// the data), or nullopt. `rows` is n×d (row i = a_iᵀ), `residuals` has r_i = a_iᵀx* − y_i.
std::optional<std::string> hypotheses_violated(const Eigen::Ref<const Eigen::MatrixXd>& rows,
                                               const Eigen::Ref<const Eigen::VectorXd>& residuals,
                                               const MinibatchLsqOracleParams& p);

/// \brief Exact \f$\mathbb{E}\|x_t-x^\star\|^2\f$ and \f$\mathbb{E}f(x_t)-f^\star\f$ of mini-batch SGD on
/// finite-sum least squares, at every requested t (spec O1).
/// **Setting.** \f$f(x) = \frac1{2n}\sum_i (a_i^\top x - y_i)^2\f$, any data, x* a least-squares
/// minimiser, residuals \f$r_i = a_i^\top x^\star - y_i\f$ (so \f$\sum_i r_i a_i = 0\f$; σ >= 0 allowed).
/// Batches of b indices, with replacement (θ_b = 1/b) or without ((n−b)/(b(n−1))).
/// **Algorithm.** \f$x_{t+1} = x_t - \gamma_t \frac1b\sum_{i\in B_t} a_i(a_i^\top x_t - y_i)\f$.
/// **Guarantee.** Exact, checked (spec: against brute-force enumeration; here against Monte Carlo).
/// With \f$A = \frac1n\sum_i a_ia_i^\top\f$, \f$m_t = \mathbb{E}e_t\f$, \f$P_t = \mathbb{E}e_te_t^\top\f$:
/// \f[ m_{t+1} = (I-\gamma A)m_t, \quad
///     S_t = \tfrac1n\textstyle\sum_i (a_i^\top P_t a_i + 2r_i a_i^\top m_t + r_i^2)\, a_ia_i^\top, \f]
/// \f[ P_{t+1} = P_t - \gamma(AP_t + P_tA) + \gamma^2\bigl[(1-\theta_b)AP_tA + \theta_b S_t\bigr], \quad
///     \mathbb{E}\|e_t\|^2 = \operatorname{tr}P_t, \quad \mathbb{E}f(x_t)-f^\star = \tfrac12\operatorname{tr}(AP_t). \f]
/// Cost O(nd² + d³) per step (S_t as \f$A^\top\operatorname{diag}(w)A/n\f$). Overflow gives +inf.
/// **References.** [1] sgdcheck spec papers/stich2021_critical.md §4 O1; [2] Stich, Mohtashami & Jaggi
/// (2021), arXiv:2103.02351 (setting).
OracleCurve minibatch_lsq_oracle(const Eigen::Ref<const Eigen::MatrixXd>& rows,
                                 const Eigen::Ref<const Eigen::VectorXd>& residuals,
                                 const MinibatchLsqOracleParams& p);

}  // namespace sgdcheck::bounds
