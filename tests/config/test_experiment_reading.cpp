// Reading well-formed experiment files: flattening of nested keys with their source lines, the
// quick form, grid expansion (cross product, first sweep key slowest) and schema defaults.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "config/experiment.hpp"
#include "core/params.hpp"
#include "temp_files.hpp"

using Catch::Matchers::WithinRel;
using sgdcheck::config::expand_grid;
using sgdcheck::config::read_experiment;
using sgdcheck::test::TempDir;

namespace {

const char* const kFull =
    "name: grid_test\n"                         // 1
    "description: a test\n"                     // 2
    "paper: foundation\n"                       // 3
    "seed: 7\n"                                 // 4
    "seeds: 10\n"                               // 5
    "problem:\n"                                // 6
    "  family: least_squares\n"                 // 7
    "  n: 100\n"                                // 8
    "  spectrum: {kind: geometric, cond: 10}\n" // 9
    "runner:\n"                                 // 10
    "  kind: minibatch_sgd\n"                   // 11
    "  iterations: 500\n"                       // 12
    "  step:\n"                                 // 13
    "    gamma: 0.05\n"                         // 14
    "sweep:\n"                                  // 15
    "  batch: [1, 2, 4]\n"                      // 16
    "  problem.d: [3, 5]\n"                     // 17
    "quick:\n"                                  // 18
    "  seeds: 2\n"                              // 19
    "  sweep: {batch: [8, 16]}\n"               // 20
    "  runner: {iterations: 50, step: {gamma: 0.2}}\n"  // 21
    "  problem: {n: 20}\n"                      // 22
    "bounds: [b.one, b.two]\n"                  // 23
    "checks:\n"                                 // 24
    "  - bound_holds: {bound: b.one, k: 2}\n"   // 25
    "  - tightness:\n"                          // 26
    "      bound: b.two\n"                      // 27
    "plots:\n"                                  // 28
    "  - {name: p, x: iter}\n";                 // 29

}  // namespace

TEST_CASE("nested keys are flattened to dotted keys that keep their own line numbers", "[config]") {
  TempDir dir;
  const std::string file = dir.write("e.yaml", kFull);
  const auto e = read_experiment(file, false);
  REQUIRE(e.name == "grid_test");
  REQUIRE(e.seed == 7u);
  REQUIRE(e.seeds == 10);
  REQUIRE_FALSE(e.quick);
  REQUIRE(e.problem.kind == "least_squares");
  REQUIRE(e.problem.kind_loc.line == 7);
  REQUIRE(e.runner.kind == "minibatch_sgd");
  REQUIRE(e.runner.kind_loc.line == 11);
  REQUIRE(e.problem.params.count("family") == 0);  // the discriminator is taken out
  REQUIRE(e.problem.params.at("spectrum.kind").scalar == "geometric");
  REQUIRE(e.problem.params.at("spectrum.cond").scalar == "10");
  REQUIRE(e.problem.params.at("spectrum.cond").loc.line == 9);
  REQUIRE(e.runner.params.at("step.gamma").scalar == "0.05");
  REQUIRE(e.runner.params.at("step.gamma").loc.line == 14);
  REQUIRE(e.runner.params.at("step.gamma").loc.file == file);
  REQUIRE(e.runner.params.at("iterations").loc.line == 12);

  REQUIRE(e.bounds.size() == 2);
  REQUIRE(e.bounds[0].name == "b.one");
  REQUIRE(e.bounds[1].loc.line == 23);
  REQUIRE(e.checks.size() == 2);
  REQUIRE(e.checks[0].kind == "bound_holds");
  REQUIRE(e.checks[0].params.at("k").scalar == "2");
  REQUIRE(e.checks[1].kind == "tightness");
  REQUIRE(e.checks[1].kind_loc.line == 26);
  REQUIRE(e.checks[1].params.at("bound").loc.line == 27);
  REQUIRE(e.plots.size() == 1);
  REQUIRE(e.plots[0].params.at("name").scalar == "p");
}

TEST_CASE("the sweep keeps the file's order of keys, not alphabetical order", "[config]") {
  TempDir dir;
  const auto e = read_experiment(dir.write("e.yaml", kFull), false);
  REQUIRE(e.sweep.size() == 2);
  REQUIRE(e.sweep[0].key == "batch");  // "batch" < "problem.d" alphabetically too, so also check a reversed file
  REQUIRE(e.sweep[1].key == "problem.d");
  const auto r = read_experiment(dir.write("r.yaml",
                                           "name: r\nproblem: {family: f}\nrunner: {kind: k}\n"
                                           "sweep: {zeta: [1], alpha: [2, 3]}\n"),
                                 false);
  REQUIRE(r.sweep.size() == 2);
  REQUIRE(r.sweep[0].key == "zeta");
  REQUIRE(r.sweep[1].key == "alpha");
}

