#pragma once
/// \file Mini-batch SGD: x_{t+1} = x_t − γ_t g_t, g_t the mean gradient over a batch of b samples
/// (or the worker's update rule applied to g_t), and the single-sequence step engine it shares with
/// delayed SGD.
#include <memory>

#include "runners/run_spec.hpp"
#include "runners/runner.hpp"
#include "runners/step_size.hpp"
#include "runners/update_rule.hpp"

namespace sgdcheck::runners {

/// Schema fields common to every runner: iterations, batch, sampling, iterate, tail_fraction,
/// divergence_factor, target.*, record.per_decade, running_metrics, update.*.
std::vector<Field> runner_common_fields();
/// Cross-checks every runner shares: batch <= n without replacement, target needs a known f*/x*.
void validate_common(const Params& p, const problems::Problem& problem);

/// One sequence x_0, x_1, … with gradients at x_{t−τ_t} (τ_t from spec.delay; all 0 without a delay
/// model), one worker, the update rule of spec.update: the run of minibatch_sgd and delayed_sgd.
/// With a delay model it records `delay_max` and `delay_mean` after `step`.
RunResult run_sequence(const problems::Problem& problem,
                       const RunSpec& spec,
                       const UpdateRule& rule,
                       const RunKey& key,
                       const std::vector<std::int64_t>& record_iters,
                       StepObserver* observer);

class MinibatchSgd final : public Runner {
 public:
  explicit MinibatchSgd(RunSpec spec);
  RunResult run_with(const problems::Problem& problem,
                     const RunKey& key,
                     const std::vector<std::int64_t>& record_iters,
                     StepObserver* observer) const override;
  std::int64_t max_iterations() const override { return spec_.iterations; }
  std::vector<std::pair<std::string, double>> derived_constants() const override;
  const RunSpec& spec() const override { return spec_; }

  static RunnerKind kind();

 private:
  RunSpec spec_;
  std::shared_ptr<const UpdateRule> rule_;
};

}  // namespace sgdcheck::runners
