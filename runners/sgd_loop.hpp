#pragma once
/// \file The iteration loop shared by the single-sequence runners (minibatch_sgd, delayed_sgd): step
/// schedule, reported point (last / average / tail), running means, the four x-axes, divergence,
/// recording at the scheduled points and the target test. A runner supplies only its update and its
/// extra metrics, so every runner stops, records and reports in exactly the same way.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "runners/iterate_averager.hpp"
#include "runners/minibatch_sgd.hpp"
#include "runners/recorder.hpp"

namespace sgdcheck::runners {

/// Runs t = 1..o.iterations. `update(t, gamma)` performs the t-th server update and returns the new
/// iterate x_t (a reference that stays valid until the next call); `extras(values)` appends the
/// runner's extra metrics (named `extra_names`) at a recording point. Recorded metrics: the standard
/// ones, then "step", the extras, and avg_subopt / avg_grad2 when o.running_metrics.
template <class Update, class Extras>
RunResult run_sgd_loop(const problems::Problem& problem,
                       const CommonRunOptions& o,
                       const StepSchedule& step,
                       const std::vector<std::int64_t>& record_iters,
                       const Vec& x0,
                       const std::vector<std::string>& extra_names,
                       Update&& update,
                       Extras&& extras) {
  IterateAverager avg(o.iterate, o.tail_fraction, x0, o.iterations);
  std::vector<std::string> names{"step"};
  names.insert(names.end(), extra_names.begin(), extra_names.end());
  if (o.running_metrics) names.insert(names.end(), {"avg_subopt", "avg_grad2"});
  Recorder rec(problem, record_iters, names);
  rec.set_divergence(x0, o.divergence_factor);
  const TargetTest target(o.target_metric, o.target_value);
  RunningMeans running(problem, o.running_metrics);
  std::vector<double> values;
  values.reserve(names.size());

  Point p;
  auto record = [&](const Vec& point, double gamma) {
    values.clear();
    values.push_back(gamma);
    extras(p, values);
    if (o.running_metrics) values.insert(values.end(), {running.subopt(), running.grad2()});
    rec.record(p, point, values);
  };
  running.add(x0);
  if (rec.due(0)) record(avg.point(), step.at(1));
  for (std::int64_t t = 1; t <= o.iterations; ++t) {
    const double gamma = step.at(t);
    const Vec& x = update(t, gamma);
    avg.add(t, x);
    running.add(x);
    p.iter = t;
    p.samples += o.batch;
    p.rounds = t;
    p.vtime = static_cast<double>(t);
    const bool check_now = rec.due(t) || (t & 63) == 0;
    if (check_now && rec.diverged(x)) {
      record(x, gamma);
      return rec.finish(Termination::kDiverged, fmt::format("iterate diverged at iteration {}", t), t, p);
    }
    if (rec.due(t)) {
      record(avg.point(), gamma);
      if (target.reached(problem, avg.point()))
        return rec.finish(Termination::kConverged,
                          fmt::format("{} <= {} at iteration {}", o.target_metric, o.target_value, t),
                          t,
                          p);
    }
  }
  return rec.finish(Termination::kMaxIterations, fmt::format("ran {} iterations", o.iterations), o.iterations, p);
}

}  // namespace sgdcheck::runners
