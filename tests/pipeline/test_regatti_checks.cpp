// Regatti 2019 check kinds and the vacuous bound state on hand-built results: a vacuous bound (every
// point after the first +inf) or an inadmissible one is skipped with its reason, never a pass; a
// violated bound fails; a valid one passes.
#include <catch2/catch.hpp>

#include <cmath>

#include "pipeline/checks.hpp"
#include "synthetic.hpp"

using Catch::Matchers::Contains;
using namespace sgdcheck;
using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::test;

namespace {
const std::vector<std::int64_t> kRegattiIters{0, 10, 100};
MetricSeries growing() { return two_rep_series(kRegattiIters, {0.0, 0.5, 1.0}, {0.0, 0.01, 0.02}); }
}  // namespace

TEST_CASE("a bound that is +inf after the first point is vacuous and bound_holds skips it instead of passing",
          "[pipeline]") {
  const auto rs = one_metric_results({growing()}, {{bound_series("b", "delta", kRegattiIters, {0.0, INFINITY, INFINITY})}}, "delta");
  REQUIRE(bound_state(rs.cells[0], rs.cells[0].bounds[0]) == BoundState::kVacuous);
  const auto out = run_one("bound_holds", {{"bound", "b"}}, rs);
  REQUIRE(out.status == CheckStatus::kSkipped);
  REQUIRE_FALSE(out.passed);
}

TEST_CASE("a stability bound starting at 0 is applicable, not vacuous, although it never drops below the initial metric",
          "[pipeline]") {
  const auto rs = one_metric_results({growing()}, {{bound_series("b", "delta", kRegattiIters, {0.0, 2.0, 5.0})}}, "delta");
  REQUIRE(bound_state(rs.cells[0], rs.cells[0].bounds[0]) == BoundState::kApplicable);
}

TEST_CASE("regatti2019.stability_bounds passes a valid bound, fails a violated one and skips vacuous and inadmissible ones",
          "[pipeline]") {
  const auto valid = one_metric_results({growing()}, {{bound_series("regatti.x.delta", "delta", kRegattiIters, {0.0, 2.0, 5.0})}}, "delta");
  REQUIRE(run_one("regatti2019.stability_bounds", {}, valid).passed);

  // mean 1.0 - 3·0.02 = 0.94 > 0.5 at t = 100: a significant violation.
  const auto broken = one_metric_results({growing()}, {{bound_series("regatti.x.delta", "delta", kRegattiIters, {0.0, 2.0, 0.5})}}, "delta");
  const auto fail = run_one("regatti2019.stability_bounds", {}, broken);
  REQUIRE(fail.status == CheckStatus::kFail);

  // Within 3 SE of the bound: not significant, passes.
  const auto close = one_metric_results({growing()}, {{bound_series("regatti.x.delta", "delta", kRegattiIters, {0.0, 2.0, 0.95})}}, "delta");
  REQUIRE(run_one("regatti2019.stability_bounds", {}, close).passed);

  const auto skipped = one_metric_results(
      {growing()},
      {{bound_series("regatti.v.delta", "delta", kRegattiIters, {0.0, INFINITY, INFINITY}),
        not_applicable("regatti.n.delta", "delta", "tau = 4 > 0: synchronous reference only")}},
      "delta");
  const auto out = run_one("regatti2019.stability_bounds", {}, skipped);
  REQUIRE(out.status == CheckStatus::kSkipped);
  REQUIRE_FALSE(out.passed);
  bool named = false;
  for (const auto& d : out.details) named = named || d.find("synchronous reference only") != std::string::npos;
  REQUIRE(named);
}

TEST_CASE("regatti2019.golden reproduces the golden values of the stability formulas", "[pipeline]") {
  ResultSet rs;
  REQUIRE(run_one("regatti2019.golden", {}, rs).passed);
}
