#pragma once
/// \file The view of a problem that the stability runner (runners/coupled_sgd.hpp) needs: a data
/// distribution to draw training sets S, neighbours S' and test points from, and a per-sample
/// generalised-linear loss with known constants L, beta, gamma and sup f (Regatti et al. 2019 checks).
#include "core/rng.hpp"
#include "core/types.hpp"

namespace sgdcheck::problems {

/// A distribution of labelled samples and a per-sample loss with known constants, from which data
/// sets S and neighbours S′ are drawn (the stability runner's view of a problem).
class StabilityModel {
 public:
  virtual ~StabilityModel() = default;
  virtual Index dim() const = 0;
  /// Training set size n.
  virtual Index train_size() const = 0;
  /// Draws one sample: features into `x` (size dim()), returns the label.
  virtual double draw(Rng& rng, Eigen::Ref<Vec> x) const = 0;
  /// f(w; (x, y)) with ⟨w, x⟩ = `margin_wx` and ‖w‖² = `w_norm2` (the ridge term).
  virtual double loss(double margin_wx, double y, double w_norm2) const = 0;
  /// ∇f(w; (x, y)) = c·x + ridge()·w, with c = coefficient(⟨w, x⟩, y).
  virtual double coefficient(double margin_wx, double y) const = 0;
  virtual double ridge() const = 0;
  /// Radius of the projection ball (inf: no projection).
  virtual double radius() const = 0;
  virtual double L() const = 0;
  virtual double beta() const = 0;
  virtual double gamma() const = 0;  ///< strong convexity (0: none)
  virtual double sup_f() const = 0;  ///< sup of f over the iterates' domain (inf: unbounded)
  virtual bool convex() const = 0;
};

}  // namespace sgdcheck::problems