TEST_CASE("without --quick the quick block is ignored", "[config]") {
  TempDir dir;
  const auto e = read_experiment(dir.write("e.yaml", kFull), false);
  REQUIRE(e.seeds == 10);
  REQUIRE(e.sweep[0].values.size() == 3);
  REQUIRE(e.runner.params.at("iterations").scalar == "500");
  REQUIRE(e.problem.params.at("n").scalar == "100");
}

TEST_CASE("the quick form replaces seeds, sweep dimensions and problem and runner keys", "[config]") {
  TempDir dir;
  const std::string file = dir.write("e.yaml", kFull);
  const auto e = read_experiment(file, true);
  REQUIRE(e.quick);
  REQUIRE(e.seeds == 2);
  // batch is replaced in place (still the first, slowest dimension); problem.d is kept.
  REQUIRE(e.sweep.size() == 2);
  REQUIRE(e.sweep[0].key == "batch");
  REQUIRE(e.sweep[0].values.size() == 2);
  REQUIRE(e.sweep[0].values[0].scalar == "8");
  REQUIRE(e.sweep[0].values[1].scalar == "16");
  REQUIRE(e.sweep[0].loc.line == 20);
  REQUIRE(e.sweep[1].key == "problem.d");
  REQUIRE(e.sweep[1].values.size() == 2);
  // Overridden keys carry the quick block's line, so errors point at the value actually used.
  REQUIRE(e.runner.params.at("iterations").scalar == "50");
  REQUIRE(e.runner.params.at("iterations").loc.line == 21);
  REQUIRE(e.runner.params.at("step.gamma").scalar == "0.2");
  REQUIRE(e.problem.params.at("n").scalar == "20");
  REQUIRE(e.problem.params.at("n").loc.line == 22);
  // Keys the quick block does not name stay as written.
  REQUIRE(e.problem.params.at("spectrum.cond").scalar == "10");
  REQUIRE(e.runner.kind == "minibatch_sgd");
}

TEST_CASE("a quick sweep over a new key adds a dimension after the existing ones", "[config]") {
  TempDir dir;
  const auto e = read_experiment(dir.write("e.yaml",
                                           "name: q\nproblem: {family: f}\nrunner: {kind: k}\n"
                                           "sweep: {batch: [1, 2]}\n"
                                           "quick: {sweep: {noise: [0, 1, 2]}}\n"),
                                 true);
  REQUIRE(e.sweep.size() == 2);
  REQUIRE(e.sweep[0].key == "batch");
  REQUIRE(e.sweep[1].key == "noise");
  REQUIRE(expand_grid(e).size() == 6);
}

TEST_CASE("grid expansion is the cross product with the first sweep key slowest", "[config]") {
  TempDir dir;
  const auto e = read_experiment(dir.write("g.yaml",
                                           "name: g\n"
                                           "problem: {family: f, d: 9, noise: 0.5}\n"
                                           "runner: {kind: k, batch: 99}\n"
                                           "sweep:\n"
                                           "  runner.batch: [1, 2, 4]\n"
                                           "  problem.d: [3, 5]\n"
                                           "  runner.step.gamma: [0.1, 0.2]\n"),
                                 false);
  const auto cells = expand_grid(e);
  const std::vector<std::string> b{"1", "2", "4"}, d{"3", "5"}, g{"0.1", "0.2"};
  REQUIRE(cells.size() == b.size() * d.size() * g.size());
  std::set<std::vector<std::string>> seen;
  std::size_t id = 0;
  for (std::size_t i = 0; i < b.size(); ++i)
    for (std::size_t j = 0; j < d.size(); ++j)
      for (std::size_t k = 0; k < g.size(); ++k, ++id) {
        const auto& c = cells[id];
        INFO("cell " << id);
        REQUIRE(c.id == id);
        REQUIRE(c.sweep_values == std::vector<std::string>{b[i], d[j], g[k]});
        REQUIRE(c.runner.at("batch").scalar == b[i]);  // the sweep value replaces the base value 99
        REQUIRE(c.problem.at("d").scalar == d[j]);
        REQUIRE(c.runner.at("step.gamma").scalar == g[k]);
        REQUIRE(c.problem.at("noise").scalar == "0.5");  // unswept keys are copied to every cell
        REQUIRE_FALSE(c.runner.at("batch").is_list);
        seen.insert(c.sweep_values);
      }
  REQUIRE(seen.size() == cells.size());  // every combination exactly once
}

