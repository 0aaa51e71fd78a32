// make_plan validates everything against the real schemas before any run: every bad input is a
// ConfigError (or DataError) whose one-line message names file:line, the qualified key, the value
// and the violated constraint.
#include <catch2/catch.hpp>
#include <string>

#include "../config/temp_files.hpp"
#include "core/errors.hpp"
#include "experiment_text.hpp"
#include "pipeline/plan.hpp"
#include "problems/registry.hpp"
#include "runners/runner.hpp"

using Catch::Matchers::Contains;
using namespace sgdcheck;
using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::test;
using sgdcheck::test::TempDir;

namespace {

struct Failure {
  std::string message;
  std::string file;
  std::string text;
};

/// Writes the experiment, makes the plan, and returns the ConfigError's message (FAIL if none).
Failure plan_error(const std::string& text, const TempDir& dir, bool quick = false) {
  const std::string file = dir.write("exp.yaml", text);
  try {
    make_plan(file, {quick, std::nullopt});
  } catch (const ConfigError& e) {
    return {e.what(), file, text};
  }
  FAIL("expected a ConfigError from make_plan");
  return {};
}

/// One line, starting with "<file>:<line of snippet>: ".
void require_at(const Failure& f, const std::string& snippet) {
  INFO(f.message);
  REQUIRE(f.message.find('\n') == std::string::npos);
  const int line = line_of(f.text, snippet);
  REQUIRE(f.message.rfind(f.file + ":" + std::to_string(line) + ": ", 0) == 0);
}

}  // namespace

TEST_CASE("the tiny experiment is valid and plans one cell per batch size", "[pipeline][config]") {
  TempDir dir;
  const Plan plan = make_plan(dir.write("exp.yaml", tiny_experiment()), {});
  REQUIRE(plan.cells.size() == 2);
  REQUIRE(plan.sweep_keys == std::vector<std::string>{"runner.batch"});
  REQUIRE(plan.cells[0].runner_params.get_int("batch") == 1);
  REQUIRE(plan.cells[1].runner_params.get_int("batch") == 4);
  // Only the runner is swept: both cells share one problem instance.
  REQUIRE(plan.problems.size() == 1);
  REQUIRE(plan.cells[0].problem_index == plan.cells[1].problem_index);
  REQUIRE(plan.cells[0].record_iters.front() == 0);
  REQUIRE(plan.cells[0].record_iters.back() == 200);
  REQUIRE(plan.seed == 3u);
  REQUIRE(plan.runs() == 2u * kTinySeeds);
  REQUIRE(plan.bounds.size() == 1);
  REQUIRE(plan.checks.size() == 1);
  // Defaults are filled in from the schemas.
  REQUIRE(plan.cells[0].runner_params.get_string("sampling") == "with_replacement");
  REQUIRE(plan.checks[0].params.get_real("k") == 3.0);
  REQUIRE(plan.checks[0].params.get_string("side") == "strict");
}

TEST_CASE("the --seed option overrides the file's seed", "[pipeline][config]") {
  TempDir dir;
  const Plan plan = make_plan(dir.write("exp.yaml", tiny_experiment()), {false, 99});
  REQUIRE(plan.seed == 99u);
}

TEST_CASE("sweeping a problem key builds one problem instance per distinct value", "[pipeline][config]") {
  TempDir dir;
  const Plan plan = make_plan(dir.write("exp.yaml", tiny_experiment({{"  batch: [1, 4]", "  batch: [1, 4]\n  d: [2, 3]"}})), {});
  REQUIRE(plan.sweep_keys == std::vector<std::string>{"runner.batch", "problem.d"});
  REQUIRE(plan.cells.size() == 4);
  REQUIRE(plan.problems.size() == 2);
  // First key slowest: (1,2) (1,3) (4,2) (4,3).
  REQUIRE(plan.problem_of(plan.cells[0]).dim() == 2);
  REQUIRE(plan.problem_of(plan.cells[1]).dim() == 3);
  REQUIRE(plan.problem_of(plan.cells[2]).dim() == 2);
  REQUIRE(plan.cells[0].problem_index == plan.cells[2].problem_index);
}

