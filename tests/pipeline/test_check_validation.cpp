// Every reference a check makes is validated by make_plan, before any run (issue #16 item 5): one
// test per mistake class, each a one-line ConfigError at the check's line. Also the spellings of sweep
// keys checks accept (the same as sweep:), and the quick form validated without --quick.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../config/temp_files.hpp"
#include "core/errors.hpp"
#include "experiment_text.hpp"
#include "pipeline/plan.hpp"
#include "pipeline/plot_schema.hpp"

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

// ---- metrics a check or tune: names (issue #16: caught before any run, not after all runs) ----

TEST_CASE("a misspelled metric is rejected before any run in every check family, with a suggestion", "[pipeline][config]") {
  // foundation bounds (slope), rates (T_eps metric of ratio / saturation / fit_rate / monotone),
  // series (identity, reference_values), the paper's kinds (patel2019.threshold).
  const std::vector<std::pair<std::string, std::string>> cases{
      {"slope: {metric: dsit2, expected: -1}", "slope"},
      {"ratio: {numerator: L/mu, metric: dsit2}", "ratio"},
      {"saturation: {sweep: batch, predicted: M_curv, metric: dsit2}", "saturation"},
      {"fit_rate: {sweep: batch, metric: dsit2}", "fit_rate"},
      {"monotone: {along: batch, metric: dsit2}", "monotone"},
      {"constant_relation: {lhs: L, relation: \">=\", rhs: mu, metric: dsit2}", "constant_relation"},
      {"identity: {metric: dsit2, reference: batch=1}", "identity"},
      {"reference_values: {metric: dsit2, values: [1, 2]}", "reference_values"},
      {"patel2019.threshold: {over: batch, metric: dsit2}", "patel2019.threshold"},
      {"patel2019.monotone: {over: batch, along: batch, metric: dsit2}", "patel2019.monotone"},
  };
  for (const auto& [check, kind] : cases) {
    INFO(check);
    const auto msg = error_at(with_check(check), "dsit2");
    REQUIRE_THAT(msg, Contains("checks." + kind + ".metric = dsit2: expected a metric this runner records (") &&
                          Contains("did you mean dist2?"));
  }
  // The same checks with a recorded metric plan.
  plans(with_check("slope: {metric: subopt, expected: -1}"));
  plans(with_check("ratio: {numerator: L/mu, metric: grad2}"));
  plans(with_check("patel2019.threshold: {over: batch, metric: dist2}"));
}

TEST_CASE("a misspelled tune: metric is rejected before any run", "[pipeline][config]") {
  const std::string sweep = "  batch: [1, 4]\n  step.scale: [0.25, 0.5]";
  const std::string tune = "tune: {over: step.scale, metric: sbuopt}";
  const auto msg = error_at(tiny_experiment({{"  batch: [1, 4]", sweep}, {"+tune", tune}}), "sbuopt");
  REQUIRE_THAT(msg, Contains("tune.metric = sbuopt: expected a metric this runner records") &&
                        Contains("did you mean subopt?"));
  plans(tiny_experiment({{"  batch: [1, 4]", sweep}, {"+tune", "tune: {over: step.scale, metric: subopt}"}}));
}

TEST_CASE("a metric recorded only under a condition is accepted only when some cell records it", "[pipeline][config]") {
  // avg_grad2 needs runner.running_metrics; no problem family has a test set, so test_loss is never recorded.
  const std::string check = "slope: {metric: avg_grad2, expected: -1}";
  const auto msg = error_at(with_check(check), "avg_grad2");
  REQUIRE_THAT(msg, Contains("records (subopt, dist2, grad2, step)"));
  plans(with_check(check, {{"  iterations: 200", "  iterations: 200\n  running_metrics: true"}}));
  // One cell with running_metrics is enough: the results then hold avg_grad2.
  plans(with_check(check, {{"  batch: [1, 4]", "  batch: [1, 4]\n  running_metrics: [true, false]"}}));
  REQUIRE_THAT(error_at(with_check("slope: {metric: test_loss, expected: -1}"), "test_loss"),
               Contains("checks.slope.metric = test_loss"));
  // delay_max: only a run with a delay model records it.
  REQUIRE_THAT(error_at(with_check("slope: {metric: delay_max, expected: 0}"), "delay_max"),
               Contains("checks.slope.metric = delay_max"));
}

TEST_CASE("plots are validated against the same recorded metrics as checks", "[pipeline][config]") {
  const auto msg = error_at(tiny_experiment({{"+plots", "plots:\n  - {name: avg, y: avg_grad2}"}}), "avg_grad2");
  REQUIRE_THAT(msg, Contains("plots[].y = avg_grad2") && Contains("(subopt, dist2, grad2, step)"));
}

TEST_CASE("the quick form's plan rejects a misspelled metric too", "[pipeline][config]") {
  const std::string text = with_check("slope: {metric: dsit2, expected: -1}", {{"+quick", "quick:\n  sweep: {batch: [1]}"}});
  REQUIRE_THAT(error_at(text, "dsit2", /*quick=*/true), Contains("did you mean dist2?"));
}

TEST_CASE("recorded_metrics is exactly the set of metrics the runs of the plan record", "[pipeline]") {
  // Independent evidence: one run of every cell, the union of the metric names in their traces.
  const std::string mb_running = tiny_experiment({{"  batch: [1, 4]", "  batch: [1, 4]\n  running_metrics: [true, false]"}});
  const std::string delayed = tiny_experiment(
      {{"  kind: minibatch_sgd", "  kind: delayed_sgd\n  delay: {kind: fixed, tau: 2}"}, {"bounds: [sgd.strongly_convex.dist2]", ""},
       {kCheckLine, ""}, {"checks:", ""}});
  const std::string local = tiny_experiment({{"  kind: minibatch_sgd", "  kind: local_sgd\n  local_steps: 20"},
                                             {"  iterations: 200", ""},
                                             {"  step: {rule: critical, scale: 0.25, m: grad}", "  step: {rule: constant, gamma: 0.05}"},
                                             {"bounds: [sgd.strongly_convex.dist2]", ""},
                                             {kCheckLine, ""},
                                             {"checks:", ""},
                                             {"  batch: [1, 4]", "  workers: [1, 2]"}});
  for (const auto& text : {tiny_experiment(), mb_running, delayed, local}) {
    INFO(text);
    TempDir dir;
    const Plan plan = make_plan(dir.write("exp.yaml", text), {false, std::nullopt});
    std::set<std::string> recorded;
    for (const auto& c : plan.cells) {
      const auto r = c.runner->run(plan.problem_of(c), {plan.seed, 0}, c.record_iters);
      recorded.insert(r.trace.metrics.begin(), r.trace.metrics.end());
    }
    const auto listed = recorded_metrics(plan);
    REQUIRE(std::set<std::string>(listed.begin(), listed.end()) == recorded);
    REQUIRE(listed.size() == recorded.size());
  }
}
