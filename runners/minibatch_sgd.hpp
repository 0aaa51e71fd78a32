#pragma once
/// \file Mini-batch SGD: x_{t+1} = x_t − γ_t g_t, g_t the mean gradient over a batch of b samples.
#include "runners/runner.hpp"
#include "runners/step_size.hpp"

namespace sgdcheck::runners {

/// Which point a run reports.
enum class IterateKind {
  kLast,         ///< x_t
  kAverage,      ///< uniform average (1/(t+1)) Σ_{s=0..t} x_s (x₀ included)
  kTailAverage,  ///< average of the last ⌈tail_fraction·t⌉ iterates (restarted at recording points)
};

/// Options shared by the synchronous runners (schema in runner_common_fields()).
struct CommonRunOptions {
  std::int64_t iterations = 1000;  ///< server updates
  std::int64_t batch = 1;          ///< b
  problems::Sampling sampling = problems::Sampling::kWithReplacement;
  IterateKind iterate = IterateKind::kLast;
  double tail_fraction = 0.5;
  double divergence_factor = 1e12;
  std::string target_metric = "none";  ///< none, subopt, dist2, grad2
  double target_value = 0.0;
  std::int64_t per_decade = 10;
  bool running_metrics = false;  ///< record avg_subopt / avg_grad2 (one full gradient per step)

  static CommonRunOptions from(const Params& p);
};

/// Schema fields common to every runner: iterations, batch, sampling, iterate, tail_fraction,
/// divergence_factor, target.*, record.per_decade.
std::vector<Field> runner_common_fields();
/// Cross-checks every runner shares: batch <= n without replacement, target needs a known f*/x*.
void validate_common(const Params& p, const problems::Problem& problem);

class MinibatchSgd final : public Runner {
 public:
  /// `theta_b` is the batch variance factor of this batch size and sampling on the problem.
  MinibatchSgd(CommonRunOptions options, StepSchedule step, double theta_b);
  RunResult run(const problems::Problem& problem,
                const RunKey& key,
                const std::vector<std::int64_t>& record_iters) const override;
  std::int64_t max_iterations() const override { return options_.iterations; }
  std::vector<std::pair<std::string, double>> derived_constants() const override;

  static RunnerKind kind();

 private:
  CommonRunOptions options_;
  StepSchedule step_;
  double theta_b_;
};

}  // namespace sgdcheck::runners
