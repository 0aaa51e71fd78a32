#pragma once
/// \file The Runner interface. A runner is configured once from validated Params and then run for
/// any number of (seed, rep) keys; randomness comes only from streams derived from the key.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/params.hpp"
#include "core/trace.hpp"
#include "problems/problem.hpp"

namespace sgdcheck::runners {

/// What identifies one run: the experiment seed and the repetition. Streams are
/// make_stream(seed, rep, purpose, worker): identical wherever (thread, rank) the run executes.
/// The cell is deliberately *not* part of the key: cells of a sweep share their random numbers
/// (common random numbers), so differences between cells are paired comparisons.
struct RunKey {
  std::uint64_t seed = 0;
  std::uint64_t rep = 0;
};

class Runner {
 public:
  virtual ~Runner() = default;
  /// Runs on `problem`, recording at `record_iters` (sorted, starting at 0, ending at the last
  /// iteration). Never throws for numerical trouble: divergence is RunResult::termination.
  virtual RunResult run(const problems::Problem& problem,
                        const RunKey& key,
                        const std::vector<std::int64_t>& record_iters) const = 0;
  /// Number of iterations (server updates) the run will take at most.
  virtual std::int64_t max_iterations() const = 0;
  /// Constants the runner derived from its options and the problem (e.g. the resolved step γ and
  /// θ_b), written to constants.csv beside the problem's constants.
  virtual std::vector<std::pair<std::string, double>> derived_constants() const { return {}; }
};

struct RunnerKind {
  Schema schema;  ///< schema.name is the `kind:` value
  std::function<std::unique_ptr<Runner>(const Params& runner, const problems::Problem& problem)> make;
  /// Cross-checks against the problem before any run (e.g. batch > n without replacement); throws
  /// ConfigError through Params::fail so the message names file, line, key and value.
  std::function<void(const Params& runner, const problems::Problem& problem)> validate;
  /// Every metric a run of this kind can record (runs.csv `metric` column), known before any run so
  /// plots can be checked at plan time. test_loss needs a problem with a test set; avg_* need
  /// running_metrics.
  std::vector<std::string> metrics;
};

const std::vector<RunnerKind>& runner_kinds();
const RunnerKind* find_runner_kind(const std::string& name);

}  // namespace sgdcheck::runners
