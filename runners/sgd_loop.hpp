#pragma once
/// \file The one step loop of every runner (minibatch_sgd, delayed_sgd, local_sgd): step schedule
/// (γ_t, possibly scaled by the delay τ_t), reported point (last / average / tail / Polyak–Ruppert),
/// running means, the four x-axes, divergence, recording at the scheduled points, the target test and
/// the observer. A runner supplies only an *engine*, which performs the t-th update with its workers
/// and update rule:
///
///     std::int64_t next_delay();                        // τ_t of update t (0 without a delay model)
///     const Vec& update(std::int64_t t, double gamma);  // performs update t; returns the point x_t
///                                                       // (valid until the next call)
///     void advance(Point& p) const;                     // samples / rounds after the update
///     void extras(const Point& p, std::vector<double>& values);  // the runner's extra metrics
///     std::span<const WorkerState> workers() const;
///     // optional: std::optional<std::pair<Termination, std::string>> stop();  ends the run after the update
///
/// so every runner stops, records and reports in exactly the same way. Recording calls are all in
/// `record` below (one place to change when the recorder changes).
#include <fmt/format.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "runners/iterate_averager.hpp"
#include "runners/recorder.hpp"
#include "runners/runner.hpp"

namespace sgdcheck::runners {

/// The words of a runner's termination messages.
struct LoopText {
  std::string diverged = "iterate";  ///< what diverged ("iterate", "virtual average")
  std::string unit = "iteration";    ///< one t ("iteration", "local step")
  std::string finished;              ///< message when all spec.iterations ran
};

/// Runs t = 1..spec.iterations. Recorded metrics: the standard ones, then "step", `extra_names`, and
/// avg_subopt / avg_grad2 when spec.running_metrics.
template <class Engine>
RunResult run_step_loop(const problems::Problem& problem,
                        const RunSpec& spec,
                        const std::vector<std::int64_t>& record_iters,
                        const Vec& x0,
                        const std::vector<std::string>& extra_names,
                        Engine& engine,
                        StepObserver* observer,
                        const LoopText& text) {
  IterateAverager avg(spec.iterate, spec.tail_fraction, x0, spec.iterations, spec.pr_include_w0);
  std::vector<std::string> names{"step"};
  names.insert(names.end(), extra_names.begin(), extra_names.end());
  if (spec.running_metrics) names.insert(names.end(), {"avg_subopt", "avg_grad2"});
  Recorder rec(problem, record_iters, names, spec.record_axis);
  rec.set_divergence(x0, spec.divergence_factor);
  TargetTest target(problem, spec.target_metric, spec.target_value);
  RunningMeans running(problem, spec.running_metrics);
  std::vector<double> values;
  values.reserve(names.size());

  Point p;
  auto record = [&](const Vec& point, double gamma) {
    values.clear();
    values.push_back(gamma);
    engine.extras(p, values);
    if (spec.running_metrics) values.insert(values.end(), {running.subopt(), running.grad2()});
    rec.record(p, point, values);
  };
  running.add(x0);
  if (rec.due(0)) record(avg.point(), spec.step.at(1));
  for (std::int64_t t = 1; t <= spec.iterations; ++t) {
    const std::int64_t tau = engine.next_delay();
    const double gamma = spec.step.at(t, tau);
    const Vec& x = engine.update(t, gamma);
    avg.add(t, x);
    running.add(x);
    p.iter = t;
    engine.advance(p);
    p.vtime = static_cast<double>(t);
    // An engine may end the run itself (the adaptive-batch runner: sample budget, target at a round
    // end); engines without stop() compile to the loop they always had.
    if constexpr (requires { engine.stop(); }) {
      if (const auto stop = engine.stop()) {
        if (!rec.diverged(x)) {
          if (rec.is_new(p)) record(avg.point(), gamma);
          return rec.finish(stop->first, stop->second, t, p);
        }
      }
    }
    const bool due = rec.due(t);
    if ((due || (t & 63) == 0) && rec.diverged(x)) {
      if (due || rec.is_new(p)) record(x, gamma);
      // The remaining scheduled points: +inf metrics at their own scheduled axis values, `step` the
      // scheduled γ_t (a step size stays a finite number).
      const Recorder::Filler fill = [&spec](std::int64_t it, std::span<double> extras) {
        extras[0] = spec.step.at(std::max<std::int64_t>(it, 1));
        return scheduled_point(spec, it);
      };
      return rec.finish(Termination::kDiverged, fmt::format("{} diverged at {} {}", text.diverged, text.unit, t), t, p,
                        fill);
    }
    if (due) {
      const Vec& reported = avg.point();
      record(reported, gamma);
      if (target.reached(problem, reported))
        return rec.finish(Termination::kConverged,
                          fmt::format("{} <= {} at {} {}", to_string(spec.target_metric), spec.target_value, text.unit, t),
                          t,
                          p);
    }
    if (observer && observer->on_step(StepEvent{t, gamma, tau, x, p, engine.workers()}) == ObserverAction::kStop)
      return rec.finish(Termination::kStoppedByCallback, fmt::format("observer stopped at {} {}", text.unit, t), t, p);
  }
  return rec.finish(Termination::kMaxIterations, text.finished, spec.iterations, p);
}

}  // namespace sgdcheck::runners
