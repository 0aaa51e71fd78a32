// The sgdcheck executable end to end: exit codes (0 ok, 1 a check failed, 2 bad input), one-line
// error messages naming file:line, no partial result directories, results independent of --jobs,
// and `check` / `plot` / `validate` / `list` working from files alone.
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "../config/temp_files.hpp"
#include "cli_runner.hpp"
#include "../pipeline/experiment_text.hpp"
#include "core/csv.hpp"
#include "core/params.hpp"
#include "pipeline/bound_registry.hpp"
#include "pipeline/components.hpp"
#include "problems/registry.hpp"
#include "runners/runner.hpp"

using Catch::Matchers::Contains;
using sgdcheck::pipeline::test::at;
using sgdcheck::pipeline::test::line_of;
using sgdcheck::pipeline::test::tiny_experiment;
using sgdcheck::test::count_lines;
using sgdcheck::test::read_text;
using sgdcheck::test::TempDir;
namespace fs = std::filesystem;

namespace {

using Outcome = sgdcheck::test::CliOutcome;
using sgdcheck::test::run_cli;

/// The quickstart experiment, shrunk for a test: its quick form with 16 seeds and 300 iterations.
std::string small_quickstart() {
  std::string text = read_text(fs::path(SGDCHECK_SOURCE_DIR) / "experiments" / "quickstart.yaml");
  const std::string quick = "quick:\n";
  const auto pos = text.find(quick);
  REQUIRE(pos != std::string::npos);
  const auto end = text.find("\nbounds:", pos);
  REQUIRE(end != std::string::npos);
  text.replace(pos, end - pos, "quick:\n  seeds: 16\n  runner: {iterations: 300}");
  return text;
}

/// After a bad-input error: exit code 2, exactly one line on stderr holding `needle`, nothing on
/// disk under `out` that looks like a result of experiment `name`.
void require_bad_input(const Outcome& r, const std::string& needle, const fs::path& out, const std::string& name) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 2);
  REQUIRE(count_lines(r.err) == 1);
  REQUIRE_THAT(r.err, Contains("error") && Contains(needle));
  REQUIRE_FALSE(fs::exists(out / name));
  if (fs::exists(out))
    for (const auto& entry : fs::directory_iterator(out))
      REQUIRE(entry.path().filename().string().find(name) == std::string::npos);
}

const std::vector<std::string> kTables{"results.csv", "summary.csv", "bounds.csv", "runs.csv", "constants.csv", "cells.csv"};

}  // namespace

TEST_CASE("result tables are byte-identical with one and with two jobs (--jobs 1, --jobs 2)", "[cli]") {
  // --traces: results.csv holds every metric of every run, so the per-run values are compared too.
  TempDir dir;
  const std::string file = dir.write("quickstart.yaml", small_quickstart());
  const auto out1 = dir.path() / "j1";
  const auto out2 = dir.path() / "j2";
  const auto r1 = run_cli("run " + file + " --quick --no-plots --traces --jobs 1 --out " + out1.string(), dir);
  INFO(r1.out << r1.err);
  const auto r2 = run_cli("run " + file + " --quick --no-plots --traces --jobs 2 --out " + out2.string(), dir);
  INFO(r2.out << r2.err);
  REQUIRE(r1.code == r2.code);
  REQUIRE(r1.code != 2);
  for (const auto& t : kTables) {
    INFO(t);
    const std::string a = read_text(out1 / "quickstart" / t);
    REQUIRE(count_lines(a) > 1);
    REQUIRE(a == read_text(out2 / "quickstart" / t));
  }
  // 3 cells × 16 reps × (points) × metrics rows: every (cell, rep) pair appears in runs.csv.
  REQUIRE(count_lines(read_text(out1 / "quickstart" / "runs.csv")) == 1 + 3 * 16);
  REQUIRE(read_text(out1 / "quickstart" / "checks.json") == read_text(out2 / "quickstart" / "checks.json"));
}

TEST_CASE("a successful run writes every documented file and exits 0", "[cli]") {
  TempDir dir;
  const std::string file = dir.write("exp.yaml", tiny_experiment());
  const auto out = dir.path() / "res";
  const auto r = run_cli("run " + file + " --no-plots --out " + out.string(), dir);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  for (const char* f : {"results.csv", "summary.csv", "runs.csv", "constants.csv", "bounds.csv", "cells.csv",
                        "timings.csv", "checks.json", "checks.txt", "manifest.json", "resolved.yaml", "experiment.yaml"})
    REQUIRE(fs::exists(out / "tiny" / f));
  const auto manifest = nlohmann::json::parse(read_text(out / "tiny" / "manifest.json"));
  REQUIRE(manifest.at("complete") == true);
  REQUIRE(manifest.at("all_checks_passed") == true);
  REQUIRE(manifest.at("runs") == 2 * sgdcheck::pipeline::test::kTinySeeds);
  // No staging directory is left behind (only the lock file of docs/results-format.md).
  for (const auto& entry : fs::directory_iterator(out))
    REQUIRE((entry.path().filename() == "tiny" || entry.path().filename() == ".tiny.lock"));
}

