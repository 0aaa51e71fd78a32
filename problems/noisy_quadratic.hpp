#pragma once
/// \file NoisyQuadratic (Dutta et al. 2018 spec §4 "Exact oracle"): F(w) = ½Σλ_i(w_i − w*_i)² with
/// additive gradient noise: a mini-batch gradient of m samples is ∇F(w) + N(0, σ²/(d·m)·I), so
/// E‖g − ∇F‖² = σ²/m exactly (M_G = 0) and the error of fresh-gradient SGD has a closed form.
#include <string>

#include "problems/problem.hpp"
#include "problems/registry.hpp"

namespace sgdcheck::problems {

/// What the exact oracle needs: the curvatures λ_i, w*, x₀ and σ².
struct NoisyQuadraticView {
  Vec lambda;
  Vec w_star;
  Vec x0;
  double sigma2 = 0.0;  ///< per-sample gradient noise σ² (a batch of m has σ²/m)
};

class NoisyQuadratic final : public Problem {
 public:
  /// λ_i > 0, σ² >= 0, w* and x₀ of size d.
  NoisyQuadratic(Vec lambda, Vec w_star, Vec x0, double sigma2);

  std::string family() const override { return "noisy_quadratic"; }
  Index dim() const override { return view_.lambda.size(); }
  Index n() const override { return 0; }
  double value(const Vec& x) const override;
  void gradient(const Vec& x, Vec& g) const override;
  /// ∇F(x) + sqrt(σ²/(d b))·z, z standard normal from `rng` (d draws).
  void stochastic_gradient(const Vec& x, Index b, Sampling s, Rng& rng, Workspace& ws, Vec& g) const override;
  Vec initial_point() const override { return view_.x0; }
  const NoisyQuadraticView* noisy_quadratic() const override { return &view_; }
  std::string describe() const override;

 private:
  NoisyQuadraticView view_;
};

/// The `noisy_quadratic` family (schema and factory) for problems/registry.cpp.
ProblemFamily noisy_quadratic_family();

}  // namespace sgdcheck::problems
