#pragma once
/// \file Logistic loss with the nonconvex regulariser λ Σ_j x_j²/(1 + x_j²).
#include <string>

#include "problems/dataset.hpp"
#include "problems/initial_point.hpp"
#include "problems/problem.hpp"

namespace sgdcheck::problems {

/// f(x) = (1/n)Σ log(1 + exp(−y_i a_iᵀx)) + λ Σ_j x_j²/(1 + x_j²), y_i ∈ {−1, +1}; f_i carries the
/// whole regulariser, so f = (1/n)Σ f_i. A standard smooth nonconvex benchmark (e.g. Wang et al. 2019).
///
/// **Smoothness.** The regulariser's Hessian is diagonal with entries λ(2 − 6x_j²)/(1 + x_j²)³ ∈
/// [−λ/2, 2λ], and the loss Hessian is ⪯ (1/4)AᵀA/n, so L ≤ (1/4)λ_max(AᵀA/n) + 2λ (reported,
/// exact_L = false). convexity = nonconvex, μ = 0.
/// **Ground truth.** A stationary point "f_low", not a global minimum: modified Newton (Hessian
/// shifted to positive definite, Armijo steps) started at initial_point(), run to ‖∇f‖ ≤ 1e-12; the
/// constants' ground_truth text records the achieved norm. σ² and the M estimate are taken there.
/// The init center is 0 (x* is not known before the solve): x₀ = radius·u for init.kind = gaussian.
class NonconvexLogistic final : public Problem {
 public:
  NonconvexLogistic(Dataset data, double lambda, const InitOptions& init, int probes = 40);

  std::string family() const override { return "nonconvex_logistic"; }
  Index dim() const override { return data_.cols(); }
  Index n() const override { return data_.rows(); }
  double value(const Vec& x) const override;
  void gradient(const Vec& x, Vec& g) const override;
  void sample_gradient(Index i, const Vec& x, Vec& g) const override;
  void batch_gradient(std::span<const Index> idx, const Vec& x, Vec& g) const override;
  Vec initial_point() const override { return x0_; }
  std::string describe() const override;

  Mat hessian(const Vec& x) const;
  double lambda() const { return lambda_; }

 private:
  /// g += ∇R(x) = λ·2x_j/(1 + x_j²)² (no allocation).
  void add_regulariser_gradient(const Vec& x, Vec& g) const;
  Dataset data_;  // labels already ±1
  double lambda_;
  Vec x0_;
};

}  // namespace sgdcheck::problems
