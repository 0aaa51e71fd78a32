// record.axis end to end in the pipeline: a local SGD experiment recorded on rounds is planned on the
// round grid, reduced, written, loaded back bit for bit, and its bounds sit at the recorded iterations.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "../config/temp_files.hpp"
#include "pipeline/execute.hpp"
#include "pipeline/plan.hpp"

using namespace sgdcheck;
using namespace sgdcheck::pipeline;
using sgdcheck::test::TempDir;

TEST_CASE("a local SGD experiment recorded on rounds is written and loaded on the round grid", "[pipeline]") {
  TempDir dir;
  // S = {7, 14, …, 196} (28 rounds): grid round(10^(k/5)) = 0, 1, 2, 3, 4, 6, 10, 16, 25, 28 (by hand).
  const std::string yaml =
      "name: rounds\nseed: 5\nseeds: 12\n"
      "problem: {family: random_design_ls, h: [1.0, 0.1], noise: 1.0, w_star: [-1.0, 2.0], init: {kind: zeros}}\n"
      "runner:\n  kind: local_sgd\n  workers: 2\n  local_steps: 200\n  step: {rule: constant, gamma: 0.05}\n"
      "  schedule: {kind: periodic, period: 7}\n  record: {axis: rounds, per_decade: 5}\n"
      "bounds: [oracle.local_sgd.dist2]\n";
  const Plan plan = make_plan(dir.write("rounds.yaml", yaml), {});
  REQUIRE(plan.cells.size() == 1);
  const std::vector<std::int64_t> rounds{0, 1, 2, 3, 4, 6, 10, 16, 25, 28};
  std::vector<std::int64_t> iters;
  for (auto r : rounds) iters.push_back(7 * r);
  REQUIRE(plan.cells[0].record_iters == iters);
  const Execution ex = execute(plan, {2, {}}, {});
  const auto& s = ex.results.cells[0].metrics.at("dist2");
  REQUIRE(s.size() == rounds.size());
  for (std::size_t k = 0; k < rounds.size(); ++k) {
    REQUIRE(s.points[k].rounds == rounds[k]);
    REQUIRE(s.points[k].iter == iters[k]);
    REQUIRE(s.n[k] == 12);
  }
  const BoundSeries* b = ex.results.cells[0].bound("oracle.local_sgd.dist2");
  REQUIRE(b != nullptr);
  REQUIRE(b->applicable);
  REQUIRE(b->iters == iters);

  const auto out = dir.path() / "out";
  std::filesystem::create_directories(out);
  ex.results.write(out);
  const ResultSet back = ResultSet::load(out);
  REQUIRE(back.cells[0].options.at("runner.record.axis") == "rounds");
  const auto& t = back.cells[0].metrics.at("dist2");
  REQUIRE(t.size() == s.size());
  for (std::size_t k = 0; k < s.size(); ++k) {
    REQUIRE(t.points[k].rounds == s.points[k].rounds);
    REQUIRE(std::memcmp(&t.mean[k], &s.mean[k], sizeof(double)) == 0);
  }
}
