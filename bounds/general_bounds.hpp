#pragma once
/// \file General constant-step upper bounds for delayed SGD (D1–D3) and local SGD on identical data
/// (L1–L3), with explicit constants, exact step conditions and the largest admissible step by
/// bisection (sgdcheck spec `papers/general_bounds.md`). Every bound is our own algebra (label
/// derived), following the technique named in its comment; none is a paper's theorem.
///
/// Noise constants (spec §0):
/// - convex cases (NC): \f$\mathbb{E}\|g_b(x)-\nabla f(x)\|^2 \le 2A\,(f(x)-f^\star) + C\f$ with either
///   (i) \f$A = 2L_{\max}/b,\ C = 2\sigma^2/b\f$ (each f_i convex, L_max-smooth, σ² = E‖∇f_i(x*)‖²) or
///   (ii) \f$A = LM/b,\ C = \sigma_M^2/b\f$ from a *valid* (M, σ_M²) pair (see noise_model.hpp);
/// - nonconvex (NM): \f$\mathbb{E}\|g_b(x)-\nabla f(x)\|^2 \le m\|\nabla f(x)\|^2 + s_2\f$ with
///   \f$m = M/b,\ s_2 = \sigma_M^2/b\f$.
///
/// Conventions: t = completed steps, x_s = x_0 for s < 0, constant step γ, bounds hold for every
/// t >= 0 (averages for every T >= 1). Every exact step condition is monotone in γ: it holds on
/// (0, γ_max] and fails above.
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "bounds/bound.hpp"