TEST_CASE("a malformed YAML file exits 2 with one line naming file:line and leaves no results", "[cli]") {
  TempDir dir;
  const std::string text = tiny_experiment({{"  n: 40", "  n: 40: 41"}});
  const std::string file = dir.write("exp.yaml", text);
  const auto out = dir.path() / "res";
  require_bad_input(run_cli("run " + file + " --out " + out.string(), dir), at(file, text, "n: 40: 41"), out, "tiny");
}

TEST_CASE("an unknown key exits 2 with one line naming file:line and the suggestion", "[cli]") {
  TempDir dir;
  const std::string text = tiny_experiment({{"  iterations: 200", "  iteratons: 200"}});
  const std::string file = dir.write("exp.yaml", text);
  const auto out = dir.path() / "res";
  const auto r = run_cli("run " + file + " --out " + out.string(), dir);
  require_bad_input(r, at(file, text, "iteratons: 200"), out, "tiny");
  REQUIRE_THAT(r.err, Contains("runner.iteratons") && Contains("did you mean runner.iterations?"));
}

TEST_CASE("a negative step size exits 2 with one line naming file:line, key and constraint", "[cli]") {
  TempDir dir;
  const std::string text = tiny_experiment(
      {{"  step: {rule: critical, scale: 0.25, m: grad}", "  step: {rule: constant, gamma: -0.01}"}});
  const std::string file = dir.write("exp.yaml", text);
  const auto out = dir.path() / "res";
  const auto r = run_cli("run " + file + " --out " + out.string(), dir);
  require_bad_input(r, at(file, text, "gamma: -0.01"), out, "tiny");
  REQUIRE_THAT(r.err, Contains("runner.step.gamma = -0.01 violates gamma > 0"));
}

namespace {
/// The tiny experiment reading its data from `data_line` (a `data:` map) instead of the generator.
std::string with_data(const std::string& data_line) {
  return tiny_experiment({{"  n: 40", data_line},
                          {"  d: 4", ""},
                          {"  spectrum: {kind: geometric, cond: 4}", ""},
                          {"  noise: 0.1", ""}});
}
}  // namespace

TEST_CASE("a missing data file exits 2 with one line naming file:line of data.file and leaves no results", "[cli]") {
  TempDir dir;
  const std::string text = with_data("  data: {file: missing.svm}");
  const std::string file = dir.write("exp.yaml", text);
  const auto out = dir.path() / "res";
  const auto r = run_cli("run " + file + " --out " + out.string(), dir);
  require_bad_input(r, at(file, text, "data: {file: missing.svm}"), out, "tiny");
  REQUIRE_THAT(r.err, Contains("problem.data.file = missing.svm"));
}

TEST_CASE("a malformed LIBSVM line exits 2 with one line naming data file:line", "[cli]") {
  TempDir dir;
  const std::string data = dir.write("data.svm", "1 1:0.5 2:1\n-1 1:0.2 2:0.7\n1 1:0.5 2:x7\n-1 1:1 2:0.5\n");
  const std::string file = dir.write("exp.yaml", with_data("  data: {file: data.svm}"));
  const auto out = dir.path() / "res";
  require_bad_input(run_cli("run " + file + " --out " + out.string(), dir), data + ":3:", out, "tiny");
}

TEST_CASE("a NaN in a CSV data file exits 2 with one line naming data file:line", "[cli]") {
  TempDir dir;
  const std::string data = dir.write("data.csv", "a,b,label\n0.5,1,1\n0.2,0.7,-1\n0.5,NaN,1\n1,0.5,-1\n");
  const std::string file = dir.write("exp.yaml", with_data("  data: {file: data.csv, format: csv}"));
  const auto out = dir.path() / "res";
  require_bad_input(run_cli("run " + file + " --out " + out.string(), dir), data + ":4:", out, "tiny");
}

TEST_CASE("an output directory under a regular file exits 2 naming the path", "[cli]") {
  TempDir dir;
  const std::string file = dir.write("exp.yaml", tiny_experiment());
  const std::string blocker = dir.write("plain_file", "not a directory\n");
  const auto out = fs::path(blocker) / "res";
  const auto r = run_cli("run " + file + " --out " + out.string(), dir);
  INFO(r.err);
  REQUIRE(r.code == 2);
  REQUIRE(count_lines(r.err) == 1);
  REQUIRE_THAT(r.err, Contains(out.string()));
  REQUIRE(fs::is_regular_file(blocker));
}

