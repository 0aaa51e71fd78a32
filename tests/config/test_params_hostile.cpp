// Non-finite numbers for real options (issue #8, item 2): .inf and .nan are rejected unless the
// field's default is itself infinite ("no limit"), which keeps accepting .inf.
#include <catch2/catch.hpp>
#include <string>

#include "core/errors.hpp"
#include "core/params.hpp"

using Catch::Matchers::Contains;
using namespace sgdcheck;

namespace {

RawValue raw(const std::string& text) { return RawValue{text, {}, false, SourceLoc{"e.yaml", 3}}; }

}  // namespace

TEST_CASE("a real option rejects .inf and .nan even when its range is unbounded", "[config][hostile]") {
  const Field gamma = real_field("step.gamma", 0.1, 0.0, kInf, "gamma", true);
  for (const char* t : {".inf", "inf", "+.inf", ".nan", "nan", "-.inf"}) {
    INFO(t);
    REQUIRE_THROWS_WITH(parse_value(gamma, raw(t), "runner.step.gamma"),
                        Contains("e.yaml:3: runner.step.gamma = ") && Contains("expected a finite real"));
  }
  REQUIRE(std::get<double>(parse_value(gamma, raw("1e300"), "runner.step.gamma")) == 1e300);
}

TEST_CASE("a real option whose default is infinite accepts .inf but not .nan", "[config][hostile]") {
  const Field max = real_field("max", kInf, -kInf, kInf, "largest allowed ratio");
  REQUIRE(max.allows_inf);
  REQUIRE(std::get<double>(parse_value(max, raw(".inf"), "checks.x.max")) == kInf);
  REQUIRE(std::get<double>(parse_value(max, raw("2.5"), "checks.x.max")) == 2.5);
  REQUIRE_THROWS_AS(parse_value(max, raw(".nan"), "checks.x.max"), ConfigError);
}

TEST_CASE("an integer option rejects .inf, .nan and values beyond int64", "[config][hostile]") {
  const Field seeds = int_field("seeds", 1, 1, kInf, "seeds");
  for (const char* t : {".inf", ".nan", "1e30", "99999999999999999999"}) {
    INFO(t);
    REQUIRE_THROWS_AS(parse_value(seeds, raw(t), "seeds"), ConfigError);
  }
}
