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
#include <array>
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

/// What run_step_loop keeps between runs of one cell on one thread: the recorder, the reported-point
/// averager, the running means, the target test and the metric buffer. Building it allocates; a
/// run that reuses it (run_step_loop_into) allocates nothing once its buffers have grown, which is
/// what a cell of many short runs spends its time on otherwise (patel_e1: 64 000 runs of 60 steps).
/// Recorded metrics: the standard ones, then "step", `extra_names`, and avg_subopt / avg_grad2 when
/// spec.running_metrics.
struct StepLoopState {
  StepLoopState(const problems::Problem& problem,
                const RunSpec& spec,
                const std::vector<std::int64_t>& record_iters,
                const Vec& x0,
                const std::vector<std::string>& extra_names)
      : avg(spec.iterate, spec.tail_fraction, x0, spec.iterations, spec.pr_include_w0),
        rec(problem, record_iters, metric_names(spec, extra_names), spec.record_axis),
        target(problem, spec.target_metric, spec.target_value),
        running(problem, spec.running_metrics) {
    values.reserve(2 + extra_names.size() + 2);
  }
  static std::vector<std::string> metric_names(const RunSpec& spec, const std::vector<std::string>& extra_names) {
    std::vector<std::string> names{"step"};
    names.insert(names.end(), extra_names.begin(), extra_names.end());
    if (spec.running_metrics) names.insert(names.end(), {"avg_subopt", "avg_grad2"});
    return names;
  }
  IterateAverager avg;
  Recorder rec;
  TargetTest target;
  RunningMeans running;
  std::vector<double> values;
};

/// The step loop tests for divergence at every recording and every this many steps.
inline constexpr std::int64_t kDivergenceCheckEvery = 64;

/// Runs t = 1..spec.iterations into `out` with the state `st` (built for this problem, spec and
/// recording grid; a previous run's state is reset here). `x0` must outlive the call.
template <class Engine>
void run_step_loop_into(const problems::Problem& problem,
                        const RunSpec& spec,
                        const Vec& x0,
                        Engine& engine,
                        StepObserver* observer,
                        const LoopText& text,
                        StepLoopState& st,
                        RunResult& out) {
  IterateAverager& avg = st.avg;
  Recorder& rec = st.rec;
  std::vector<double>& values = st.values;
  avg.restart(x0);
  rec.restart();
  st.running.restart();
  rec.set_divergence(x0, spec.divergence_factor);

  Point p;
  auto record = [&](const Vec& point, double gamma) {
    values.clear();
    values.push_back(gamma);
    engine.extras(p, values);
    if (spec.running_metrics) values.insert(values.end(), {st.running.subopt(), st.running.grad2()});
    rec.record(p, point, values);
  };
  st.running.add(x0);
  if (rec.due(0)) record(avg.point(), spec.step.at(1));
  for (std::int64_t t = 1; t <= spec.iterations; ++t) {
    std::int64_t tau = 0;
    double gamma = 0.0;
    const Vec* xp = nullptr;
    // An engine with a fused form (update_run: local SGD on the random design) takes the steps up to
    // the next event in one call: the next scheduled recording, the divergence check every 64 steps,
    // the last step. Nothing looks at the steps in between except the averager and the running
    // means, which get each step's point as update() would have given it. An observer sees every step.
    if constexpr (requires { engine.update_run(t, std::span<const double>{}); }) {
      static_assert(Engine::kMaxRun >= kDivergenceCheckEvery,
                    "a run reaches at most the next divergence check");
      if (!observer && engine.fused()) {
        const std::int64_t next_check =
            (t + kDivergenceCheckEvery - 1) / kDivergenceCheckEvery * kDivergenceCheckEvery;
        const std::int64_t e = std::min({rec.next_due(), next_check, spec.iterations});
        if (e > t) {
          std::array<double, Engine::kMaxRun> gammas;
          const auto n = static_cast<std::size_t>(e - t + 1);  // <= kDivergenceCheckEvery
          for (std::size_t k = 0; k < n; ++k)
            gammas[k] = spec.step.at(t + static_cast<std::int64_t>(k), engine.next_delay());
          if (const Vec* xs = engine.update_run(t, std::span<const double>(gammas.data(), n))) {
            for (std::size_t k = 0; k < n; ++k) {
              avg.add(t + static_cast<std::int64_t>(k), xs[k]);
              st.running.add(xs[k]);
              p.iter = t + static_cast<std::int64_t>(k);
              engine.advance(p);
            }
            t = e;
            gamma = gammas[n - 1];
            xp = &xs[n - 1];
          }
        }
      }
    }
    if (!xp) {
      tau = engine.next_delay();
      gamma = spec.step.at(t, tau);
      xp = &engine.update(t, gamma);
      avg.add(t, *xp);
      st.running.add(*xp);
      p.iter = t;
      engine.advance(p);
    }
    const Vec& x = *xp;
    p.iter = t;
    p.vtime = static_cast<double>(t);
    // An engine may end the run itself (the adaptive-batch runner: sample budget, target at a round
    // end); engines without stop() compile to the loop they always had.
    if constexpr (requires { engine.stop(); }) {
      if (const auto stop = engine.stop()) {
        if (!rec.diverged(x)) {
          if (rec.is_new(p)) record(avg.point(), gamma);
          return rec.finish_into(stop->first, stop->second, t, p, {}, out);
        }
      }
    }
    const bool due = rec.due(t);
    if ((due || t % kDivergenceCheckEvery == 0) && rec.diverged(x)) {
      if (due || rec.is_new(p)) record(x, gamma);
      // The remaining scheduled points: +inf metrics at their own scheduled axis values, `step` the
      // scheduled γ_t (a step size stays a finite number).
      const Recorder::Filler fill = [&spec](std::int64_t it, std::span<double> extras) {
        extras[0] = spec.step.at(std::max<std::int64_t>(it, 1));
        return scheduled_point(spec, it);
      };
      return rec.finish_into(Termination::kDiverged, fmt::format("{} diverged at {} {}", text.diverged, text.unit, t),
                             t, p, fill, out);
    }
    if (due) {
      const Vec& reported = avg.point();
      record(reported, gamma);
      if (st.target.reached(problem, reported))
        return rec.finish_into(
            Termination::kConverged,
            fmt::format("{} <= {} at {} {}", to_string(spec.target_metric), spec.target_value, text.unit, t), t, p, {},
            out);
    }
    if (observer && observer->on_step(StepEvent{t, gamma, tau, x, p, engine.workers()}) == ObserverAction::kStop)
      return rec.finish_into(Termination::kStoppedByCallback, fmt::format("observer stopped at {} {}", text.unit, t), t,
                             p, {}, out);
  }
  rec.finish_into(Termination::kMaxIterations, text.finished, spec.iterations, p, {}, out);
}

/// run_step_loop_into with a fresh state and result (one run; allocates its buffers).
template <class Engine>
RunResult run_step_loop(const problems::Problem& problem,
                        const RunSpec& spec,
                        const std::vector<std::int64_t>& record_iters,
                        const Vec& x0,
                        const std::vector<std::string>& extra_names,
                        Engine& engine,
                        StepObserver* observer,
                        const LoopText& text) {
  StepLoopState st(problem, spec, record_iters, x0, extra_names);
  RunResult out;
  run_step_loop_into(problem, spec, x0, engine, observer, text, st, out);
  return out;
}

}  // namespace sgdcheck::runners
