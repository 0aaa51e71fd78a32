// Record axes end to end in the runners: the grid of record.axis becomes the recording iterations,
// every point carries all four axis values, and diverged runs fill their remaining scheduled points
// with +inf metrics at their own axis values and the scheduled step.
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/params.hpp"
#include "problems/registry.hpp"
#include "runners/recorder.hpp"
#include "runners/runner.hpp"
#include "support/raw_params.hpp"

using namespace sgdcheck;
using runners::RunKey;

using sgdcheck::test::raw_params;

namespace {

std::unique_ptr<problems::Problem> least_squares(const std::string& n = "40", const std::string& d = "4") {
  const auto* f = problems::find_problem_family("least_squares");
  REQUIRE(f != nullptr);
  return f->build(validate(f->schema, raw_params({{"n", n}, {"d", d}, {"noise", "0.1"}}), "problem"),
                  problems::BuildContext{});
}

struct Built {
  std::unique_ptr<problems::Problem> problem;
  std::unique_ptr<runners::Runner> runner;
};

Built build(const std::string& kind, const std::vector<std::pair<std::string, std::string>>& options) {
  Built b;
  b.problem = least_squares();
  const auto* k = runners::find_runner_kind(kind);
  REQUIRE(k != nullptr);
  const Params p = validate(k->schema, raw_params(options), "runner");
  k->validate(p, *b.problem);
  b.runner = k->make(p, *b.problem);
  return b;
}

RunResult run(const Built& b, std::uint64_t rep = 0) {
  return b.runner->run(*b.problem, RunKey{7, rep}, runners::record_iterations(b.runner->spec()));
}

}  // namespace

TEST_CASE("a local SGD run recorded on rounds has its points at the requested round grid", "[runners]") {
  // S = {7, 14, …, 196}: 28 rounds over N = 200 local steps. Log grid with 5 per decade on [0, 28]:
  // round(10^(k/5)) = 1, 2, 3, 4, 6, 10, 16, 25, then the end 28 (by hand).
  const Built b = build("local_sgd", {{"workers", "3"}, {"batch", "2"}, {"local_steps", "200"},
                                      {"schedule.kind", "periodic"}, {"schedule.period", "7"},
                                      {"step.rule", "constant"}, {"step.gamma", "0.05"},
                                      {"record.axis", "rounds"}, {"record.per_decade", "5"}});
  REQUIRE(b.runner->spec().communication->rounds() == 28);
  const std::vector<std::int64_t> rounds{0, 1, 2, 3, 4, 6, 10, 16, 25, 28};
  const RunResult r = run(b);
  REQUIRE(r.termination == Termination::kMaxIterations);
  REQUIRE(r.trace.points.size() == rounds.size());
  for (std::size_t k = 0; k < rounds.size(); ++k) {
    INFO("point " << k);
    const Point& p = r.trace.points[k];
    REQUIRE(p.rounds == rounds[k]);
    REQUIRE(p.iter == 7 * rounds[k]);  // recorded right after the averaging step of that round
    REQUIRE(p.samples == 3 * 2 * p.iter);
    REQUIRE(p.vtime == static_cast<double>(p.iter));
  }
  // Right after a round the workers agree: the spread is exactly 0 at every point after the first.
  const std::size_t spread = r.trace.metric_index("spread");
  for (std::size_t k = 1; k < rounds.size(); ++k) REQUIRE(r.trace.value(k, spread) == 0.0);
}

TEST_CASE("a samples grid for mini-batch with b = 8 is the iteration grid of the sample counts", "[runners]") {
  // Grid on [0, 8000] with 2 per decade: 1, 3, 10, 32, 100, 316, 1000, 3162, 8000 (by hand). The first
  // update reaching g samples is ceil(g / 8): 1, 1, 2, 4, 13, 40, 125, 396, 1000.
  const Built by_samples = build("minibatch_sgd", {{"iterations", "1000"}, {"batch", "8"}, {"step.rule", "constant"},
                                                   {"step.gamma", "0.05"}, {"record.axis", "samples"},
                                                   {"record.per_decade", "2"}});
  const std::vector<std::int64_t> iters{0, 1, 2, 4, 13, 40, 125, 396, 1000};
  REQUIRE(runners::record_iterations(by_samples.runner->spec()) == iters);
  const RunResult s = run(by_samples, 3);
  REQUIRE(s.trace.points.size() == iters.size());
  for (std::size_t k = 0; k < iters.size(); ++k) {
    REQUIRE(s.trace.points[k].iter == iters[k]);
    REQUIRE(s.trace.points[k].samples == 8 * iters[k]);
    REQUIRE(s.trace.points[k].rounds == iters[k]);
  }
  // The grid only chooses where to look: the same run recorded on iterations has the very same
  // values at the iterations both grids contain.
  const Built by_iter = build("minibatch_sgd", {{"iterations", "1000"}, {"batch", "8"}, {"step.rule", "constant"},
                                                {"step.gamma", "0.05"}, {"record.per_decade", "2"}});
  REQUIRE(runners::record_iterations(by_iter.runner->spec()) == log_spaced_iterations(1000, 2));
  const RunResult it = run(by_iter, 3);
  REQUIRE(it.trace.metrics == s.trace.metrics);
  std::size_t common = 0;
  for (std::size_t j = 0; j < it.trace.points.size(); ++j)
    for (std::size_t k = 0; k < s.trace.points.size(); ++k)
      if (s.trace.points[k].iter == it.trace.points[j].iter) {
        ++common;
        for (std::size_t m = 0; m < s.trace.metrics.size(); ++m) REQUIRE(s.trace.value(k, m) == it.trace.value(j, m));
      }
  REQUIRE(common == 3);  // iteration grid 0, 1, 3, 10, 32, 100, 316, 1000 shares 0, 1 and 1000
}