TEST_CASE("a bad second file stops the run before the first file's results are written", "[cli]") {
  TempDir dir;
  const std::string good = dir.write("good.yaml", tiny_experiment());
  const std::string text = tiny_experiment({{"name: tiny", "name: other"}, {"  d: 4", "  d: 0"}});
  const std::string bad = dir.write("bad.yaml", text);
  const auto out = dir.path() / "res";
  const auto r = run_cli("run " + good + " " + bad + " --out " + out.string(), dir);
  require_bad_input(r, at(bad, text, "d: 0"), out, "tiny");
  REQUIRE_FALSE(fs::exists(out / "other"));
}

TEST_CASE("a failing check exits 1 and records passed = false in checks.json", "[cli]") {
  // The strongly convex bound is loose by a factor of about 10 on this problem: max_ratio 1 cannot hold.
  TempDir dir;
  const std::string file = dir.write(
      "exp.yaml", tiny_experiment({{"  - bound_holds: {bound: sgd.strongly_convex.dist2}",
                                    "  - bound_holds: {bound: sgd.strongly_convex.dist2}\n"
                                    "  - tightness: {bound: sgd.strongly_convex.dist2, max_ratio: 1.0}"}}));
  const auto out = dir.path() / "res";
  const auto r = run_cli("run " + file + " --no-plots --out " + out.string(), dir);
  INFO(r.out << r.err);
  REQUIRE(r.code == 1);
  REQUIRE_THAT(r.out, Contains("[FAIL] tightness"));
  const auto checks = nlohmann::json::parse(read_text(out / "tiny" / "checks.json")).at("checks");
  REQUIRE(checks.size() == 2);
  REQUIRE(checks[0].at("check") == "bound_holds");
  REQUIRE(checks[0].at("passed") == true);
  REQUIRE(checks[1].at("check") == "tightness");
  REQUIRE(checks[1].at("passed") == false);
  const auto manifest = nlohmann::json::parse(read_text(out / "tiny" / "manifest.json"));
  REQUIRE(manifest.at("all_checks_passed") == false);
}

TEST_CASE("sgdcheck check DIR redoes the checks from the tables alone", "[cli]") {
  TempDir dir;
  const std::string file = dir.write("exp.yaml", tiny_experiment());
  const auto out = dir.path() / "res";
  const auto res = out / "tiny";
  REQUIRE(run_cli("run " + file + " --no-plots --out " + out.string(), dir).code == 0);
  const std::string first = read_text(res / "checks.json");
  const std::string results = read_text(res / "results.csv");
  fs::remove(res / "checks.json");
  fs::remove(dir.path() / "exp.yaml");  // the source file is not needed: the directory holds a copy
  const auto r = run_cli("check " + res.string(), dir);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  REQUIRE(read_text(res / "checks.json") == first);
  REQUIRE(read_text(res / "results.csv") == results);  // nothing was rerun

  // The checks read bounds.csv: scaling every bound value by 0.1 there makes bound_holds fail.
  {
    const std::string csv = read_text(res / "bounds.csv");
    std::string scaled;
    std::size_t start = 0;
    bool header = true;
    while (start < csv.size()) {
      const auto nl = csv.find('\n', start);
      std::string line = csv.substr(start, nl - start);
      start = nl + 1;
      if (!header) {
        const auto comma = line.rfind(',');
        const double v = std::stod(line.substr(comma + 1));
        line = line.substr(0, comma + 1) + sgdcheck::format_real(0.1 * v);
      }
      header = false;
      scaled += line + "\n";
    }
    std::ofstream(res / "bounds.csv") << scaled;
  }
  const auto bad = run_cli("check " + res.string(), dir);
  INFO(bad.out << bad.err);
  REQUIRE(bad.code == 1);
  const auto checks = nlohmann::json::parse(read_text(res / "checks.json")).at("checks");
  REQUIRE(checks[0].at("passed") == false);
}

