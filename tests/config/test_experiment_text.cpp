// read_experiment_text: the string entry point that read_experiment (and the fuzz targets) use.
// The same text read from a file and from a string gives the same experiment, and messages name
// the given name, not a file.
#include <catch2/catch.hpp>
#include <string>

#include "config/experiment.hpp"
#include "core/errors.hpp"
#include "temp_files.hpp"

using Catch::Matchers::StartsWith;
using sgdcheck::ConfigError;
using sgdcheck::config::read_experiment;
using sgdcheck::config::read_experiment_text;
using sgdcheck::test::TempDir;

namespace {

const char* const kText =
    "name: text\n"
    "seeds: 3\n"
    "problem: {family: least_squares, d: 4}\n"
    "runner: {kind: minibatch_sgd, batch: 2}\n"
    "sweep: {batch: [1, 2]}\n"
    "quick: {seeds: 1}\n";

}  // namespace

TEST_CASE("read_experiment_text reads the same experiment as read_experiment on the same text", "[config]") {
  TempDir dir;
  const auto file = dir.write("t.yaml", kText);
  for (bool quick : {false, true}) {
    const auto a = read_experiment(file, quick);
    const auto b = read_experiment_text(kText, file, quick);
    REQUIRE(a.name == b.name);
    REQUIRE(a.file == b.file);
    REQUIRE(a.seeds == b.seeds);
    REQUIRE(a.seeds == (quick ? 1 : 3));
    REQUIRE(a.problem.kind == b.problem.kind);
    REQUIRE(a.runner.params.at("batch").scalar == b.runner.params.at("batch").scalar);
    REQUIRE(a.sweep.size() == 1);
    REQUIRE(b.sweep.size() == 1);
    REQUIRE(b.sweep[0].values.size() == 2);
  }
}

TEST_CASE("read_experiment_text names the given name and line in its messages", "[config]") {
  try {
    read_experiment_text("name: x\nproblem: {family: f}\nrunner: {kind: k}\nbogus: 1\n", "<fuzz input>", false);
    FAIL("no ConfigError");
  } catch (const ConfigError& e) {
    REQUIRE_THAT(std::string(e.what()), StartsWith("<fuzz input>:4: unknown top-level key bogus"));
  }
}

TEST_CASE("read_experiment rejects an experiment file larger than the documented limit", "[config]") {
  TempDir dir;
  std::string big = kText;
  big += "description: \"" + std::string(sgdcheck::config::kMaxExperimentBytes, 'x') + "\"\n";
  const auto file = dir.write("big.yaml", big);
  try {
    read_experiment(file, false);
    FAIL("no ConfigError");
  } catch (const ConfigError& e) {
    REQUIRE_THAT(std::string(e.what()), StartsWith(file + ": file larger than"));
  }
  REQUIRE_THROWS_AS(read_experiment_text(big, "s", false), ConfigError);
}