TEST_CASE("a negative step size is rejected at its line with key, value and constraint", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(
      tiny_experiment({{"  step: {rule: critical, scale: 0.25, m: grad}", "  step:\n    rule: constant\n    gamma: -0.1"}}),
      dir);
  require_at(f, "gamma: -0.1");
  REQUIRE_THAT(f.message, Contains("runner.step.gamma = -0.1 violates gamma > 0"));
}

TEST_CASE("a batch of zero in the sweep is rejected at the sweep line", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(tiny_experiment({{"  batch: [1, 4]", "  batch: [1, 0]"}}), dir);
  require_at(f, "batch: [1, 0]");
  REQUIRE_THAT(f.message, Contains("runner.batch = 0 violates") && Contains("<= batch"));
}

TEST_CASE("a dimension of zero is rejected with its key and constraint", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(tiny_experiment({{"  d: 4", "  d: 0"}}), dir);
  require_at(f, "d: 0");
  REQUIRE_THAT(f.message, Contains("problem.d = 0 violates 1 <= d <= 5000"));
}

TEST_CASE("a string for an integer option names the value and the expected type", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(tiny_experiment({{"  iterations: 200", "  iterations: lots"}}), dir);
  require_at(f, "iterations: lots");
  REQUIRE_THAT(f.message, Contains("runner.iterations = lots") && Contains("expected an integer"));
}

TEST_CASE("an unknown runner key suggests the nearest key of that runner", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(tiny_experiment({{"  iterations: 200", "  iterations: 200\n  samplng: without_replacement"}}), dir);
  require_at(f, "samplng:");
  REQUIRE_THAT(f.message, Contains("unknown key runner.samplng") && Contains("did you mean runner.sampling?"));
}

TEST_CASE("an unknown problem family lists every family", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(tiny_experiment({{"  family: least_squares", "  family: least_square"}}), dir);
  require_at(f, "family: least_square");
  REQUIRE_THAT(f.message, Contains("problem.family = least_square violates"));
  for (const auto& fam : problems::problem_families()) REQUIRE_THAT(f.message, Contains(fam.schema.name));
}

TEST_CASE("an unknown runner kind lists every runner kind", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(tiny_experiment({{"  kind: minibatch_sgd", "  kind: adam"}}), dir);
  require_at(f, "kind: adam");
  REQUIRE_THAT(f.message, Contains("runner.kind = adam violates"));
  for (const auto& k : runners::runner_kinds()) REQUIRE_THAT(f.message, Contains(k.schema.name));
}

TEST_CASE("an unknown sweep key is rejected with the nearest key of either component", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(tiny_experiment({{"  batch: [1, 4]", "  bach: [1, 4]"}}), dir);
  require_at(f, "bach: [1, 4]");
  REQUIRE_THAT(f.message, Contains("sweep: unknown key bach") && Contains("did you mean runner.batch?"));
  const auto g = plan_error(tiny_experiment({{"  batch: [1, 4]", "  problem.batch: [1, 4]"}}), dir);
  require_at(g, "problem.batch");
  REQUIRE_THAT(g.message, Contains("sweep: unknown key problem.batch") && Contains("least_squares"));
}

TEST_CASE("the same sweep key written twice is rejected at the second occurrence", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(tiny_experiment({{"  batch: [1, 4]", "  batch: [1, 4]\n  runner.batch: [8]"}}), dir);
  require_at(f, "runner.batch: [8]");
  REQUIRE_THAT(f.message, Contains("runner.batch appears twice"));
}

TEST_CASE("a sweep key that exists in both components must be qualified", "[pipeline][config]") {
  const Schema problem{"p", "", {int_field("seed", 0, 0, kInf, ""), int_field("d", 1, 1, kInf, "")}};
  const Schema runner{"r", "", {int_field("seed", 0, 0, kInf, ""), int_field("batch", 1, 1, kInf, "")}};
  const SourceLoc loc{"exp.yaml", 12};
  try {
    qualify_sweep_key("seed", problem, runner, loc);
    FAIL("expected a ConfigError for an ambiguous key");
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    REQUIRE(msg.rfind("exp.yaml:12: ", 0) == 0);
    REQUIRE_THAT(msg, Contains("seed is ambiguous") && Contains("problem.seed") && Contains("runner.seed"));
  }
  REQUIRE(qualify_sweep_key("problem.seed", problem, runner, loc) == "problem.seed");
  REQUIRE(qualify_sweep_key("runner.seed", problem, runner, loc) == "runner.seed");
  REQUIRE(qualify_sweep_key("d", problem, runner, loc) == "problem.d");
  REQUIRE(qualify_sweep_key("batch", problem, runner, loc) == "runner.batch");
}

