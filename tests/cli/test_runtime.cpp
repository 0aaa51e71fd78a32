// `sgdcheck runtime` (Dutta et al. 2018 runtime formulas beside the straggler simulation) and the
// event-log hash of ps_sgd runs for --jobs 1 and --jobs 2 (check C8).
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_runner.hpp"
#include "config/temp_files.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using sgdcheck::test::run_cli;
using sgdcheck::test::TempDir;

namespace {

nlohmann::json runtime_json(const std::string& args) {
  static TempDir dir;
  const auto o = run_cli("runtime " + args + " --json", dir);
  INFO(o.err);
  REQUIRE(o.code == 0);
  return nlohmann::json::parse(o.out);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("runtime --json prints the exact K-sync formula beside a simulation within 4 SE", "[cli][dutta]") {
  const auto j = runtime_json("--variant k_sync --workers 8 --k 4 --delay '{kind: exp, rate: 1}' --iterations 40000");
  // (H_8 − H_4)/1 = 1/5 + 1/6 + 1/7 + 1/8.
  const double exact = 1.0 / 5 + 1.0 / 6 + 1.0 / 7 + 1.0 / 8;
  REQUIRE_THAT(j["expected_time"].get<double>(), WithinRel(exact, 1e-12));
  REQUIRE(j["expected_time_guarantee"] == "exact");
  const double sim = j["simulated_time"].get<double>(), se = j["simulated_time_se"].get<double>();
  REQUIRE(se > 0);
  REQUIRE(std::fabs(sim - exact) <= 4 * se);
  REQUIRE(j["mean_staleness"].get<double>() == 0.0);
  REQUIRE(j["expected_staleness"].get<double>() == 0.0);
}

TEST_CASE("runtime --json reports staleness and null where no formula exists", "[cli][dutta]") {
  const auto a = runtime_json("--variant k_async --workers 8 --k 2 --delay '{kind: pareto, scale: 1, shape: 3}' --iterations 40000");
  REQUIRE(a["expected_time"].is_null());
  REQUIRE(a["expected_time_guarantee"] == "none");
  REQUIRE_THAT(a["mean_staleness"].get<double>(), WithinRel(3.0, 0.02));
  REQUIRE(a["expected_staleness"].get<double>() == 3.0);
  const auto b = runtime_json("--variant k_batch_async --workers 8 --k 2 --delay '{kind: weibull, shape: 0.7, scale: 1}' --iterations 40000");
  // K E[X]/P with E[X] = Γ(1 + 1/0.7).
  REQUIRE_THAT(b["expected_time"].get<double>(), WithinRel(2.0 * std::tgamma(1.0 + 1.0 / 0.7) / 8.0, 1e-12));
  REQUIRE(std::fabs(b["simulated_time"].get<double>() - b["expected_time"].get<double>()) <= 4 * b["simulated_time_se"].get<double>());
  REQUIRE_THAT(b["mean_staleness"].get<double>(), WithinRel(3.5, 0.02));
}

TEST_CASE("runtime reads a file of measured compute times for kind list", "[cli][dutta]") {
  TempDir dir;
  const std::string file = dir.write("times.txt", "# measured\n1.0\n3.0\n");
  const auto j = runtime_json("--variant k_sync --workers 2 --k 2 --delay '{kind: list, file: " + file + "}' --iterations 20000");
  // max of two draws from {1, 3}: 3 unless both are 1 → 3 − 2/4.
  REQUIRE_THAT(j["expected_time"].get<double>(), WithinRel(2.5, 1e-12));
}

TEST_CASE("runtime rejects bad delay specs with one line and exit 2", "[cli][dutta]") {
  TempDir dir;
  const std::string bad_file = dir.write("bad.txt", "1.0\nfast\n");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{kind: gamma, rate: 1}", "kind = gamma"},
      {"{kind: weibull, shape: 0, scale: 1}", "shape"},
      {"{kind: pareto, scale: 1, shape: 1}", "infinite mean"},
      {"{kind: exp, rate: 1, speed: 2}", "speed"},
      {"[1, 2]", "flow map"},
      {"{kind: list, values: []}", "values"},
      {"{kind: list, file: " + bad_file + "}", "bad.txt:2"},
      {"{kind: exp, rate: abc}", "--delay"},
  };
  for (const auto& [spec, needle] : cases) {
    INFO(spec);
    const auto o = run_cli("runtime --variant k_sync --workers 4 --k 2 --delay '" + spec + "'", dir);
    REQUIRE(o.code == 2);
    REQUIRE_THAT(o.err, Contains(needle));
    REQUIRE(std::count(o.err.begin(), o.err.end(), '\n') == 1);
  }
  const auto k = run_cli("runtime --variant k_sync --workers 4 --k 5 --delay '{kind: exp, rate: 1}'", dir);
  REQUIRE(k.code == 2);
  REQUIRE_THAT(k.err, Contains("--k = 5"));
}

TEST_CASE("ps_sgd event-log hashes and results are identical for --jobs 1 and --jobs 2", "[cli][dutta]") {
  TempDir dir;
  const std::string exp = dir.write("ps.yaml", R"(name: ps_hash
seed: 3
seeds: 10
problem: {family: noisy_quadratic, d: 4}
runner:
  kind: ps_sgd
  workers: 6
  step: {rule: constant, gamma: 0.1}
  delay: {kind: list, values: [1, 1, 2, 3]}
  iterations: 300
sweep:
  runner.variant: [k_sync, k_batch_sync, k_async, k_batch_async]
  runner.k: [1, 3]
)");
  const auto a = run_cli("run " + exp + " --jobs 1 --no-plots --out " + (dir.path() / "j1").string(), dir);
  const auto b = run_cli("run " + exp + " --jobs 2 --no-plots --out " + (dir.path() / "j2").string(), dir);
  INFO(a.err << b.err);
  REQUIRE(a.code == 0);
  REQUIRE(b.code == 0);
  const std::string sa = read_file(dir.path() / "j1" / "ps_hash" / "run_scalars.csv");
  const std::string sb = read_file(dir.path() / "j2" / "ps_hash" / "run_scalars.csv");
  REQUIRE_THAT(sa, Contains("event_hash"));
  REQUIRE(sa == sb);
  REQUIRE(read_file(dir.path() / "j1" / "ps_hash" / "summary.csv") == read_file(dir.path() / "j2" / "ps_hash" / "summary.csv"));
}
