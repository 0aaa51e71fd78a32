#include "analysis/statistics.hpp"

#include <algorithm>
#include <cmath>

namespace sgdcheck::analysis {

Rng bootstrap_stream(std::uint64_t unit) { return make_stream(0, unit, StreamPurpose::kBootstrap, 0); }

void draw_resample(Rng& rng, std::vector<std::size_t>& reps) {
  const std::size_t R = reps.size();
  for (auto& r : reps) r = static_cast<std::size_t>(rng.below(R));
}

MeanSe mean_se(const std::vector<double>& x) {
  MeanSe out;
  double s = 0.0;
  for (double v : x)
    if (std::isfinite(v)) {
      s += v;
      ++out.n;
    }
  if (out.n < 2) {
    out.mean = out.n == 1 ? s : NAN;
    out.se = NAN;
    return out;
  }
  const double n = static_cast<double>(out.n);
  out.mean = s / n;
  double ss = 0.0;
  for (double v : x)
    if (std::isfinite(v)) ss += (v - out.mean) * (v - out.mean);
  out.se = std::sqrt(ss / (n - 1) / n);
  return out;
}

Paired paired_difference(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d;
  double sb = 0.0;
  const std::size_t R = std::min(a.size(), b.size());
  for (std::size_t r = 0; r < R; ++r) {
    if (!std::isfinite(a[r]) || !std::isfinite(b[r])) continue;
    d.push_back(a[r] - b[r]);
    sb += b[r];
  }
  Paired p;
  p.diff = mean_se(d);
  p.reference_mean = d.empty() ? NAN : sb / static_cast<double>(d.size());
  return p;
}

MeanSe batch_means(const std::vector<double>& x, std::size_t batches) {
  if (batches < 2 || x.size() < batches) return {NAN, NAN, 0};
  const std::size_t len = x.size() / batches;
  std::vector<double> m;
  for (std::size_t b = 0; b < batches; ++b) {
    double s = 0.0;
    for (std::size_t i = b * len; i < (b + 1) * len; ++i) s += x[i];
    m.push_back(s / static_cast<double>(len));
  }
  return mean_se(m);
}

double quantile_sorted(const std::vector<double>& sorted, double f) {
  return sorted[static_cast<std::size_t>(f * static_cast<double>(sorted.size() - 1))];
}

std::pair<double, double> central_interval(std::vector<double> v, double level) {
  if (v.empty()) return {NAN, NAN};
  std::sort(v.begin(), v.end());
  return {quantile_sorted(v, (1 - level) / 2), quantile_sorted(v, 1 - (1 - level) / 2)};
}

double ols_slope(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  return sxx > 0 ? sxy / sxx : NAN;
}

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

}  // namespace sgdcheck::analysis
