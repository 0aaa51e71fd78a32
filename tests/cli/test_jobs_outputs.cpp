// --jobs 1, 2 and 3 write the same bytes in every output of `run`, including the phases that now run
// on the thread pool: checks (checks.json / checks.txt), figures (.gp / .dat / images, one gnuplot per
// figure and format), tables written in chunks, report.html; and the --profile phases add up.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.hpp"

namespace fs = std::filesystem;
using sgdcheck::test::read_text;
using sgdcheck::test::run_cli;
using sgdcheck::test::TempDir;

namespace {

/// A sweep of 8 cells of unequal cost (50 … 400 iterations), three checks and two figures.
std::string experiment_text() {
  return R"(name: jobsx
seed: 11
seeds: 12
problem:
  family: least_squares
  n: 60
  d: 4
  spectrum: {kind: geometric, cond: 10}
  noise: 0.1
runner:
  kind: minibatch_sgd
  iterations: 200
  step: {rule: critical, scale: 0.25, m: grad}
sweep:
  batch: [1, 4]
  iterations: [50, 100, 200, 400]
bounds: [oracle.minibatch_lsq.dist2, sgd.strongly_convex.dist2]
checks:
  - matches_exact: {oracle: oracle.minibatch_lsq.dist2, k: 6}
  - bound_holds: {bound: sgd.strongly_convex.dist2, k: 3}
  - tightness: {bound: sgd.strongly_convex.dist2, max_ratio: 100}
plots:
  - {name: curves, x: iter, y: dist2, scale: loglog}
  - {name: by_samples, x: samples, y: dist2, scale: loglog}
)";
}

/// report.html without the lines that name the thread count, the start / end time or the wall time.
std::string report_without_timing(const std::string& html) {
  std::string out, line;
  for (char c : html) {
    if (c != '\n') {
      line += c;
      continue;
    }
    if (line.find("threads") == std::string::npos && line.find("started") == std::string::npos &&
        line.find("finished") == std::string::npos && line.find("wall time") == std::string::npos)
      out += line + "\n";
    line.clear();
  }
  return out + line;
}

std::vector<std::string> files_under(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root).string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("every output of run is byte-identical for --jobs 1, 2 and 3 (tables, checks, figures, report)", "[cli][jobs]") {
  TempDir dir;
  const std::string file = dir.write("jobsx.yaml", experiment_text());
  // svg only: gnuplot's PDF carries a creation date; svg and the scripts and data do not.
  std::vector<fs::path> outs;
  for (const char* j : {"1", "2", "3"}) {
    outs.push_back(dir.path() / (std::string{"j"} += j));
    std::string args = "run " + file;
    args += " --traces --format svg --jobs ";
    args += j;
    args += " --out ";
    args += outs.back().string();
    const auto r = run_cli(args, dir);
    INFO(r.out << r.err);
    REQUIRE((r.code == 0 || r.code == 1));  // a check verdict is not what this test is about
  }
  const auto names = files_under(outs[0] / "jobsx");
  // The phases that run on the pool wrote their files.
  for (const char* f : {"results.csv", "summary.csv", "runs.csv", "bounds.csv", "constants.csv", "cells.csv",
                        "checks.json", "checks.txt", "report.html", "plots/curves.gp", "plots/curves.dat",
                        "plots/by_samples.gp", "plots/by_samples.dat"})
    REQUIRE(std::find(names.begin(), names.end(), f) != names.end());
  const bool drew = std::find(names.begin(), names.end(), "plots/curves.svg") != names.end();
  for (std::size_t k = 1; k < outs.size(); ++k) {
    INFO("--jobs " << k + 1);
    REQUIRE(files_under(outs[k] / "jobsx") == names);
    for (const auto& f : names) {
      INFO(f);
      if (f == "manifest.json" || f == "timings.csv") continue;  // thread count, times
      const std::string a = read_text(outs[0] / "jobsx" / f);
      const std::string b = read_text(outs[k] / "jobsx" / f);
      if (f == "report.html") REQUIRE(report_without_timing(a) == report_without_timing(b));
      else REQUIRE(a == b);
    }
  }
  // Three checks in spec order, the same verdicts (checks.json compared above byte for byte).
  const auto checks = nlohmann::json::parse(read_text(outs[0] / "jobsx" / "checks.json"));
  REQUIRE(checks.at("checks").size() == 3);
  REQUIRE(checks.at("checks")[2].at("check") == "tightness");
  if (!drew) WARN("gnuplot drew no svg here: figures compared as scripts and data only");
}

TEST_CASE("run --profile prints every phase and manifest.json holds the same phases", "[cli][jobs]") {
  TempDir dir;
  const std::string file = dir.write("jobsx.yaml", experiment_text());
  const auto out = dir.path() / "p";
  const auto r = run_cli("run " + file + " --no-plots --profile --jobs 2 --out " + out.string(), dir);
  INFO(r.out << r.err);
  REQUIRE((r.code == 0 || r.code == 1));
  for (const char* phase : {"plan", "setup", "runs", "describe", "tables", "checks", "manifest", "report", "commit",
                            "total", "parallel share p ="})
    REQUIRE(r.err.find(phase) != std::string::npos);
  const auto m = nlohmann::json::parse(read_text(out / "jobsx" / "manifest.json"));
  const auto& ph = m.at("phases");
  std::vector<std::string> listed;
  double cpu = 0, par = 0;
  for (const auto& p : ph.at("list")) {
    listed.push_back(p.at("phase"));
    REQUIRE(p.at("wall_s").get<double>() >= 0.0);
    REQUIRE(p.at("parallel_cpu_s").get<double>() <= p.at("cpu_s").get<double>());
    REQUIRE(p.at("two_core_s").get<double>() <= p.at("cpu_s").get<double>() + 1e-12);
    cpu += p.at("cpu_s").get<double>();
    par += p.at("parallel_cpu_s").get<double>();
  }
  // The manifest is written after the report: every phase up to it, in the order they ran.
  REQUIRE(listed == std::vector<std::string>{"plan", "setup", "runs", "describe", "tables", "checks", "manifest", "report"});
  REQUIRE(ph.at("total").at("cpu_s").get<double>() == Approx(cpu).epsilon(1e-12));
  const double p = ph.at("parallel_share").get<double>();
  REQUIRE(p == Approx(cpu > 0 ? par / cpu : 0.0).epsilon(1e-9));
  REQUIRE(ph.at("predicted_speedup_2_cores_amdahl").get<double>() == Approx(1.0 / ((1.0 - p) + p / 2.0)).epsilon(1e-9));
  REQUIRE(p >= 0.0);  // a share; its size depends on the machine, so no more is asserted (no timing asserts)
  REQUIRE(p <= 1.0);
}
