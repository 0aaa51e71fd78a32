// The expression language of checks: values against hand computation, names, and hostile input
// (every malformed text is a ConfigError, never a crash or unbounded recursion).
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include <algorithm>

#include "analysis/expression.hpp"
#include "core/errors.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using sgdcheck::ConfigError;
using sgdcheck::analysis::parse_expression;

namespace {
double value_of(const std::string& text) {
  return parse_expression(text).eval([](const std::string& n) { return n == "x" ? 3.0 : n == "a.b" ? 0.5 : NAN; });
}
}  // namespace

TEST_CASE("expressions follow the usual precedence and right-associative powers", "[analysis]") {
  REQUIRE_THAT(value_of("1 + 2 * 3"), WithinAbs(7.0, 0.0));
  REQUIRE_THAT(value_of("(1 + 2) * 3"), WithinAbs(9.0, 0.0));
  REQUIRE_THAT(value_of("2 ^ 3 ^ 2"), WithinAbs(512.0, 0.0));  // 2^(3^2), not (2^3)^2 = 64
  REQUIRE_THAT(value_of("-2 ^ 2"), WithinAbs(4.0, 0.0));        // unary minus binds tighter than ^ (as before)
  REQUIRE_THAT(value_of("10 - 4 - 3"), WithinAbs(3.0, 0.0));    // left associative
  REQUIRE_THAT(value_of("1e-3 * 2E2"), WithinRel(0.2, 1e-15));
  REQUIRE_THAT(value_of("x / 2 + a.b"), WithinAbs(2.0, 0.0));
}

TEST_CASE("comparisons and logical operators give 1 or 0", "[analysis]") {
  REQUIRE(value_of("x <= 3") == 1.0);
  REQUIRE(value_of("x < 3") == 0.0);
  REQUIRE(value_of("x > 2 && x < 4") == 1.0);
  REQUIRE(value_of("x > 5 || a.b == 0.5") == 1.0);
  REQUIRE(value_of("x >= 4 || x == 2") == 0.0);
}

TEST_CASE("functions of one or more arguments match the C library", "[analysis]") {
  REQUIRE_THAT(value_of("log(exp(2))"), WithinRel(2.0, 1e-15));
  REQUIRE_THAT(value_of("sqrt(16) + abs(-2) + ceil(0.2) + floor(1.7)"), WithinAbs(8.0, 0.0));
  REQUIRE_THAT(value_of("min(4, x, 7) + max(1, 2)"), WithinAbs(5.0, 0.0));
  REQUIRE(std::isinf(value_of("inf")));
  REQUIRE_THAT(value_of("2*3.5/(1 + 1/x)*log(2/1e-4)"), WithinRel(2 * 3.5 / (1 + 1 / 3.0) * std::log(2e4), 1e-15));
}

TEST_CASE("names are collected once each, in order of first use", "[analysis]") {
  const auto e = parse_expression("M_curv + x*M_curv - T.oracle.iso / T_eps");
  REQUIRE(e.names() == std::vector<std::string>{"M_curv", "x", "T.oracle.iso", "T_eps"});
  REQUIRE_THAT(e.eval(std::vector<double>{2.0, 3.0, 8.0, 4.0}), WithinAbs(6.0, 0.0));
}

TEST_CASE("an unknown name is reported with a suggestion", "[analysis]") {
  const auto e = parse_expression("M_curvv + 1", "checks.ratio.numerator");
  const std::vector<std::string> names{"M_curv", "M_grad", "T_eps"};
  auto known = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  REQUIRE_THROWS_WITH(e.require_names(known, names, "checks.ratio.numerator"),
                      Contains("unknown name M_curvv") && Contains("did you mean M_curv?"));
  REQUIRE_NOTHROW(parse_expression("M_grad/T_eps").require_names(known, names, "x"));
}

TEST_CASE("malformed expressions are config errors naming the problem", "[analysis]") {
  REQUIRE_THROWS_WITH(parse_expression("(1 + 2"), Contains("missing ')'"));
  REQUIRE_THROWS_WITH(parse_expression("1 + 2)"), Contains("unexpected ')'"));
  REQUIRE_THROWS_WITH(parse_expression(""), Contains("empty expression"));
  REQUIRE_THROWS_WITH(parse_expression("1 +"), Contains("unexpected end"));
  REQUIRE_THROWS_WITH(parse_expression("foo(1)"), Contains("unknown function foo"));
  REQUIRE_THROWS_WITH(parse_expression("log(1, 2)"), Contains("log takes one argument"));
  REQUIRE_THROWS_WITH(parse_expression("1 $ 2"), Contains("unexpected '$ 2'"));
  REQUIRE_THROWS_WITH(parse_expression("."), Contains("bad number"));
  REQUIRE_THROWS_AS(parse_expression("1..2"), ConfigError);
}

TEST_CASE("deep nesting and long input are rejected instead of exhausting the stack", "[analysis]") {
  const std::string deep = std::string(100000, '(') + "1" + std::string(100000, ')');
  REQUIRE_THROWS_AS(parse_expression(deep), ConfigError);
  const std::string nested = std::string(200, '(') + "1" + std::string(200, ')');
  REQUIRE_THROWS_WITH(parse_expression(nested), Contains("nested deeper than"));
  std::string minus(5000, '-');
  REQUIRE_THROWS_AS(parse_expression(minus + "1"), ConfigError);
  std::string pw = "2";
  for (int i = 0; i < 100; ++i) pw += "^2";
  REQUIRE_THROWS_WITH(parse_expression(pw), Contains("nested deeper than"));
  // Within the limits, a long left-deep chain parses and evaluates.
  std::string chain = "1";
  for (int i = 0; i < 1000; ++i) chain += "+1";
  REQUIRE_THAT(parse_expression(chain).eval(std::vector<double>{}), WithinAbs(1001.0, 0.0));
  const std::string ok = std::string(60, '(') + "2" + std::string(60, ')');
  REQUIRE_THAT(parse_expression(ok).eval(std::vector<double>{}), WithinAbs(2.0, 0.0));
}

TEST_CASE("bytes that are not ASCII never crash the parser", "[analysis]") {
  for (int c = 1; c < 256; ++c) {
    const std::string text = std::string("1 + ") + static_cast<char>(c) + "2";
    try {
      (void)parse_expression(text);
    } catch (const ConfigError&) {
    }
  }
  SUCCEED("every byte either parsed or was a ConfigError");
}
