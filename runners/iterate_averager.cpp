#include "runners/iterate_averager.hpp"

#include <cmath>


namespace sgdcheck::runners {

IterateAverager::IterateAverager(IterateKind kind,
                                 double tail_fraction,
                                 const Vec& x0,
                                 std::int64_t horizon,
                                 bool include_x0)
    : kind_(kind), include_x0_(include_x0) {
  tail_start_ = kind == IterateKind::kTailAverage
                    ? static_cast<std::int64_t>(std::floor((1.0 - tail_fraction) * static_cast<double>(horizon)))
                    : 0;
  restart(x0);
}

void IterateAverager::restart(const Vec& x0) {
  avg_ = x0;  // Eigen keeps the buffer when the size is unchanged
  last_ = &x0;
  count_ = 0;
  use_avg_ = false;
  if (kind_ == IterateKind::kPolyakRuppert) {
    if (include_x0_)
      sum_ = x0;
    else
      sum_.setZero(x0.size());
    count_ = include_x0_ ? 1 : 0;
  }
  if (kind_ == IterateKind::kAverage) {
    count_ = 1;  // x0 is part of the uniform average
    use_avg_ = true;
  }
}

void IterateAverager::add(std::int64_t t, const Vec& x) {
  last_ = &x;
  if (kind_ == IterateKind::kLast) return;
  if (kind_ == IterateKind::kPolyakRuppert) {
    sum_ += x;
    ++count_;
    use_avg_ = true;
    return;
  }
  if (kind_ == IterateKind::kTailAverage && t <= tail_start_) return;
  if (count_ == 0) {
    avg_ = x;
    count_ = 1;
    use_avg_ = true;
    return;
  }
  ++count_;
  avg_ += (x - avg_) / static_cast<double>(count_);
}

const Vec& IterateAverager::point() {
  if (kind_ == IterateKind::kPolyakRuppert && use_avg_) avg_ = sum_ / static_cast<double>(count_);
  return use_avg_ ? avg_ : *last_;
}

RunningMeans::RunningMeans(const problems::Problem& problem, bool enabled)
    : problem_(problem), enabled_(enabled), g_(enabled ? problem.dim() : 0) {}

void RunningMeans::restart() {
  count_ = 0;
  subopt_ = 0.0;
  grad2_ = 0.0;
}

void RunningMeans::add(const Vec& x) {
  if (!enabled_) return;
  const double s = problem_.value_and_gradient(x, g_) - problem_.constants().f_star;
  ++count_;
  subopt_ += (s - subopt_) / static_cast<double>(count_);
  grad2_ += (g_.squaredNorm() - grad2_) / static_cast<double>(count_);
}

TargetTest::TargetTest(const problems::Problem& problem, TargetMetric metric, double value)
    : metric_(metric), value_(value), g_(metric == TargetMetric::kGrad2 ? problem.dim() : 0) {}

bool TargetTest::reached(const problems::Problem& problem, const Vec& x) {
  const auto& c = problem.constants();
  double v = NAN;
  switch (metric_) {
    case TargetMetric::kNone: return false;
    case TargetMetric::kSubopt: v = problem.value(x) - c.f_star; break;
    case TargetMetric::kDist2: v = (x - c.x_star).squaredNorm(); break;
    case TargetMetric::kGrad2:
      problem.gradient(x, g_);
      v = g_.squaredNorm();
      break;
  }
  return v <= value_;
}

}  // namespace sgdcheck::runners
