#pragma once
/// \file The reported point of a run: last iterate, uniform average or tail average.
#include <cstdint>
#include <string>

#include "problems/problem.hpp"
#include "runners/run_spec.hpp"

namespace sgdcheck::runners {

/// Keeps the reported point without allocating per step.
/// - last: x_t;
/// - average: (1/(t+1)) Σ_{s=0..t} x_s (x₀ included);
/// - tail_average: average of the x_s with s > (1 − tail_fraction)·T (T the run's horizon); before
///   that window opens the reported point is the last iterate;
/// - pr (Polyak–Ruppert, local SGD): (Σ_{s=1..t} x_s)/t, or (Σ_{s=0..t} x_s)/(t+1) with
///   `include_x0`; the sum is kept and divided when the point is asked for (x₀ at t = 0).
class IterateAverager {
 public:
  IterateAverager(IterateKind kind, double tail_fraction, const Vec& x0, std::int64_t horizon, bool include_x0 = false);
  /// Starts again from x0 (same dimension) for the next run: the state the constructor gives,
  /// without allocating.
  void restart(const Vec& x0);
  /// Adds iterate x_t (t >= 1).
  void add(std::int64_t t, const Vec& x);
  /// The reported point after the last add (valid until the next add or point()).
  const Vec& point();

 private:
  IterateKind kind_;
  bool include_x0_;
  std::int64_t tail_start_;
  Vec avg_;
  Vec sum_;  // pr only
  std::int64_t count_ = 0;
  const Vec* last_ = nullptr;  // not owned: the runner's iterate
  bool use_avg_ = false;
};

/// Running means over s = 0..t of f(x_s) − f* and ‖∇f(x_s)‖² (disabled: add() does nothing).
class RunningMeans {
 public:
  RunningMeans(const problems::Problem& problem, bool enabled);
  void add(const Vec& x);
  /// No points added (the next run).
  void restart();
  double subopt() const { return subopt_; }
  double grad2() const { return grad2_; }

 private:
  const problems::Problem& problem_;  // not owned
  bool enabled_;
  Vec g_;
  std::int64_t count_ = 0;
  double subopt_ = 0.0, grad2_ = 0.0;
};

/// "Is the target reached?" on the reported point; metric "none" never is.
class TargetTest {
 public:
  TargetTest(const problems::Problem& problem, TargetMetric metric, double value);
  bool reached(const problems::Problem& problem, const Vec& x);

 private:
  TargetMetric metric_;
  double value_;
  Vec g_;  // grad2 scratch
};

}  // namespace sgdcheck::runners