TEST_CASE("a batch larger than n without replacement is a cross-field error", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(tiny_experiment({{"  n: 40", "  n: 10"},
                                             {"  iterations: 200", "  iterations: 200\n  sampling: without_replacement"},
                                             {"  batch: [1, 4]", "  batch: [4, 20]"}}),
                            dir);
  require_at(f, "batch: [4, 20]");
  REQUIRE_THAT(f.message, Contains("runner.batch = 20 violates batch <= n = 10") && Contains("without replacement"));
  // With replacement the same batch is fine, and b = n without replacement is allowed.
  const std::string ok = dir.write("ok.yaml", tiny_experiment({{"  n: 40", "  n: 10"}, {"  batch: [1, 4]", "  batch: [4, 20]"}}));
  REQUIRE_NOTHROW(make_plan(ok, {}));
  const std::string edge = dir.write(
      "edge.yaml", tiny_experiment({{"  n: 40", "  n: 10"},
                                    {"  iterations: 200", "  iterations: 200\n  sampling: without_replacement"},
                                    {"  batch: [1, 4]", "  batch: [10]"}}));
  REQUIRE_NOTHROW(make_plan(edge, {}));
}

TEST_CASE("an unknown bound id is rejected at its line with the nearest id", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(tiny_experiment({{"bounds: [sgd.strongly_convex.dist2]", "bounds:\n  - sgd.strongly_convex.dist"},
                                             {"  - bound_holds: {bound: sgd.strongly_convex.dist2}", ""},
                                             {"checks:", ""}}),
                            dir);
  require_at(f, "- sgd.strongly_convex.dist");
  REQUIRE_THAT(f.message, Contains("unknown bound sgd.strongly_convex.dist") &&
                              Contains("did you mean sgd.strongly_convex.dist2?"));
}

TEST_CASE("a check that refers to a bound not listed under bounds is rejected", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(tiny_experiment({{"bounds: [sgd.strongly_convex.dist2]", "bounds: []"}}), dir);
  require_at(f, "- bound_holds:");
  REQUIRE_THAT(f.message, Contains("checks.bound_holds.bound = sgd.strongly_convex.dist2 violates") &&
                              Contains("bounds:"));
}

TEST_CASE("an unknown check kind suggests the nearest kind", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(
      tiny_experiment({{"  - bound_holds: {bound: sgd.strongly_convex.dist2}", "  - bound_hold: {bound: sgd.strongly_convex.dist2}"}}),
      dir);
  require_at(f, "- bound_hold:");
  REQUIRE_THAT(f.message, Contains("unknown check kind bound_hold") && Contains("did you mean bound_holds?"));
}

TEST_CASE("an out-of-range check option names the qualified check key", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(tiny_experiment({{"  - bound_holds: {bound: sgd.strongly_convex.dist2}",
                                              "  - tightness: {bound: sgd.strongly_convex.dist2, max_ratio: 0.5}"}}),
                            dir);
  require_at(f, "max_ratio: 0.5");
  REQUIRE_THAT(f.message, Contains("checks.tightness.max_ratio = 0.5 violates max_ratio >= 1"));
}

TEST_CASE("an unknown plot key is rejected at its line", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(tiny_experiment({{"+plots", "plots:\n  - {name: p, x: iter, yy: dist2}"}}), dir);
  require_at(f, "yy: dist2");
  REQUIRE_THAT(f.message, Contains("unknown key plots[].yy") && Contains("did you mean plots[].y?"));
}

