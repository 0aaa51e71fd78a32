#pragma once
/// \file Records the standard metrics of an iterate at the scheduled points.
#include <cmath>
#include <functional>
#include <initializer_list>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/trace.hpp"
#include "problems/problem.hpp"

namespace sgdcheck::runners {

/// Standard metrics, always recorded: subopt = f(x) − f*, dist2 = ‖x − x*‖², grad2 = ‖∇f(x)‖²,
/// plus test_loss when the problem has a test set, plus the runner's `extra` metrics.
class Recorder {
 public:
  /// `record_iters` must outlive the recorder (not owned). `axis`: the axis points are told apart by
  /// (record_new), the axis of the grid the iterations were derived from.
  Recorder(const problems::Problem& problem,
           const std::vector<std::int64_t>& record_iters,
           std::vector<std::string> extra_metrics = {},
           RecordAxis axis = RecordAxis::kIter);
  /// Records on the grid of `plan` (any axis; copied). Runners then ask `due(point)`.
  Recorder(const problems::Problem& problem, const RecordPlan& plan, std::vector<std::string> extra_metrics = {});

  /// True when `iter` is the next scheduled recording iteration (iteration grids only).
  bool due(std::int64_t iter) const {
    if (iters_) return next_ < iters_->size() && (*iters_)[next_] == iter;
    return plan_.axis == RecordAxis::kIter && next_ < plan_.grid.size() && plan_.grid[next_] == static_cast<double>(iter);
  }
  /// The first iteration t for which due(t) can be true (INT64_MAX when none is): the next scheduled
  /// recording iteration. Runners that skip work between recordings ask it.
  std::int64_t next_due() const {
    constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
    if (iters_) return next_ < iters_->size() ? (*iters_)[next_] : kNever;
    if (plan_.axis != RecordAxis::kIter || next_ >= plan_.grid.size()) return kNever;
    const double g = plan_.grid[next_];  // due(t) needs t == g exactly
    return g == std::floor(g) && g < 9.2e18 ? static_cast<std::int64_t>(g) : kNever;
  }
  /// True when `p` reaches the next grid value on the plan's axis (any grid).
  bool due(const Point& p) const {
    if (iters_) return due(p.iter);
    return next_ < plan_.grid.size() && axis_value(p, plan_.axis) >= plan_.grid[next_];
  }
  /// Records x at `p` (advances the schedule past p.iter). `extras` in the order given at construction.
  /// A metric that comes out NaN is recorded as +inf (never NaN: NaN marks an absent point).
  void record(const Point& p, const Vec& x, std::initializer_list<double> extras = {}) {
    record(p, x, std::span<const double>(extras.begin(), extras.size()));
  }
  void record(const Point& p, const Vec& x, std::span<const double> extras);

  /// True when no point with p's value on the recorder's axis was recorded yet (a divergence between
  /// two communication rounds has the rounds value of the last recorded point: not a new point).
  bool is_new(const Point& p) const {
    return trace_.points.empty() || axis_value(p, axis_) > axis_value(trace_.points.back(), axis_);
  }

  /// How the scheduled points after a divergence are filled: given the scheduled iteration and the
  /// runner's extra metrics (prefilled with +inf), returns the point's four axis values on the run's
  /// schedule and may set extras (the step loop sets `step` to the scheduled γ_t).
  using Filler = std::function<Point(std::int64_t iter, std::span<double> extras)>;

  /// True when x is NaN/Inf or ‖x − x₀‖² exceeds the divergence threshold.
  bool diverged(const Vec& x) const;
  /// Sets the divergence threshold relative to x₀: diverged when ‖x − x*‖² > factor·(1 + ‖x₀ − x*‖²).
  void set_divergence(const Vec& x0, double factor);

  /// Ends the run. For kDiverged the remaining scheduled points are filled with +inf metrics (the
  /// error of a diverged run is infinite; extras too, except what `fill` sets), so seed means stay
  /// aligned and show the divergence. Each filled point carries its own scheduled axis values from
  /// `fill` (without one: `last` with the scheduled value on the grid's axis).
  RunResult finish(Termination why, std::string message, std::int64_t iterations, const Point& last,
                   const Filler& fill = {});
  /// finish() into `out`, reusing its buffers: the trace is copied into out's (the recorder keeps its
  /// own for the next run after restart()), so neither allocates once both have held one run.
  /// out.scalars is cleared.
  void finish_into(Termination why, std::string_view message, std::int64_t iterations, const Point& last,
                   const Filler& fill, RunResult& out);
  /// Prepares the recorder for the next run on the same problem and grid: no points recorded, the
  /// schedule at its start (the divergence threshold stays; set_divergence() may change it).
  void restart();

 private:
  /// What both constructors share: the metric list, the reference-point check and the reservations.
  void init(std::vector<std::string> extra_metrics, std::size_t points);
  /// finish()'s +inf points after a divergence.
  void fill_diverged(const Point& last, const Filler& fill);
  const problems::Problem& problem_;  // not owned; outlives the recorder
  const std::vector<std::int64_t>* iters_ = nullptr;  // iteration grid (null: plan_)
  RecordPlan plan_;
  std::size_t next_ = 0;
  RecordAxis axis_ = RecordAxis::kIter;
  Trace trace_;
  std::vector<double> fill_;  // extras of a filled point
  Vec g_;
  Vec diff_;
  double divergence_limit_ = INFINITY;
  bool has_test_ = false;
};

}  // namespace sgdcheck::runners
