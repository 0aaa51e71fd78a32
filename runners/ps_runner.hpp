#pragma once
/// \file The `ps_sgd` runner: SGD on any problem through the straggler simulator (Dutta et al. 2018,
/// spec papers/dutta2018_slow_stale.md §2, §4): variants K-sync, K-batch-sync, K-async and
/// K-batch-async with P learners, i.i.d. compute times, recording on iterations or on a virtual-time
/// grid, AdaSync, per-run staleness scalars.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bounds/order_statistics.hpp"
#include "runners/ps_simulator.hpp"
#include "runners/runner.hpp"

namespace sgdcheck::runners {

/// Unparsed compute-time fields (from runner options or the `runtime` command's --delay map).
struct ComputeTimeFields {
  std::string kind;
  double rate = 1.0, shift = 0.0, scale = 1.0, shape = 1.0, meanlog = 0.0, sdlog = 1.0, comm = 0.0;
  std::vector<double> values;
  std::string file;  ///< list: measured times, one per line (# comments); relative to base_dir
};

/// Validates `f` into a distribution; ConfigError "<where>: <field> = <value>: expected ..." on bad
/// input (unknown kind, shape <= 0, infinite mean, unreadable or bad file).
bounds::ComputeTime make_compute_time(const ComputeTimeFields& f, const std::string& where, const std::string& base_dir);

/// Reads a file of measured compute times (one finite number >= 0 per line, # comments, at most
/// 1e7 values); DataError "<file>:<line>: ..." on bad content.
std::vector<double> load_compute_times(const std::string& path);

enum class AdaSyncRounding { kCeil, kRound };

struct AdaSyncSpec {
  bool enabled = false;
  double k0 = 1.0;     ///< K₀
  double t0 = 60.0;    ///< T₀: virtual time between K updates
  AdaSyncRounding rounding = AdaSyncRounding::kCeil;
  bool use_suboptimality = false;  ///< F − F* instead of F
  bool monotone = false;           ///< K never decreases
};

struct PsRunSpec {
  PsConfig sim;  ///< variant, P, K, compute time, iterations (= RunSpec::iterations), horizon, burn-in
  AdaSyncSpec adasync;
  /// Staleness-adaptive step η_j = min(C/‖w_j − w_τ‖², η_max) (η_max the step schedule's γ); 0: off.
  double adaptive_c = 0.0;
  std::vector<double> vtime_grid;  ///< record.axis vtime: 0 and log-spaced values up to the horizon
  /// sup_x E‖g − ∇f(x)‖² of one learner's gradient (batch b) when the problem bounds its sample-gradient
  /// variance everywhere (grad_variance_max / b), else NaN: the (A = 0, C) noise of the delayed-SGD
  /// bound D1 that the staleness-aware check evaluates with each run's realised max staleness.
  double gradient_noise = NAN;
};

class PsSgd final : public Runner {
 public:
  explicit PsSgd(RunSpec spec);
  /// Records subopt, dist2, grad2 (test_loss), step, k, staleness_mean, staleness_max, iter_time (mean
  /// time per update so far, after the burn-in once it is over). Scalars:
  /// max_staleness, mean_staleness, mean_iter_time, iter_time_se, updates, vtime_end, event_hash,
  /// batch_sync_violations, async_duplicates, final_k.
  RunResult run_with(const problems::Problem& problem,
                     const RunKey& key,
                     const std::vector<std::int64_t>& record_iters,
                     StepObserver* observer) const override;
  std::int64_t max_iterations() const override { return spec_.iterations; }
  std::vector<std::pair<std::string, double>> derived_constants() const override;
  const RunSpec& spec() const override { return spec_; }
  const PsRunSpec& ps() const { return *spec_.ps; }

  static RunnerKind kind();

 private:
  RunSpec spec_;
};

/// The vtime grid: 0, then per_decade values per factor 10 over `decades` decades up to `horizon`.
std::vector<double> vtime_grid(double horizon, std::int64_t per_decade, std::int64_t decades);

}  // namespace sgdcheck::runners
