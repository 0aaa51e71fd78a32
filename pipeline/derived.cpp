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
