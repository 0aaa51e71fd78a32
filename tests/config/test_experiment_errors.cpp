// Bad experiment files: every error is a ConfigError whose one-line message names the file, the
// 1-based line, the qualified key, the value and what was expected. Component keys are checked here
// against a toy schema (the real schemas live in problems/ and runners/; tests/pipeline covers them
// through make_plan), so these tests exercise the reader and core validation alone.
#include <catch2/catch.hpp>
#include <string>

#include "config/experiment.hpp"
#include "core/errors.hpp"
#include "support/error_of.hpp"
#include "core/params.hpp"
#include "temp_files.hpp"

using Catch::Matchers::Contains;
using sgdcheck::ConfigError;
using sgdcheck::config::read_experiment;
using sgdcheck::test::TempDir;

namespace {

template <class F>
std::string config_error_of(F&& f) {
  return sgdcheck::test::error_of<ConfigError>(f);
}

/// A runner schema with one field of every kind that matters for messages.
sgdcheck::Schema toy_runner_schema() {
  using namespace sgdcheck;
  return Schema{"toy_sgd",
                "a runner schema for tests",
                {int_field("iterations", 100, 1, 1e6, "T"),
                 int_field("batch", 1, 1, kInf, "b"),
                 real_field("step.gamma", 0.1, 0.0, kInf, "gamma", true),
                 choice_field("sampling", "with_replacement", {"with_replacement", "without_replacement"}, "how"),
                 list_field("h", std::vector<double>{}, "diagonal"),
                 bool_field("verbose", false, "talk"),
                 string_field("label", std::nullopt, "a required label")}};
}

/// The message is one line and starts with "<file>:<line>: ".
void require_located(const std::string& msg, const std::string& file, int line) {
  INFO(msg);
  REQUIRE(msg.find('\n') == std::string::npos);
  REQUIRE(msg.rfind(file + ":" + std::to_string(line) + ": ", 0) == 0);
}

const char* const kHeader =
    "name: toy\n"                   // 1
    "seeds: 2\n"                    // 2
    "problem:\n"                    // 3
    "  family: least_squares\n"     // 4
    "  d: 5\n";                     // 5

}  // namespace

TEST_CASE("a YAML syntax error names the file and the line of the fault", "[config]") {
  TempDir dir;
  const std::string file = dir.write("bad.yaml",
                                     "name: toy\n"        // 1
                                     "seeds: 2: 3\n"      // 2  a second ':' in a plain scalar map value
                                     "problem: {family: least_squares}\n"
                                     "runner: {kind: minibatch_sgd}\n");
  const std::string msg = config_error_of([&] { read_experiment(file, false); });
  require_located(msg, file, 2);
  REQUIRE_THAT(msg, Contains("YAML syntax error"));
}

TEST_CASE("an unknown top-level key is an error that suggests the nearest key", "[config]") {
  TempDir dir;
  const std::string file = dir.write("bad.yaml", std::string(kHeader) +
                                                     "runner: {kind: minibatch_sgd}\n"  // 6
                                                     "descripton: typo\n");             // 7
  const std::string msg = config_error_of([&] { read_experiment(file, false); });
  require_located(msg, file, 7);
  REQUIRE_THAT(msg, Contains("unknown top-level key descripton") && Contains("did you mean description?"));
}

TEST_CASE("an unknown component key names the qualified key and the nearest valid key", "[config]") {
  TempDir dir;
  const std::string file = dir.write("bad.yaml", std::string(kHeader) +
                                                     "runner:\n"             // 6
                                                     "  kind: toy_sgd\n"     // 7
                                                     "  label: x\n"          // 8
                                                     "  batchh: 4\n");       // 9
  const auto e = read_experiment(file, false);
  const std::string msg = config_error_of([&] { sgdcheck::validate(toy_runner_schema(), e.runner.params, "runner"); });
  require_located(msg, file, 9);
  REQUIRE_THAT(msg, Contains("unknown key runner.batchh") && Contains("toy_sgd") &&
                        Contains("did you mean runner.batch?"));
}