TEST_CASE("an experiment without a sweep expands to exactly one cell with the base options", "[config]") {
  TempDir dir;
  const auto e = read_experiment(dir.write("g.yaml", "name: g\nproblem: {family: f, d: 4}\nrunner: {kind: k}\n"), false);
  const auto cells = expand_grid(e);
  REQUIRE(cells.size() == 1);
  REQUIRE(cells[0].id == 0);
  REQUIRE(cells[0].sweep_values.empty());
  REQUIRE(cells[0].problem.at("d").scalar == "4");
}

TEST_CASE("validate fills every default and keeps explicit values with their location", "[config]") {
  using namespace sgdcheck;
  const Schema schema{"toy",
                      "test",
                      {int_field("iterations", 100, 1, kInf, "T"),
                       real_field("step.gamma", 0.25, 0.0, kInf, "gamma", true),
                       choice_field("rule", "constant", {"constant", "power"}, "rule"),
                       list_field("h", std::vector<double>{1.0, 2.0}, "h"),
                       bool_field("verbose", false, "v"),
                       string_field("tag", "none", "t")}};
  TempDir dir;
  const std::string file = dir.write("v.yaml",
                                     "name: v\nproblem: {family: f}\n"
                                     "runner: {kind: toy, iterations: 1e3, verbose: yes, h: [0.5, 1.5, 2.5]}\n");
  const auto e = read_experiment(file, false);
  const Params p = validate(schema, e.runner.params, "runner");
  REQUIRE(p.values().size() == schema.fields.size());
  REQUIRE(p.get_int("iterations") == 1000);  // integral reals are accepted for ints
  REQUIRE(p.is_explicit("iterations"));
  REQUIRE(p.where("iterations").line == 3);
  REQUIRE(p.where("iterations").file == file);
  REQUIRE(p.get_bool("verbose"));
  REQUIRE(p.get_list("h") == std::vector<double>{0.5, 1.5, 2.5});
  // Defaults:
  REQUIRE_FALSE(p.is_explicit("step.gamma"));
  REQUIRE_THAT(p.get_real("step.gamma"), WithinRel(0.25, 1e-15));
  REQUIRE(p.get_string("rule") == "constant");
  REQUIRE(p.get_string("tag") == "none");
  // get_real accepts an integer value.
  REQUIRE_THAT(p.get_real("iterations"), WithinRel(1000.0, 1e-15));
}

TEST_CASE("validate skips the keys it is told to ignore", "[config]") {
  using namespace sgdcheck;
  const Schema schema{"toy", "test", {int_field("batch", 1, 1, kInf, "b")}};
  RawParams raw;
  raw["kind"] = RawValue{"anything", {}, false, SourceLoc{"x.yaml", 2}};
  raw["batch"] = RawValue{"4", {}, false, SourceLoc{"x.yaml", 3}};
  const Params p = validate(schema, raw, "runner", {"kind"});
  REQUIRE(p.get_int("batch") == 4);
  REQUIRE_FALSE(p.has("kind"));
  REQUIRE_THROWS_AS(validate(schema, raw, "runner"), ConfigError);
}

TEST_CASE("field constraints render with open and closed ends as used in messages", "[config]") {
  using namespace sgdcheck;
  REQUIRE(real_field("step.gamma", 0.1, 0.0, kInf, "", true).constraint() == "gamma > 0");
  REQUIRE(int_field("batch", 1, 1, kInf, "").constraint() == "batch >= 1");
  REQUIRE(real_field("level", 0.5, 0.0, 1.0, "", true, true).constraint() == "0 < level < 1");
  REQUIRE(real_field("density", 1.0, 0.0, 1.0, "", true).constraint() == "0 < density <= 1");
  const Field open_lo = real_field("x", 1.0, 0.0, kInf, "", true);
  REQUIRE_FALSE(open_lo.in_range(0.0));
  REQUIRE(open_lo.in_range(5e-324));
  REQUIRE_FALSE(open_lo.in_range(std::numeric_limits<double>::quiet_NaN()));
  const Field closed_hi = real_field("y", 1.0, 0.0, 1.0, "");
  REQUIRE(closed_hi.in_range(1.0));
  REQUIRE_FALSE(closed_hi.in_range(std::nextafter(1.0, 2.0)));
}

TEST_CASE("the nearest key suggestion picks the closest field and rejects distant ones", "[config]") {
  using namespace sgdcheck;
  const Schema s{"toy", "", {int_field("iterations", 1, 1, kInf, ""), int_field("batch", 1, 1, kInf, ""),
                             real_field("step.gamma", 0.1, 0, kInf, "")}};
  REQUIRE(s.nearest("iteratons") == "iterations");
  REQUIRE(s.nearest("Batch") == "batch");
  REQUIRE(s.nearest("step.gama") == "step.gamma");
  REQUIRE(s.nearest("workers") == "");
}
