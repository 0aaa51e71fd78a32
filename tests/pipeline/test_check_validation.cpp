// Every reference a check makes is validated by make_plan, before any run (issue #16 item 5): one
// test per mistake class, each a one-line ConfigError at the check's line. Also the spellings of sweep
// keys checks accept (the same as sweep:), and the quick form validated without --quick.
#include <catch2/catch.hpp>
#include <string>

#include "../config/temp_files.hpp"
#include "core/errors.hpp"
#include "experiment_text.hpp"
#include "pipeline/plan.hpp"

using Catch::Matchers::Contains;
using namespace sgdcheck;
using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::test;
using sgdcheck::test::TempDir;

namespace {

const std::string kCheckLine = "  - bound_holds: {bound: sgd.strongly_convex.dist2}";

std::string with_check(const std::string& check, const std::map<std::string, std::string>& more = {}) {
  auto o = more;
  o[kCheckLine] = "  - " + check;
  return tiny_experiment(o);
}

/// The ConfigError message of make_plan on `text`; checks it is one line at the line of `snippet`.
std::string error_at(const std::string& text, const std::string& snippet, bool quick = false) {
  TempDir dir;
  const std::string file = dir.write("exp.yaml", text);
  std::string msg;
  try {
    make_plan(file, {quick, std::nullopt});
  } catch (const ConfigError& e) {
    msg = e.what();
  }
  INFO(text);
  REQUIRE_FALSE(msg.empty());
  INFO(msg);
  REQUIRE(msg.find('\n') == std::string::npos);
  REQUIRE(msg.rfind(file + ":" + std::to_string(line_of(text, snippet)) + ": ", 0) == 0);
  return msg;
}

void plans(const std::string& text) {
  TempDir dir;
  const std::string file = dir.write("exp.yaml", text);
  INFO(text);
  REQUIRE_NOTHROW(make_plan(file, {false, std::nullopt}));
}

}  // namespace

TEST_CASE("a typo in a check's where key is rejected with a suggestion", "[pipeline][config]") {
  const auto msg = error_at(with_check("bound_holds: {bound: sgd.strongly_convex.dist2, where: bacth=4}"), "bacth");
  REQUIRE_THAT(msg, Contains("checks.bound_holds.where") && Contains("did you mean batch?"));
}

TEST_CASE("a where value that no cell has is rejected with the values there are", "[pipeline][config]") {
  const auto msg = error_at(with_check("bound_holds: {bound: sgd.strongly_convex.dist2, where: batch=2}"), "batch=2");
  REQUIRE_THAT(msg, Contains("no cell has runner.batch = 2") && Contains("{1, 4}"));
}

TEST_CASE("an unbalanced expression is rejected before any run", "[pipeline][config]") {
  const auto msg = error_at(with_check("ratio: {numerator: \"(L/mu\", max: 10}"), "ratio:");
  REQUIRE_THAT(msg, Contains("checks.ratio.numerator") && Contains("missing ')'"));
}

TEST_CASE("an unknown name in an expression is rejected with a suggestion", "[pipeline][config]") {
  const auto msg = error_at(with_check("constant_relation: {lhs: M_curvv, relation: \">=\", rhs: 1}"), "M_curvv");
  REQUIRE_THAT(msg, Contains("unknown name M_curvv") && Contains("did you mean M_curv?"));
  // T.<id> must name a listed bound
  const auto t = error_at(with_check("ratio: {numerator: T.sgd.strongly_convex.dist3, max: 10}"), "ratio:");
  REQUIRE_THAT(t, Contains("unknown name T.sgd.strongly_convex.dist3"));
}

TEST_CASE("expressions may use constants, options, sweep keys, runner constants, T_eps and T.<bound>", "[pipeline][config]") {
  plans(with_check("ratio: {numerator: \"2*L/mu*(1 + theta_b*M_grad)*log(2/1e-4) + d + problem.n + runner.batch + "
                   "batch + T.sgd.strongly_convex.dist2\", denominator: T_eps, when: \"batch <= M_curv\"}"));
  plans(with_check("fit_rate: {sweep: batch, lower: 0.5*M_curv, upper: beta_hat + 1}"));
}

TEST_CASE("a sweep key a check names is spelled as in sweep: (qualified or not), nothing else", "[pipeline][config]") {
  plans(with_check("saturation: {sweep: batch, predicted: M_curv}"));
  plans(with_check("saturation: {sweep: runner.batch, predicted: M_curv}"));
  const auto msg = error_at(with_check("saturation: {sweep: runner.bacth, predicted: M_curv}"), "saturation:");
  REQUIRE_THAT(msg, Contains("not a sweep key") && Contains("did you mean runner.batch?"));
}

TEST_CASE("a check that needs a numeric sweep key rejects a non-numeric one", "[pipeline][config]") {
  const std::string text =
      with_check("saturation: {sweep: step.m, predicted: M_curv}", {{"  batch: [1, 4]", "  batch: [1, 4]\n  step.m: [grad, curv]"}});
  const auto msg = error_at(text, "saturation:");
  REQUIRE_THAT(msg, Contains("expected a numeric sweep key") && Contains("{grad, curv}"));
}

TEST_CASE("a series id that is not listed under bounds: is rejected", "[pipeline][config]") {
  const auto msg = error_at(with_check("beats: {bound: sgd.strongly_convex.dist2, baseline: sgd.strongly_convex.dist3}"),
                            "beats:");
  REQUIRE_THAT(msg, Contains("checks.beats.baseline") && Contains("did you mean sgd.strongly_convex.dist2?"));
}

TEST_CASE("an unknown check kind and a renamed paper-specific kind are rejected", "[pipeline][config]") {
  const auto msg = error_at(with_check("threshold: {over: batch}"), "threshold:");
  REQUIRE_THAT(msg, Contains("unknown check kind threshold"));
}

TEST_CASE("a mistake that only the quick form has is caught without --quick", "[pipeline][config]") {
  const std::string text = with_check("bound_holds: {bound: sgd.strongly_convex.dist2, where: batch=4}",
                                      {{"+quick", "quick:\n  sweep: {batch: [1]}"}});
  TempDir dir;
  const std::string file = dir.write("exp.yaml", text);
  std::string msg;
  try {
    make_plan(file, {false, std::nullopt});
  } catch (const ConfigError& e) {
    msg = e.what();
  }
  REQUIRE_THAT(msg, Contains("no cell has runner.batch = 4"));
}
