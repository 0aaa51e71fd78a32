#pragma once
/// \file What one run produces: metric values at recorded points, and why it stopped.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sgdcheck {

/// The four x-axes every runner fills. One iteration is one server update; `samples` counts
/// per-sample gradients over all workers; `rounds` counts communication rounds; `vtime` is the virtual
/// clock of the straggler simulator (equal to `iter` for runners without a clock).
struct Point {
  std::int64_t iter = 0;
  std::int64_t samples = 0;
  std::int64_t rounds = 0;
  double vtime = 0.0;
};

/// Why a run stopped. Numerical trouble is a status, never an exception.
enum class Termination {
  kMaxIterations,      ///< ran the configured number of iterations
  kConverged,          ///< reached the configured target
  kDiverged,           ///< iterate became NaN/Inf or grew past the divergence threshold
  kStoppedByCallback,  ///< a callback asked to stop
};
std::string to_string(Termination t);

/// The axis a recording grid is laid on. Every recorded point carries all four values whatever the axis.
enum class RecordAxis { kIter, kSamples, kRounds, kVtime };
std::string to_string(RecordAxis a);
/// The value of `p` on axis `a` (iter, samples and rounds as doubles: exact below 2^53).
inline double axis_value(const Point& p, RecordAxis a) {
  switch (a) {
    case RecordAxis::kIter: return static_cast<double>(p.iter);
    case RecordAxis::kSamples: return static_cast<double>(p.samples);
    case RecordAxis::kRounds: return static_cast<double>(p.rounds);
    case RecordAxis::kVtime: return p.vtime;
  }
  return static_cast<double>(p.iter);
}

/// Where a run records: increasing grid values on one axis. A run records at the first step whose
/// axis value reaches the next grid value (grid values it jumps over in one step are skipped). On the
/// iteration axis (the default, `log_spaced_iterations`) that is exactly the grid iteration, so the
/// default output is what it always was. Seed statistics align points by their axis value.
struct RecordPlan {
  RecordAxis axis = RecordAxis::kIter;
  std::vector<double> grid;
  static RecordPlan on_iterations(const std::vector<std::int64_t>& iters);
};

/// Log-spaced recording iterations: 0, then `per_decade` points per factor 10 (deduplicated integers),
/// always including `max_iter`. The same schedule for every repetition of a cell, so means align.
std::vector<std::int64_t> log_spaced_iterations(std::int64_t max_iter, int per_decade);

/// Records of one run: `values[k * metrics.size() + m]` is metric m at point k.
struct Trace {
  std::vector<std::string> metrics;
  std::vector<Point> points;
  std::vector<double> values;

  std::size_t metric_index(const std::string& name) const;  ///< npos if absent
  double value(std::size_t point, std::size_t metric) const { return values[point * metrics.size() + metric]; }
};

/// The outcome of one (cell, repetition).
struct RunResult {
  Termination termination = Termination::kMaxIterations;
  std::string message;  ///< one line: why it stopped, e.g. "dist2 = inf at iteration 412"
  std::int64_t iterations = 0;
  Trace trace;
  /// Per-run scalars a runner reports beside the trace (e.g. staleness); execute adds `iterations`
  /// and, where a target is configured, `iterations_to_target`. Reduced per cell (mean/sd/se/min/max)
  /// and written to run_scalars.csv / scalar_summary.csv (docs/results-format.md).
  std::vector<std::pair<std::string, double>> scalars;
};

}  // namespace sgdcheck

namespace sgdcheck {

/// Wall and CPU time of one phase of a command (`run --profile`, manifest.json "phases").
struct PhaseTiming {
  std::string name;
  double wall_seconds = 0.0;
  /// CPU seconds of this process (every thread, user + system) and of the child processes it waited
  /// for during the phase (gnuplot).
  double cpu_seconds = 0.0;
  /// The part of cpu_seconds spent in parallel_for tasks (core/thread_pool.hpp; with the CPU of the
  /// child processes those tasks waited for): work that runs on up to --jobs cores. The rest ran in
  /// one thread.
  double parallel_cpu_seconds = 0.0;
  /// Predicted wall time on two idle cores: the serial CPU plus each parallel loop's two-core schedule
  /// of its measured task costs (parallel_two_core_seconds), so load imbalance counts.
  double two_core_seconds = 0.0;
};

/// Splits a command into consecutive phases and times each: start("runs") ends the phase before it.
/// The parallel share p = Σ parallel CPU / Σ CPU; on k idle cores Amdahl's law predicts the speed-up
/// 1 / ((1 − p) + p / k) over one core. Measured with --jobs 1 it is the share that *can* use more
/// cores (the same tasks run inline). CPU time, unlike wall time, hardly depends on what else the
/// machine runs, so both predictions hold on a loaded machine too.
class PhaseClock {
 public:
  /// Ends the current phase (if any) and starts `name`.
  void start(std::string name);
  /// Ends the current phase.
  void stop();
  const std::vector<PhaseTiming>& phases() const { return phases_; }
  PhaseTiming total() const;  ///< sums over the phases (name "total")
  /// Σ parallel CPU / Σ CPU (0 without CPU time).
  double parallel_share() const;
  /// 1 / ((1 − p) + p / cores).
  double predicted_speedup(int cores) const;
  /// Σ CPU / Σ two_core_seconds: the speed-up on two idle cores with the measured load imbalance.
  double scheduled_speedup() const;
  /// A table: phase, wall s, CPU s, parallel CPU s, share of the CPU, two-core time; then p and
  /// both predicted speed-ups on 2 cores.
  std::string format() const;

 private:
  struct Mark {
    double wall = 0.0, cpu = 0.0, children = 0.0, parallel = 0.0, two_core = 0.0;
  };
  static Mark now();
  bool running_ = false;
  Mark at_;
  std::vector<PhaseTiming> phases_;
};

}  // namespace sgdcheck