TEST_CASE("the vtime axis records where the iteration axis does for runners without a clock", "[runners]") {
  const Built b = build("delayed_sgd", {{"iterations", "300"}, {"delay.tau", "3"}, {"step.rule", "constant"},
                                        {"step.gamma", "0.02"}, {"record.axis", "vtime"}});
  REQUIRE(runners::record_iterations(b.runner->spec()) == log_spaced_iterations(300, 10));
}

TEST_CASE("a diverged run fills its remaining points at their own scheduled axis values with the scheduled step",
          "[runners]") {
  // γ_t = 50·t^-0.1 on least squares with L ~ 1 diverges within the first updates (checked at every
  // recorded point and every 64 updates).
  const Built b = build("minibatch_sgd", {{"iterations", "5000"}, {"batch", "4"}, {"step.rule", "power"},
                                          {"step.gamma", "50"}, {"step.alpha", "0.1"}});
  const RunResult r = run(b);
  REQUIRE(r.termination == Termination::kDiverged);
  REQUIRE(r.trace.points.back().iter == 5000);
  const std::size_t step = r.trace.metric_index("step"), dist2 = r.trace.metric_index("dist2");
  REQUIRE(step != std::string::npos);
  std::size_t filled = 0;
  for (std::size_t k = 0; k < r.trace.points.size(); ++k) {
    const Point& p = r.trace.points[k];
    INFO("point " << k << " at iteration " << p.iter);
    REQUIRE(p.samples == 4 * p.iter);
    REQUIRE(p.rounds == p.iter);
    REQUIRE(p.vtime == static_cast<double>(p.iter));
    // γ_t = 50·t^-0.1 (t >= 1; the point at 0 shows γ_1), never NaN.
    const double gamma = 50.0 * std::pow(static_cast<double>(std::max<std::int64_t>(p.iter, 1)), -0.1);
    REQUIRE_THAT(r.trace.value(k, step), Catch::Matchers::WithinRel(gamma, 1e-15));
    if (p.iter > r.iterations) {
      ++filled;
      REQUIRE(r.trace.value(k, dist2) == INFINITY);
    }
  }
  REQUIRE(filled > 10);
}

TEST_CASE("a local SGD run diverging between rounds fills the later rounds at their own steps", "[runners]") {
  const Built b = build("local_sgd", {{"workers", "2"}, {"local_steps", "3000"}, {"schedule.kind", "periodic"},
                                      {"schedule.period", "100"}, {"step.rule", "constant"}, {"step.gamma", "5"},
                                      {"record.axis", "rounds"}, {"record.per_decade", "4"}});
  const RunResult r = run(b);
  REQUIRE(r.termination == Termination::kDiverged);
  REQUIRE(r.iterations < 100);  // before the first round
  // Points: round 0 (t = 0), then the +inf fills at rounds 1, 2, 3, 6, 10, 18, 30 (grid by hand),
  // each at its own local step 100·round. No second point with rounds = 0 for the divergence.
  const std::vector<std::int64_t> rounds{0, 1, 2, 3, 6, 10, 18, 30};
  REQUIRE(r.trace.points.size() == rounds.size());
  const std::size_t spread = r.trace.metric_index("spread"), step = r.trace.metric_index("step");
  for (std::size_t k = 0; k < rounds.size(); ++k) {
    const Point& p = r.trace.points[k];
    REQUIRE(p.rounds == rounds[k]);
    REQUIRE(p.iter == 100 * rounds[k]);
    REQUIRE(p.samples == 2 * p.iter);
    REQUIRE(r.trace.value(k, step) == 5.0);
    if (k > 0) {
      REQUIRE(r.trace.value(k, 0) == INFINITY);
      REQUIRE(r.trace.value(k, spread) == INFINITY);
    }
  }
}

TEST_CASE("record.axis = rounds needs a communication round and samples a horizon below 2^53", "[runners]") {
  const auto problem = least_squares();
  const auto* local = runners::find_runner_kind("local_sgd");
  const Params none = validate(local->schema, raw_params({{"schedule.kind", "none"}, {"record.axis", "rounds"}}), "runner");
  REQUIRE_THROWS_AS(local->make(none, *problem), ConfigError);
  const auto* mb = runners::find_runner_kind("minibatch_sgd");
  const Params huge = validate(
      mb->schema, raw_params({{"iterations", "1000000000000"}, {"batch", "100000"}, {"record.axis", "samples"}}), "runner");
  REQUIRE_THROWS_AS(mb->make(huge, *problem), ConfigError);
}

TEST_CASE("the recorder stores a NaN metric as +inf, so NaN only ever marks an absent point", "[runners]") {
  const auto problem = least_squares();
  const std::vector<std::int64_t> iters{0, 1};
  runners::Recorder rec(*problem, iters, {"step", "extra"});
  const Vec x = problem->initial_point();
  rec.record(Point{}, x, {0.1, NAN});
  const RunResult r = rec.finish(Termination::kMaxIterations, "done", 0, Point{});
  REQUIRE(r.trace.value(0, r.trace.metric_index("extra")) == INFINITY);
  REQUIRE(r.trace.value(0, r.trace.metric_index("step")) == 0.1);
}
