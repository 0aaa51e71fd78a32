// `sgdcheck compare DIR_A DIR_B`: verdict flips gate (exit 1), tightness ratios that moved by more
// than --factor are listed with the ratio checks.json reports, and seed means of two independent
// seeds of the same experiment differ by a few standard errors only.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "cli_runner.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;
using sgdcheck::test::read_text;
using sgdcheck::test::run_cli;
using sgdcheck::test::TempDir;
namespace fs = std::filesystem;

namespace {

/// Least squares with mini-batch SGD at b = 1, 8, 64 (the quickstart problem, 60 seeds).
std::string experiment(double step_scale, double max_ratio) {
  return "name: cmp\nseed: 1\nseeds: 60\n"
         "problem: {family: least_squares, n: 200, d: 10, spectrum: {kind: geometric, cond: 10}, noise: 0.1}\n"
         "runner: {kind: minibatch_sgd, iterations: 2000, step: {rule: critical, scale: " +
         std::to_string(step_scale) +
         ", m: grad}}\n"
         "sweep: {batch: [1, 8, 64]}\n"
         "bounds: [oracle.minibatch_lsq.dist2, sgd.strongly_convex.dist2]\n"
         "checks:\n"
         "  - matches_exact: {oracle: oracle.minibatch_lsq.dist2, k: 4}\n"
         "  - tightness: {bound: sgd.strongly_convex.dist2, max_ratio: " +
         std::to_string(max_ratio) + "}\n";
}

std::string run_into(const TempDir& dir, const std::string& file, const std::string& out, const std::string& extra = "") {
  const auto o = run_cli("run '" + file + "' --no-plots --jobs 2 --out '" + (dir.path() / out).string() + "' " + extra, dir);
  INFO(o.err);
  REQUIRE((o.code == 0 || o.code == 1));
  return (dir.path() / out / "cmp").string();
}

double tightness_ratio(const std::string& dir, const std::string& cell) {
  const auto j = nlohmann::json::parse(read_text(fs::path(dir) / "checks.json"));
  for (const auto& c : j["checks"])
    if (c["check"] == "tightness")
      for (const auto& v : c["cells"])
        if (v["cell"] == cell) return v["ratio"].get<double>();
  FAIL("no tightness cell " << cell);
  return NAN;
}

}  // namespace

TEST_CASE("compare of two seeds of the same experiment finds no flipped verdict and small seed-mean differences", "[cli]") {
  TempDir dir;
  const std::string f = dir.write("cmp.yaml", experiment(0.25, 1000));
  const std::string a = run_into(dir, f, "a");
  const std::string b = run_into(dir, f, "b", "--seed 2");
  const auto o = run_cli("compare '" + a + "' '" + b + "'", dir);
  INFO(o.out << o.err);
  REQUIRE(o.code == 0);
  REQUIRE_THAT(o.out, Contains("verdicts: 8 checks and cells in both, 0 changed"));
  REQUIRE_THAT(o.out, Contains("tightness (upper bound / seed mean at the last point): 3 compared, 0 changed"));
  // Independent seeds: every listed difference is a few SE of the difference (a wrong SE, e.g. one
  // side's only or without the square root, shows up as tens of SE at 60 seeds).
  const std::regex z_re(R"(= ([0-9.e+]+) SE)");
  int listed = 0;
  for (auto it = std::sregex_iterator(o.out.begin(), o.out.end(), z_re); it != std::sregex_iterator(); ++it, ++listed)
    REQUIRE(std::stod((*it)[1]) < 6.0);
  REQUIRE(listed > 0);

  const auto same = run_cli("compare '" + a + "' '" + a + "'", dir);
  REQUIRE(same.code == 0);
  REQUIRE_THAT(same.out, !Contains(" SE\n"));  // identical folders: nothing listed
}

TEST_CASE("compare exits 1 on a flipped verdict and lists ratios that moved by more than the factor", "[cli]") {
  TempDir dir;
  const std::string a = run_into(dir, dir.write("a.yaml", experiment(0.25, 50)), "a");
  // A smaller step: the runs are slower, the bound (for the smaller step) looser; max_ratio 50 now fails.
  const std::string b = run_into(dir, dir.write("b.yaml", experiment(0.05, 50)), "b");
  const auto o = run_cli("compare '" + a + "' '" + b + "'", dir);
  INFO(o.out << o.err);
  REQUIRE(o.code == 1);
  REQUIRE_THAT(o.out, Contains("[PASS -> FAIL] tightness sgd.strongly_convex.dist2 [batch=64]"));
  REQUIRE_THAT(o.out, Contains("verdict(s) flipped"));
  // The listed ratio is bound / mean at the last point: what the tightness check reports per cell.
  const double ra = tightness_ratio(a, "batch=64"), rb = tightness_ratio(b, "batch=64");
  REQUIRE(rb / ra > 2.0);
  const std::regex line(R"(sgd\.strongly_convex\.dist2 \[batch=64\]: ([0-9.e+]+) -> ([0-9.e+]+))");
  std::smatch m;
  REQUIRE(std::regex_search(o.out, m, line));
  REQUIRE_THAT(std::stod(m[1]), WithinRel(ra, 1e-3));
  REQUIRE_THAT(std::stod(m[2]), WithinRel(rb, 1e-3));
  const auto wide = run_cli("compare '" + a + "' '" + b + "' --factor 1e6", dir);
  REQUIRE_THAT(wide.out, Contains("0 changed by more than a factor 1000000"));
}

TEST_CASE("compare of a folder that is not results is bad input", "[cli]") {
  TempDir dir;
  const auto o = run_cli("compare '" + dir.path().string() + "' '" + dir.path().string() + "'", dir);
  REQUIRE(o.code == 2);
  REQUIRE_THAT(o.err, Contains("not a complete results directory"));
}
