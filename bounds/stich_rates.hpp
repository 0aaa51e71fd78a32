#pragma once
/// \file Rates of Stich, Mohtashami & Jaggi (2021) as pure functions: R2 iteration count, R5 batch
/// speedup, R6/R7 delayed iteration counts, R8 asynchronous speedup and the step-size guideline G
/// (sgdcheck spec `papers/stich2021_critical.md` §4). The spec writes them with M/b and σ²/b; here
/// the batch enters as θ_b (θ_b = 1/b recovers the spec; (n−b)/(b(n−1)) without replacement).
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "bounds/bound.hpp"
#include "bounds/noise_model.hpp"

namespace sgdcheck::bounds {

/// R2: iterations of constant-step mini-batch SGD to reach E‖x_T − x*‖² <= ε.
struct StichIterationsParams {
  double L = NAN;        ///< smoothness, > 0
  double mu = NAN;       ///< strong convexity, 0 < μ <= L
  NoiseModel noise;      ///< single-sample (M, σ²), either form
  double theta_b = 1.0;  ///< θ_b ∈ [0, 1]
  double r0 = NAN;       ///< ‖x_0 − x*‖² >= 0
  double eps = NAN;      ///< absolute target on E‖x_T − x*‖², > 0
  static const BoundInfo& info();
};

/// \brief Iterations after which R1 guarantees \f$\mathbb{E}\|x_T - x^\star\|^2 \le \varepsilon\f$ (spec R2).
/// **Setting.** As R1 (sgd_strongly_convex_bound), κ = L/μ.
/// **Algorithm.** Constant \f$\gamma = \min\bigl(1/(2L(1+\theta_b M)),\ \varepsilon\mu/(2\theta_b\sigma^2)\bigr)\f$
/// (stich_iterations_sc_step).
/// **Guarantee.** Upper on the iteration count \f$T_\varepsilon\f$ at that step, derived: R1's noise term is
/// at most ε/2 by the choice of γ, and \f$(1-\gamma\mu)^T r_0 \le e^{-\gamma\mu T} r_0 \le \varepsilon/2\f$ once
/// \f$T \ge \ln(2r_0/\varepsilon)/(\gamma\mu)\f$:
/// \f[ T = \Bigl\lceil \max\Bigl(2\kappa(1+\theta_b M),\ \frac{2\theta_b\sigma^2}{\mu^2\varepsilon}\Bigr)
///         \ln\frac{2r_0}{\varepsilon} \Bigr\rceil \quad (0 \text{ if } 2r_0 \le \varepsilon). \f]
/// Returned as a double (it can exceed the int64 range).
/// **References.** [1] sgdcheck spec papers/stich2021_critical.md §4 R2; [2] Stich, Mohtashami & Jaggi
/// (2021), arXiv:2103.02351.
double stich_iterations_sc(const StichIterationsParams& p);
/// The step of R2.
double stich_iterations_sc_step(const StichIterationsParams& p);
/// \brief Critical batch \f$B_{crit} = M + \sigma^2/(\mu L\varepsilon)\f$ of R2 (θ_b ignored): R2's count is at
/// most \f$2\kappa(1 + B_{crit}/b)\ln(2r_0/\varepsilon)\f$ (plus the ceiling) for θ_b = 1/b. Derived.
double stich_critical_batch(const StichIterationsParams& p);
std::optional<std::string> hypotheses_violated(const StichIterationsParams& p);

/// R5: speedup in iterations of a b-batch over b = 1, realizable.
struct StichBatchSpeedupParams {
  double M = NAN;        ///< critical parameter, >= 0
  double theta_b = 1.0;  ///< θ_b ∈ [0, 1] of the batch (θ_1 = 1 in both sampling modes)
  static const BoundInfo& info();
};

/// \brief Predicted iteration speedup \f$T(1)/T(b)\f$ of mini-batch SGD, σ = 0 (spec R5).
/// **Setting.** Realizable problem (σ = 0) with critical parameter M.
/// **Algorithm.** Mini-batch SGD at the R2 step, b = 1 versus batch factor θ_b.
/// **Guarantee.** Prediction, derived: the ratio of R2's counts,
/// \f[ \frac{T(1)}{T(b)} = \frac{1+M}{1+\theta_b M} \;=\; \frac{b(M+1)}{M+b} \text{ for } \theta_b = 1/b, \f]
/// linear in b up to the critical batch b* ≈ M, then saturating at M + 1.
/// **References.** [1] sgdcheck spec papers/stich2021_critical.md §4 R5; [2] Stich, Mohtashami & Jaggi
/// (2021), arXiv:2103.02351 (saturation claim, paper-stated in the abstract).
double stich_batch_speedup(const StichBatchSpeedupParams& p);
std::optional<std::string> hypotheses_violated(const StichBatchSpeedupParams& p);

/// R7 (R6 is θ_b = 1): iterations with batch factor θ_b and maximum delay τ.
struct StichDelayedIterationsParams {
  double L = NAN;        ///< smoothness, > 0
  double mu = NAN;       ///< strong convexity, 0 < μ <= L
  NoiseModel noise;      ///< single-sample (M, σ²)
  double theta_b = 1.0;  ///< θ_b ∈ [0, 1]
  std::int64_t tau = 0;  ///< maximum delay τ >= 0
  double r0 = NAN;       ///< ‖x_0 − x*‖² >= 0
  double eps = NAN;      ///< target on E‖x_T − x*‖², > 0
  double c = 1.0;        ///< step constant, 0 < c <= 1 (spec range [½, 1])
  static const BoundInfo& info();
};

/// \brief Predicted iteration count of delayed mini-batch SGD on a strongly convex function (spec R7).
/// **Setting.** As R1, plus gradients computed at a stale iterate \f$x_{t-\tau_t}\f$, \f$\tau_t \le \tau\f$.
/// **Algorithm.** \f$x_{t+1} = x_t - \gamma g(x_{t-\tau_t})\f$ with the guideline step
/// \f$\gamma = c/(L(\theta_b M+\tau+1))\f$ (stich_step_guideline).
/// **Guarantee.** Prediction, **unverified** (the spec's Õ form, constants ours; the optional σ√τ middle
/// term is omitted):
/// \f[ T = \frac{(\theta_b M + \tau + 1)\,\kappa}{c}\,\ln\frac{r_0}{\varepsilon} + \frac{\theta_b\sigma^2}{\mu\varepsilon}
///     \qquad (\ln \text{ clamped at } 0). \f]
/// **References.** [1] sgdcheck spec papers/stich2021_critical.md §4 R6, R7 (form unverified);
/// [2] Stich, Mohtashami & Jaggi (2021), arXiv:2103.02351.
double stich_delayed_iterations(const StichDelayedIterationsParams& p);
std::optional<std::string> hypotheses_violated(const StichDelayedIterationsParams& p);

/// R6: the same with b = 1 (θ_b = 1), a maximum delay τ.
struct StichDelayIterationsParams {
  double L = NAN;        ///< smoothness, > 0
  double mu = NAN;       ///< strong convexity, 0 < μ <= L
  NoiseModel noise;      ///< single-sample (M, σ²)
  std::int64_t tau = 0;  ///< maximum delay τ >= 0
  double r0 = NAN;       ///< ‖x_0 − x*‖² >= 0
  double eps = NAN;      ///< target on E‖x_T − x*‖², > 0
  double c = 1.0;        ///< step constant, 0 < c <= 1
  static const BoundInfo& info();
};

/// \brief Predicted iteration count of single-sample SGD with maximum delay τ (spec R6).
/// **Setting.** As stich_delayed_iterations with b = 1.
/// **Algorithm.** \f$\gamma \le c/(L(M+\tau+1))\f$.
/// **Guarantee.** Prediction, **unverified**:
/// \f[ T(\tau) = \frac{(M + \tau + 1)\kappa}{c}\ln\frac{r_0}{\varepsilon} + \frac{\sigma^2}{\mu\varepsilon};
///     \text{ critical delay } \tau^\star \approx M. \f]
/// **References.** [1] sgdcheck spec papers/stich2021_critical.md §4 R6 (form unverified; only "one
/// parameter governs both saturations" is paper-stated); [2] arXiv:2103.02351.
double stich_delay_iterations(const StichDelayIterationsParams& p);
std::optional<std::string> hypotheses_violated(const StichDelayIterationsParams& p);

/// R8: W equal-speed asynchronous workers.
struct StichAsyncSpeedupParams {
  double M = NAN;          ///< critical parameter, >= 0
  std::int64_t workers = 1;  ///< W >= 1
  static const BoundInfo& info();
};

/// \brief Predicted wall-clock speedup of W asynchronous workers over one (spec R8).
/// **Setting.** Realizable, W equal-speed workers, so the delay is τ = W − 1.
/// **Algorithm.** Asynchronous SGD at the guideline step.
/// **Guarantee.** Prediction, **unverified**: follows from R6's (M+τ+1) form with τ = W − 1 and W
/// updates per unit of time, \f$\frac{W(M+1)}{M+W}\f$. (The spec's table leaves R8 unmarked; it inherits
/// R6's unverified form.)
/// **References.** [1] sgdcheck spec papers/stich2021_critical.md §4 R8; [2] arXiv:2103.02351.
double stich_async_speedup(const StichAsyncSpeedupParams& p);
std::optional<std::string> hypotheses_violated(const StichAsyncSpeedupParams& p);

/// G: the learning-rate guideline.
struct StichStepGuidelineParams {
  double L = NAN;        ///< smoothness, > 0
  double M = NAN;        ///< critical parameter, >= 0
  double theta_b = 1.0;  ///< θ_b ∈ [0, 1]
  std::int64_t tau = 0;  ///< delay τ >= 0
  double c = 1.0;        ///< constant, > 0 (spec: [½, 1]; O3 makes c = 1 exact at τ = 0)
  static const BoundInfo& info();
};

/// \brief Step-size guideline \f$\gamma(b,\tau) = c/(L(\theta_b M + \tau + 1))\f$ (spec G).
/// **Setting.** (M, σ²)-noise, batch factor θ_b, delay τ.
/// **Algorithm.** Mini-batch / delayed SGD with this constant step.
/// **Guarantee.** Prediction, derived: linear in b up to b ≈ M then flat; unchanged while τ ≲ M, then
/// ∝ 1/τ. With c = 1 and τ = 0 it is the exact optimal step of the isotropic oracle O3 (checked); the τ
/// dependence follows R6 (unverified).
/// **References.** [1] sgdcheck spec papers/stich2021_critical.md §4 G, O3; [2] arXiv:2103.02351.
double stich_step_guideline(const StichStepGuidelineParams& p);
std::optional<std::string> hypotheses_violated(const StichStepGuidelineParams& p);

}  // namespace sgdcheck::bounds
