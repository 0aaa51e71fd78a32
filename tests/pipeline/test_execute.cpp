// plan + execute on a tiny least-squares experiment: identical results for any number of jobs,
// statistics consistent with the per-rep values, and a real bound that holds until it is scaled
// by 0.1.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <string>

#include "../config/temp_files.hpp"
#include "experiment_text.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/execute.hpp"
#include "pipeline/plan.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace sgdcheck;
using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::test;
using sgdcheck::test::TempDir;

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void require_identical(const ResultSet& a, const ResultSet& b) {
  REQUIRE(a.cells.size() == b.cells.size());
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    const auto& ca = a.cells[i];
    const auto& cb = b.cells[i];
    REQUIRE(ca.metrics.size() == cb.metrics.size());
    for (const auto& [m, sa] : ca.metrics) {
      const auto& sb = cb.metrics.at(m);
      REQUIRE(sa.values.size() == sb.values.size());
      for (std::size_t r = 0; r < sa.values.size(); ++r)
        for (std::size_t k = 0; k < sa.values[r].size(); ++k) {
          INFO("cell " << i << " metric " << m << " rep " << r << " point " << k);
          REQUIRE(same_bits(sa.values[r][k], sb.values[r][k]));
        }
      for (std::size_t k = 0; k < sa.size(); ++k) REQUIRE(sa.points[k].iter == sb.points[k].iter);
    }
    REQUIRE(ca.bounds.size() == cb.bounds.size());
    for (std::size_t j = 0; j < ca.bounds.size(); ++j)
      for (std::size_t k = 0; k < ca.bounds[j].values.size(); ++k)
        REQUIRE(same_bits(ca.bounds[j].values[k], cb.bounds[j].values[k]));
    REQUIRE(ca.runs.size() == cb.runs.size());
    for (std::size_t r = 0; r < ca.runs.size(); ++r) REQUIRE(ca.runs[r].iterations == cb.runs[r].iterations);
  }
}

}  // namespace

TEST_CASE("executing a plan with one job and with two jobs gives bit-identical results", "[pipeline]") {
  TempDir dir;
  const std::string file = dir.write("exp.yaml", tiny_experiment());
  const Plan plan = make_plan(file, {});
  const Execution one = execute(plan, {1, {}});
  const Execution two = execute(plan, {2, {}});
  require_identical(one.results, two.results);
  // A different seed must change the values (the seed reaches the runs).
  const Plan other = make_plan(file, {false, 4});
  const Execution three = execute(other, {2, {}});
  const auto& a = one.results.cells[0].metrics.at("dist2").values[0];
  const auto& b = three.results.cells[0].metrics.at("dist2").values[0];
  REQUIRE_FALSE(same_bits(a.back(), b.back()));
}

TEST_CASE("execute records every rep at every planned point with consistent statistics", "[pipeline]") {
  TempDir dir;
  const Plan plan = make_plan(dir.write("exp.yaml", tiny_experiment()), {});
  std::size_t calls = 0, last_total = 0;
  const Execution ex = execute(plan, {2, [&](std::size_t, std::size_t total) {
                                        ++calls;
                                        last_total = total;
                                      }});
  REQUIRE(calls == plan.runs());
  REQUIRE(last_total == plan.runs());
  REQUIRE(ex.wall_seconds.size() == plan.runs());
  const auto& rs = ex.results;
  REQUIRE(rs.name == "tiny");
  REQUIRE(rs.cells.size() == 2);
  for (std::size_t i = 0; i < rs.cells.size(); ++i) {
    const auto& c = rs.cells[i];
    REQUIRE(c.runs.size() == kTinySeeds);
    for (const auto& r : c.runs) {
      REQUIRE(r.termination == "max_iterations");
      REQUIRE(r.iterations == 200);
    }
    REQUIRE(c.options.at("runner.batch") == (i == 0 ? "1" : "4"));
    const auto& s = c.metrics.at("dist2");
    REQUIRE(s.values.size() == kTinySeeds);
    REQUIRE(s.size() == plan.cells[i].record_iters.size());
    // dist2 at iteration 0 is init.radius^2 = 1 for every rep (x0 = x* + radius · unit vector).
    REQUIRE(s.points[0].iter == 0);
    for (const auto& row : s.values) REQUIRE_THAT(row[0], WithinAbs(1.0, 1e-12));
    // The mean at the last point, recomputed by hand from the per-rep values.
    const std::size_t last = s.size() - 1;
    double sum = 0;
    for (const auto& row : s.values) sum += row[last];
    REQUIRE_THAT(s.mean[last], WithinRel(sum / static_cast<double>(kTinySeeds), 1e-12));
    REQUIRE(static_cast<std::size_t>(s.n[last]) == kTinySeeds);
    // The problem constants are recorded; L >= mu > 0 for a strongly convex least-squares problem.
    REQUIRE(c.constant("L") >= c.constant("mu"));
    REQUIRE(c.constant("mu") > 0.0);
    REQUIRE(std::isnan(c.constant("no_such_constant")));
  }
}

TEST_CASE("a real upper bound holds on measured data and fails when scaled by 0.1", "[pipeline]") {
  TempDir dir;
  const Plan plan = make_plan(dir.write("exp.yaml", tiny_experiment()), {});
  Execution ex = execute(plan, {2, {}});
  const auto good = run_checks(plan.checks, ex.results);
  REQUIRE(good.size() == 1);
  INFO(format_checks(good));
  REQUIRE(good[0].check == "bound_holds");
  REQUIRE(good[0].passed);

  for (auto& c : ex.results.cells)
    for (auto& b : c.bounds) {
      REQUIRE(b.applicable);
      for (double& v : b.values) v *= 0.1;
    }
  const auto bad = run_checks(plan.checks, ex.results);
  INFO(format_checks(bad));
  REQUIRE_FALSE(bad[0].passed);
}
