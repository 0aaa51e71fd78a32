// Hostile experiment texts (issue #8, item 1): each is a ConfigError with a one-line message naming
// the file and the line, thrown by the reader before anything is built.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "config/experiment.hpp"
#include "core/errors.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using sgdcheck::ConfigError;
using sgdcheck::config::read_experiment_text;

namespace {

const std::string kBase =
    "name: h\n"                                 // 1
    "problem: {family: least_squares, d: 4}\n"  // 2
    "runner: {kind: minibatch_sgd}\n";          // 3

/// The message of reading `text` (must throw ConfigError); checks it is one line at `line`.
std::string error_at(const std::string& text, int line, bool quick = false) {
  try {
    read_experiment_text(text, "h.yaml", quick);
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    INFO(msg);
    REQUIRE(msg.find('\n') == std::string::npos);
    REQUIRE_THAT(msg, StartsWith("h.yaml:" + std::to_string(line) + ": "));
    return msg;
  }
  FAIL("expected a ConfigError for:\n" << text);
  return {};
}

}  // namespace

TEST_CASE("a duplicate key is an error naming both lines", "[config][hostile]") {
  REQUIRE_THAT(error_at(kBase + "seeds: 2\nseeds: 3\n", 5), Contains("duplicate key seeds (also at line 4)"));
  REQUIRE_THAT(error_at("name: h\nproblem: {family: least_squares, d: 4, d: 5}\nrunner: {kind: k}\n", 2),
               Contains("duplicate key d"));
  // The same key written nested and with dots.
  REQUIRE_THAT(error_at(kBase + "checks:\n  - c: {a.b: 1, a: {b: 2}}\n", 5), Contains("duplicate key a.b"));
}

TEST_CASE("a second YAML document is an error at its line", "[config][hostile]") {
  REQUIRE_THAT(error_at(kBase + "---\nname: other\n", 5), Contains("second YAML document"));
}

TEST_CASE("a map key that is not a scalar is an error, not an abort", "[config][hostile]") {
  REQUIRE_THAT(error_at(kBase + "? [a, b]\n: 1\n", 4), Contains("a map key is a list"));
  REQUIRE_THAT(error_at("name: h\nproblem: {family: f, ? {x: 1} : 2}\nrunner: {kind: k}\n", 2),
               Contains("a map key is a map"));
}

TEST_CASE("bytes that are not UTF-8 and control characters are errors at their line", "[config][hostile]") {
  REQUIRE_THAT(error_at(kBase + "description: caf\xE9 au lait\n", 4), Contains("byte 0xE9 is not valid UTF-8"));
  REQUIRE_THAT(error_at(kBase + "paper: \xC0\xAF\n", 4), Contains("not valid UTF-8"));  // overlong '/'
  REQUIRE_THAT(error_at(kBase + "paper: a\x01z\n", 4), Contains("control character"));
  // Escapes produce such characters only after parsing: checked on every scalar.
  REQUIRE_THAT(error_at(kBase + "description: \"a\\x00b\"\n", 4), Contains("control character"));
  REQUIRE_THAT(error_at(kBase + "description: \"\\ud800\"\n", 4), Contains("not valid UTF-8") || Contains("invalid unicode"));
  // Valid UTF-8 is fine.
  REQUIRE(read_experiment_text(kBase + "description: \"caf\xC3\xA9 \xE2\x88\x9A\"\n", "h.yaml", false).description ==
          "caf\xC3\xA9 \xE2\x88\x9A");
}

TEST_CASE("the quick block is checked even without --quick", "[config][hostile]") {
  REQUIRE_THAT(error_at(kBase + "quick:\n  seedz: 2\n", 5, false), Contains("unknown key quick.seedz"));
  REQUIRE_THAT(error_at(kBase + "quick:\n  seeds: 0\n", 5, false), Contains("quick.seeds = 0"));
  REQUIRE_THAT(error_at(kBase + "quick:\n  runner: {kind: other}\n", 5, false), Contains("quick.runner.kind"));
  REQUIRE_THAT(error_at(kBase + "quick:\n  sweep: {batch: []}\n", 5, false), Contains("non-empty list"));
  REQUIRE_THAT(error_at(kBase + "quick: 3\n", 4, false), Contains("quick: expected a map"));
  // Not applied without --quick, applied with it; the overrides are kept for schema checks.
  const auto plain = read_experiment_text(kBase + "seeds: 5\nquick:\n  seeds: 2\n  runner: {batch: 3}\n", "h.yaml", false);
  REQUIRE(plain.seeds == 5);
  REQUIRE(plain.runner.params.count("batch") == 0);
  REQUIRE(plain.quick_form.present);
  REQUIRE(plain.quick_form.runner.at("batch").scalar == "3");
  const auto quick = read_experiment_text(kBase + "seeds: 5\nquick:\n  seeds: 2\n  runner: {batch: 3}\n", "h.yaml", true);
  REQUIRE(quick.seeds == 2);
  REQUIRE(quick.runner.params.at("batch").scalar == "3");
}

