#pragma once
/// \file Streaming nonconvex cosine toy of the Lau et al. 2024 experiments (sgdcheck spec
/// `papers/lau2024_adaptive_batch.md` §5, problem (3)).
#include <string>

#include "problems/initial_point.hpp"
#include "problems/problem.hpp"
#include "problems/registry.hpp"

namespace sgdcheck::problems {

/// F(x) = Σ_j ½x_j² + c·cos(ω x_j) with ∇F(x)_j = x_j − cω·sin(ω x_j). One stochastic (per-sample)
/// gradient is ∇F(x) + ξ, ξ ~ N(0, v(x)/d · I_d), v(x) = σ0² + σ1²‖∇F(x)‖², drawn fresh on every call
/// (n() == 0), so the gradient covariance is known exactly: E‖g_1 − ∇F(x)‖² = v(x).
///
/// **Constants.** The Hessian is diag(1 − cω² cos(ω x_j)), so L = 1 + cω² exactly (attained where cos(ω x_j) = −1);
/// F is nonconvex when cω² > 1. F ≥ Σ_j(½x_j² − c) ≥ −c·d is the analytic lower bound; F* has no
/// closed form, but F is separable, so x* = (t*, …, t*) and F* = d·min_t(½t² + c·cos ωt) are found
/// numerically (grid over all stationary points |t| <= cω, then Newton) and labelled so in
/// ground_truth; experiments report grad2 / avg_grad2 (the nonconvex measures). sigma2 = σ0² + σ1²·0 = σ0² is the
/// per-sample noise at any stationary point (exact); M_grad is left unset (the noise is relative to
/// ‖∇F‖², not to the critical-parameter form).
class CosineToy final : public Problem {
 public:
  /// d >= 1, c >= 0, omega >= 0, sigma0, sigma1 >= 0.
  CosineToy(Index d, double c, double omega, double sigma0, double sigma1, const InitOptions& init);

  std::string family() const override { return "cosine_toy"; }
  Index dim() const override { return d_; }
  Index n() const override { return 0; }
  double value(const Vec& x) const override;
  void gradient(const Vec& x, Vec& g) const override;
  /// Mean of b per-sample gradients (b·d normal draws, the draws of draw_step_with_sample_gradients).
  void stochastic_gradient(const Vec& x, Index b, Sampling s, Rng& rng, Workspace& ws, Vec& g) const override;
  void draw_step_with_sample_gradients(const Vec& x, Index b, Sampling s, Rng& rng, Workspace& ws,
                                       RowMat& grads) const override;
  double exact_gradient_variance(const Vec& x) const override { return noise_variance(x); }
  Vec initial_point() const override { return x0_; }
  std::string describe() const override;

  /// v(x) = σ0² + σ1²‖∇F(x)‖² = E‖g_1 − ∇F(x)‖² (computed without allocating).
  double noise_variance(const Vec& x) const;
  /// The lower bound −c·d of F.
  double f_lower_bound() const { return -c_ * static_cast<double>(d_); }

 private:
  Index d_;
  double c_, omega_, sigma0_, sigma1_;
  Vec x0_;
};

/// Schema and factory of `family: cosine_toy` (one entry of problem_families()).
ProblemFamily cosine_toy_family();

}  // namespace sgdcheck::problems
