#pragma once
/// \file The reported point of a run: last iterate, uniform average or tail average.
#include <cstdint>
#include <string>

#include "problems/problem.hpp"

namespace sgdcheck::runners {

enum class IterateKind;

/// Keeps the reported point without allocating per step.
/// - last: x_t;
/// - average: (1/(t+1)) Σ_{s=0..t} x_s (x₀ included);
/// - tail_average: average of the x_s with s > (1 − tail_fraction)·T (T the run's horizon); before
///   that window opens the reported point is the last iterate.
class IterateAverager {
 public:
  IterateAverager(IterateKind kind, double tail_fraction, const Vec& x0, std::int64_t horizon);
  /// Adds iterate x_t (t >= 1).
  void add(std::int64_t t, const Vec& x);
  /// The reported point after the last add (valid until the next add).
  const Vec& point() const { return use_avg_ ? avg_ : *last_; }

 private:
  IterateKind kind_;
  std::int64_t tail_start_;
  Vec avg_;
  std::int64_t count_ = 0;
  const Vec* last_ = nullptr;  // not owned: the runner's iterate
  bool use_avg_ = false;
};

/// Running means over s = 0..t of f(x_s) − f* and ‖∇f(x_s)‖² (disabled: add() does nothing).
class RunningMeans {
 public:
  RunningMeans(const problems::Problem& problem, bool enabled);
  void add(const Vec& x);
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
  TargetTest(std::string metric, double value) : metric_(std::move(metric)), value_(value) {}
  bool reached(const problems::Problem& problem, const Vec& x) const;

 private:
  std::string metric_;
  double value_;
};

}  // namespace sgdcheck::runners