TEST_CASE("sgdcheck plot DIR --format png draws every plot from the tables without rerunning", "[cli]") {
  TempDir dir;
  const std::string file = dir.write(
      "exp.yaml", tiny_experiment({{"+plots", "plots:\n  - {name: d2, x: iter, y: dist2}\n  - {name: d2s, x: samples, y: dist2}"}}));
  const auto out = dir.path() / "res";
  const auto res = out / "tiny";
  REQUIRE(run_cli("run " + file + " --no-plots --out " + out.string(), dir).code == 0);
  REQUIRE_FALSE(fs::exists(res / "plots" / "d2.png"));
  const std::string results = read_text(res / "results.csv");
  const std::string checks = read_text(res / "checks.json");
  const auto r = run_cli("plot " + res.string() + " --format png", dir);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  for (const char* stem : {"d2", "d2s"}) {
    INFO(stem);
    REQUIRE(fs::file_size(res / "plots" / (std::string(stem) + ".png")) > 0);
    REQUIRE(fs::exists(res / "plots" / (std::string(stem) + ".gp")));
    REQUIRE(fs::exists(res / "plots" / (std::string(stem) + ".dat")));
    REQUIRE_FALSE(fs::exists(res / "plots" / (std::string(stem) + ".svg")));
  }
  REQUIRE(read_text(res / "results.csv") == results);
  REQUIRE(read_text(res / "checks.json") == checks);
}

TEST_CASE("check and plot on a directory that is not a result exit 2", "[cli]") {
  TempDir dir;
  fs::create_directories(dir.path() / "empty");
  const auto r = run_cli("check " + (dir.path() / "empty").string(), dir);
  REQUIRE(r.code == 2);
  REQUIRE(count_lines(r.err) == 1);
  REQUIRE_THAT(r.err, Contains("empty"));
  REQUIRE(run_cli("plot " + (dir.path() / "empty").string() + " --format png", dir).code == 2);
}

TEST_CASE("sgdcheck validate prints the resolved YAML with defaults and exits 0", "[cli]") {
  TempDir dir;
  const std::string file = (fs::path(SGDCHECK_SOURCE_DIR) / "experiments" / "quickstart.yaml").string();
  const auto r = run_cli("validate " + file + " --quick", dir);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const YAML::Node y = YAML::Load(r.out);
  const YAML::Node src = YAML::LoadFile(file);
  REQUIRE(y["name"].as<std::string>() == src["name"].as<std::string>());
  REQUIRE(y["seeds"].as<int>() == src["quick"]["seeds"].as<int>());
  REQUIRE(y["runner"]["kind"].as<std::string>() == "minibatch_sgd");
  REQUIRE(y["runner"]["iterations"].as<long>() == src["quick"]["runner"]["iterations"].as<long>());
  // A key the file does not set appears with its schema default.
  const auto* kind = sgdcheck::runners::find_runner_kind("minibatch_sgd");
  REQUIRE(kind != nullptr);
  const auto* sampling = kind->schema.find("sampling");
  REQUIRE(sampling != nullptr);
  REQUIRE(y["runner"]["sampling"].as<std::string>() == sgdcheck::to_string(*sampling->default_value));
  REQUIRE(y["problem"]["family"].as<std::string>() == src["problem"]["family"].as<std::string>());
  REQUIRE(y["sweep"]["runner.batch"].size() == src["sweep"]["batch"].size());
  REQUIRE(y["checks"].size() == src["checks"].size());
}

TEST_CASE("sgdcheck validate on a bad file exits 2 with the located message", "[cli]") {
  TempDir dir;
  const std::string text = tiny_experiment({{"  d: 4", "  d: 0"}});
  const std::string file = dir.write("exp.yaml", text);
  const auto r = run_cli("validate " + file, dir);
  REQUIRE(r.code == 2);
  REQUIRE(count_lines(r.err) == 1);
  REQUIRE_THAT(r.err, Contains(at(file, text, "d: 0")) && Contains("problem.d = 0"));
}

TEST_CASE("sgdcheck list mentions every problem family, runner kind, bound and check", "[cli]") {
  TempDir dir;
  const auto r = run_cli("list", dir);
  REQUIRE(r.code == 0);
  REQUIRE_FALSE(sgdcheck::problems::problem_families().empty());
  for (const auto& f : sgdcheck::problems::problem_families()) REQUIRE_THAT(r.out, Contains(f.schema.name));
  REQUIRE_FALSE(sgdcheck::runners::runner_kinds().empty());
  for (const auto& k : sgdcheck::runners::runner_kinds()) REQUIRE_THAT(r.out, Contains(k.schema.name));
  for (const auto& b : sgdcheck::pipeline::bound_adapters()) REQUIRE_THAT(r.out, Contains(b.info.id));
  for (const auto& c : sgdcheck::pipeline::check_schemas()) REQUIRE_THAT(r.out, Contains(c.name));
}

TEST_CASE("an invalid command line exits 2", "[cli]") {
  TempDir dir;
  const std::string file = dir.write("exp.yaml", tiny_experiment());
  REQUIRE(run_cli("run " + file + " --jobs 0", dir).code == 2);
  REQUIRE(run_cli("frobnicate", dir).code == 2);
  REQUIRE(run_cli("run " + (dir.path() / "nope.yaml").string(), dir).code == 2);
}
