#pragma once
/// \file Records the standard metrics of an iterate at the scheduled points.
#include <cmath>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "core/trace.hpp"
#include "problems/problem.hpp"

namespace sgdcheck::runners {

/// Standard metrics, always recorded: subopt = f(x) − f*, dist2 = ‖x − x*‖², grad2 = ‖∇f(x)‖²,
/// plus test_loss when the problem has a test set, plus the runner's `extra` metrics.
class Recorder {
 public:
  /// `record_iters` must outlive the recorder (not owned).
  Recorder(const problems::Problem& problem,
           const std::vector<std::int64_t>& record_iters,
           std::vector<std::string> extra_metrics = {});
  /// Records on the grid of `plan` (any axis; copied). Runners then ask `due(point)`.
  Recorder(const problems::Problem& problem, const RecordPlan& plan, std::vector<std::string> extra_metrics = {});

  /// True when `iter` is the next scheduled recording iteration (iteration grids only).
  bool due(std::int64_t iter) const {
    if (iters_) return next_ < iters_->size() && (*iters_)[next_] == iter;
    return plan_.axis == RecordAxis::kIter && next_ < plan_.grid.size() && plan_.grid[next_] == static_cast<double>(iter);
  }
  /// True when `p` reaches the next grid value on the plan's axis (any grid).
  bool due(const Point& p) const {
    if (iters_) return due(p.iter);
    return next_ < plan_.grid.size() && axis_value(p, plan_.axis) >= plan_.grid[next_];
  }
  /// Records x at `p` (advances the schedule past p.iter). `extras` in the order given at construction.
  void record(const Point& p, const Vec& x, std::initializer_list<double> extras = {}) {
    record(p, x, std::span<const double>(extras.begin(), extras.size()));
  }
  void record(const Point& p, const Vec& x, std::span<const double> extras);

  /// True when x is NaN/Inf or ‖x − x₀‖² exceeds the divergence threshold.
  bool diverged(const Vec& x) const;
  /// Sets the divergence threshold relative to x₀: diverged when ‖x − x*‖² > factor·(1 + ‖x₀ − x*‖²).
  void set_divergence(const Vec& x0, double factor);

  /// Ends the run. For kDiverged the remaining scheduled points are filled with +inf metrics (the
  /// error of a diverged run is infinite), so seed means stay aligned and show the divergence.
  RunResult finish(Termination why, std::string message, std::int64_t iterations, const Point& last);

 private:
  const problems::Problem& problem_;  // not owned; outlives the recorder
  const std::vector<std::int64_t>* iters_ = nullptr;  // iteration grid (null: plan_)
  RecordPlan plan_;
  std::size_t next_ = 0;
  Trace trace_;
  Vec g_;
  Vec diff_;
  double divergence_limit_ = INFINITY;
  bool has_test_ = false;
};

}  // namespace sgdcheck::runners
