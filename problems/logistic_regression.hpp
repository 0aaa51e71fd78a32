#pragma once
/// \file L2-regularised logistic regression f(x) = (1/n)Σ log(1 + exp(−y_i a_iᵀx)) + (λ/2)‖x‖².
#include <string>

#include "core/errors.hpp"
#include "problems/dataset.hpp"
#include "problems/initial_point.hpp"
#include "problems/problem.hpp"

namespace sgdcheck::problems {

/// Thrown when a logistic objective has no finite minimiser the Newton solve can reach (e.g. λ = 0 on
/// linearly separable data). A ConfigError: the registry reports it against `lambda`.
class NoMinimiserError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

/// Logistic regression with labels y_i ∈ {−1, +1} (0/1 labels are mapped by logistic_labels).
/// Per-sample convention: f_i(x) = log(1 + exp(−y_i a_iᵀx)) + (λ/2)‖x‖², so f = (1/n)Σ f_i.
///
/// **Ground truth.** x* by Newton from 0 to ‖∇f‖ ≤ 1e-12 (the achieved norm is in
/// constants().ground_truth). With λ = 0 the problem is convex (not strongly); if Newton does not
/// converge, x* is huge, or the curvature along x* vanishes (separable data), construction throws
/// NoMinimiserError.
/// **Constants.** L = (1/4)λ_max(AᵀA/n) + λ (an upper bound, exact_L = false), L_max = (1/4)max‖a_i‖² + λ,
/// μ = λ (a lower bound), σ² = (1/n)Σ‖∇f_i(x*)‖², M_grad, M_curv = estimate_m() around x*: an
/// estimate and a lower bound (exact_M = false); grad_variance_max = (1/n)Σ‖a_i‖² bounds the
/// sample-gradient variance at every x (|ℓ'| ≤ 1).
class LogisticRegression final : public Problem {
 public:
  /// `probes` is the number of random directions of the M estimator.
  LogisticRegression(Dataset data, double lambda, const InitOptions& init, int probes = 40);

  std::string family() const override { return "logistic"; }
  Index dim() const override { return data_.cols(); }
  Index n() const override { return data_.rows(); }
  double value(const Vec& x) const override;
  void gradient(const Vec& x, Vec& g) const override;
  void sample_gradient(Index i, const Vec& x, Vec& g) const override;
  void batch_gradient(std::span<const Index> idx, const Vec& x, Vec& g) const override;
  Vec initial_point() const override { return x0_; }
  std::string describe() const override;
  const Dataset* dataset() const override { return &data_; }
  std::optional<double> logistic_lambda() const override { return lambda_; }

  /// ∇²f(x) = (1/n)Σ σ(m_i)(1 − σ(m_i)) a_ia_iᵀ + λI, m_i = y_i a_iᵀx.
  Mat hessian(const Vec& x) const;
  double lambda() const { return lambda_; }
  const Dataset& data() const { return data_; }

 private:
  Dataset data_;  // labels already ±1
  double lambda_;
  Vec x0_;
};

}  // namespace sgdcheck::problems