TEST_CASE("a key far from every valid key gets no suggestion", "[config]") {
  TempDir dir;
  const std::string file = dir.write("bad.yaml", std::string(kHeader) +
                                                     "runner: {kind: toy_sgd, label: x, zzzzzzzzzz: 1}\n");  // 6
  const auto e = read_experiment(file, false);
  const std::string msg = config_error_of([&] { sgdcheck::validate(toy_runner_schema(), e.runner.params, "runner"); });
  require_located(msg, file, 6);
  REQUIRE_THAT(msg, Contains("unknown key runner.zzzzzzzzzz"));
  REQUIRE_THAT(msg, !Contains("did you mean"));
}

TEST_CASE("a string where an integer is expected names key, value and the integer constraint", "[config]") {
  TempDir dir;
  const std::string file = dir.write("bad.yaml", std::string(kHeader) +
                                                     "runner:\n"               // 6
                                                     "  kind: toy_sgd\n"       // 7
                                                     "  label: x\n"            // 8
                                                     "  iterations: many\n");  // 9
  const auto e = read_experiment(file, false);
  const std::string msg = config_error_of([&] { sgdcheck::validate(toy_runner_schema(), e.runner.params, "runner"); });
  require_located(msg, file, 9);
  REQUIRE_THAT(msg, Contains("runner.iterations = many") && Contains("expected an integer") &&
                        Contains("1 <= iterations <= 1000000"));
}

TEST_CASE("a non-integral real where an integer is expected is rejected", "[config]") {
  TempDir dir;
  const std::string file = dir.write("bad.yaml", std::string(kHeader) +
                                                     "runner: {kind: toy_sgd, label: x, batch: 2.5}\n");  // 6
  const auto e = read_experiment(file, false);
  const std::string msg = config_error_of([&] { sgdcheck::validate(toy_runner_schema(), e.runner.params, "runner"); });
  require_located(msg, file, 6);
  REQUIRE_THAT(msg, Contains("runner.batch = 2.5") && Contains("expected an integer"));
}

TEST_CASE("a negative step size in a nested block map names the dotted key and its own line", "[config]") {
  TempDir dir;
  const std::string file = dir.write("bad.yaml", std::string(kHeader) +
                                                     "runner:\n"             // 6
                                                     "  kind: toy_sgd\n"     // 7
                                                     "  label: x\n"          // 8
                                                     "  step:\n"             // 9
                                                     "    gamma: -0.5\n");   // 10
  const auto e = read_experiment(file, false);
  const std::string msg = config_error_of([&] { sgdcheck::validate(toy_runner_schema(), e.runner.params, "runner"); });
  require_located(msg, file, 10);
  REQUIRE_THAT(msg, Contains("runner.step.gamma = -0.5 violates gamma > 0"));
}

TEST_CASE("a zero step size violates the open lower bound but a tiny positive one passes", "[config]") {
  TempDir dir;
  const std::string zero = dir.write("zero.yaml", std::string(kHeader) + "runner: {kind: toy_sgd, label: x, step: {gamma: 0}}\n");
  const std::string tiny = dir.write("tiny.yaml", std::string(kHeader) + "runner: {kind: toy_sgd, label: x, step: {gamma: 1e-300}}\n");
  const std::string msg = config_error_of(
      [&] { sgdcheck::validate(toy_runner_schema(), read_experiment(zero, false).runner.params, "runner"); });
  require_located(msg, zero, 6);
  REQUIRE_THAT(msg, Contains("runner.step.gamma = 0 violates gamma > 0"));
  const auto p = sgdcheck::validate(toy_runner_schema(), read_experiment(tiny, false).runner.params, "runner");
  REQUIRE(p.get_real("step.gamma") == 1e-300);
}

