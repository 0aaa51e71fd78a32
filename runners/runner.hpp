#pragma once
/// \file The Runner interface. A runner is configured once from validated Params and then run for
/// any number of (seed, rep) keys; randomness comes only from streams derived from the key.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/params.hpp"
#include "core/trace.hpp"
#include "problems/problem.hpp"
#include "runners/run_spec.hpp"
#include "runners/update_rule.hpp"

namespace sgdcheck::runners {

/// What identifies one run: the experiment seed and the repetition. Streams are
/// make_stream(seed, rep, purpose, worker): identical wherever (thread, rank) the run executes.
/// The cell is deliberately *not* part of the key: cells of a sweep share their random numbers
/// (common random numbers), so differences between cells are paired comparisons.
struct RunKey {
  std::uint64_t seed = 0;
  std::uint64_t rep = 0;
};

/// What an observer tells the run to do next.
enum class ObserverAction { kContinue, kStop };

/// One step of the step loop, as an observer sees it (valid only during the call).
struct StepEvent {
  std::int64_t t = 0;      ///< the update (local SGD: local step) just done, t >= 1
  double gamma = 0.0;      ///< the step it used
  std::int64_t tau = 0;    ///< the delay of its gradient (0 without a delay model)
  const Vec& point;        ///< the server iterate x_t (local SGD: the virtual average w̄_t)
  const Point& axes;       ///< iter, samples, rounds, vtime after the update
  std::span<const WorkerState> workers;  ///< every worker's state (one for single-sequence runners)
};

/// Hooks into the step loop of every runner (straggler simulation, coupled runs, adaptive batches).
/// Called after every update, after recording; kStop ends the run with kStoppedByCallback.
class StepObserver {
 public:
  virtual ~StepObserver() = default;
  virtual ObserverAction on_step(const StepEvent& event) = 0;
};

class Runner;

/// Buffers a runner keeps between the runs of one cell on one thread (Runner::make_scratch): its
/// engine's workers and workspaces, the recorder and averager. Opaque to callers.
class RunScratch {
 public:
  explicit RunScratch(const Runner* owner) : owner_(owner) {}
  virtual ~RunScratch() = default;
  RunScratch(const RunScratch&) = delete;
  RunScratch& operator=(const RunScratch&) = delete;
  const Runner* owner() const { return owner_; }

 private:
  const Runner* owner_;  // the runner that made it (run_reusing checks)
};

class Runner {
 public:
  virtual ~Runner() = default;
  /// Runs on `problem`, recording at `record_iters` (sorted, starting at 0, ending at the last
  /// iteration). Never throws for numerical trouble: divergence is RunResult::termination.
  RunResult run(const problems::Problem& problem, const RunKey& key, const std::vector<std::int64_t>& record_iters) const {
    return run_with(problem, key, record_iters, nullptr);
  }
  /// run() with `observer` (nullable) called after every update. The observer is not shared
  /// between concurrent runs (each run gets its own).
  virtual RunResult run_with(const problems::Problem& problem,
                             const RunKey& key,
                             const std::vector<std::int64_t>& record_iters,
                             StepObserver* observer) const = 0;
  /// Buffers for run_reusing() on `problem` with `record_iters`; both must outlive the scratch and be
  /// the ones passed with it to every run_reusing() call. Null: the runner has nothing to reuse.
  virtual std::unique_ptr<RunScratch> make_scratch(const problems::Problem& /*problem*/,
                                                   const std::vector<std::int64_t>& /*record_iters*/) const {
    return nullptr;
  }
  /// run() into `out`, reusing `scratch` (from this runner's make_scratch() with the same problem and
  /// iterations, one run at a time; null is allowed) and out's buffers. The result is the same, bit
  /// for bit, as run()'s; what it saves is the allocations of a fresh run. The default calls run().
  virtual void run_reusing(const problems::Problem& problem,
                           const RunKey& key,
                           const std::vector<std::int64_t>& record_iters,
                           RunScratch* /*scratch*/,
                           RunResult& out) const {
    out = run(problem, key, record_iters);
  }
  /// The resolved options of this runner.
  virtual const RunSpec& spec() const = 0;
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
