#pragma once
/// \file Exact expected error of mini-batch SGD on isotropic least squares, without (O3, closed form)
/// and with a fixed delay (O4, O(τ) per step) (sgdcheck spec `papers/stich2021_critical.md` §4).
/// Label: checked (derived algebra, confirmed against O1/O2 to 1e-10); guarantee exact.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bounds/bound.hpp"
#include "bounds/oracle_curve.hpp"
#include "bounds/step_schedule.hpp"

namespace sgdcheck::bounds {

/// O3: isotropic least squares with a constant step.
struct IsotropicOracleParams {
  double L = NAN;        ///< A = L·I, L > 0
  double M = NAN;        ///< B = (M+1)L²·I, M >= 0 (M_grad = M_curv)
  double sigma2 = 0.0;   ///< σ² = (1/n)Σ r_i²‖a_i‖² (finite sum) or s²·tr A (streaming), >= 0
  double theta_b = 1.0;  ///< θ_b ∈ [0, 1]
  double step = NAN;     ///< constant γ >= 0 (any value: divergence is reported as +inf)
  double r0 = NAN;       ///< ‖x_0 − x*‖² >= 0
  std::vector<std::int64_t> iterations;  ///< sorted, >= 0
  static const BoundInfo& info();
};

/// \brief Exact \f$\mathbb{E}\|x_t-x^\star\|^2\f$ and \f$\mathbb{E}f(x_t)-f^\star\f$ of constant-step
/// mini-batch SGD on isotropic least squares, closed form (spec O3).
/// **Setting.** Least squares with \f$A = L I\f$ and \f$B = \frac1n\sum_i\|a_i\|^2a_ia_i^\top = (M+1)L^2 I\f$:
/// orthogonal equal-norm rows (M = n − 1), Hadamard rows, streaming (sparse) Gaussians. With label
/// noise the rows must have equal norms (or be streaming) so that the cross term vanishes.
/// **Algorithm.** Constant-step mini-batch SGD (θ_b). For a schedule use isotropic_delayed_oracle
/// with τ = 0.
/// **Guarantee.** Exact, checked (spec: against O1; here too, to 1e-10):
/// \f[ r_{t+1} = \rho r_t + \gamma^2\theta_b\sigma^2, \quad \rho = 1 - 2\gamma L + \gamma^2L^2(1+\theta_b M),
///     \quad r_t = \rho^t r_0 + \gamma^2\theta_b\sigma^2\frac{1-\rho^t}{1-\rho}, \quad
///     \mathbb{E}f(x_t) - f^\star = \tfrac L2 r_t. \f]
/// **References.** [1] sgdcheck spec papers/stich2021_critical.md §4 O3.
OracleCurve isotropic_oracle(const IsotropicOracleParams& p);
std::optional<std::string> hypotheses_violated(const IsotropicOracleParams& p);

/// O3's optimum for σ = 0: step and iteration count.
struct IsotropicOptimumParams {
  double L = NAN;        ///< A = L·I, L > 0
  double M = NAN;        ///< M >= 0
  double theta_b = 1.0;  ///< θ_b ∈ [0, 1]
  double eps = NAN;      ///< relative target on E‖x_T − x*‖²/r0, > 0
  static const BoundInfo& info();
};

/// \brief The step minimising O3's contraction ρ, \f$\gamma^\star = 1/(L(1+\theta_b M))\f$ (= b/(L(M+b))
/// with replacement), where \f$\rho^\star = \theta_b M/(1+\theta_b M)\f$.
/// **Setting.** As isotropic_oracle, σ = 0. **Algorithm.** Constant-step mini-batch SGD.
/// **Guarantee.** Exact (minimiser of ρ over γ), checked. **References.** spec §4 O3.
double isotropic_optimal_step(const IsotropicOptimumParams& p);
/// \brief Fewest iterations with \f$\mathbb{E}\|x_T-x^\star\|^2 \le \varepsilon r_0\f$ at the best constant step, σ = 0:
/// \f$T^\star = \lceil \ln(1/\varepsilon)/\ln(1 + 1/(\theta_b M))\rceil\f$ (= ⌈ln(1/ε)/ln(1 + b/M)⌉ with
/// replacement); 1 when θ_b M = 0 and ε < 1; 0 when ε >= 1.
/// **Setting / Algorithm.** As isotropic_optimal_step. **Guarantee.** Exact, checked.
/// **References.** spec §4 O3.
double isotropic_optimal_iterations(const IsotropicOptimumParams& p);
std::optional<std::string> hypotheses_violated(const IsotropicOptimumParams& p);

/// O4: isotropic least squares with a fixed delay τ.
struct IsotropicDelayedOracleParams {
  double L = NAN;        ///< A = L·I, L > 0
  double M = NAN;        ///< B = (M+1)L²·I, M >= 0
  double sigma2 = 0.0;   ///< σ² as in IsotropicOracleParams, >= 0
  double theta_b = 1.0;  ///< θ_b ∈ [0, 1]
  std::int64_t tau = 0;  ///< fixed delay τ >= 0
  StepSchedule step;     ///< γ_t >= 0
  double r0 = NAN;       ///< ‖x_0 − x*‖² >= 0
  std::vector<std::int64_t> iterations;  ///< sorted, >= 0
  static const BoundInfo& info();
};

/// \brief Exact \f$\mathbb{E}\|x_t-x^\star\|^2\f$ and \f$\mathbb{E}f(x_t)-f^\star\f$ of mini-batch SGD with
/// a fixed delay τ on isotropic least squares (spec O4).
/// **Setting.** As isotropic_oracle; the batch at step t is independent of the past.
/// **Algorithm.** \f$x_{t+1} = x_t - \gamma_t g_{B_t}(x_{t-\tau})\f$, \f$x_s = x_0\f$ for s < 0.
/// **Guarantee.** Exact, checked (spec: against O2; here too, to 1e-10, and against O3 at τ = 0).
/// With \f$c_t(m) = \mathbb{E}\langle e_t, e_{t-m}\rangle\f$, m <= τ, \f$c_s(\cdot) = r_0\f$ for s <= 0:
/// \f[ c_{t+1}(0) = c_t(0) - 2\gamma Lc_t(\tau) + \gamma^2L^2(1+\theta_bM)c_{t-\tau}(0) + \gamma^2\theta_b\sigma^2, \f]
/// \f[ c_{t+1}(m) = c_t(m-1) - \gamma L c_{t+1-m}(\tau+1-m), \quad m = 1..\tau. \f]
/// O(τ) per step, O(τ²) memory.
/// **References.** [1] sgdcheck spec papers/stich2021_critical.md §4 O4.
OracleCurve isotropic_delayed_oracle(const IsotropicDelayedOracleParams& p);
std::optional<std::string> hypotheses_violated(const IsotropicDelayedOracleParams& p);

}  // namespace sgdcheck::bounds
