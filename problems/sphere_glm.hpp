#pragma once
/// \file The three stability test problems of Regatti et al. (2019) checks (spec
/// regatti2019_async_generalization.md §6): features x uniform on the unit sphere (X = ‖x‖ = 1),
/// labels y = sign(⟨w*, x⟩) flipped with probability `label_noise`, w* uniform on the sphere, x₀ = 0.
///
///  - sphere_logistic           f(w; z) = log(1 + e^{−y⟨w,x⟩}):            convex, L = X, β = X²/4
///  - ridge_logistic_projected  + (λ/2)‖w‖², iterates projected on ‖w‖ ≤ X/λ: L = 2X, β = X²/4 + λ, γ = λ
///  - sigmoid_loss              f(w; z) = σ(−y⟨w,x⟩) ∈ [0, 1]:              nonconvex, L = X/4, β = X²√3/18
///
/// (L and β are sup over w of |ℓ′|·X and |ℓ″|·X²; for the ridge problem on the ball ‖w‖ ≤ X/λ, which
/// contains the minimiser, ‖∇f‖ ≤ X + λ·X/λ. Derived, spec §6.)
///
/// The Problem interface is the finite sum over one reference draw of n samples (seed `seed`); the
/// stability runner draws its own data sets from the same distribution through stability_model().
#include <string>

#include "problems/problem.hpp"
#include "problems/registry.hpp"
#include "problems/stability_model.hpp"

namespace sgdcheck::problems {

enum class SphereLoss { kLogistic, kRidgeLogistic, kSigmoid };

class SphereGlm final : public Problem, public StabilityModel {
 public:
  /// d >= 1, n >= 2, label_noise in [0, 1/2], lambda > 0 for kRidgeLogistic.
  SphereGlm(SphereLoss loss, Index d, Index n, double label_noise, double lambda, std::uint64_t seed);

  std::string family() const override;
  Index dim() const override { return d_; }
  Index n() const override { return n_; }
  double value(const Vec& w) const override;
  void gradient(const Vec& w, Vec& g) const override;
  void sample_gradient(Index i, const Vec& w, Vec& g) const override;
  Vec initial_point() const override { return Vec::Zero(d_); }
  std::string describe() const override;
  const StabilityModel* stability_model() const override { return this; }

  Index train_size() const override { return n_; }
  double draw(Rng& rng, Eigen::Ref<Vec> x) const override;
  double loss(double margin_wx, double y, double w_norm2) const override;
  double coefficient(double margin_wx, double y) const override;
  double ridge() const override { return loss_ == SphereLoss::kRidgeLogistic ? lambda_ : 0.0; }
  double radius() const override;
  double L() const override;
  double beta() const override;
  double gamma() const override { return ridge(); }
  double sup_f() const override;
  bool convex() const override { return loss_ != SphereLoss::kSigmoid; }
  const Vec& w_star() const { return w_star_; }

 private:
  SphereLoss loss_;
  Index d_, n_;
  double label_noise_, lambda_;
  Vec w_star_;
  RowMat X_;  ///< the reference draw (n × d)
  Vec y_;
};

/// Schemas and factories of sphere_logistic, ridge_logistic_projected, sigmoid_loss.
std::vector<ProblemFamily> sphere_glm_families();

}  // namespace sgdcheck::problems
