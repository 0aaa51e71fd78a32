// The CLI side of checks: `validate` rejects a check's mistakes with exit code 2 before any run,
// `run` writes checks.json with a status and the decisive numbers, and report-only checks neither
// gate nor print PASS.
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "../config/temp_files.hpp"
#include "cli_runner.hpp"
#include "../pipeline/experiment_text.hpp"

using Catch::Matchers::Contains;
using sgdcheck::pipeline::test::tiny_experiment;
using sgdcheck::test::read_text;
using sgdcheck::test::TempDir;
namespace fs = std::filesystem;

namespace {

using sgdcheck::test::run_cli;

const std::string kCheckLine = "  - bound_holds: {bound: sgd.strongly_convex.dist2}";

}  // namespace

TEST_CASE("validate exits 2 on a check that names a sweep value no cell has, and run writes nothing", "[cli]") {
  TempDir dir;
  const std::string text =
      tiny_experiment({{kCheckLine, "  - bound_holds: {bound: sgd.strongly_convex.dist2, where: batch=3}"}});
  const std::string file = dir.write("exp.yaml", text);
  const auto v = run_cli("validate " + file, dir);
  REQUIRE(v.code == 2);
  REQUIRE_THAT(v.err, Contains("checks.bound_holds.where") && Contains("no cell has runner.batch = 3"));
  const fs::path out = dir.path() / "out";
  const auto r = run_cli("run " + file + " --no-plots --out " + out.string(), dir);
  REQUIRE(r.code == 2);
  REQUIRE_FALSE(fs::exists(out / "tiny"));
}

TEST_CASE("validate exits 2 on an unbalanced expression and on a non-numeric sweep key", "[cli]") {
  TempDir dir;
  const auto bad_expr = run_cli(
      "validate " + dir.write("a.yaml", tiny_experiment({{kCheckLine, "  - ratio: {numerator: \"log(L/mu\"}"}})), dir);
  REQUIRE(bad_expr.code == 2);
  REQUIRE_THAT(bad_expr.err, Contains("missing ')'"));
  const auto non_numeric = run_cli(
      "validate " + dir.write("b.yaml", tiny_experiment({{kCheckLine, "  - saturation: {sweep: sampling, predicted: M_curv}"},
                                                          {"  batch: [1, 4]", "  batch: [1, 4]\n  sampling: [with_replacement, without_replacement]"}})),
      dir);
  REQUIRE(non_numeric.code == 2);
  REQUIRE_THAT(non_numeric.err, Contains("expected a numeric sweep key"));
}

TEST_CASE("run writes checks.json with a status and numbers, and prints bound applicability", "[cli]") {
  TempDir dir;
  const std::string file = dir.write("exp.yaml", tiny_experiment());
  const fs::path out = dir.path() / "out";
  const auto r = run_cli("run " + file + " --no-plots --out " + out.string(), dir);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  REQUIRE_THAT(r.out, Contains("bound sgd.strongly_convex.dist2: applies to 2 of 2 cells"));
  nlohmann::json all;
  std::ifstream(out / "tiny" / "checks.json") >> all;
  const auto& j = all.at("checks");
  REQUIRE(j.size() == 1);
  REQUIRE(j[0]["status"] == "pass");
  REQUIRE(j[0]["values"]["worst_ratio"].is_number());
  REQUIRE(j[0]["values"]["worst_ratio"].get<double>() <= 1.0);  // the check passed: mean + 3 SE <= bound
  REQUIRE(j[0]["values"]["cells_applicable"].get<double>() == 2.0);
}

TEST_CASE("validate exits 2 on a check or tune: metric the runner does not record, and run writes nothing", "[cli]") {
  TempDir dir;
  const auto slope = run_cli(
      "validate " + dir.write("a.yaml", tiny_experiment({{kCheckLine, "  - slope: {metric: dsit2, expected: -1}"}})), dir);
  REQUIRE(slope.code == 2);
  REQUIRE(slope.err.find('\n') == slope.err.size() - 1);  // one line
  REQUIRE_THAT(slope.err, Contains("a.yaml:18: checks.slope.metric = dsit2") && Contains("did you mean dist2?"));
  const std::string tune = dir.write(
      "b.yaml", tiny_experiment({{"  batch: [1, 4]", "  batch: [1, 4]\n  step.scale: [0.25, 0.5]"},
                                 {"+tune", "tune: {over: step.scale, metric: avg_grad2}"}}));
  const auto t = run_cli("validate " + tune, dir);
  REQUIRE(t.code == 2);
  REQUIRE_THAT(t.err, Contains("tune.metric = avg_grad2: expected a metric this runner records (subopt, dist2, grad2, step)"));
  const fs::path out = dir.path() / "out";
  REQUIRE(run_cli("run " + tune + " --no-plots --out " + out.string(), dir).code == 2);
  REQUIRE_FALSE(fs::exists(out / "tiny"));
}

