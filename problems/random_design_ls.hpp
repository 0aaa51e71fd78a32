#pragma once
/// \file Streaming random-design least squares (population objective, n() == 0).
#include <array>
#include <string>
#include <utility>

#include "core/kernels.hpp"
#include "problems/initial_point.hpp"
#include "problems/problem.hpp"

namespace sgdcheck::problems {

/// Distribution of the standardised coordinates z_i (mean 0, variance 1).
enum class Design {
  kGaussian,           ///< z ~ N(0,1), kurtosis E z⁴ = 3
  kRademacher,         ///< z = ±1, kurtosis 1
  kBernoulliGaussian,  ///< z = Bernoulli(p)·N(0,1)/√p, kurtosis 3/p
};
/// "gaussian" | "rademacher" | "bernoulli_gaussian".
Design parse_design(const std::string& name);
std::string to_string(Design d);

/// Samples a = √h ⊙ z (z_i i.i.d. standardised from `design`), y = ⟨w*, a⟩ + ε, ε ~ N(0, s²);
/// f(x) = ½E(aᵀx − y)² = ½(x − w*)ᵀH(x − w*) + s²/2 with H = diag(h).
///
/// **Exact population constants** (Stich et al. 2021 §3.1 with expectations for means): x* = w*,
/// f* = s²/2, L = max h, μ = min h, σ² = s²·tr H, and with B = E‖a‖²aaᵀ = diag(h_i(tr H + (κ−1)h_i)),
/// κ = E z⁴:
/// \f[ M_{grad} + 1 = \max_i (\mathrm{tr}H/h_i + \kappa - 1),\qquad
///     M_{curv} + 1 = \max_i (\mathrm{tr}H + (\kappa-1)h_i)/L. \f]
/// Gaussian with H = I_d gives d + 1; Bernoulli(p)-Gaussian with H = pI gives d − 2 + 3/p (spec §3.2).
/// stochastic_gradient draws b fresh samples into ws.sample (no allocation) and returns their mean.
class RandomDesignLs final : public Problem {
 public:
  /// h > 0 (size d), density p ∈ (0, 1] (used by kBernoulliGaussian), noise = s ≥ 0, w_star of size d.
  RandomDesignLs(Vec h, Design design, double density, double noise, Vec w_star, const InitOptions& init);

  std::string family() const override { return "random_design_ls"; }
  Index dim() const override { return view_.h.size(); }
  Index n() const override { return 0; }
  double value(const Vec& x) const override;
  void gradient(const Vec& x, Vec& g) const override;
  void stochastic_gradient(const Vec& x, Index b, Sampling s, Rng& rng, Workspace& ws, Vec& g) const override;
  /// b = 1: keeps the sample in ws.sample and its residual r = aᵀat − y in ws.coeffs, and apply_step
  /// does x_j ← x_j − γ·(r·a_j) in one pass: the very operations of stochastic_gradient followed by
  /// the default apply_step, without the dense gradient vector and two virtual calls (bit-identical).
  /// b > 1: the default (mean gradient in ws.grad, ws.coeffs empty).
  void draw_step(const Vec& at, Index b, Sampling s, Rng& rng, Workspace& ws) const override;
  void apply_step(double gamma, const Workspace& ws, Vec& x) const override;
  /// b = 1, d <= 8: the sample, its residual and the update in one pass (draw_step + apply_step's bits).
  void sgd_step(double gamma, Vec& x, Index b, Sampling s, Rng& rng, Workspace& ws) const override;
  /// Gaussian and Rademacher designs, d <= 8: four slots with b = 1 at a time in SIMD lanes (lane_step,
  /// each lane small_step's operations and draws); the rest slot by slot.
  void sgd_steps(double gamma, Sampling s, std::span<const StepSlot> slots) const override;
  /// Gaussian and Rademacher designs, d <= 8, b = 1, P = 4, 8, 12 or 16 slots: the run's steps with
  /// the slots' iterates and streams held in SIMD lanes from its first step to its last (lane_run).
  bool local_sgd_steps(Sampling s, std::span<const StepSlot> slots, const LocalStepRun& run) const override;
  /// Which build of the lane steps (sgd_steps) and of the b = 1 step phases (draw_step, apply_step)
  /// runs: AVX2 (the default where the CPU has it) or baseline x86-64. Their results are bit-identical;
  /// the switch exists so that tests can compare them.
  void use_avx2(bool on);
  /// The samples of stochastic_gradient (same draws), each gradient kept in a row of `grads`; ws.grad = mean.
  void draw_step_with_sample_gradients(const Vec& x, Index b, Sampling s, Rng& rng, Workspace& ws,
                                       RowMat& grads) const override;
  Vec initial_point() const override { return x0_; }
  const RandomDesignView* random_design() const override { return &view_; }
  std::string describe() const override;

