#pragma once
/// \file Streaming well-specified logistic regression with a Gaussian design (population objective,
/// n() == 0): the non-quadratic testbed of Patel & Dieuleveut 2019 (sgdcheck spec
/// `papers/patel2019_localsgd.md` §5 E5).
#include <string>
#include <vector>

#include "problems/initial_point.hpp"
#include "problems/problem.hpp"
#include "problems/registry.hpp"

namespace sgdcheck::problems {

/// Samples x ~ N(0, I_d) and a label y ∈ {0, 1} with P(y = 1 | x) = σ(⟨w*, x⟩); the loss of one sample
/// is ℓ(w) = log(1 + e^{⟨w,x⟩}) − y⟨w, x⟩, with gradient (σ(⟨w,x⟩) − y)·x.
///
/// **Ground truth.** The model is well specified, so the population minimiser is x* = w* and the
/// gradient covariance at w* equals the Hessian H* = E[σ′(⟨w*,x⟩)xxᵀ] (σ² = tr H*). f(w), ∇f(w) and H*
/// depend on x only through the two Gaussian coordinates of x in span{w, w*}; they are computed by a
/// tensor Gauss–Hermite rule with 64 nodes per coordinate (error below 1e-12 for ‖w‖, ‖w*‖ <~ 5;
/// "quadrature", not Monte Carlo), for every d. L = 1/4 (σ′ <= 1/4: an upper bound); μ = λ_min(H*) is
/// the local strong convexity at w* only (the population loss is convex, not strongly convex).
/// grad_variance_max = d (|σ − y| <= 1 and E‖x‖² = d).
class RandomDesignLogistic final : public Problem {
 public:
  /// w_star of size d >= 1; init: x0 = w* + radius·(random unit) or zeros.
  RandomDesignLogistic(Vec w_star, const InitOptions& init);

  std::string family() const override { return "random_design_logistic"; }
  Index dim() const override { return w_star_.size(); }
  Index n() const override { return 0; }
  double value(const Vec& x) const override;
  void gradient(const Vec& x, Vec& g) const override;
  void stochastic_gradient(const Vec& x, Index b, Sampling s, Rng& rng, Workspace& ws, Vec& g) const override;
  /// The samples of stochastic_gradient (same draws), each gradient kept in a row of `grads`; ws.grad = mean.
  void draw_step_with_sample_gradients(const Vec& x, Index b, Sampling s, Rng& rng, Workspace& ws,
                                       RowMat& grads) const override;
  Vec initial_point() const override { return x0_; }
  std::string describe() const override;
  const Vec* logistic_teacher() const override { return &w_star_; }

  const Vec& w_star() const { return w_star_; }
  /// Eigenvalues of H* (along w*, and across it with multiplicity d − 1), by the same quadrature.
  double hessian_along() const { return h_along_; }
  double hessian_across() const { return h_across_; }

 private:
  Vec w_star_;
  Vec x0_;
  double h_along_ = 0.0, h_across_ = 0.0;
  std::vector<double> nodes_, weights_;  ///< Gauss–Hermite rule for E over N(0, 1)
};

/// Schema and factory of `family: random_design_logistic` (one entry of problem_families()).
ProblemFamily random_design_logistic_family();

}  // namespace sgdcheck::problems
