// Catalogue of hostile inputs (issue #8): every class of malformed experiment file, data file and
// option found by the audit, run through the real executable. For each, `sgdcheck validate` and
// `sgdcheck run` exit 2, print exactly one line to stderr naming the file (and line where there is
// one), write nothing under --out, and finish within a time limit.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "../config/temp_files.hpp"
#include "cli_runner.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using sgdcheck::test::count_lines;
using sgdcheck::test::read_text;
using sgdcheck::test::TempDir;
namespace fs = std::filesystem;

namespace {

using Outcome = sgdcheck::test::CliOutcome;

/// Runs `sgdcheck ARGS` under a 60 s `timeout` (a hang is exit 124, not a stuck test).
Outcome run_timed(const std::string& args, const TempDir& dir) { return sgdcheck::test::run_cli(args, dir, "", 60); }

struct HostileCase {
  std::string what;                                       ///< the class of bad input
  std::string experiment;                                 ///< text of cat.yaml
  std::vector<std::pair<std::string, std::string>> data;  ///< extra files next to it
  std::string where;                                      ///< expected "file:line: " (or "file: ") in the message
};

const std::string kProblem = "problem: {family: least_squares, n: 50, d: 4}\n";
const std::string kRunner = "runner: {kind: minibatch_sgd, iterations: 20}\n";
const std::string kBase = "name: cat\n" + kProblem + kRunner;  // lines 1-3

std::string data_problem(const std::string& file, const std::string& extra = "") {
  return "name: cat\nproblem: {family: least_squares, data: {file: " + file + extra + "}}\n" + kRunner;
}

std::vector<HostileCase> catalogue() {
  std::string bomb = kBase + "checks:\n  - c:\n      l0: &l0 {x: 1, y: 1}\n";
  for (int k = 1; k <= 40; ++k)
    bomb += "      l" + std::to_string(k) + ": &l" + std::to_string(k) + " {p: *l" + std::to_string(k - 1) + ", q: *l" +
            std::to_string(k - 1) + "}\n";
  return {
      // --- experiment files: YAML structure (item 1)
      {"duplicate key", kBase + "seeds: 2\nseeds: 3\n", {}, "cat.yaml:5: "},
      {"duplicate nested key", "name: cat\nproblem: {family: least_squares, d: 4, d: 5}\n" + kRunner, {}, "cat.yaml:2: "},
      {"second YAML document", kBase + "---\nname: other\n", {}, "cat.yaml:5: "},
      // yaml-cpp 0.7's LoadAll looped forever, allocating, on a stray ',' (found by fuzz_experiment).
      {"stray comma (yaml-cpp LoadAll loop)", ",8", {}, "cat.yaml:1: "},
      // (yaml-cpp places this one at the end of the map, not at the comma: only the file is required)
      {"stray comma after a map", kBase + ",\n", {}, "cat.yaml:"},
      {"non-scalar key", kBase + "? [a, b]\n: 1\n", {}, "cat.yaml:4: "},
      {"non-UTF-8 description", kBase + "description: caf\xE9\n", {}, "cat.yaml:4: "},
      {"control character", kBase + "paper: a\x01" "b\n", {}, "cat.yaml:4: "},
      {"NUL by escape", kBase + "description: \"a\\0b\"\n", {}, "cat.yaml:4: "},
      {"typo in quick runner key", kBase + "quick:\n  runner: {iteratons: 5}\n", {}, "cat.yaml:5: "},
      {"bad quick value", kBase + "quick:\n  runner: {iterations: 0}\n", {}, "cat.yaml:5: "},
      {"unknown quick key", kBase + "quick:\n  seedz: 1\n", {}, "cat.yaml:5: "},
      {"bad quick sweep key", kBase + "quick:\n  sweep: {bacth: [1, 2]}\n", {}, "cat.yaml:5: "},
      {"duplicate sweep values", kBase + "sweep:\n  batch: [1, 1]\n", {}, "cat.yaml:5: "},
      {"equal sweep values", kBase + "sweep:\n  batch: [2, 2.0]\n", {}, "cat.yaml:5: "},
      {"name ..", "name: ..\n" + kProblem + kRunner, {}, "cat.yaml:1: "},
      {"name .", "name: .\n" + kProblem + kRunner, {}, "cat.yaml:1: "},
      {"name a/b", "name: a/b\n" + kProblem + kRunner, {}, "cat.yaml:1: "},
      {"name /abs", "name: /abs\n" + kProblem + kRunner, {}, "cat.yaml:1: "},
      {"name too long", "name: " + std::string(101, 'n') + "\n" + kProblem + kRunner, {}, "cat.yaml:1: "},
      {"alias bomb", bomb, {}, "cat.yaml:"},
      {"YAML syntax error", kBase + "seeds: [1, 2\n", {}, "cat.yaml:"},
      {"unknown top-level key", kBase + "seedz: 2\n", {}, "cat.yaml:4: "},
      {"missing name", kProblem + kRunner, {}, "cat.yaml:1: "},
      {"empty file", "", {}, "cat.yaml:1: "},
      {"unknown runner key", "name: cat\n" + kProblem + "runner: {kind: minibatch_sgd, iteratons: 20}\n", {}, "cat.yaml:3: "},
      // --- numbers (item 2)
      {"seeds beyond the limit", kBase + "seeds: 2000000000\n", {}, "cat.yaml:4: "},
      {"negative seed", kBase + "seed: -1\n", {}, "cat.yaml:4: "},
      {"dense d beyond the limit", "name: cat\nproblem: {family: least_squares, n: 50, d: 100000}\n" + kRunner, {}, "cat.yaml:2: "},
      {"n * d beyond the limit", "name: cat\nproblem: {family: least_squares, n: 1000000000, d: 10}\n" + kRunner, {},
       "cat.yaml:2: "},
      {"infinite step", "name: cat\n" + kProblem + "runner: {kind: minibatch_sgd, step: {gamma: .inf}}\n", {}, "cat.yaml:3: "},
      {"NaN step", "name: cat\n" + kProblem + "runner: {kind: minibatch_sgd, step: {gamma: .nan}}\n", {}, "cat.yaml:3: "},
      {"grid beyond the limit",
       kBase + "sweep:\n  batch: [1,2,3,4,5,6,7,8,9,10]\n  iterations: [1,2,3,4,5,6,7,8,9,10]\n"
               "  step.gamma: [.1,.2,.3,.4,.5,.6,.7,.8,.9,1]\n  noise: [1,2,3,4,5,6,7,8,9,10]\n"
               "  seed: [1,2,3,4,5,6,7,8,9,10]\n  init.radius: [1,2,3,4,5,6,7,8,9,10]\n",
       {}, "cat.yaml:"},
      // --- bounds written in YAML (issue #15): names, keys and values checked before any run
      {"YAML bound with an unknown name", kBase + "bounds:\n  - {id: d.e, expr: \"r0 * muu^t\", metric: dist2}\n", {},
       "cat.yaml:5: "},
      {"YAML bound with a parse error", kBase + "bounds:\n  - {id: d.e, expr: \"r0 * (1 +\", metric: dist2}\n", {},
       "cat.yaml:5: "},
      {"YAML bound nested too deep", kBase + "bounds:\n  - {id: d.e, expr: \"" + std::string(200, '(') + "1" +
                                         std::string(200, ')') + "\", metric: dist2}\n",
       {}, "cat.yaml:5: "},
      {"YAML bound expression too long", kBase + "bounds:\n  - {id: d.e, expr: \"" + std::string(5000, '1') +
                                             "\", metric: dist2}\n",
       {}, "cat.yaml:5: "},
      {"YAML bound with an unknown key", kBase + "bounds:\n  - {id: d.e, expr: r0, metric: dist2, gaurantee: upper}\n", {},
       "cat.yaml:5: "},
      {"YAML bound without expr", kBase + "bounds:\n  - {id: d.e, metric: dist2}\n", {}, "cat.yaml:5: "},
      {"YAML bound with a list as expr", kBase + "bounds:\n  - {id: d.e, expr: [1, 2], metric: dist2}\n", {},
       "cat.yaml:5: "},
      {"YAML bound with an unknown metric", kBase + "bounds:\n  - {id: d.e, expr: r0, metric: dist3}\n", {}, "cat.yaml:5: "},
      {"YAML bound with a bad guarantee", kBase + "bounds:\n  - {id: d.e, expr: r0, metric: dist2, guarantee: maybe}\n", {},
       "cat.yaml:5: "},
      {"YAML bound with the id of a built-in bound",
       kBase + "bounds:\n  - {id: sgd.strongly_convex.dist2, expr: r0, metric: dist2}\n", {}, "cat.yaml:5: "},
      {"YAML bound id with a slash", kBase + "bounds:\n  - {id: ../x, expr: r0, metric: dist2}\n", {}, "cat.yaml:5: "},
      {"YAML bound when on the axis", kBase + "bounds:\n  - {id: d.e, expr: r0, metric: dist2, when: \"t < 3\"}\n", {},
       "cat.yaml:5: "},
      {"YAML bound listed twice",
       kBase + "bounds:\n  - {id: d.e, expr: r0, metric: dist2}\n  - {id: d.e, expr: r0, metric: dist2}\n", {},
       "cat.yaml:6: "},
      // --- data files (item 3)
      {"value 1e160", data_problem("d.libsvm"), {{"d.libsvm", "1 1:1e160 2:1\n-1 1:2\n1 2:3\n"}}, "d.libsvm:1: "},
      {"value 1e100", data_problem("d.libsvm"), {{"d.libsvm", "1 1:1 2:1\n-1 1:1e100\n1 2:3\n"}}, "d.libsvm:2: "},
      {"CSV value 1e160", data_problem("d.csv", ", format: csv"), {{"d.csv", "x,label\n1,1\n1e160,2\n3,1\n"}}, "d.csv:3: "},
      {"huge feature index", data_problem("d.libsvm"), {{"d.libsvm", "1 1:1\n-1 2000000000:1\n"}}, "d.libsvm:2: "},
      {"wide sparse file", data_problem("w.libsvm"), {{"w.libsvm", "1 1:1 20000:1\n-1 2:1\n1 3:2\n"}}, "w.libsvm: "},
      {"duplicate CSV label column", data_problem("d.csv", ", format: csv"),
       {{"d.csv", "label,x,label\n1,2,3\n0,1,1\n1,1,0\n"}}, "d.csv:1: "},
      {"one-sample file", data_problem("one.libsvm"), {{"one.libsvm", "1 1:1 2:1\n"}}, "one.libsvm: "},
      {"malformed LIBSVM token", data_problem("d.libsvm"), {{"d.libsvm", "1 1:1\n-1 2-1\n"}}, "d.libsvm:2: "},
      {"NaN in data", data_problem("d.libsvm"), {{"d.libsvm", "1 1:1\n-1 1:nan\n"}}, "d.libsvm:2: "},
      {"missing data file", data_problem("nope.libsvm"), {}, "cat.yaml:2: "},
      {"data file is a directory", data_problem("dir.libsvm"), {{"dir.libsvm/x", ""}}, "cat.yaml:2: "},
      // --- schedules (item 4)
      {"schedule storing too many steps",
       "name: cat\n" + kProblem + "runner: {kind: local_sgd, local_steps: 1000000000, schedule: {kind: mba}}\n", {},
       "cat.yaml:3: "},
      {"workers beyond the limit", "name: cat\n" + kProblem + "runner: {kind: local_sgd, workers: 1000000000000}\n", {},
       "cat.yaml:3: "},
  };
}

void require_rejected(const Outcome& o, const std::string& command, const HostileCase& c) {
  INFO(command << " on \"" << c.what << "\": exit " << o.code << ", stderr:\n" << o.err);
  REQUIRE(o.code == 2);
  REQUIRE(count_lines(o.err) == 1);
  REQUIRE(o.err.back() == '\n');
  REQUIRE_THAT(o.err, StartsWith("sgdcheck: error: "));
  REQUIRE_THAT(o.err, Contains(c.where));
  REQUIRE(o.seconds < 10.0);
}

}  // namespace