TEST_CASE("a batch of zero violates batch >= 1 and names the value", "[config]") {
  TempDir dir;
  const std::string file = dir.write("bad.yaml", std::string(kHeader) +
                                                     "runner:\n"            // 6
                                                     "  kind: toy_sgd\n"    // 7
                                                     "  batch: 0\n"         // 8
                                                     "  label: x\n");       // 9
  const auto e = read_experiment(file, false);
  const std::string msg = config_error_of([&] { sgdcheck::validate(toy_runner_schema(), e.runner.params, "runner"); });
  require_located(msg, file, 8);
  REQUIRE_THAT(msg, Contains("runner.batch = 0 violates batch >= 1"));
}

TEST_CASE("a value outside a choice lists every allowed choice", "[config]") {
  TempDir dir;
  const std::string file = dir.write("bad.yaml", std::string(kHeader) +
                                                     "runner: {kind: toy_sgd, label: x, sampling: shuffled}\n");  // 6
  const auto e = read_experiment(file, false);
  const std::string msg = config_error_of([&] { sgdcheck::validate(toy_runner_schema(), e.runner.params, "runner"); });
  require_located(msg, file, 6);
  REQUIRE_THAT(msg, Contains("runner.sampling = shuffled violates sampling is one of {with_replacement, "
                             "without_replacement}"));
}

TEST_CASE("a scalar where a list of reals is expected, and a non-finite list item, are rejected", "[config]") {
  TempDir dir;
  const std::string scalar = dir.write("a.yaml", std::string(kHeader) + "runner: {kind: toy_sgd, label: x, h: 3}\n");
  const std::string nan_item = dir.write("b.yaml", std::string(kHeader) + "runner: {kind: toy_sgd, label: x, h: [1, .nan]}\n");
  const std::string m1 = config_error_of(
      [&] { sgdcheck::validate(toy_runner_schema(), read_experiment(scalar, false).runner.params, "runner"); });
  require_located(m1, scalar, 6);
  REQUIRE_THAT(m1, Contains("runner.h = 3") && Contains("list of finite reals"));
  const std::string m2 = config_error_of(
      [&] { sgdcheck::validate(toy_runner_schema(), read_experiment(nan_item, false).runner.params, "runner"); });
  require_located(m2, nan_item, 6);
  REQUIRE_THAT(m2, Contains("runner.h") && Contains(".nan") && Contains("finite"));
}

TEST_CASE("a missing required component key names the file, the qualified key and its meaning", "[config]") {
  TempDir dir;
  const std::string file = dir.write("bad.yaml", std::string(kHeader) + "runner: {kind: toy_sgd, batch: 2}\n");
  const auto e = read_experiment(file, false);
  const std::string msg = config_error_of([&] { sgdcheck::validate(toy_runner_schema(), e.runner.params, "runner"); });
  REQUIRE(msg.find('\n') == std::string::npos);
  REQUIRE_THAT(msg, Contains(file) && Contains("missing required key runner.label") && Contains("a required label"));
}

TEST_CASE("missing required top-level keys name, problem and runner are errors at the file", "[config]") {
  TempDir dir;
  const std::string no_name = dir.write("a.yaml", "seeds: 2\nproblem: {family: f}\nrunner: {kind: k}\n");
  const std::string no_problem = dir.write("b.yaml", "name: x\nrunner: {kind: k}\n");
  const std::string no_runner = dir.write("c.yaml", "name: x\nproblem: {family: f}\n");
  const std::string no_kind = dir.write("d.yaml", "name: x\nproblem: {family: f}\nrunner: {batch: 2}\n");  // 3
  REQUIRE_THAT(config_error_of([&] { read_experiment(no_name, false); }),
               Contains(no_name + ":1: ") && Contains("missing required key name"));
  REQUIRE_THAT(config_error_of([&] { read_experiment(no_problem, false); }),
               Contains(no_problem + ":1: ") && Contains("missing required key problem"));
  REQUIRE_THAT(config_error_of([&] { read_experiment(no_runner, false); }),
               Contains(no_runner + ":1: ") && Contains("missing required key runner"));
  const std::string m = config_error_of([&] { read_experiment(no_kind, false); });
  require_located(m, no_kind, 3);
  REQUIRE_THAT(m, Contains("runner: missing `kind:`"));
}

