// Recorder: recording grids on the iteration axis (the default) and on other axes.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "problems/registry.hpp"
#include "runners/recorder.hpp"

using namespace sgdcheck;

namespace {

std::unique_ptr<problems::Problem> small_least_squares() {
  const auto* f = problems::find_problem_family("least_squares");
  REQUIRE(f != nullptr);
  RawParams raw;
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{{"n", "20"}, {"d", "3"}}) {
    RawValue r;
    r.scalar = v;
    raw[k] = r;
  }
  return f->build(validate(f->schema, raw, "problem"), problems::BuildContext{});
}

/// Steps t = 0..T with batch 4 (samples = 4t), recording whenever the recorder says so.
Trace drive(runners::Recorder& rec, std::int64_t T, bool by_point) {
  const auto problem = small_least_squares();
  const Vec x = Vec::Zero(problem->dim());
  for (std::int64_t t = 0; t <= T; ++t) {
    const Point p{t, 4 * t, t, 0.5 * static_cast<double>(t)};
    if (by_point ? rec.due(p) : rec.due(t)) rec.record(p, x, {});
  }
  return rec.finish(Termination::kMaxIterations, "done", T, Point{T, 4 * T, T, 0.5 * static_cast<double>(T)}).trace;
}

}  // namespace

TEST_CASE("a samples grid records at the first step that reaches each grid value", "[runners]") {
  const auto problem = small_least_squares();
  RecordPlan plan;
  plan.axis = RecordAxis::kSamples;
  plan.grid = {0, 10, 25, 26, 100};  // 26: passed by the same step as 25 (samples 28), so skipped
  runners::Recorder rec(*problem, plan);
  const Trace tr = drive(rec, 30, true);
  REQUIRE(tr.points.size() == 4);
  const std::vector<std::int64_t> iters{0, 3, 7, 25}, samples{0, 12, 28, 100};
  for (std::size_t k = 0; k < 4; ++k) {
    REQUIRE(tr.points[k].iter == iters[k]);
    REQUIRE(tr.points[k].samples == samples[k]);
    REQUIRE(tr.points[k].rounds == iters[k]);  // every point keeps all four values
  }
}

TEST_CASE("an iteration RecordPlan records exactly where the iteration list does", "[runners]") {
  const auto problem = small_least_squares();
  const std::vector<std::int64_t> iters = log_spaced_iterations(50, 5);
  runners::Recorder by_list(*problem, iters);
  runners::Recorder by_plan(*problem, RecordPlan::on_iterations(iters));
  const Trace a = drive(by_list, 50, false);
  const Trace b = drive(by_plan, 50, false);
  REQUIRE(a.points.size() == iters.size());
  REQUIRE(b.points.size() == a.points.size());
  for (std::size_t k = 0; k < a.points.size(); ++k) REQUIRE(b.points[k].iter == a.points[k].iter);
  runners::Recorder by_point(*problem, RecordPlan::on_iterations(iters));
  const Trace c = drive(by_point, 50, true);
  REQUIRE(c.points.size() == a.points.size());
}
