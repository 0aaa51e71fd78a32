#include "pipeline/derived.hpp"

#include <cmath>

#include "analysis/statistics.hpp"

namespace sgdcheck::pipeline {

double iterations_to_target(const std::vector<std::int64_t>& iters,
                            const std::vector<double>& y,
                            double target,
                            bool relative) {
  return analysis::iterations_to_target(iters, y, target, relative);
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
