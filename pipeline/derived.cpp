#include "pipeline/derived.hpp"

#include <cmath>

namespace sgdcheck::pipeline {

double iterations_to_target(const std::vector<std::int64_t>& iters,
                            const std::vector<double>& y,
                            double target,
                            bool relative) {
  if (iters.empty()) return INFINITY;
  const double scale = relative ? y.front() : 1.0;
  if (!(scale > 0)) return NAN;
  auto v = [&](std::size_t k) { return y[k] / scale; };
  if (v(0) <= target) return static_cast<double>(iters.front());
  for (std::size_t k = 1; k < iters.size(); ++k) {
    if (!(v(k) <= target)) continue;
    const double t0 = static_cast<double>(iters[k - 1]), t1 = static_cast<double>(iters[k]);
    const double l0 = std::log(v(k - 1)), l1 = std::log(v(k)), lt = std::log(target);
    if (!std::isfinite(l0) || !std::isfinite(l1) || l1 == l0) return t1;
    return t0 + (t1 - t0) * (lt - l0) / (l1 - l0);
  }
  return INFINITY;
}

}  // namespace sgdcheck::pipeline

#include "pipeline/result_set.hpp"

namespace sgdcheck::pipeline {

double iterations_to_target(const MetricSeries& m, double target, bool relative) {
  std::vector<std::int64_t> iters;
  iters.reserve(m.size());
  for (const auto& p : m.points) iters.push_back(p.iter);
  return iterations_to_target(iters, m.mean, target, relative);
}

double iterations_to_target_resampled(const MetricSeries& m,
                                      const std::vector<std::size_t>& reps,
                                      double target,
                                      bool relative) {
  std::vector<std::int64_t> iters;
  std::vector<double> mean(m.size(), 0.0);
  for (std::size_t k = 0; k < m.size(); ++k) {
    iters.push_back(m.points[k].iter);
    double s = 0.0;
    int cnt = 0;
    for (std::size_t r : reps) {
      const double v = m.values[r][k];
      if (std::isnan(v)) continue;
      s += v;
      ++cnt;
    }
    mean[k] = cnt ? s / cnt : NAN;
  }
  return iterations_to_target(iters, mean, target, relative);
}

}  // namespace sgdcheck::pipeline