TEST_CASE("seeds below 1 and a negative seed are out-of-range errors at their line", "[config]") {
  TempDir dir;
  const std::string zero = dir.write("a.yaml", "name: x\nproblem: {family: f}\nrunner: {kind: k}\nseeds: 0\n");  // 4
  const std::string neg = dir.write("b.yaml", "name: x\nseed: -3\nproblem: {family: f}\nrunner: {kind: k}\n");    // 2
  const std::string m1 = config_error_of([&] { read_experiment(zero, false); });
  require_located(m1, zero, 4);
  REQUIRE_THAT(m1, Contains("seeds = 0 violates 1 <= seeds <= 1000000"));
  const std::string m2 = config_error_of([&] { read_experiment(neg, false); });
  require_located(m2, neg, 2);
  REQUIRE_THAT(m2, Contains("seed = -3 violates seed >= 0"));
}

TEST_CASE("an experiment name with a path separator is rejected", "[config]") {
  TempDir dir;
  const std::string file = dir.write("a.yaml", "name: ../evil\nproblem: {family: f}\nrunner: {kind: k}\n");
  const std::string msg = config_error_of([&] { read_experiment(file, false); });
  require_located(msg, file, 1);
  REQUIRE_THAT(msg, Contains("name = ../evil"));
}

TEST_CASE("a sweep entry that is not a non-empty list is an error at its line", "[config]") {
  TempDir dir;
  const std::string scalar = dir.write("a.yaml", std::string(kHeader) +
                                                     "runner: {kind: k}\n"   // 6
                                                     "sweep:\n"              // 7
                                                     "  batch: 4\n");        // 8
  const std::string empty = dir.write("b.yaml", std::string(kHeader) +
                                                    "runner: {kind: k}\n"    // 6
                                                    "sweep: {batch: []}\n"); // 7
  const std::string m1 = config_error_of([&] { read_experiment(scalar, false); });
  require_located(m1, scalar, 8);
  REQUIRE_THAT(m1, Contains("sweep.batch") && Contains("non-empty list"));
  const std::string m2 = config_error_of([&] { read_experiment(empty, false); });
  require_located(m2, empty, 7);
  REQUIRE_THAT(m2, Contains("sweep.batch") && Contains("non-empty list"));
}

TEST_CASE("an unknown key in the quick block and a quick change of the family are errors", "[config]") {
  TempDir dir;
  const std::string bad_key = dir.write("a.yaml", std::string(kHeader) +
                                                      "runner: {kind: k}\n"        // 6
                                                      "quick:\n"                   // 7
                                                      "  seedz: 2\n");             // 8
  const std::string bad_family = dir.write("b.yaml", std::string(kHeader) +
                                                         "runner: {kind: k}\n"     // 6
                                                         "quick:\n"                // 7
                                                         "  problem:\n"            // 8
                                                         "    family: other\n");   // 9
  const std::string m1 = config_error_of([&] { read_experiment(bad_key, true); });
  require_located(m1, bad_key, 8);
  REQUIRE_THAT(m1, Contains("unknown key quick.seedz"));
  const std::string m2 = config_error_of([&] { read_experiment(bad_family, true); });
  require_located(m2, bad_family, 9);
  REQUIRE_THAT(m2, Contains("quick.problem.family"));
}

TEST_CASE("a missing experiment file is a ConfigError naming the path", "[config]") {
  TempDir dir;
  const std::string file = (dir.path() / "nope.yaml").string();
  REQUIRE_THAT(config_error_of([&] { read_experiment(file, false); }), Contains(file) && Contains("not found"));
}

TEST_CASE("a check entry that is not a one-key map is an error at its line", "[config]") {
  TempDir dir;
  const std::string file = dir.write("a.yaml", std::string(kHeader) +
                                                   "runner: {kind: k}\n"                       // 6
                                                   "checks:\n"                                 // 7
                                                   "  - {bound_holds: {bound: b}, k: 3}\n");   // 8
  const std::string msg = config_error_of([&] { read_experiment(file, false); });
  require_located(msg, file, 8);
  REQUIRE_THAT(msg, Contains("checks[]") && Contains("one-key map"));
}
