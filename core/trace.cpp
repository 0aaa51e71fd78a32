#include "core/trace.hpp"

#include <algorithm>
#include <cmath>

namespace sgdcheck {

std::string to_string(Termination t) {
  switch (t) {
    case Termination::kMaxIterations: return "max_iterations";
    case Termination::kConverged: return "converged";
    case Termination::kDiverged: return "diverged";
    case Termination::kStoppedByCallback: return "stopped_by_callback";
  }
  return "unknown";
}

std::vector<std::int64_t> log_spaced_iterations(std::int64_t max_iter, int per_decade) {
  std::vector<std::int64_t> out{0};
  if (max_iter <= 0) return out;
  per_decade = std::max(per_decade, 1);
  for (int k = 0;; ++k) {
    const double t = std::pow(10.0, static_cast<double>(k) / per_decade);
    const auto it = static_cast<std::int64_t>(std::llround(t));
    if (it >= max_iter) break;
    if (it > out.back()) out.push_back(it);
  }
  if (out.back() != max_iter) out.push_back(max_iter);
  return out;
}

std::string to_string(RecordAxis a) {
  switch (a) {
    case RecordAxis::kIter: return "iter";
    case RecordAxis::kSamples: return "samples";
    case RecordAxis::kRounds: return "rounds";
    case RecordAxis::kVtime: return "vtime";
  }
  return "iter";
}

RecordPlan RecordPlan::on_iterations(const std::vector<std::int64_t>& iters) {
  RecordPlan p;
  p.grid.reserve(iters.size());
  for (auto it : iters) p.grid.push_back(static_cast<double>(it));
  return p;
}

std::size_t Trace::metric_index(const std::string& name) const {
  auto it = std::find(metrics.begin(), metrics.end(), name);
  return it == metrics.end() ? std::string::npos : static_cast<std::size_t>(it - metrics.begin());
}

}  // namespace sgdcheck
