#include "runners/recorder.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace sgdcheck::runners {

Recorder::Recorder(const problems::Problem& problem,
                   const std::vector<std::int64_t>& record_iters,
                   std::vector<std::string> extra_metrics,
                   RecordAxis axis)
    : problem_(problem), iters_(&record_iters), axis_(axis), g_(problem.dim()), diff_(problem.dim()) {
  init(std::move(extra_metrics), record_iters.size());
}

Recorder::Recorder(const problems::Problem& problem, const RecordPlan& plan, std::vector<std::string> extra_metrics)
    : problem_(problem), iters_(nullptr), plan_(plan), axis_(plan.axis), g_(problem.dim()), diff_(problem.dim()) {
  init(std::move(extra_metrics), plan.grid.size());
}

void Recorder::init(std::vector<std::string> extra_metrics, std::size_t points) {
  // dist2 and the divergence test read x* at every coordinate: a problem without a reference point
  // is a programming error, reported here instead of as an out-of-bounds read in a run.
  if (problem_.constants().x_star.size() != problem_.dim())
    throw std::logic_error("Recorder: problem " + problem_.family() + " has no reference point x_star of dimension " +
                           std::to_string(problem_.dim()));
  trace_.metrics = {"subopt", "dist2", "grad2"};
  has_test_ = problem_.test_value(Vec::Zero(problem_.dim())).has_value();
  if (has_test_) trace_.metrics.push_back("test_loss");
  for (auto& m : extra_metrics) trace_.metrics.push_back(std::move(m));
  trace_.points.reserve(points);
  trace_.values.reserve(points * trace_.metrics.size());
}

void Recorder::record(const Point& p, const Vec& x, std::span<const double> extras) {
  const std::size_t n_std = has_test_ ? 4 : 3;
  if (extras.size() + n_std != trace_.metrics.size())
    throw std::logic_error("Recorder::record: wrong number of extra metrics");
  const auto& c = problem_.constants();
  const bool finite = x.allFinite();
  trace_.points.push_back(p);
  if (finite) {
    const double f = problem_.value_and_gradient(x, g_);
    diff_ = x - c.x_star;
    trace_.values.push_back(f - c.f_star);
    trace_.values.push_back(diff_.squaredNorm());
    trace_.values.push_back(g_.squaredNorm());
    if (has_test_) trace_.values.push_back(*problem_.test_value(x));
  } else {
    for (std::size_t k = 0; k < n_std; ++k) trace_.values.push_back(INFINITY);
  }
  for (double e : extras) trace_.values.push_back(e);
  // A NaN metric is numerical breakdown: recorded as +inf (the error of a broken run is infinite), so
  // NaN in a trace, and in results.csv, only ever means "no such point in this rep".
  for (auto it = trace_.values.end() - static_cast<std::ptrdiff_t>(trace_.metrics.size()); it != trace_.values.end(); ++it)
    if (std::isnan(*it)) *it = INFINITY;
  if (iters_) {
    while (next_ < iters_->size() && (*iters_)[next_] <= p.iter) ++next_;
  } else {
    const double v = axis_value(p, plan_.axis);
    while (next_ < plan_.grid.size() && plan_.grid[next_] <= v) ++next_;
  }
}

void Recorder::set_divergence(const Vec& x0, double factor) {
  divergence_limit_ = factor * (1.0 + (x0 - problem_.constants().x_star).squaredNorm());
}

bool Recorder::diverged(const Vec& x) const {
  if (!x.allFinite()) return true;
  const auto& xs = problem_.constants().x_star;
  double d2 = 0.0;
  for (Index i = 0; i < x.size(); ++i) d2 += (x[i] - xs[i]) * (x[i] - xs[i]);
  return !(d2 <= divergence_limit_);
}

void Recorder::fill_diverged(const Point& last, const Filler& fill) {
  const std::size_t n_std = has_test_ ? 4 : 3;
  fill_.assign(trace_.metrics.size() - n_std, INFINITY);
  auto add = [&](const Point& p) {
    trace_.points.push_back(p);
    for (std::size_t k = 0; k < n_std; ++k) trace_.values.push_back(INFINITY);
    trace_.values.insert(trace_.values.end(), fill_.begin(), fill_.end());
  };
  if (iters_) {
    while (next_ < iters_->size()) {
      const std::int64_t it = (*iters_)[next_++];
      if (!trace_.points.empty() && trace_.points.back().iter >= it) continue;
      std::fill(fill_.begin(), fill_.end(), INFINITY);
      Point p = last;
      p.iter = it;
      if (fill) p = fill(it, fill_);
      add(p);
    }
  } else {
    // Other axes: one +inf point per remaining grid value, at that value of the axis.
    for (; next_ < plan_.grid.size(); ++next_) {
      Point p = last;
      const double g = plan_.grid[next_];
      if (!trace_.points.empty() && axis_value(trace_.points.back(), plan_.axis) >= g) continue;
      switch (plan_.axis) {
        case RecordAxis::kSamples: p.samples = static_cast<std::int64_t>(g); break;
        case RecordAxis::kRounds: p.rounds = static_cast<std::int64_t>(g); break;
        case RecordAxis::kVtime: p.vtime = g; break;
        case RecordAxis::kIter: p.iter = static_cast<std::int64_t>(g); break;
      }
      std::fill(fill_.begin(), fill_.end(), INFINITY);
      add(p);
    }
  }
}

RunResult Recorder::finish(Termination why, std::string message, std::int64_t iterations, const Point& last,
                           const Filler& fill) {
  if (why == Termination::kDiverged) fill_diverged(last, fill);
  RunResult r;
  r.termination = why;
  r.message = std::move(message);
  r.iterations = iterations;
  r.trace = std::move(trace_);
  return r;
}

void Recorder::finish_into(Termination why, std::string_view message, std::int64_t iterations, const Point& last,
                           const Filler& fill, RunResult& out) {
  if (why == Termination::kDiverged) fill_diverged(last, fill);
  out.termination = why;
  out.message.assign(message);
  out.iterations = iterations;
  out.scalars.clear();
  if (out.trace.metrics != trace_.metrics) out.trace.metrics = trace_.metrics;  // equal after the first run
  out.trace.points.assign(trace_.points.begin(), trace_.points.end());  // within out's capacity after one run
  out.trace.values.assign(trace_.values.begin(), trace_.values.end());
}

void Recorder::restart() {
  next_ = 0;
  trace_.points.clear();
  trace_.values.clear();
}

}  // namespace sgdcheck::runners
