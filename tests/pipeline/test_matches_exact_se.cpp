// matches_exact with `se: exact` (SE from the spread about the exact value, papers/foundation/checks_bounds.cpp):
// it accepts the right oracle on right-skewed per-run values, rejects an oracle off by 10 %, and refuses
// (fails) when k >= sqrt(n), where that z can never exceed k.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "pipeline/checks.hpp"
#include "synthetic.hpp"

using Catch::Matchers::Contains;
using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::test;

namespace {

/// n per-run values exp(Z), Z ~ N(0, 1) (log-normal: mean e^{1/2}, sd sqrt((e - 1) e) ≈ 2.16, skewed right),
/// at one recorded point (iter 1), from a fixed stream.
MetricSeries lognormal_series(int n) {
  MetricSeries s;
  s.points.push_back(sgdcheck::Point{1, 1, 1, 1.0});
  sgdcheck::Rng rng = sgdcheck::make_stream(12, 0, sgdcheck::StreamPurpose::kProbe);
  for (int j = 0; j < n; ++j) {
    s.values.push_back({std::exp(rng.normal())});
    s.seeds.push_back(j);
  }
  s.compute_stats();
  return s;
}

CheckOutcome check(const MetricSeries& s, double exact, const char* se, const char* k = "4") {
  return run_one("matches_exact", {{"oracle", "o"}, {"k", k}, {"se", se}},
                 one_metric_results({s}, {Bounds{bound_series("o", "dist2", {1}, {exact})}}));
}

}  // namespace

TEST_CASE("matches_exact se: exact accepts the true mean of skewed runs and rejects an oracle off by 10 %",
          "[pipeline]") {
  const double mean = std::exp(0.5);
  // n = 10000: SE ≈ 2.16 / 100 = 0.0216, so a 10 % offset (0.165) is ≈ 7.6 SE; the right oracle fails only
  // with probability ≈ P(|N(0,1)| > 4) = 6e-5 (and the seed is fixed).
  const auto s = lognormal_series(10000);
  INFO("sample mean " << s.mean[0] << ", SE " << s.se[0]);
  REQUIRE(check(s, mean, "exact").passed);
  REQUIRE(check(s, mean, "sample").passed);
  for (double off : {0.9, 1.1}) {
    INFO("oracle x " << off);
    const auto wrong = check(s, off * mean, "exact");
    REQUIRE_FALSE(wrong.passed);
    REQUIRE_FALSE(check(s, off * mean, "sample").passed);
  }
}

TEST_CASE("matches_exact se: exact widens exactly by the deviation: SE0^2 = ((n-1) sd^2 + n d^2) / n^2", "[pipeline]") {
  // Two reps 1 ± 0.01: mean 1, sd = 0.01·sqrt(2), n = 2; exact 1.05 gives d = 0.05 and
  // SE0 = sqrt((0.0002 + 2·0.0025) / 4) = sqrt(0.0013), z0 = 0.05 / 0.036056 = 1.387 < sqrt(2); with k = 1.3
  // (< sqrt 2) it fails, with k = 1.40 it passes and with k = 1.42 (>= sqrt 2) the check refuses.
  const auto s = two_rep_series({1}, {1.0}, {0.01});
  const auto fail = check(s, 1.05, "exact", "1.3");
  REQUIRE_FALSE(fail.passed);
  const auto pass = check(s, 1.05, "exact", "1.40");
  REQUIRE(pass.passed);
  const auto refuse = check(s, 1.05, "exact", "1.42");
  REQUIRE_FALSE(refuse.passed);
  bool says = false;
  for (const auto& c : refuse.cells) says = says || c.message.find("cannot fail") != std::string::npos;
  REQUIRE(says);
}