  /// Draws one sample a into `a` (size d) and returns its label y.
  double draw_sample(Rng& rng, Vec& a) const;

 private:
  /// draw_sample into a raw array of d doubles (inlined into its callers).
  double draw_into(Rng& rng, double* a, Index d) const;
  /// draw_step at b = 1 with the kernels of vector width W (core/kernels.hpp), and its AVX2 build.
  template <int W>
  void draw_one(const Vec& at, Rng& rng, Workspace& ws) const;
  void draw_one_avx2(const Vec& at, Rng& rng, Workspace& ws) const;
  static void sub_scaled_avx2(double gamma, double r, const double* a, double* x, Index d);
  /// sgd_step at b = 1 for d = D, the sample in a local array.
  template <int D>
  void small_step(double gamma, double* x, Rng& rng) const;
  /// small_step<D> of four iterates together, one per SIMD lane: w[j] holds their coordinate j.
  template <int D>
  void lane_update(double gamma, RngLanes& lanes, RngLanes::D* w) const;
  /// small_step<D> of slots[0..3] together, one slot per SIMD lane.
  template <int D>
  void lane_step(double gamma, const StepSlot* slots) const;
  /// local_sgd_steps for d = D: lane_update per group of four slots and step, the average and the
  /// communication copies on the lanes.
  template <int D>
  void lane_run(std::span<const StepSlot> slots, const LocalStepRun& run) const;
  template <int D>
  void lane_run_baseline(std::span<const StepSlot> slots, const LocalStepRun& run) const;
  template <int D>
  void lane_run_avx2(std::span<const StepSlot> slots, const LocalStepRun& run) const;
  using LaneRun = void (RandomDesignLs::*)(std::span<const StepSlot>, const LocalStepRun&) const;
  static constexpr std::size_t kMaxLaneGroups = 4;  ///< local_sgd_steps: at most 16 slots
  template <std::size_t... I>
  static constexpr std::array<LaneRun, sizeof...(I) + 1> lane_runs(bool avx2, std::index_sequence<I...>);
  template <int D>
  void lane_step_baseline(double gamma, const StepSlot* slots) const;
  template <int D>
  void lane_step_avx2(double gamma, const StepSlot* slots) const;
  /// The lane steps for d = 1 … sizeof...(I) at index d (index 0 unused), one build.
  using LaneStep = void (RandomDesignLs::*)(double, const StepSlot*) const;
  static constexpr Index kMaxLaneDim = 8;
  template <std::size_t... I>
  static constexpr std::array<LaneStep, sizeof...(I) + 1> lane_steps(bool avx2, std::index_sequence<I...>);
  bool avx2_ = kernels::cpu_has_avx2();
  RandomDesignView view_;
  Design design_;
  double density_;
  double noise_;  ///< s
  Vec sqrt_h_;
  double inv_sqrt_p_ = 1.0;  ///< 1/sqrt(density), once (draw_sample is the inner loop of every run)
  Vec x0_;
};

}  // namespace sgdcheck::problems