namespace {

/// Splits text into lines.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    out.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

std::vector<std::string> bound_lines(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& l : lines_of(text))
    if (l.rfind("  bound ", 0) == 0) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("bound states: applicable, vacuous and not applicable are in bounds.csv and checks.json, and check DIR "
          "prints the run's lines", "[cli]") {
  // noise 30 lifts the strongly convex bound's noise floor above ‖x0 - x*‖² = 1 (vacuous there); noise
  // 0.1 keeps it informative; the nonconvex bound needs running_metrics (not applicable, with reason).
  TempDir dir;
  const std::string file = dir.write(
      "exp.yaml",
      tiny_experiment({{"  batch: [1, 4]", "  batch: [1, 2, 4]\n  problem.noise: [0.1, 30]"},
                       {"bounds: [sgd.strongly_convex.dist2]", "bounds: [sgd.strongly_convex.dist2, sgd.nonconvex.avg_grad2]"},
                       {kCheckLine, kCheckLine + "\n  - bound_holds: {bound: sgd.nonconvex.avg_grad2}\n"
                                                 "  - fit_rate: {sweep: batch, target: 0.5, where: \"noise=0.1\"}"}}));
  const fs::path out = dir.path() / "out";
  const auto r = run_cli("run " + file + " --no-plots --out " + out.string(), dir);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const fs::path res = out / "tiny";

  // The seed-mean dist2 at iter 0 per cell, from summary.csv (cell,runner.batch,problem.noise,iter,…,metric,n,mean,…).
  std::map<std::string, double> initial;
  for (const auto& row : lines_of(read_text(res / "summary.csv"))) {
    std::vector<std::string> f;
    std::size_t pos = 0;
    while (pos <= row.size()) {
      const auto c = row.find(',', pos);
      f.push_back(row.substr(pos, c == std::string::npos ? std::string::npos : c - pos));
      if (c == std::string::npos) break;
      pos = c + 1;
    }
    if (f.size() == 14 && f[3] == "0" && f[7] == "dist2") initial[f[0]] = std::stod(f[9]);
  }
  REQUIRE(initial.size() == 6);

  // bounds.csv: every row has a state consistent with `applicable`; the state of the strongly convex
  // series follows the documented rule, recomputed here from its values.
  const auto rows = lines_of(read_text(res / "bounds.csv"));
  REQUIRE_THAT(rows.at(0), Contains(",bound,title,label,guarantee,metric,applicable,state,reason,constants,iter,value"));
  std::map<std::string, std::string> written;              // cell → state of sgd.strongly_convex.dist2
  std::map<std::string, bool> never_below;                 // cell → every value after the first >= initial
  std::map<std::string, int> points;
  std::size_t not_applicable_rows = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    INFO(row);
    const std::string cell = row.substr(0, row.find(','));
    if (row.find("sgd.nonconvex.avg_grad2") != std::string::npos) {
      REQUIRE_THAT(row, Contains(",false,not_applicable,needs runner.running_metrics"));
      ++not_applicable_rows;
      continue;
    }
    // …,true,STATE,,CONSTANTS,ITER,VALUE (no reason on an applicable row; constants name the noise model)
    const auto v = row.rfind(','), it0 = row.rfind(',', v - 1), it = row.rfind(',', it0 - 1),
               re = row.rfind(',', it - 1), st = row.rfind(',', re - 1);
    REQUIRE_THAT(row.substr(it + 1, it0 - it - 1), Contains("noise (M; sigma2) = (") && Contains("from"));
    const std::string state = row.substr(st + 1, re - st - 1);
    REQUIRE(row.substr(re, it - re) == ",");
    REQUIRE(row.substr(0, st).size() >= 5);
    REQUIRE(row.substr(st - 5, 5) == ",true");
    REQUIRE((state == "applicable" || state == "vacuous"));
    if (written.count(cell)) REQUIRE(written[cell] == state);  // one state per (cell, bound)
    written[cell] = state;
    if (points[cell]++ == 0) never_below[cell] = true;
    else never_below[cell] = never_below[cell] && std::stod(row.substr(v + 1)) >= initial.at(cell);
  }
  REQUIRE(not_applicable_rows == 6);
  REQUIRE(written.size() == 6);
  std::size_t vacuous = 0;
  for (const auto& [cell, state] : written) {
    INFO("cell " << cell);
    REQUIRE((state == "vacuous") == never_below[cell]);
    vacuous += state == "vacuous";
  }
  REQUIRE(vacuous == 3);  // the three noise = 30 cells, and only they

