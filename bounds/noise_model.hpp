#pragma once
/// \file The (M, σ²) noise model shared by every Stich-style rate (Stich, Mohtashami & Jaggi 2021,
/// sgdcheck spec `papers/stich2021_critical.md` §2 and §6 "Which M?").
#include <string>

namespace sgdcheck::bounds {

/// Single-sample gradient noise \f$(M, \sigma^2)\f$ in one of two forms. The paper's normalisation is
/// unverified, so every rate takes the model as a plug-in parameter.
///
/// - `kGradientNorm` (spec §2): \f$\mathbb{E}\|g(x)-\nabla f(x)\|^2 \le M\|\nabla f(x)\|^2 + \sigma^2\f$
///   for all x. Smallest M on realizable least squares: `M_grad` (spec §3.1).
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

}  // namespace sgdcheck::bounds
