#pragma once
/// \file The typed run specification of a cell: every runner option resolved once, at plan time, into
/// typed values (enums, the resolved step γ, the delay model with its τ_max, the communication set
/// with its maximal gap H, per-worker batches, the update rule). Runners, bound adapters and checks
/// read this and never the option strings: an option is parsed in exactly one place
/// (resolve_run_spec).
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/params.hpp"
#include "core/trace.hpp"
#include "problems/problem.hpp"
#include "runners/communication_schedule.hpp"
#include "runners/step_size.hpp"
#include "runners/update_rule.hpp"

namespace sgdcheck::runners {

class DelaySource;
struct PsRunSpec;  // runners/ps_runner.hpp

/// Which point a run reports.
enum class IterateKind {
  kLast,           ///< x_t (local SGD: the virtual average w̄_t)
  kAverage,        ///< uniform average (1/(t+1)) Σ_{s=0..t} x_s (x₀ included)
  kTailAverage,    ///< average of the last ⌈tail_fraction·T⌉ iterates
  kPolyakRuppert,  ///< local SGD: (1/t) Σ_{s=1..t} w̄_s, or with w₀ when pr_include_w0
};
/// The option value: last, average, tail_average, pr.
std::string to_string(IterateKind k);

enum class TargetMetric { kNone, kSubopt, kDist2, kGrad2 };
std::string to_string(TargetMetric m);

/// The runner's algorithm (descriptive: applicability follows from the spec's contents, not this).
enum class Algorithm { kMinibatch, kDelayed, kLocal, kStraggler };
/// The runner kind name: minibatch_sgd, delayed_sgd, local_sgd, ps_sgd.
std::string to_string(Algorithm a);

enum class DelayKind { kNone, kFixed, kUniform, kFile };

/// The delay model of a run (kind kNone: every gradient is fresh, no delay model at all).
struct DelaySpec {
  DelayKind kind = DelayKind::kNone;
  std::int64_t max_delay = 0;  ///< τ_max
  bool fixed = true;           ///< every τ_t equals max_delay
  std::string text = "no delay";
  std::shared_ptr<const DelaySource> source;  ///< null for kNone; shared read-only by every run
};

struct RunSpec {
  Algorithm algorithm = Algorithm::kMinibatch;
  std::int64_t iterations = 1000;  ///< server updates; for local SGD the local steps N
  std::int64_t workers = 1;        ///< P
  std::vector<std::int64_t> batches{1};  ///< b_p per worker (size P; all equal by default)
  problems::Sampling sampling = problems::Sampling::kWithReplacement;
  double theta_b = 1.0;  ///< θ_b of batches[0] on the problem
  StepSchedule step;     ///< resolved (γ of the critical rule computed with τ_max)
  DelaySpec delay;
  /// Local SGD only: the communication set S and its maximal gap H (the longest stretch of local
  /// steps without a round, counting from 0 and up to N).
  std::optional<CommunicationSchedule> communication;
  std::int64_t max_gap = 0;
  IterateKind iterate = IterateKind::kLast;
  double tail_fraction = 0.5;
  bool pr_include_w0 = false;
  UpdateRuleSpec update;
  double divergence_factor = 1e12;
  TargetMetric target_metric = TargetMetric::kNone;
  double target_value = 0.0;
  std::int64_t per_decade = 10;
  /// The axis of the log-spaced recording grid (record.axis; iterations by default).
  RecordAxis record_axis = RecordAxis::kIter;
  bool running_metrics = false;
  /// The straggler simulator's options (ps_sgd: variant, P, K, compute times, horizon, AdaSync);
  /// null for every other runner.
  std::shared_ptr<const PsRunSpec> ps;
  /// adaptive_local_sgd only: η when the *exact* norm test holds before every local step
  /// (batch.variant oracle_step), NaN otherwise; the lau2024 bound adapters read it (with b_max).
  double exact_norm_test_eta = NAN;
  std::int64_t batch_cap = 0;  ///< adaptive_local_sgd: b_max (0 otherwise)

  std::int64_t batch() const { return batches.front(); }
  bool equal_batches() const;
  /// Σ_p b_p: samples one step draws over all workers.
  std::int64_t total_batch() const;
  bool has_delay_model() const { return delay.kind != DelayKind::kNone; }
  bool is_local() const { return communication.has_value(); }
};

/// Resolves the options `p` of a runner of `algorithm` on `problem` (bad input → ConfigError through
/// Params::fail, naming file, line, key and value). Loads a delay file.
RunSpec resolve_run_spec(Algorithm algorithm, const Params& p, const problems::Problem& problem);

/// The point after t updates on the run's schedule: samples = t·Σ_p b_p, rounds = the communication
/// steps <= t (local SGD; t otherwise), vtime = t. Exactly what the step loop's point holds after
/// update t (every axis is a deterministic function of t for the current runners).
Point scheduled_point(const RunSpec& spec, std::int64_t t);

/// The largest value of `axis` a run of `spec` reaches (T·Σb for samples, |S| for local rounds).
std::int64_t axis_range(const RunSpec& spec, RecordAxis axis);

/// The recording iterations of `spec`: the first update at which each value of the log-spaced grid
/// on spec.record_axis (0, then per_decade values per factor 10, up to axis_range) is reached,
/// deduplicated. On the iteration axis this is log_spaced_iterations(T, per_decade), what it always
/// was. The planner passes these to Runner::run; bounds are evaluated at them.
std::vector<std::int64_t> record_iterations(const RunSpec& spec);

/// The update.* options of `p` (update.rule and its constants; absent keys keep the defaults).
UpdateRuleSpec resolve_update(const Params& p);

/// H of S over N local steps: max gap between 0, the steps of S, and N.
std::int64_t max_gap_of(const std::vector<std::int64_t>& steps, std::int64_t local_steps);

/// Parses the choice `key` of `p` into an enum (the one place option strings become values).
template <class E>
E parse_choice(const Params& p, const std::string& key, std::initializer_list<std::pair<const char*, E>> table, E fallback) {
  if (!p.has(key)) return fallback;
  const std::string& v = p.get_string(key);
  for (const auto& [name, value] : table)
    if (v == name) return value;
  p.fail(key, "a known choice");
}

}  // namespace sgdcheck::runners