TEST_CASE("a sweep value given twice is an error", "[config][hostile]") {
  REQUIRE_THAT(error_at(kBase + "sweep:\n  batch: [1, 2, 1]\n", 5), Contains("sweep.batch: value 1 appears twice"));
  REQUIRE_THAT(error_at(kBase + "quick:\n  sweep: {batch: [4, 4]}\n", 5), Contains("value 4 appears twice"));
}

TEST_CASE("the experiment name must be a plain file name", "[config][hostile]") {
  const std::string rest = "problem: {family: f}\nrunner: {kind: k}\n";
  for (const std::string& bad : std::vector<std::string>{"..", ".", "a/b", "/abs", ".hidden", "a\\\\b", "\"\"", "\"a b\"", std::string(101, 'x')}) {
    INFO(bad);
    REQUIRE_THAT(error_at("name: " + bad + "\n" + rest, 1), Contains("expected a plain file name"));
  }
  REQUIRE(read_experiment_text("name: E1_case-B.v2\n" + rest, "h.yaml", false).name == "E1_case-B.v2");
  REQUIRE(read_experiment_text("name: " + std::string(100, 'x') + "\n" + rest, "h.yaml", false).name.size() == 100);
}

TEST_CASE("seeds, grid size and runs are bounded at read time", "[config][hostile]") {
  REQUIRE_THAT(error_at(kBase + "seeds: 2000000000\n", 4), Contains("seeds <= 1000000"));
  REQUIRE(read_experiment_text(kBase + "seeds: 1000000\n", "h.yaml", false).seeds == 1000000);
  // 6 dimensions of 10 values: 1e6 cells.
  std::string sweep = "sweep:\n";
  for (const char* k : {"a", "b", "c", "d", "e", "f"}) sweep += std::string("  ") + k + ": [0,1,2,3,4,5,6,7,8,9]\n";
  REQUIRE_THAT(error_at(kBase + sweep, 10), Contains("more than 100000 cells"));
  // 100 cells x 200000 seeds = 2e7 runs.
  try {
    read_experiment_text(kBase + "seeds: 200000\nsweep: {a: [0,1,2,3,4,5,6,7,8,9], b: [0,1,2,3,4,5,6,7,8,9]}\n", "h.yaml",
                         false);
    FAIL("no ConfigError");
  } catch (const ConfigError& e) {
    REQUIRE_THAT(std::string(e.what()), StartsWith("h.yaml: seeds = 200000 times 100 grid cells"));
  }
}

TEST_CASE("aliases cannot expand an experiment exponentially", "[config][hostile]") {
  // Each level doubles the nodes: 2^40 when expanded.
  std::string text = kBase + "checks:\n  - c:\n      l0: &l0 {x: 1, y: 1}\n";
  for (int k = 1; k <= 40; ++k)
    text += "      l" + std::to_string(k) + ": &l" + std::to_string(k) + " {p: *l" + std::to_string(k - 1) + ", q: *l" +
            std::to_string(k - 1) + "}\n";
  try {
    read_experiment_text(text, "h.yaml", false);
    FAIL("no ConfigError");
  } catch (const ConfigError& e) {
    REQUIRE_THAT(std::string(e.what()), Contains("YAML nodes") || Contains("nested deeper"));
  }
}

TEST_CASE("an experiment with checks reads its check kinds and options", "[config][hostile]") {
  // Regression for the dangling reference to the check's YAML body (ASan stack-use-after-scope).
  const auto e = read_experiment_text(kBase + "checks:\n  - bound_holds: {bound: b1, level: 0.9}\n  - other:\n", "h.yaml",
                                      false);
  REQUIRE(e.checks.size() == 2);
  REQUIRE(e.checks[0].kind == "bound_holds");
  REQUIRE(e.checks[0].params.at("bound").scalar == "b1");
  REQUIRE(e.checks[0].params.at("level").scalar == "0.9");
  REQUIRE(e.checks[0].kind_loc.line == 5);
  REQUIRE(e.checks[1].kind == "other");
  REQUIRE(e.checks[1].params.empty());
}
