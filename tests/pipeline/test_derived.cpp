// iterations_to_target: log-linear interpolation between recorded points, against hand computations.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "pipeline/derived.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using sgdcheck::pipeline::iterations_to_target;

TEST_CASE("iterations_to_target interpolates log y linearly in t between the bracketing points", "[pipeline]") {
  // y = 1, 0.5, 0.01, 1e-4 at t = 0, 10, 100, 1000; target 0.05 is first reached between t = 10 and 100:
  // t = 10 + 90 · (ln 0.05 − ln 0.5) / (ln 0.01 − ln 0.5) = 10 + 90 · ln 10 / ln 50
  //   = 10 + 90 · 2.302585093 / 3.912023005 = 10 + 52.97327 = 62.97327.
  const std::vector<std::int64_t> t{0, 10, 100, 1000};
  const std::vector<double> y{1.0, 0.5, 0.01, 1e-4};
  REQUIRE_THAT(iterations_to_target(t, y, 0.05, false), WithinRel(62.97327, 1e-6));
}

TEST_CASE("iterations_to_target is exact on a geometric decay", "[pipeline]") {
  // y = exp(-t/100) is linear in log y: the target exp(-1.5) is reached at t = 150 exactly.
  const std::vector<std::int64_t> t{0, 100, 200, 300};
  std::vector<double> y;
  for (auto ti : t) y.push_back(std::exp(-static_cast<double>(ti) / 100.0));
  REQUIRE_THAT(iterations_to_target(t, y, std::exp(-1.5), false), WithinRel(150.0, 1e-12));
  REQUIRE_THAT(iterations_to_target(t, y, std::exp(-2.75), false), WithinRel(275.0, 1e-12));
}

TEST_CASE("iterations_to_target relative divides by the first value", "[pipeline]") {
  // Same curve as the hand computation above, scaled by 4: relative target 0.05 gives the same t.
  const std::vector<std::int64_t> t{0, 10, 100, 1000};
  const std::vector<double> y{4.0, 2.0, 0.04, 4e-4};
  REQUIRE_THAT(iterations_to_target(t, y, 0.05, true), WithinRel(62.97327, 1e-6));
  // As an absolute target 0.05 is first met between t = 10 (y = 2) and t = 100 (y = 0.04):
  // 10 + 90 · ln(0.05/2) / ln(0.04/2) = 10 + 90 · 3.688879 / 3.912023 = 94.86636.
  REQUIRE_THAT(iterations_to_target(t, y, 0.05, false), WithinRel(94.86636, 1e-6));
}

TEST_CASE("iterations_to_target returns the recorded iteration when the target is hit exactly", "[pipeline]") {
  const std::vector<std::int64_t> t{0, 10, 100, 1000};
  const std::vector<double> y{1.0, 0.5, 0.01, 1e-4};
  REQUIRE_THAT(iterations_to_target(t, y, 0.01, false), WithinAbs(100.0, 1e-9));
}

TEST_CASE("iterations_to_target is infinite when never reached and the first iteration when reached at once",
          "[pipeline]") {
  const std::vector<std::int64_t> t{5, 10, 100};
  const std::vector<double> y{1.0, 0.5, 0.2};
  REQUIRE(std::isinf(iterations_to_target(t, y, 0.1, false)));
  REQUIRE(iterations_to_target(t, y, 1.0, false) == 5.0);
  REQUIRE(iterations_to_target(t, y, 1.0, true) == 5.0);
  REQUIRE(std::isinf(iterations_to_target({}, {}, 0.1, false)));
}

TEST_CASE("iterations_to_target skips a non-monotone excursion above the target", "[pipeline]") {
  // Below target only from t = 30 on (the value 2 at t = 20 is an excursion): interpolate on [20, 30].
  const std::vector<std::int64_t> t{0, 10, 20, 30};
  const std::vector<double> y{1.0, 0.8, 2.0, 0.1};
  REQUIRE_THAT(iterations_to_target(t, y, 0.5, false),
               WithinRel(20.0 + 10.0 * std::log(0.5 / 2.0) / std::log(0.1 / 2.0), 1e-12));
}