  // checks.json: states counted per bound; every check state counted apart.
  nlohmann::json j;
  std::ifstream(res / "checks.json") >> j;
  REQUIRE(j.at("bounds") == nlohmann::json::parse(
                                R"js([{"bound": "sgd.strongly_convex.dist2", "cells": 6, "applicable": 3, "vacuous": 3,
                                     "not_applicable": 0},
                                    {"bound": "sgd.nonconvex.avg_grad2", "cells": 6, "applicable": 0, "vacuous": 0,
                                     "not_applicable": 6,
                                     "first_reason": "needs runner.running_metrics = true (records avg_grad2)"}])js"));
  REQUIRE(j.at("summary") == nlohmann::json({{"checks", 3}, {"passed", 1}, {"failed", 0}, {"report", 1}, {"skipped", 1}}));
  REQUIRE(j.at("checks").at(1).at("status") == "skipped");
  REQUIRE(j.at("checks").at(2).at("status") == "report");

  // The terminal: report and skipped are tagged as such and not counted as passes.
  REQUIRE_THAT(r.out, Contains("[SKIPPED] bound_holds sgd.nonconvex.avg_grad2") && Contains("[REPORT] fit_rate") &&
                          Contains("3 checks: 1 passed, 0 failed, 1 report, 1 skipped"));
  // A report-only check's lines say what was fitted, never "ok" / "FAIL" (which read as a verdict).
  REQUIRE_THAT(r.out, Contains("problem.noise=0.1: fitted — beta_hat") && !Contains(": ok — beta_hat"));
  REQUIRE_THAT(r.out, Contains("bound sgd.strongly_convex.dist2: applies to 6 of 6 cells (3 vacuous: never below the "
                               "initial value)"));
  // check DIR prints the lines `run` printed after the runs, and the same table.
  const auto from_run = bound_lines(r.out);
  // Per bound before the runs (plan); after them only the line that says more than the plan's (vacuous).
  REQUIRE(from_run.size() == 3);
  REQUIRE_THAT(r.out, Contains("bounds after the run:\n" + from_run[2] + "\n"));
  const auto c = run_cli("check " + res.string(), dir);
  INFO(c.out << c.err);
  REQUIRE(c.code == 0);
  // check DIR prints every bound's line from the results: the vacuous one as run printed it after the
  // runs, the unchanged one as the plan said it.
  const auto from_check = bound_lines(c.out);
  REQUIRE(from_check.size() == 2);
  REQUIRE(std::count(from_check.begin(), from_check.end(), from_run[2]) == 1);
  const std::string& unchanged = from_run[0] == from_check[0] || from_run[0] == from_check[1] ? from_run[0] : from_run[1];
  REQUIRE(std::count(from_check.begin(), from_check.end(), unchanged) == 1);
  REQUIRE(unchanged != from_run[2]);
  REQUIRE(c.out.substr(c.out.find("[PASS]")) == r.out.substr(r.out.find("[PASS]")));
}

TEST_CASE("check DIR rejects a bounds.csv whose state contradicts applicable", "[cli]") {
  TempDir dir;
  const std::string file = dir.write("exp.yaml", tiny_experiment());
  const fs::path out = dir.path() / "out";
  REQUIRE(run_cli("run " + file + " --no-plots --out " + out.string(), dir).code == 0);
  const fs::path csv = out / "tiny" / "bounds.csv";
  std::string text = read_text(csv);
  const auto at = text.find(",true,applicable,");
  REQUIRE(at != std::string::npos);
  text.replace(at, std::string(",true,applicable,").size(), ",true,not_applicable,");
  std::ofstream(csv) << text;
  const auto c = run_cli("check " + (out / "tiny").string(), dir);
  REQUIRE(c.code == 2);
  REQUIRE_THAT(c.err, Contains("bounds.csv") && Contains("state = not_applicable of bound sgd.strongly_convex.dist2"));
}

TEST_CASE("check DIR validates tune: metric on the tables as run does on the plan", "[cli]") {
  TempDir dir;
  const std::string file = dir.write(
      "exp.yaml", tiny_experiment({{"  batch: [1, 4]", "  batch: [1, 4]\n  step.scale: [0.25, 0.5]"},
                                   {"+tune", "tune: {over: step.scale, metric: dist2}"}}));
  const fs::path out = dir.path() / "out";
  REQUIRE(run_cli("run " + file + " --no-plots --out " + out.string(), dir).code == 0);
  const fs::path yaml = out / "tiny" / "experiment.yaml";
  std::string text = read_text(yaml);
  const auto at = text.find("metric: dist2}");
  REQUIRE(at != std::string::npos);
  text.replace(at, std::string("metric: dist2}").size(), "metric: dsit2}");
  std::ofstream(yaml) << text;
  const auto c = run_cli("check " + (out / "tiny").string(), dir);
  REQUIRE(c.code == 2);
  REQUIRE_THAT(c.err, Contains("experiment.yaml:") && Contains("tune.metric = dsit2") && Contains("did you mean dist2?"));
}
