#pragma once
/// \file Finite-sum least squares f(x) = (1/2n)‖Ax − y‖², f_i(x) = ½(a_iᵀx − y_i)².
#include <string>

#include "core/kernels.hpp"
#include "problems/critical.hpp"
#include "problems/dataset.hpp"
#include "problems/initial_point.hpp"
#include "problems/problem.hpp"

namespace sgdcheck::problems {

/// Least squares on dense or sparse rows. Ground truth and every constant are exact and computed once
/// at construction by least_squares_constants(): min-norm x*, f*, L = λ_max(AᵀA/n), L_max = max‖a_i‖²,
/// μ on range(A), σ² = (1/n)Σ‖∇f_i(x*)‖², M_grad and M_curv (Stich et al. 2021 §3.1). All-zero rows
/// are allowed (they contribute a zero gradient and still count in n); the constants carry a note.
/// Oracles never allocate: batch_gradient accumulates g += r_i a_i row by row, then divides by |batch|.
class LeastSquares final : public Problem {
 public:
  /// Takes the data by value; computes every constant (dense or iterative, `method`) and x₀ (init.center is x*).
  LeastSquares(Dataset data, const InitOptions& init, ConstantsMethod method = ConstantsMethod::kAuto);
  LeastSquares(const LeastSquares&) = delete;  // the view points into this object
  LeastSquares& operator=(const LeastSquares&) = delete;

  std::string family() const override { return "least_squares"; }
  Index dim() const override { return data_.cols(); }
  Index n() const override { return data_.rows(); }
  double value(const Vec& x) const override;
  void gradient(const Vec& x, Vec& g) const override;
  /// One pass over the rows: each residual feeds both the sum of squares and g (same doubles as
  /// value and gradient).
  double value_and_gradient(const Vec& x, Vec& g) const override;
  void sample_gradient(Index i, const Vec& x, Vec& g) const override;
  void batch_gradient(std::span<const Index> idx, const Vec& x, Vec& g) const override;
  /// Keeps the b residuals a_iᵀat − y_i; apply_step then adds −γ r_i/b · a_i row by row.
  void draw_step(const Vec& at, Index b, Sampling s, Rng& rng, Workspace& ws) const override;
  void apply_step(double gamma, const Workspace& ws, Vec& x) const override;
  /// draw_step then apply_step, called directly (no virtual dispatch between the two phases).
  void sgd_step(double gamma, Vec& x, Index b, Sampling s, Rng& rng, Workspace& ws) const override;
  Vec initial_point() const override { return x0_; }
  const FiniteLeastSquaresView* finite_least_squares() const override { return &view_; }
  const Dataset* dataset() const override { return &data_; }
  const LeastSquaresConstants* least_squares_details() const override { return &details_; }
  std::string describe() const override;

  /// Which build of the two step phases draw_step and apply_step and of value_and_gradient run (dense
  /// rows): AVX2 (the default where the CPU has it) or baseline x86-64. Their results are bit-identical;
  /// the switch exists so that tests and the step benchmark can compare them.
  void use_avx2(bool on);

  const Dataset& data() const { return data_; }
  /// The full constant set (includes rank, Δ and the worst-case direction).
  const LeastSquaresConstants& details() const { return details_; }

 private:
  Dataset data_;
  LeastSquaresConstants details_;
  FiniteLeastSquaresView view_;
  Vec x0_;
  bool avx2_ = kernels::cpu_has_avx2();
};

}  // namespace sgdcheck::problems
