#pragma once
/// \file Constant-step mini-batch SGD bounds under (M, σ²)-noise: strongly convex (R1), realizable
/// least squares (R1′), convex (R3) and non-convex (R4), each for a given step and, for R3/R4, at the
/// spec's tuned step. Rows R1–R4 of `papers/stich2021_critical.md` §4, with M/b generalised to θ_b·M
/// (θ_b = 1/b recovers the spec's formulas). Every constant here is our algebra (label derived); the
/// working is in the comments of minibatch_sgd_bound.cpp.
///
/// All bounds take the **single-sample** noise model and the batch factor θ_b as plain numbers
/// (1/b with replacement or streaming, (n−b)/(b(n−1)) without; 0 = full gradient); a b-sample mean
/// then has noise (θ_b·M, θ_b·σ²). A batch gradient is the mean over the batch.
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bounds/bound.hpp"
#include "bounds/noise_model.hpp"

namespace sgdcheck::bounds {

/// R1: L-smooth, μ-strongly convex f, constant step γ.
struct SgdStronglyConvexParams {
  double L = NAN;        ///< smoothness, > 0
  double mu = NAN;       ///< strong convexity, 0 < μ <= L
  NoiseModel noise;      ///< single-sample (M, σ²), either form
  double theta_b = 1.0;  ///< batch variance factor θ_b ∈ [0, 1]
  double step = NAN;     ///< γ, 0 < γ <= 1/(2L(1+θ_b M))
  double r0 = NAN;       ///< ‖x_0 − x*‖² >= 0
  static const BoundInfo& info();
};

/// \brief Upper bound on \f$\mathbb{E}\|x_t - x^\star\|^2\f$ for constant-step mini-batch SGD on a
/// strongly convex function (spec R1).
/// **Setting.** f L-smooth and μ-strongly convex with minimiser x*; unbiased single-sample gradients
/// with (M, σ²)-noise in either form (NoiseModel); batch factor θ_b.
/// **Algorithm.** \f$x_{t+1} = x_t - \gamma g_t\f$, g_t the mean of a batch, constant
/// \f$\gamma \le 1/(2L(1+\theta_b M))\f$.
/// **Guarantee.** Upper, derived (spec: checked by simulation, incl. σ > 0 with (2M_grad, 2σ*²)):
/// \f[ \mathbb{E}\|x_t-x^\star\|^2 \le (1-\gamma\mu)^t r_0 + \frac{\gamma\theta_b\sigma^2}{\mu}. \f]
/// The algebra needs only \f$\gamma \le 1/(L(1+\theta_b M))\f$; the spec's condition is kept.
/// On least squares with a singular data matrix, μ is taken on range(A) and r_0 must be the squared
/// distance to x* within range(A) (the null-space part never moves).
/// **References.** [1] Stich, Mohtashami & Jaggi (2021), AISTATS, arXiv:2103.02351 (rate shape);
/// [2] sgdcheck spec papers/stich2021_critical.md §4 R1 (constants).
double sgd_strongly_convex_bound(const SgdStronglyConvexParams& p, std::int64_t t);
/// R1 at every iteration in `t` (each >= 0).
std::vector<double> sgd_strongly_convex_bound(const SgdStronglyConvexParams& p, std::span<const std::int64_t> t);
/// The first failed hypothesis with numbers, e.g. "step 0.5 > 1/(2L(1+θM)) = 0.2", or nullopt.
std::optional<std::string> hypotheses_violated(const SgdStronglyConvexParams& p);

/// R1′: realizable (σ² = 0) least squares, function-value constant M_curv.
struct SgdRealizableLsqParams {
  double L = NAN;        ///< λ_max(A), > 0
  double mu = NAN;       ///< λ_min⁺(A), 0 < μ <= L
  NoiseModel noise;      ///< σ² must be 0; M = M_curv (function-value form) or any larger valid M
  double theta_b = 1.0;  ///< θ_b ∈ [0, 1]
  double step = NAN;     ///< γ, 0 < γ <= 1/(L(1+θ_b M))
  double r0 = NAN;       ///< ‖x_0 − x*‖² >= 0 (within range(A))
  static const BoundInfo& info();
};

/// \brief Upper bound on \f$\mathbb{E}\|x_t - x^\star\|^2\f$ for mini-batch SGD on realizable least
/// squares (spec R1′).
/// **Setting.** \f$f = \frac1{2n}\sum_i (a_i^\top x - y_i)^2\f$ with \f$y_i = a_i^\top x^\star\f$
/// (σ = 0); \f$\mathbb{E}\|g\|^2 \le 2L(M+1)(f-f^\star)\f$ (function-value form; M_grad is also
/// valid since M_curv <= M_grad). The algebra holds for any L-smooth, μ-strongly convex f with
/// function-value noise and σ = 0.
/// **Algorithm.** Constant-step mini-batch SGD, \f$\gamma \le 1/(L(1+\theta_b M))\f$.
/// **Guarantee.** Upper, derived (spec: checked; equality on A = L·I at the largest γ):
/// \f[ \mathbb{E}\|x_t-x^\star\|^2 \le (1-\gamma\mu)^t r_0. \f]
/// **References.** [1] sgdcheck spec papers/stich2021_critical.md §3.1 (M_curv), §4 R1′;
/// [2] Stich, Mohtashami & Jaggi (2021), arXiv:2103.02351.
double sgd_realizable_lsq_bound(const SgdRealizableLsqParams& p, std::int64_t t);
std::vector<double> sgd_realizable_lsq_bound(const SgdRealizableLsqParams& p, std::span<const std::int64_t> t);
std::optional<std::string> hypotheses_violated(const SgdRealizableLsqParams& p);

/// R3 at a given step: L-smooth convex f.
struct SgdConvexParams {
  double L = NAN;        ///< smoothness, > 0
  NoiseModel noise;      ///< single-sample (M, σ²), either form
  double theta_b = 1.0;  ///< θ_b ∈ [0, 1]
  double step = NAN;     ///< γ, 0 < γ <= 1/(2L(1+θ_b M))
  double r0 = NAN;       ///< ‖x_0 − x*‖² >= 0
  static const BoundInfo& info();
};

/// \brief Upper bound on \f$\mathbb{E} f(\bar x_T) - f^\star\f$, \f$\bar x_T = \frac1T\sum_{t<T} x_t\f$,
/// for constant-step mini-batch SGD on a convex function (R3 at a given step).
/// **Setting.** f L-smooth and convex with a minimiser x*; (M, σ²)-noise in either form; θ_b.
/// **Algorithm.** \f$x_{t+1} = x_t - \gamma g_t\f$ for t = 0..T−1, \f$\gamma \le 1/(2L(1+\theta_b M))\f$;
/// output the uniform average of x_0, …, x_{T−1}.
/// **Guarantee.** Upper, derived. The algebra bounds the running mean of the sub-optimality,
/// \f[ \frac1T\sum_{t=0}^{T-1}\mathbb{E} f(x_t) - f^\star \le \frac{r_0}{\gamma T} + \gamma\theta_b\sigma^2, \f]
/// and by Jensen (f convex) the same number bounds \f$\mathbb{E} f(\bar x_T) - f^\star\f$.
/// **References.** [1] sgdcheck spec papers/stich2021_critical.md §4 R3 (tuned form);
/// [2] Stich, Mohtashami & Jaggi (2021), arXiv:2103.02351.
double sgd_convex_bound(const SgdConvexParams& p, std::int64_t T);
std::vector<double> sgd_convex_bound(const SgdConvexParams& p, std::span<const std::int64_t> T);
std::optional<std::string> hypotheses_violated(const SgdConvexParams& p);

/// R3 tuned for a horizon T.
struct SgdConvexTunedParams {
  double L = NAN;        ///< smoothness, > 0
  NoiseModel noise;      ///< single-sample (M, σ²), either form
  double theta_b = 1.0;  ///< θ_b ∈ [0, 1]
  double r0 = NAN;       ///< ‖x_0 − x*‖² >= 0
  std::int64_t T = 0;    ///< horizon, >= 1
  static const BoundInfo& info();
};

/// \brief Spec R3: \f$\mathbb{E} f(\bar x_T) - f^\star\f$ at the tuned step (see sgd_convex_tuned_step).
/// **Setting.** As sgd_convex_bound.
/// **Algorithm.** Constant step \f$\gamma = \min\bigl(1/(2L(1+\theta_b M)),\ \sqrt{r_0/(\theta_b\sigma^2 T)}\bigr)\f$.
/// **Guarantee.** Upper, derived (the value of sgd_convex_bound at that γ is at most this):
/// \f[ \frac{2L(1+\theta_b M)r_0}{T} + 2\sqrt{\frac{r_0\theta_b\sigma^2}{T}}. \f]
/// **References.** [1] sgdcheck spec papers/stich2021_critical.md §4 R3 (θ_b = 1/b).
double sgd_convex_tuned_bound(const SgdConvexTunedParams& p);
/// The tuned γ of R3 (the first term alone when θ_bσ²r_0 = 0).
double sgd_convex_tuned_step(const SgdConvexTunedParams& p);
std::optional<std::string> hypotheses_violated(const SgdConvexTunedParams& p);

/// R4 at a given step: L-smooth, possibly non-convex f.
struct SgdNonconvexParams {
  double L = NAN;        ///< smoothness, > 0
  NoiseModel noise;      ///< single-sample (M, σ²), gradient-norm form only
  double theta_b = 1.0;  ///< θ_b ∈ [0, 1]
  double step = NAN;     ///< γ, 0 < γ <= 1/(L(1+θ_b M))
  double F0 = NAN;       ///< f(x_0) − inf f >= 0
  static const BoundInfo& info();
};

/// \brief Upper bound on \f$\frac1T\sum_{t<T}\mathbb{E}\|\nabla f(x_t)\|^2\f$ for constant-step
/// mini-batch SGD on a smooth non-convex function (R4 at a given step).
/// **Setting.** f L-smooth, bounded below; gradient-norm (M, σ²)-noise (the function-value form
/// does not bound the gradient norm without convexity); θ_b.
/// **Algorithm.** \f$x_{t+1} = x_t - \gamma g_t\f$, \f$\gamma \le 1/(L(1+\theta_b M))\f$.
/// **Guarantee.** Upper, derived:
/// \f[ \frac1T\sum_{t=0}^{T-1}\mathbb{E}\|\nabla f(x_t)\|^2 \le \frac{2F_0}{\gamma T} + \gamma L\theta_b\sigma^2. \f]
/// **References.** [1] sgdcheck spec papers/stich2021_critical.md §4 R4 (tuned form);
/// [2] Stich, Mohtashami & Jaggi (2021), arXiv:2103.02351.
double sgd_nonconvex_bound(const SgdNonconvexParams& p, std::int64_t T);
std::vector<double> sgd_nonconvex_bound(const SgdNonconvexParams& p, std::span<const std::int64_t> T);
std::optional<std::string> hypotheses_violated(const SgdNonconvexParams& p);

/// R4 tuned for a horizon T.
struct SgdNonconvexTunedParams {
  double L = NAN;        ///< smoothness, > 0
  NoiseModel noise;      ///< single-sample (M, σ²), gradient-norm form only
  double theta_b = 1.0;  ///< θ_b ∈ [0, 1]
  double F0 = NAN;       ///< f(x_0) − inf f >= 0
  std::int64_t T = 0;    ///< horizon, >= 1
  static const BoundInfo& info();
};

/// \brief Spec R4: \f$\frac1T\sum_{t<T}\mathbb{E}\|\nabla f(x_t)\|^2\f$ at the tuned step.
/// **Setting.** As sgd_nonconvex_bound.
/// **Algorithm.** \f$\gamma = \min\bigl(1/(L(1+\theta_b M)),\ \sqrt{2F_0/(L\theta_b\sigma^2 T)}\bigr)\f$.
/// **Guarantee.** Upper, derived (the value of sgd_nonconvex_bound at that γ is at most this):
/// \f[ \frac{2L(1+\theta_b M)F_0}{T} + 2\sqrt{\frac{2LF_0\theta_b\sigma^2}{T}}. \f]
/// **References.** [1] sgdcheck spec papers/stich2021_critical.md §4 R4 (θ_b = 1/b).
double sgd_nonconvex_tuned_bound(const SgdNonconvexTunedParams& p);
double sgd_nonconvex_tuned_step(const SgdNonconvexTunedParams& p);
std::optional<std::string> hypotheses_violated(const SgdNonconvexTunedParams& p);

}  // namespace sgdcheck::bounds