TEST_CASE("the quick form's values are validated too, at the quick block's line", "[pipeline][config]") {
  TempDir dir;
  const std::string text = tiny_experiment({{"+quick", "quick:\n  seeds: 2\n  runner: {iterations: 0}"}});
  // Checked with and without --quick (issue #8): a typo in quick: must not wait for CI's --quick run.
  for (bool quick : {false, true}) {
    const auto f = plan_error(text, dir, quick);
    require_at(f, "runner: {iterations: 0}");
    REQUIRE_THAT(f.message, Contains("runner.iterations = 0 violates"));
  }
  const std::string typo = tiny_experiment({{"+quick", "quick:\n  runner: {iteratons: 5}"}});
  const auto g = plan_error(typo, dir, false);
  require_at(g, "runner: {iteratons: 5}");
  REQUIRE_THAT(g.message, Contains("unknown key quick.runner.iteratons") && Contains("did you mean"));
}

TEST_CASE("a data file that does not exist is an error at the data.file line of the experiment", "[pipeline][config]") {
  TempDir dir;
  const auto f = plan_error(tiny_experiment({{"  n: 40", "  data.file: no_such_file.svm"},
                                             {"  d: 4", ""},
                                             {"  spectrum: {kind: geometric, cond: 4}", ""},
                                             {"  noise: 0.1", ""}}),
                            dir);
  require_at(f, "data.file: no_such_file.svm");
  REQUIRE_THAT(f.message, Contains("problem.data.file = no_such_file.svm violates") &&
                              Contains((dir.path() / "no_such_file.svm").string()));
}

TEST_CASE("a malformed LIBSVM line is a DataError naming the data file and its line", "[pipeline][config]") {
  TempDir dir;
  const std::string data = dir.write("data.svm",
                                     "1 1:0.5 2:1.0\n"
                                     "-1 1:0.25 2:0.75\n"
                                     "1 1:0.5 2:abc\n"      // line 3
                                     "-1 1:1.0 2:0.5\n");
  const std::string file = dir.write("exp.yaml", tiny_experiment({{"  n: 40", "  data.file: data.svm"},
                                                                  {"  d: 4", ""},
                                                                  {"  spectrum: {kind: geometric, cond: 4}", ""},
                                                                  {"  noise: 0.1", ""}}));
  try {
    make_plan(file, {});
    FAIL("expected a DataError");
  } catch (const DataError& e) {
    const std::string msg = e.what();
    INFO(msg);
    REQUIRE(msg.find('\n') == std::string::npos);
    REQUIRE(msg.rfind(data + ":3: ", 0) == 0);
    REQUIRE_THAT(msg, Contains("abc"));
  }
}

TEST_CASE("a NaN in a CSV data file is a DataError naming the data file and its line", "[pipeline][config]") {
  TempDir dir;
  const std::string data = dir.write("data.csv",
                                     "x1,x2,label\n"
                                     "0.5,1.0,1\n"
                                     "0.25,0.75,-1\n"
                                     "0.5,nan,1\n"          // line 4
                                     "1.0,0.5,-1\n");
  const std::string file = dir.write("exp.yaml", tiny_experiment({{"  n: 40", "  data: {file: data.csv, format: csv}"},
                                                                  {"  d: 4", ""},
                                                                  {"  spectrum: {kind: geometric, cond: 4}", ""},
                                                                  {"  noise: 0.1", ""}}));
  try {
    make_plan(file, {});
    FAIL("expected a DataError");
  } catch (const DataError& e) {
    const std::string msg = e.what();
    INFO(msg);
    REQUIRE(msg.find('\n') == std::string::npos);
    REQUIRE(msg.rfind(data + ":4: ", 0) == 0);
    REQUIRE_THAT(msg, Contains("x2") && Contains("nan") && Contains("finite"));
  }
}

TEST_CASE("a valid CSV data file builds a problem with its dimensions", "[pipeline][config]") {
  TempDir dir;
  dir.write("data.csv", "x1,x2,label\n0.5,1.0,1\n0.25,0.75,-1\n0.5,0.1,1\n1.0,0.5,-1\n");
  const std::string file = dir.write("exp.yaml", tiny_experiment({{"  n: 40", "  data: {file: data.csv, format: csv}"},
                                                                  {"  d: 4", ""},
                                                                  {"  spectrum: {kind: geometric, cond: 4}", ""},
                                                                  {"  noise: 0.1", ""}}));
  const Plan plan = make_plan(file, {});
  REQUIRE(plan.problem_of(plan.cells[0]).dim() == 2);
  REQUIRE(plan.problem_of(plan.cells[0]).n() == 4);
}
