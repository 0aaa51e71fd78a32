#pragma once
/// \file Coupled delayed SGD for algorithmic stability (Regatti et al. 2019 checks, spec §2–§3).
///
/// One run (one pipeline repetition) is one *draw*: a training set S of n samples, an index j and
/// a fresh sample z′_j (S′ = S with z_j replaced), and a test set, all from the problem's
/// StabilityModel. On that draw it runs `seeds_per_draw` coupled pairs: the runs on S and S′ share
/// x₀ = 0, the index stream, the delay schedule and the summation order; only z_j differs.
///
///     x_{t+1} = Π(x_t − α_t g_t),  g_t = (1/K) Σ_k (1/b) Σ_{i∈B_{t,k}} ∇f(x_{t−τ_{t,k}}; z_i),  τ_{t,k} ≤ min(t, τ)
///
/// (Π: projection on the problem's ball, identity when it has none; α_t from the lr policy with
/// τ_t = max_k τ_{t,k}). Metrics at every recorded t, means over the draw's seeds (so the pipeline's
/// SE over repetitions is the SE over draws):
///   delta       E‖x_t − x′_t‖
///   eps_avg     E mean_z |f(x_t; z) − f(x′_t; z)| over the test points
///   eps_sup     max_z |E (f(x_t; z) − f(x′_t; z))| (biased upward with many z)
///   gap         E [test loss(x_t) − training loss on S(x_t)]
///   train_loss, test_loss, step (mean effective α_t of the update), delay_mean (mean τ_t so far)
///   lip_excess  max over seeds and z of |f(x_t; z) − f(x′_t; z)| − L·δ_t (≤ 0 up to rounding: C2)
/// Per-run scalars: c1_pre_j_diff (largest ‖x_s − x′_s‖ over the iterates before the first batch
/// containing j: exactly 0 under a correct coupling), first_j_update (mean over seeds), and at
/// τ = 0, K = 1: c1_sgd_mismatch, the number of updates at which x_t differs in any bit from a plain
/// SGD loop on the same indices (0 expected).
#include <memory>

#include "runners/runner.hpp"
#include "runners/stability_lr.hpp"

namespace sgdcheck::runners {

class CoupledSgd final : public Runner {
 public:
  struct Options {
    std::int64_t grads_per_update = 1;  ///< K
    std::int64_t seeds_per_draw = 20;   ///< R
    std::int64_t test_samples = 2000;   ///< m_test
    LrPolicy policy = LrPolicy::kConstant;
    double alpha0_beta = 1.0;
    double c = 1.0;
  };
  CoupledSgd(RunSpec spec, Options options);
  RunResult run_with(const problems::Problem& problem,
                     const RunKey& key,
                     const std::vector<std::int64_t>& record_iters,
                     StepObserver* observer) const override;
  std::int64_t max_iterations() const override { return spec_.iterations; }
  /// alpha (first step), alpha0, batch, tau, K, seeds_per_draw, test_samples.
  std::vector<std::pair<std::string, double>> derived_constants() const override;
  const RunSpec& spec() const override { return spec_; }
  const Options& options() const { return options_; }

  static RunnerKind kind();

 private:
  RunSpec spec_;
  Options options_;
};

}  // namespace sgdcheck::runners
