#pragma once
/// \file Local gradient methods with adaptive per-worker batch sizes (Lau, Li, Xu, Liu & Kolar 2024;
/// sgdcheck spec lau2024_adaptive_batch.md §3).
///
/// P workers start at x0 with batch b0 each. A round is H local steps of every worker (SGD, heavy
/// ball or AdamW, update.rule) followed by one model all-reduce x^m ← x̄; the optimizer buffers are
/// then kept, averaged or reset (update.state_at_average). Batch sizes grow by a variance test:
/// - variant fixed:        b stays b0;
/// - variant local:        each worker tests its own batch (zero extra communication);
/// - variant global:       the workers' statistics are pooled (one (d + 2)-double all-reduce per test)
///                         and the global proposal is split, ceil(prop/P) per worker;
/// - variant oracle_round: the exact norm test σ²(x̄)/(η²‖∇F(x̄)‖²) after each round;
/// - variant oracle_step:  the exact norm test at each worker's iterate before every local step (the
///                         mode the derived bounds of bounds/lau_bounds.hpp assume).
/// The sample tests (batch.test: norm, inner_product, orthogonality, augmented) run on the per-sample
/// gradients of the batch drawn at the first or last local step of a round (batch.test_step), or at
/// every step (batch.interval: step, updating b right away); interval round updates b after the
/// averaging. b_new = min(b_max, max(b, ceil(prop))) (bounds/batch_tests.hpp), then
/// batch.sync none | max | mean (ceil of the mean) across workers (one scalar all-reduce).
///
/// **Counters.** One recorded iteration is one local step t = 1..K·H; `rounds` = completed rounds,
/// `samples` = Σ of the batches actually drawn (every worker, every step). Extra metrics:
/// batch_mean / batch_min / batch_max over workers and batch_w0..batch_w7 (workers 0–7, +inf past
/// P), oracle_batch = the exact norm-test batch b*(x̄) (+inf when the problem has no exact gradient
/// covariance), bytes_model (P·d·8 per round), bytes_test (pooled statistics and batch sync),
/// wallclock (modelled: wallclock.comm per round + the slowest worker's step time, flat up to
/// wallclock.saturation samples),
/// proposal_ratio (mean over workers of the last sample proposal / the exact proposal at the same
/// iterate; +inf without an exact covariance or before the first test).
/// Per-run scalars: rounds_run, samples_run, allreduces, bytes_model, bytes_test, final_batch_mean,
/// wallclock_run.
/// The run ends after `rounds` rounds, at the first round end with samples >= sample_budget (when
/// set) or at the first round end that reaches target.metric <= target.value.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bounds/batch_tests.hpp"
#include "runners/runner.hpp"

namespace sgdcheck::runners {

enum class BatchVariant { kFixed, kLocal, kGlobal, kOracleRound, kOracleStep };
enum class TestStep { kFirst, kLast };
enum class TestInterval { kRound, kStep };
enum class BatchSync { kNone, kMax, kMean };
enum class StateAtAverage { kKeep, kAverage, kReset };
std::string to_string(BatchVariant v);

/// The batch options of adaptive_local_sgd (batch.*).
struct AdaptiveBatchSpec {
  bounds::BatchTestKind test = bounds::BatchTestKind::kNorm;
  BatchVariant variant = BatchVariant::kLocal;
  double eta = 0.5;
  std::int64_t b0 = 8;
  std::int64_t b_max = 65536;
  TestStep test_step = TestStep::kFirst;
  TestInterval interval = TestInterval::kRound;
  BatchSync sync = BatchSync::kNone;
};

/// Everything an adaptive run needs beyond RunSpec (which holds P, H via its communication set,
/// iterations = K·H, the step α, update rule, sampling, target and recording).
struct AdaptiveLocalSpec {
  RunSpec run;
  AdaptiveBatchSpec batch;
  std::int64_t local_steps = 4;  ///< H
  std::int64_t rounds = 100;     ///< K
  double sample_budget = 0;      ///< 0: none
  StateAtAverage state = StateAtAverage::kKeep;
  /// Modelled wall clock (metric wallclock): comm_time per round plus, per local step, the slowest
  /// worker's step_time·max(1, b/saturation_batch) (a step is flat up to a saturation batch).
  double comm_time = 50.0;
  double step_time = 1.0;
  double saturation_batch = 256.0;
};

/// Exact single-sample gradient covariance trace σ²(x) = E‖∇f(x;ξ) − ∇F(x)‖² where the problem allows
/// it (random-design least squares: closed form; finite sums: a pass over the n samples); NaN otherwise.
double exact_gradient_variance(const problems::Problem& problem,
                               const Vec& x,
                               Vec& scratch_g,
                               Vec& scratch_gi);

/// The exact norm test's batch proposal at x: smallest b with Var(g_b) <= η²‖∇F(x)‖² (i.i.d.:
/// σ²/(η²‖∇F‖²); without replacement from n: σ²n/(η²‖∇F‖²(n−1) + σ²)). NaN without an exact σ².
double exact_norm_proposal(const problems::Problem& problem,
                           problems::Sampling s,
                           const Vec& x,
                           double eta,
                           Vec& scratch_g,
                           Vec& scratch_gi);

class AdaptiveLocalSgd final : public Runner {
 public:
  explicit AdaptiveLocalSgd(AdaptiveLocalSpec spec);
  RunResult run_with(const problems::Problem& problem,
                     const RunKey& key,
                     const std::vector<std::int64_t>& record_iters,
                     StepObserver* observer) const override;
  std::int64_t max_iterations() const override { return spec_.run.iterations; }
  const RunSpec& spec() const override { return spec_.run; }
  const AdaptiveLocalSpec& adaptive() const { return spec_; }
  std::vector<std::pair<std::string, double>> derived_constants() const override;

  /// The recorded extra metric names for P workers.
  static std::vector<std::string> extra_names();
  static RunnerKind kind();

 private:
  AdaptiveLocalSpec spec_;
  std::shared_ptr<const UpdateRule> rule_;
};

}  // namespace sgdcheck::runners
