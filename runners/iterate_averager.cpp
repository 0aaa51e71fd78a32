#include "runners/iterate_averager.hpp"

#include <cmath>

#include "runners/minibatch_sgd.hpp"

namespace sgdcheck::runners {

IterateAverager::IterateAverager(IterateKind kind, double tail_fraction, const Vec& x0, std::int64_t horizon)
    : kind_(kind), avg_(x0), last_(&x0) {
  tail_start_ = kind == IterateKind::kTailAverage
                    ? static_cast<std::int64_t>(std::floor((1.0 - tail_fraction) * static_cast<double>(horizon)))
                    : 0;
  if (kind == IterateKind::kAverage) {
    count_ = 1;  // x0 is part of the uniform average
    use_avg_ = true;
  }
}

void IterateAverager::add(std::int64_t t, const Vec& x) {
  last_ = &x;
  if (kind_ == IterateKind::kLast) return;
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

RunningMeans::RunningMeans(const problems::Problem& problem, bool enabled)
    : problem_(problem), enabled_(enabled), g_(enabled ? problem.dim() : 0) {}

void RunningMeans::add(const Vec& x) {
  if (!enabled_) return;
  problem_.gradient(x, g_);
  const double s = problem_.value(x) - problem_.constants().f_star;
  ++count_;
  subopt_ += (s - subopt_) / static_cast<double>(count_);
  grad2_ += (g_.squaredNorm() - grad2_) / static_cast<double>(count_);
}

bool TargetTest::reached(const problems::Problem& problem, const Vec& x) const {
  if (metric_ == "none") return false;
  const auto& c = problem.constants();
  double v = NAN;
  if (metric_ == "subopt") {
    v = problem.value(x) - c.f_star;
  } else if (metric_ == "dist2") {
    v = (x - c.x_star).squaredNorm();
  } else if (metric_ == "grad2") {
    Vec g(problem.dim());
    problem.gradient(x, g);
    v = g.squaredNorm();
  }
  return v <= value_;
}

}  // namespace sgdcheck::runners