namespace sgdcheck::bounds {

// ---------------------------------------------------------------------------------------------
// Noise constants

/// (A, C) of the convex noise inequality (NC) for a batch of b samples.
struct ConvexNoise {
  double A = 0.0;  ///< coefficient of 2(f(x) − f*)
  double C = 0.0;  ///< additive part
};
/// (i): A = 2 L_max / b, C = 2 σ² / b (σ² = E‖∇f_i(x*)‖², the noise at the minimiser).
ConvexNoise convex_noise_from_smoothness(double Lmax, double sigma2, double b);
/// (ii): A = L M / b, C = σ_M² / b, for a pair (M, σ_M²) that satisfies (NM) at every x.
ConvexNoise convex_noise_from_m(double L, double M, double sigmaM2, double b);

/// (m, s2) of the nonconvex noise inequality (NM) for a batch of b samples: m = M/b, s2 = σ_M²/b.
struct NonconvexNoise {
  double m = 0.0;
  double s2 = 0.0;
};
NonconvexNoise nonconvex_noise(double M, double sigmaM2, double b);

/// Largest γ in (0, ∞) with admissible(γ) true, for a predicate that holds on (0, γ_max] and fails
/// above: doubling from `start` (which need not be admissible) then bisection to relative 1e-14.
/// Returns 0 if no γ >= 1e-300 is admissible.
double largest_admissible_step(const std::function<bool(double)>& admissible, double start);

// ---------------------------------------------------------------------------------------------
// Delayed SGD: x_{t+1} = x_t − γ g_b(x_{t−τ_t}), 0 <= τ_t <= τ (fixed or random, independent of
// the samples), fresh batch each step.

/// D1 / D2 inputs (convex noise (NC)).
struct DelayedSgdParams {
  double L = NAN;      ///< smoothness of f, > 0
  double mu = 0.0;     ///< strong convexity (D1: > 0; D2 uses 0 whatever is set here)
  ConvexNoise noise;   ///< (A, C) of the batch gradient
  std::int64_t tau = 0;  ///< maximal delay, >= 0
  double gamma = NAN;  ///< constant step, > 0
  double r0 = NAN;     ///< ‖x_0 − x*‖² >= 0
};

/// S1 `2γ(L+A) <= 1/4` and S2 `4γ²(2L+μ)(Lτ+A)τ(1−γμ/2)^(−τ) <= 1/4` (μ as given; D2 passes μ = 0).
/// The first violated one with numbers, or nullopt.
std::optional<std::string> delayed_convex_step_violated(double L, double mu, double A, std::int64_t tau,
                                                        double gamma);
/// Closed-form sufficient step 1/(10(L+A)(τ+1)).
double delayed_convex_step_sufficient(double L, double A, std::int64_t tau);
/// Largest γ meeting S1 and S2 (bisection).
double delayed_convex_step_max(double L, double mu, double A, std::int64_t tau);

/// \brief D1: \f$\mathbb{E}\|x_t-x^\star\|^2 \le q^t r_0 + (1-q^t)\frac{2\gamma C}{\mu}(1+2\gamma(2L+\mu)\tau)\f$,
/// q = 1 − γμ/2, for an L-smooth μ-strongly convex f under (NC) with S1, S2.
/// Derived; technique of Mania et al. 2017 (perturbed iterates) and Stich & Karimireddy 2020.
double delayed_sc_dist2_bound(const DelayedSgdParams& p, std::int64_t t);
/// Hypotheses of D1 (μ > 0, finite inputs, S1, S2), or nullopt.
std::optional<std::string> delayed_sc_violated(const DelayedSgdParams& p);

/// \brief D2: \f$\frac1T\sum_{t<T}\mathbb{E}f(x_{t-\tau_t}) - f^\star \le \frac{2r_0}{\gamma T} + 2\gamma C(1+4\gamma L\tau)\f$,
/// T >= 1, convex f under (NC) with S1, S2 at μ = 0. Derived; technique as D1.
double delayed_convex_avg_subopt_bound(const DelayedSgdParams& p, std::int64_t T);
/// Hypotheses of D2 (finite inputs, S1, S2 with μ = 0), or nullopt.
std::optional<std::string> delayed_convex_violated(const DelayedSgdParams& p);

/// D3 inputs (nonconvex noise (NM)).
struct DelayedNonconvexParams {
  double L = NAN;         ///< smoothness, > 0
  NonconvexNoise noise;   ///< (m, s2) of the batch gradient
  std::int64_t tau = 0;   ///< maximal delay
  double gamma = NAN;     ///< constant step
  double F0 = NAN;        ///< f(x_0) − f_inf >= 0
};

/// Exact condition `Lγ(1+m) + 2γ²L²τ(τ+m) <= 1`, or nullopt.
std::optional<std::string> delayed_nonconvex_step_violated(double L, double m, std::int64_t tau, double gamma);
/// Sufficient step 1/(2L(1+m)(τ+1)).
double delayed_nonconvex_step_sufficient(double L, double m, std::int64_t tau);
double delayed_nonconvex_step_max(double L, double m, std::int64_t tau);

/// \brief D3: \f$\frac1T\sum_{t<T}\mathbb{E}\|\nabla f(x_t)\|^2 \le \frac{2F_0}{\gamma T} + \gamma L s_2(1+2\gamma L\tau)\f$.
/// Derived; technique of Mania et al. 2017, Stich & Karimireddy 2020, Lian et al. 2015.
double delayed_nonconvex_avg_grad2_bound(const DelayedNonconvexParams& p, std::int64_t T);
std::optional<std::string> delayed_nonconvex_violated(const DelayedNonconvexParams& p);

// ---------------------------------------------------------------------------------------------
// Local SGD, P workers on identical data, any synchronisation schedule with gaps <= H
// (periodic: every H steps); xbar_t the average of the workers.

/// L1 / L2 inputs (convex noise (NC)).
struct LocalSgdParams {
  double L = NAN;
  double mu = 0.0;       ///< L1: > 0; L2 uses 0
  ConvexNoise noise;
  std::int64_t P = 1;    ///< workers, >= 1
  std::int64_t H = 1;    ///< maximal synchronisation gap, >= 1
  double gamma = NAN;
  double r0 = NAN;
};

/// L-S1 `2γ(L+A/P) <= 1/4`, L-S2 `8γ²L(L(H−1)+(1−1/P)A)(H−1)(1−γμ)^(−(H−1)) <= 1/4`, or nullopt.
std::optional<std::string> local_convex_step_violated(double L, double mu, double A, std::int64_t P,
                                                      std::int64_t H, double gamma);
/// Sufficient step 1/(8(L+A)H).
double local_convex_step_sufficient(double L, double A, std::int64_t H);
double local_convex_step_max(double L, double mu, double A, std::int64_t P, std::int64_t H);

/// \brief L1: \f$\mathbb{E}\|\bar x_t-x^\star\|^2 \le q^t r_0 + (1-q^t)\frac{\gamma C}{\mu}\big(\frac1P + 4\gamma L(1-\frac1P)(H-1)\big)\f$,
/// q = 1 − γμ. Derived; technique of Stich 2019 and Khaled, Mishchenko & Richtárik 2020.
double local_sc_dist2_bound(const LocalSgdParams& p, std::int64_t t);
std::optional<std::string> local_sc_violated(const LocalSgdParams& p);

/// \brief L2: \f$\frac1T\sum_{t<T}\frac1P\sum_p \mathbb{E}f(x^p_t) - f^\star \le \frac{2r_0}{\gamma T} + 2\gamma C\big(\frac1P + 4\gamma L(1-\frac1P)(H-1)\big)\f$
/// (also bounds the running mean of f(xbar_t) − f*). Derived; technique as L1.
double local_convex_avg_subopt_bound(const LocalSgdParams& p, std::int64_t T);
std::optional<std::string> local_convex_violated(const LocalSgdParams& p);

/// L3 inputs (nonconvex noise (NM)).
struct LocalNonconvexParams {
  double L = NAN;
  NonconvexNoise noise;
  std::int64_t P = 1;
  std::int64_t H = 1;
  double gamma = NAN;
  double F0 = NAN;
};

/// N1 `Lγ <= 1`, N3 `2Lγm/P + (1+2Lγm/P)·4γ²L²(H−1)β <= 1/2`, β = 2(H−1) + 2(1−1/P)m; or nullopt.
std::optional<std::string> local_nonconvex_step_violated(double L, double m, std::int64_t P, std::int64_t H,
                                                         double gamma);
/// Sufficient step 1/(4LH(1+m)).
double local_nonconvex_step_sufficient(double L, double m, std::int64_t H);
double local_nonconvex_step_max(double L, double m, std::int64_t P, std::int64_t H);

/// \brief L3: \f$\frac1T\sum_{t<T}\mathbb{E}\|\nabla f(\bar x_t)\|^2 \le \frac{4F_0}{\gamma T} + \frac{2L\gamma s_2}{P} + 8\gamma^3L^2(1+\frac{2L\gamma m}{P})(H-1)(1-\frac1P)s_2\f$.
/// Derived; technique of Stich 2019, Khaled et al. 2020, Koloskova et al. 2020.
double local_nonconvex_avg_grad2_bound(const LocalNonconvexParams& p, std::int64_t T);
std::optional<std::string> local_nonconvex_violated(const LocalNonconvexParams& p);

// ---------------------------------------------------------------------------------------------
// Metadata

enum class GeneralBound {
  kDelayedStronglyConvex,  ///< D1, dist2
  kDelayedConvex,          ///< D2, running mean of f(x_{t−τ_t}) − f*
  kDelayedNonconvex,       ///< D3, running mean of ‖∇f(x_t)‖²
  kLocalStronglyConvex,    ///< L1, dist2 of xbar
  kLocalConvex,            ///< L2, running mean of f − f*
  kLocalNonconvex,         ///< L3, running mean of ‖∇f(xbar_t)‖²
};
/// id, title, reference ("derived; technique of …"), label kDerived, guarantee kUpper, metric.
const BoundInfo& general_bound_info(GeneralBound which);

}  // namespace sgdcheck::bounds
