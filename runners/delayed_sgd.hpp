#pragma once
/// \file Delayed (asynchronous) mini-batch SGD: x_{t+1} = x_t − γ_t g(x_{t−τ_t}), g the mean gradient
/// over a batch of b samples drawn independently of the stale iterate, x_s = x₀ for s < 0
/// (Stich, Mohtashami & Jaggi 2021; spec papers/stich2021_critical.md §2 "Delay").
#include <memory>

#include "runners/delay_source.hpp"
#include "runners/minibatch_sgd.hpp"
#include "runners/runner.hpp"
#include "runners/step_size.hpp"

namespace sgdcheck::runners {

/// Schema fields delay.kind, delay.tau, delay.file (delayed_sgd, coupled_sgd).
std::vector<Field> delay_fields();

/// The delay model of runner params `p` (keys delay.kind, delay.tau, delay.file). A delay file is
/// resolved relative to the directory of the experiment file that named it (p.where) and loaded
/// here, so a bad file fails at plan time: "delays.txt:7: 'x' is not an integer delay ...".
std::shared_ptr<const DelaySource> make_delay_source(const Params& p);

class DelayedSgd final : public Runner {
 public:
  /// `spec.delay.source` is shared by every run of the cell (read-only).
  explicit DelayedSgd(RunSpec spec);
  /// Records the standard metrics plus `step`, `delay_max` (largest delay used so far) and
  /// `delay_mean` (mean delay of the updates so far; 0 at t = 0). With every τ_t = 0 the run is bit
  /// for bit the run of MinibatchSgd on the same key (same sampling stream, same arithmetic).
  RunResult run_with(const problems::Problem& problem,
                     const RunKey& key,
                     const std::vector<std::int64_t>& record_iters,
                     StepObserver* observer) const override;
  std::int64_t max_iterations() const override { return spec_.iterations; }
  /// gamma, theta_b, batch, tau (the maximum delay τ_max of the delay model).
  std::vector<std::pair<std::string, double>> derived_constants() const override;
  const RunSpec& spec() const override { return spec_; }
  const DelaySource& delays() const { return *spec_.delay.source; }

  static RunnerKind kind();

 private:
  RunSpec spec_;
  std::shared_ptr<const UpdateRule> rule_;
};

}  // namespace sgdcheck::runners
