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
///
/// **Label flips** (`label_flip` p ∈ [0, 0.5), Lau et al. 2024 experiments): each drawn label is
/// replaced by 1 − y with probability p, so P(y = 1 | x) = q(u) = p + (1 − 2p)σ(u), u = ⟨w*, x⟩. f, ∇f and
/// every constant then refer to this flipped distribution: the model is misspecified, the minimiser
/// is x* = t·w* with t ∈ (0, 1] the root of E[(σ(t u) − q(u)) z1] = 0 (Newton on the same quadrature),
/// σ² = E[(σ(v)² − 2σ(v)q(u) + q(u))‖x‖²] at v = ⟨x*, x⟩ and μ = λ_min of the Hessian at x* (both by
/// quadrature, so σ² stays exact); L = 1/4 and grad_variance_max = d are unchanged bounds. p = 0 gives
/// exactly the unflipped draws and constants.
class RandomDesignLogistic final : public Problem {
 public:
  /// w_star of size d >= 1; init: x0 = w* + radius·(random unit) or zeros.
  /// label_flip p ∈ [0, 0.5); x0 is placed around x* (= w* when p = 0).
  RandomDesignLogistic(Vec w_star, const InitOptions& init, double label_flip = 0.0);

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
  /// The teacher only while the model is well specified (label_flip = 0).
  const Vec* logistic_teacher() const override { return label_flip_ > 0.0 ? nullptr : &w_star_; }
  /// Draws the label of a sample a: y ~ Bernoulli(σ(⟨w*, a⟩)), then flipped with probability
  /// label_flip (one extra draw only when label_flip > 0); `flipped` says whether it was.
  double draw_label(Rng& rng, const Vec& a, bool& flipped) const;
  double label_flip() const { return label_flip_; }

  const Vec& w_star() const { return w_star_; }
  /// Eigenvalues of H* (along w*, and across it with multiplicity d − 1), by the same quadrature.
  double hessian_along() const { return h_along_; }
  double hessian_across() const { return h_across_; }

 private:
  Vec w_star_;
  Vec x0_;
  double label_flip_ = 0.0;
  double h_along_ = 0.0, h_across_ = 0.0;
  std::vector<double> nodes_, weights_;  ///< Gauss–Hermite rule for E over N(0, 1)
};

/// Schema and factory of `family: random_design_logistic` (one entry of problem_families()).
ProblemFamily random_design_logistic_family();

}  // namespace sgdcheck::problems
