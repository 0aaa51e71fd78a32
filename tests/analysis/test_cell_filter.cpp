// Cell filters and grouping: keys spelled as sweep: accepts them, typed values, and the errors of
// mistakes a user makes (typo in a key or a value, malformed terms).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "analysis/cell_filter.hpp"
#include "core/errors.hpp"

using Catch::Matchers::Contains;
using sgdcheck::ConfigError;
using namespace sgdcheck::analysis;

namespace {
const SweepKeys keys({"runner.delay.tau", "runner.batch", "problem.d"});
const std::vector<std::vector<std::string>> grid = {{"0", "1", "8"}, {"4", "1", "8"}, {"0", "16", "8"}, {"4", "16", "8"}};
}  // namespace

TEST_CASE("a sweep key is accepted qualified or without its scope, as in sweep:", "[analysis]") {
  REQUIRE(keys.find("runner.delay.tau") == 0u);
  REQUIRE(keys.find("delay.tau") == 0u);
  REQUIRE(keys.find("batch") == 1u);
  REQUIRE_FALSE(keys.find("tau").has_value());
  REQUIRE_THROWS_WITH(keys.resolve("delay.tua", "checks.x.over"),
                      Contains("not a sweep key") && Contains("did you mean delay.tau?"));
}

TEST_CASE("a filter matches numbers numerically and text exactly", "[analysis]") {
  const auto f = parse_filter("batch=16.0, delay.tau = 4", keys, "where");
  REQUIRE(f.terms().size() == 2);
  REQUIRE(f.matches({"4", "16", "8"}));
  REQUIRE_FALSE(f.matches({"0", "16", "8"}));
  REQUIRE_FALSE(f.matches({"4", "1", "8"}));
  REQUIRE(parse_filter("", keys, "where").matches({"0", "1", "8"}));
  const SweepKeys kinds({"runner.schedule.kind"});
  REQUIRE(parse_filter("schedule.kind=mba", kinds, "where").matches({"mba"}));
  REQUIRE_FALSE(parse_filter("schedule.kind=mba", kinds, "where").matches({"osa"}));
  REQUIRE(f.named_keys(3) == std::vector<bool>{true, true, false});
}

TEST_CASE("filter mistakes are config errors before any run", "[analysis]") {
  REQUIRE_THROWS_WITH(parse_filter("batch", keys, "checks.slope.where"), Contains("is not key=value"));
  REQUIRE_THROWS_WITH(parse_filter("batch=", keys, "w"), Contains("is not key=value"));
  REQUIRE_THROWS_WITH(parse_filter("bacth=16", keys, "w"), Contains("did you mean batch?"));
  REQUIRE_THROWS_WITH(parse_filter("batch=16, runner.batch=1", keys, "w"), Contains("named twice"));
  REQUIRE_THROWS_WITH(parse_filter("batch=16,", keys, "w"), Contains("empty term"));
  REQUIRE_THROWS_WITH(parse_filter("batch=32", keys, "w", &grid), Contains("no cell has runner.batch = 32"));
  REQUIRE_NOTHROW(parse_filter("batch=16", keys, "w", &grid));
}

TEST_CASE("cells are grouped by the kept sweep keys in order of first appearance", "[analysis]") {
  std::vector<const std::vector<std::string>*> v;
  for (const auto& row : grid) v.push_back(&row);
  const auto g = group_cells(keys, v, {false, true, true});
  REQUIRE(g.size() == 2);
  REQUIRE(g[0].members == std::vector<std::size_t>{0, 2});
  REQUIRE(g[1].members == std::vector<std::size_t>{1, 3});
  REQUIRE(g[1].label == "runner.delay.tau=4");
  REQUIRE(group_cells(keys, v, {true, true, true}).front().label == "all");
}

TEST_CASE("parse_number accepts whole numbers only and never throws", "[analysis]") {
  REQUIRE(parse_number(" 2.5 ") == 2.5);
  REQUIRE_FALSE(parse_number("2.5x").has_value());
  REQUIRE_FALSE(parse_number("mba").has_value());
  REQUIRE_FALSE(parse_number("").has_value());
  REQUIRE(parse_number("1e400").has_value());  // overflows to inf: still a number
}
