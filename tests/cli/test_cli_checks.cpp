// The CLI side of checks: `validate` rejects a check's mistakes with exit code 2 before any run,
// `run` writes checks.json with a status and the decisive numbers, and report-only checks neither
// gate nor print PASS.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "../config/temp_files.hpp"
#include "../pipeline/experiment_text.hpp"

using Catch::Matchers::Contains;
using sgdcheck::pipeline::test::tiny_experiment;
using sgdcheck::test::read_text;
using sgdcheck::test::TempDir;
namespace fs = std::filesystem;

namespace {

struct Outcome {
  int code = -1;
  std::string out, err;
};

Outcome sgdcheck_cli(const std::string& args, const TempDir& dir) {
  const fs::path out = dir.path() / "stdout.txt";
  const fs::path err = dir.path() / "stderr.txt";
  const std::string cmd =
      std::string("'") + SGDCHECK_EXE + "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(cmd.c_str());
  REQUIRE(status != -1);
  REQUIRE(WIFEXITED(status));
  return {WEXITSTATUS(status), read_text(out), read_text(err)};
}

const std::string kCheckLine = "  - bound_holds: {bound: sgd.strongly_convex.dist2}";

}  // namespace

TEST_CASE("validate exits 2 on a check that names a sweep value no cell has, and run writes nothing", "[cli]") {
  TempDir dir;
  const std::string text =
      tiny_experiment({{kCheckLine, "  - bound_holds: {bound: sgd.strongly_convex.dist2, where: batch=3}"}});
  const std::string file = dir.write("exp.yaml", text);
  const auto v = sgdcheck_cli("validate " + file, dir);
  REQUIRE(v.code == 2);
  REQUIRE_THAT(v.err, Contains("checks.bound_holds.where") && Contains("no cell has runner.batch = 3"));
  const fs::path out = dir.path() / "out";
  const auto r = sgdcheck_cli("run " + file + " --no-plots --out " + out.string(), dir);
  REQUIRE(r.code == 2);
  REQUIRE_FALSE(fs::exists(out / "tiny"));
}

TEST_CASE("validate exits 2 on an unbalanced expression and on a non-numeric sweep key", "[cli]") {
  TempDir dir;
  const auto bad_expr = sgdcheck_cli(
      "validate " + dir.write("a.yaml", tiny_experiment({{kCheckLine, "  - ratio: {numerator: \"log(L/mu\"}"}})), dir);
  REQUIRE(bad_expr.code == 2);
  REQUIRE_THAT(bad_expr.err, Contains("missing ')'"));
  const auto non_numeric = sgdcheck_cli(
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
  const auto r = sgdcheck_cli("run " + file + " --no-plots --out " + out.string(), dir);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  REQUIRE_THAT(r.out, Contains("bound sgd.strongly_convex.dist2: applies to 2 of 2 cells"));
  nlohmann::json j;
  std::ifstream(out / "tiny" / "checks.json") >> j;
  REQUIRE(j.size() == 1);
  REQUIRE(j[0]["status"] == "pass");
  REQUIRE(j[0]["values"]["worst_ratio"].is_number());
  REQUIRE(j[0]["values"]["worst_ratio"].get<double>() <= 1.0);  // the check passed: mean + 3 SE <= bound
  REQUIRE(j[0]["values"]["cells_applicable"].get<double>() == 2.0);
}
