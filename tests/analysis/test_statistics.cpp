// Statistics of the analysis library against closed forms and hand computations.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "analysis/statistics.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace sgdcheck::analysis;

TEST_CASE("mean and standard error of a small sample match the hand computation", "[analysis]") {
  // 1, 2, 3, 4: mean 2.5, sample variance 5/3, SE sqrt(5/3/4) = 0.645497…
  const auto m = mean_se({1, 2, 3, 4, NAN});
  REQUIRE(m.n == 4);
  REQUIRE_THAT(m.mean, WithinAbs(2.5, 1e-15));
  REQUIRE_THAT(m.se, WithinRel(std::sqrt(5.0 / 12.0), 1e-14));
}

TEST_CASE("paired differences drop reps where either side is not finite", "[analysis]") {
  const auto p = paired_difference({2, 4, INFINITY, 7}, {1, 2, 3, 5});
  // differences 1, 2, 2 (rep 2 dropped): mean 5/3; reference mean (1 + 2 + 5)/3
  REQUIRE(p.diff.n == 3);
  REQUIRE_THAT(p.diff.mean, WithinRel(5.0 / 3.0, 1e-15));
  REQUIRE_THAT(p.reference_mean, WithinRel(8.0 / 3.0, 1e-15));
  REQUIRE_THAT(p.diff.se, WithinRel(std::sqrt((1.0 / 3.0) / 3.0), 1e-14));  // sd² = ((2/3)² + 2(1/3)²)/2 = 1/3
}

TEST_CASE("batch means average consecutive blocks", "[analysis]") {
  const auto b = batch_means({1, 3, 5, 7, 9, 11, 100}, 3);  // blocks {1,3} {5,7} {9,11}; 100 dropped
  REQUIRE_THAT(b.mean, WithinAbs(6.0, 1e-15));
  REQUIRE_THAT(b.se, WithinRel(4.0 / std::sqrt(3.0), 1e-14));  // block means 2, 6, 10: sd 4
  REQUIRE(std::isnan(batch_means({1, 2}, 3).mean));
}

TEST_CASE("central intervals use the order statistic at floor(f·(n-1))", "[analysis]") {
  std::vector<double> v;
  for (int i = 100; i >= 0; --i) v.push_back(i);  // 0..100 unsorted
  const auto [lo, hi] = central_interval(v, 0.5);
  REQUIRE(lo == 25.0);  // floor(0.25·100)
  REQUIRE(hi == 75.0);
  REQUIRE(std::isnan(central_interval({}, 0.9).first));
}

TEST_CASE("the bootstrap stream of a unit is fixed and differs between units", "[analysis]") {
  sgdcheck::Rng a = bootstrap_stream(3), b = bootstrap_stream(3), c = bootstrap_stream(4);
  std::vector<std::size_t> ra(50), rb(50), rc(50);
  draw_resample(a, ra);
  draw_resample(b, rb);
  draw_resample(c, rc);
  REQUIRE(ra == rb);
  REQUIRE(ra != rc);
  for (auto r : ra) REQUIRE(r < 50);
  // the convention is make_stream(0, unit, kBootstrap, 0)
  sgdcheck::Rng d = sgdcheck::make_stream(0, 3, sgdcheck::StreamPurpose::kBootstrap, 0);
  REQUIRE(ra[0] == d.below(50));
}

TEST_CASE("ols slope is exact on a line and NaN without spread in x", "[analysis]") {
  REQUIRE_THAT(ols_slope({1, 2, 3, 4}, {3, 1, -1, -3}), WithinAbs(-2.0, 1e-14));
  REQUIRE(std::isnan(ols_slope({2, 2}, {1, 3})));
}

TEST_CASE("T_eps interpolates log y linearly between bracketing points", "[analysis]") {
  // y = exp(-t/100) at t = 0, 100, 200: target e^{-1.5} is reached at t = 150 exactly.
  REQUIRE_THAT(iterations_to_target({0, 100, 200}, {1.0, std::exp(-1.0), std::exp(-2.0)}, std::exp(-1.5), true),
               WithinRel(150.0, 1e-12));
  REQUIRE(std::isinf(iterations_to_target({0, 10}, {1.0, 0.5}, 0.1, false)));
  REQUIRE(std::isnan(iterations_to_target({0, 10}, {0.0, 0.5}, 0.1, true)));
}