TEST_CASE("every hostile input class exits 2 with one line naming the file, writing nothing", "[cli][hostile]") {
  for (const auto& c : catalogue()) {
    TempDir dir;
    const std::string file = dir.write("cat.yaml", c.experiment);
    for (const auto& [name, text] : c.data) dir.write(name, text);
    const fs::path out = dir.path() / "out";
    require_rejected(run_timed("validate '" + file + "'", dir), "validate", c);
    require_rejected(run_timed("run '" + file + "' --no-plots --out '" + out.string() + "'", dir), "run", c);
    INFO(c.what);
    REQUIRE((!fs::exists(out) || fs::is_empty(out)));
  }
}

TEST_CASE("a base experiment of the catalogue is valid, so each case fails for its own reason", "[cli][hostile]") {
  TempDir dir;
  const std::string file = dir.write("cat.yaml", kBase);
  const Outcome o = run_timed("validate '" + file + "'", dir);
  INFO(o.err);
  REQUIRE(o.code == 0);
  dir.write("d.libsvm", "1 1:1 2:1\n-1 1:2\n1 2:3\n");
  const std::string data = dir.write("data.yaml", data_problem("d.libsvm"));
  REQUIRE(run_timed("validate '" + data + "'", dir).code == 0);
  const std::string local = dir.write("local.yaml", "name: cat\n" + kProblem + "runner: {kind: local_sgd, local_steps: 100, "
                                                    "schedule: {kind: power, beta: 64}}\n");
  REQUIRE(run_timed("validate '" + local + "'", dir).code == 0);
}

TEST_CASE("a negative --seed is one line of bad input, not a wrapped 2^64 - 1", "[cli][hostile]") {
  TempDir dir;
  const std::string file = dir.write("cat.yaml", kBase);
  const fs::path out = dir.path() / "out";
  const Outcome o = run_timed("run '" + file + "' --seed -1 --no-plots --out '" + out.string() + "'", dir);
  INFO(o.err);
  REQUIRE(o.code == 2);
  REQUIRE(count_lines(o.err) == 1);
  REQUIRE_THAT(o.err, Contains("--seed"));
  REQUIRE((!fs::exists(out) || fs::is_empty(out)));
}
