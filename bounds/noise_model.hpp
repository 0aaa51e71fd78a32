#pragma once
/// \file The (M, σ²) noise model shared by every Stich-style rate (Stich, Mohtashami & Jaggi 2021,
/// sgdcheck spec `papers/stich2021_critical.md` §2 and §6 "Which M?").
#include <cmath>
#include <string>

namespace sgdcheck::bounds {

/// Single-sample gradient noise \f$(M, \sigma^2)\f$ in one of two forms. The paper's normalisation is
/// unverified, so every rate takes the model as a plug-in parameter.
///
/// - `kGradientNorm` (spec §2): \f$\mathbb{E}\|g(x)-\nabla f(x)\|^2 \le M\|\nabla f(x)\|^2 + \sigma^2\f$
///   for all x. Smallest M on realizable least squares: `M_grad` (spec §3.1). With σ > 0 the σ² here
///   is *not* in general the noise at x*: see NoisePair.
/// - `kFunctionValue` (spec §3.1): \f$\mathbb{E}\|g(x)\|^2 \le 2L(M+1)(f(x)-f^\star) + \sigma^2\f$.
///   Smallest M on realizable least squares: `M_curv`.
///
/// The gradient-norm form implies the function-value form with the same (M, σ²), because
/// \f$\|\nabla f\|^2 \le 2L(f - f^\star)\f$ for any L-smooth f. A mean of b samples has (θ_b·M, θ_b·σ²)
/// in either form, with θ_b = 1/b with replacement and (n−b)/(b(n−1)) without (spec §2, checked);
/// for the function-value form this again uses \f$\|\nabla f\|^2 \le 2L(f-f^\star)\f$.
struct NoiseModel {
  enum Form { kGradientNorm, kFunctionValue };
  double M = 0.0;       ///< critical noise parameter, >= 0
  double sigma2 = 0.0;  ///< additive noise σ² of one sample, >= 0 (0 for interpolating problems)
  Form form = kGradientNorm;
};

std::string to_string(NoiseModel::Form f);

/// A single-sample pair (M, σ_M²) that satisfies
/// \f[ \mathbb{E}\|g(x)-\nabla f(x)\|^2 \le M\|\nabla f(x)\|^2 + \sigma_M^2 \quad\text{for every } x \f]
/// (the nonconvex noise inequality (NM) of `papers/general_bounds.md` §0), with where it comes from.
///
/// With σ² = E‖∇f_i(x*)‖² > 0 the pair (M_grad, σ²) is in general **not** valid: on finite-sum least
/// squares Var(x) = eᵀQe + 2eᵀu + σ², e = x − x*, u = mean(A_i c_i), and the linear term 2eᵀu beats
/// M‖He‖² near x* whenever u ≠ 0. Valid choices:
/// - finite-sum least squares: (2 λ_max(H⁻¹QH⁻¹), 2σ²) = (2 M_grad, 2σ²) by Young's inequality
///   (realizable, σ = 0: (M_grad, 0), exact);
/// - random-design least squares with noise independent of the design: (M_grad, σ²) (u = 0);
/// - bounded sample-gradient variance v = sup_x E‖g − ∇f‖² (logistic losses: v = mean‖a_i‖²): (0, v).
/// M_grad and M_curv remain the saturation parameters of the Stich et al. critical batch size; this
/// pair is what a bound needing (NM) may use.
struct NoisePair {
  double M = NAN;        ///< >= 0
  double sigmaM2 = NAN;  ///< >= 0
  std::string source;    ///< how the pair was obtained, e.g. "(2 M_grad, 2 sigma2), Young's inequality; exact"
};
/// Finite-sum least squares from the exact M_grad = λ_max(H⁻¹QH⁻¹) and σ²: (M_grad, 0) if
/// realizable, else (2 M_grad, 2σ²).
NoisePair least_squares_noise_pair(double M_grad, double sigma2, bool realizable);
/// Random-design least squares with noise independent of the design: (M_grad, σ²).
NoisePair independent_noise_pair(double M_grad, double sigma2);
/// Bounded variance: (0, v), `what` says where v comes from ("mean ||a_i||^2, logistic |l'| <= 1").
NoisePair bounded_variance_noise_pair(double v, const std::string& what);

}  // namespace sgdcheck::bounds
