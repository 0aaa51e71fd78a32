// The claim checks on hand-built ResultSets with known means and standard errors: every check must
// pass on data that satisfies its claim and fail just past its threshold.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "pipeline/checks.hpp"
#include "synthetic.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::test;

namespace {

const std::vector<std::int64_t> kIters{0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};

/// y(t) = 1/(1 + t) with SE 1% of the mean: a decreasing curve like a dist2 trace.
std::vector<double> curve(double scale = 1.0) {
  std::vector<double> y;
  for (auto t : kIters) y.push_back(scale / (1.0 + static_cast<double>(t)));
  return y;
}
std::vector<double> percent_se(const std::vector<double>& y, double frac) {
  std::vector<double> se;
  for (double v : y) se.push_back(frac * v);
  return se;
}
std::vector<double> scaled(std::vector<double> v, double f) {
  for (double& x : v) x *= f;
  return v;
}

}  // namespace

TEST_CASE("the synthetic two-rep series has exactly the intended mean and standard error", "[pipeline]") {
  const auto y = curve();
  const auto s = two_rep_series(kIters, y, percent_se(y, 0.01));
  for (std::size_t k = 0; k < y.size(); ++k) {
    REQUIRE(s.n[k] == 2);
    REQUIRE_THAT(s.mean[k], WithinRel(y[k], 1e-14));
    REQUIRE_THAT(s.se[k], WithinRel(0.01 * y[k], 1e-12));
  }
}

TEST_CASE("bound_holds passes for a valid upper bound and fails when the bound is scaled by 0.1", "[pipeline]") {
  // Bound 2/(1+t) against mean 1/(1+t) with SE 1%: mean + 3 SE = 1.03/(1+t) <= 2/(1+t) everywhere.
  const auto y = curve();
  const auto bound = curve(2.0);
  const auto series = two_rep_series(kIters, y, percent_se(y, 0.01));
  const auto valid = one_metric_results({series}, {Bounds{bound_series("b", "dist2", kIters, bound)}});
  const auto out = run_one("bound_holds", {{"bound", "b"}}, valid);
  INFO(out.summary);
  REQUIRE(out.passed);

  // 0.1 × bound = 0.2/(1+t) < mean at every point.
  const auto broken = one_metric_results({series}, {Bounds{bound_series("b", "dist2", kIters, scaled(bound, 0.1))}});
  const auto bad = run_one("bound_holds", {{"bound", "b"}}, broken);
  INFO(bad.summary);
  REQUIRE_FALSE(bad.passed);
  REQUIRE(bad.details.size() == 1);
  REQUIRE_THAT(bad.details[0], Contains("FAIL"));
}

TEST_CASE("bound_holds fails when one cell of several violates the bound at one point", "[pipeline]") {
  const auto y = curve();
  auto bound = curve(2.0);
  const auto series = two_rep_series(kIters, y, percent_se(y, 0.01));
  auto bad_bound = bound;
  bad_bound[6] = 0.9 * y[6];  // a single violation at iter 50 in the second cell
  const auto rs = one_metric_results({series, series}, {Bounds{bound_series("b", "dist2", kIters, bound)},
                                                        Bounds{bound_series("b", "dist2", kIters, bad_bound)}});
  const auto out = run_one("bound_holds", {{"bound", "b"}}, rs);
  REQUIRE_FALSE(out.passed);
  REQUIRE_THAT(out.details[0], Contains("ok"));
  REQUIRE_THAT(out.details[1], Contains("FAIL") && Contains("iter 50"));
}

TEST_CASE("bound_holds strict adds k standard errors and lenient subtracts them", "[pipeline]") {
  // Mean 1, SE 0.1, k = 3: strict compares 1.3, lenient compares 0.7.
  const std::vector<std::int64_t> it{0};
  const auto series = two_rep_series(it, {1.0}, {0.1});
  auto run = [&](double bound, const char* side) {
    return run_one("bound_holds", {{"bound", "b"}, {"k", "3"}, {"side", side}},
                   one_metric_results({series}, {Bounds{bound_series("b", "dist2", it, {bound})}}))
        .passed;
  };
  REQUIRE(run(1.31, "strict"));
  REQUIRE_FALSE(run(1.29, "strict"));
  REQUIRE_FALSE(run(1.0, "strict"));   // the bound equals the mean: no confidence that it holds
  REQUIRE(run(1.0, "lenient"));        // ... but no significant violation either
  REQUIRE(run(0.71, "lenient"));
  REQUIRE_FALSE(run(0.69, "lenient"));
  // The default side is strict.
  REQUIRE_FALSE(run_one("bound_holds", {{"bound", "b"}},
                        one_metric_results({series}, {Bounds{bound_series("b", "dist2", it, {1.29})}}))
                    .passed);
}

TEST_CASE("bound_holds ignores points before from_iter", "[pipeline]") {
  const auto y = curve();
  auto bound = curve(2.0);
  bound[0] = 0.5 * y[0];  // violated only at iter 0
  const auto rs = one_metric_results({two_rep_series(kIters, y, percent_se(y, 0.01))},
                                     {Bounds{bound_series("b", "dist2", kIters, bound)}});
  REQUIRE_FALSE(run_one("bound_holds", {{"bound", "b"}}, rs).passed);
  REQUIRE(run_one("bound_holds", {{"bound", "b"}, {"from_iter", "1"}}, rs).passed);
}

TEST_CASE("bound_holds accepts an infinite bound and skips cells where the bound does not apply", "[pipeline]") {
  const auto y = curve();
  auto bound = curve(2.0);
  bound[3] = INFINITY;
  const auto series = two_rep_series(kIters, y, percent_se(y, 0.01));
  const auto rs = one_metric_results({series, series}, {Bounds{bound_series("b", "dist2", kIters, bound)},
                                                        Bounds{not_applicable("b", "dist2", "step too large")}});
  const auto out = run_one("bound_holds", {{"bound", "b"}}, rs);
  REQUIRE(out.passed);
  REQUIRE_THAT(out.details[1], Contains("not applicable") && Contains("step too large"));
}

TEST_CASE("a bound that applies to no cell skips bound_holds with the first reason: nothing was checked", "[pipeline]") {
  const auto y = curve();
  const auto rs = one_metric_results({two_rep_series(kIters, y, percent_se(y, 0.01))},
                                     {Bounds{not_applicable("b", "dist2", "not least squares")}});
  const auto out = run_one("bound_holds", {{"bound", "b"}}, rs);
  REQUIRE_FALSE(out.passed);
  REQUIRE(out.status == CheckStatus::kSkipped);
  REQUIRE_THAT(out.details[0], Contains("applies to no selected cell") && Contains("not least squares"));
}

TEST_CASE("a bound whose metric was not recorded, or that is absent from a cell, fails the check", "[pipeline]") {
  const auto y = curve();
  const auto series = two_rep_series(kIters, y, percent_se(y, 0.01));
  const auto wrong_metric = one_metric_results({series}, {Bounds{bound_series("b", "subopt", kIters, curve(2.0))}});
  REQUIRE_FALSE(run_one("bound_holds", {{"bound", "b"}}, wrong_metric).passed);
  const auto missing = one_metric_results({series, series}, {Bounds{bound_series("b", "dist2", kIters, curve(2.0))}, Bounds{}});
  REQUIRE(run_one("bound_holds", {{"bound", "b"}}, missing).status == CheckStatus::kFail);
  // a bound absent from every cell is no bound of these results: bad input before any check runs
  const auto nowhere = one_metric_results({series}, {Bounds{}});
  REQUIRE_THROWS_AS(run_one("bound_holds", {{"bound", "b"}}, nowhere), sgdcheck::ConfigError);
}

TEST_CASE("tightness passes at exactly max_ratio and fails one ulp above it", "[pipeline]") {
  // Last point: mean 0.5 (exact in binary), bound 5 → ratio exactly 10.
  const std::vector<std::int64_t> it{0, 10, 100};
  const auto series = two_rep_series(it, {4.0, 2.0, 0.5}, {0.0, 0.0, 0.0});
  auto run = [&](double last_bound, const char* max_ratio) {
    return run_one("tightness", {{"bound", "b"}, {"max_ratio", max_ratio}},
                   one_metric_results({series}, {Bounds{bound_series("b", "dist2", it, {1e6, 1e6, last_bound})}}));
  };
  const auto at = run(5.0, "10");
  INFO(at.summary);
  REQUIRE(at.passed);  // only the last point counts: the earlier ratios 2.5e5 and 5e5 do not matter
  REQUIRE_FALSE(run(std::nextafter(5.0, 10.0), "10").passed);
  REQUIRE_FALSE(run(5.0, "9.999").passed);
  REQUIRE(run(0.5, "1").passed);  // a bound equal to the mean has ratio 1
}

TEST_CASE("tightness uses the default max_ratio of 10", "[pipeline]") {
  const std::vector<std::int64_t> it{0, 100};
  const auto series = two_rep_series(it, {1.0, 0.25}, {0.0, 0.0});
  auto passed = [&](double last) {
    return run_one("tightness", {{"bound", "b"}},
                   one_metric_results({series}, {Bounds{bound_series("b", "dist2", it, {1.0, last})}}))
        .passed;
  };
  REQUIRE(passed(2.5));
  REQUIRE_FALSE(passed(2.51));
}

TEST_CASE("matches_exact passes within k standard errors and fails just outside", "[pipeline]") {
  // Mean 1, SE 0.01, k = 3, no relative slack: allowed |mean - exact| <= 0.03.
  const std::vector<std::int64_t> it{0, 1};
  const auto series = two_rep_series(it, {2.0, 1.0}, {0.0, 0.01});
  auto passed = [&](double exact) {
    return run_one("matches_exact", {{"oracle", "o"}, {"k", "3"}, {"rel_tol", "0"}},
                   one_metric_results({series}, {Bounds{bound_series("o", "dist2", it, {2.0, exact})}}))
        .passed;
  };
  REQUIRE(passed(1.029));
  REQUIRE(passed(0.971));
  REQUIRE_FALSE(passed(1.031));
  REQUIRE_FALSE(passed(0.969));
  REQUIRE(passed(1.0));
}

TEST_CASE("matches_exact on deterministic points allows only the relative slack", "[pipeline]") {
  const std::vector<std::int64_t> it{0};
  const auto series = two_rep_series(it, {2.0}, {0.0});  // SE = 0
  auto passed = [&](double exact, const char* rel) {
    return run_one("matches_exact", {{"oracle", "o"}, {"rel_tol", rel}},
                   one_metric_results({series}, {Bounds{bound_series("o", "dist2", it, {exact})}}))
        .passed;
  };
  REQUIRE(passed(2.0 * (1 + 1e-10), "1e-9"));
  REQUIRE_FALSE(passed(2.0 * (1 + 1e-8), "1e-9"));
  REQUIRE_FALSE(passed(2.0 * (1 + 1e-10), "0"));
}

TEST_CASE("ols_slope recovers the exponent of an exact power law", "[pipeline]") {
  std::vector<double> x, y;
  for (double t : {1.0, 3.0, 10.0, 30.0, 100.0, 1000.0}) {
    x.push_back(std::log(t));
    y.push_back(std::log(7.0 * std::pow(t, -1.5)));
  }
  REQUIRE_THAT(ols_slope(x, y), WithinAbs(-1.5, 1e-12));
}

TEST_CASE("slope recovers -1 from a noisy power law y = C/t and rejects -2", "[pipeline]") {
  // 8 reps of y_r(t) = 3/t · (1 + u), u uniform in [-0.05, 0.05] (fixed seed). The mean curve's
  // relative error is about 0.03/sqrt(8) ≈ 1%, so the fitted slope over three decades is -1 ± 0.005.
  std::vector<std::int64_t> iters{0};
  for (int e = 0; e <= 30; ++e) iters.push_back(static_cast<std::int64_t>(std::llround(std::pow(10.0, e / 10.0))));
  std::mt19937_64 gen(12345);
  std::uniform_real_distribution<double> u(-0.05, 0.05);
  MetricSeries s;
  for (auto t : iters) s.points.push_back(sgdcheck::Point{t, 4 * t, t, static_cast<double>(t)});
  for (int r = 0; r < 8; ++r) {
    std::vector<double> row;
    for (auto t : iters) row.push_back(t == 0 ? 3.0 : 3.0 / static_cast<double>(t) * (1.0 + u(gen)));
    s.values.push_back(row);
    s.seeds.push_back(1);
  }
  s.compute_stats();
  const auto rs = one_metric_results({s}, {Bounds{}});
  auto run = [&](const char* expected, const char* x) {
    return run_one("slope",
                   {{"metric", "dist2"}, {"expected", expected}, {"x", x}, {"tolerance", "0.05"}, {"bootstrap", "200"}},
                   rs);
  };
  const auto ok = run("-1", "iter");
  INFO(ok.details[0]);
  REQUIRE(ok.passed);
  REQUIRE_FALSE(run("-2", "iter").passed);
  REQUIRE_FALSE(run("-0.5", "iter").passed);
  // samples = 4·iter: a constant factor on x leaves the log-log slope unchanged.
  REQUIRE(run("-1", "samples").passed);
}

TEST_CASE("slope fits only inside the window from_iter..to_iter", "[pipeline]") {
  // y = 1/t up to t = 100, then 100/t^2: slope -1 on [1, 100], -2 on [100, 10000].
  std::vector<std::int64_t> iters;
  for (int e = 0; e <= 40; ++e) iters.push_back(static_cast<std::int64_t>(std::llround(std::pow(10.0, e / 10.0))));
  std::vector<double> y;
  for (auto t : iters) {
    const double td = static_cast<double>(t);
    y.push_back(t <= 100 ? 1.0 / td : 100.0 / (td * td));
  }
  const auto rs = one_metric_results({two_rep_series(iters, y, std::vector<double>(y.size(), 0.0))}, {Bounds{}});
  auto passed = [&](const char* expected, const char* from, const char* to) {
    return run_one("slope", {{"metric", "dist2"}, {"expected", expected}, {"from_iter", from}, {"to_iter", to},
                             {"tolerance", "0.01"}, {"bootstrap", "50"}},
                   rs)
        .passed;
  };
  REQUIRE(passed("-1", "1", "100"));
  REQUIRE_FALSE(passed("-2", "1", "100"));
  REQUIRE(passed("-2", "100", "0"));
  REQUIRE_FALSE(passed("-1", "100", "0"));
}

TEST_CASE("slope on results without its metric is bad input naming the metrics there are, not a failed check", "[pipeline]") {
  const auto y = curve();
  const auto rs = one_metric_results({two_rep_series(kIters, y, percent_se(y, 0.01))}, {Bounds{}}, "subopt");
  REQUIRE_THROWS_WITH(run_one("slope", {{"metric", "dist2"}, {"expected", "-1"}}, rs),
                      Contains("checks.slope.metric = dist2: expected a metric this runner records (subopt)"));
}

TEST_CASE("format_checks shows the four outcome states and counts each", "[pipeline]") {
  CheckOutcome a, b, c, d;
  a.check = "bound_holds";
  a.status = CheckStatus::kPass;
  b.check = "tightness";
  b.status = CheckStatus::kFail;
  c.check = "fit_rate";
  c.report("no limits");
  d.check = "matches_exact";
  d.skip("the bound applies to no selected cell: step too large");
  const std::string text = format_checks({a, b, c, d});
  REQUIRE_THAT(text, Contains("[PASS] bound_holds") && Contains("[FAIL] tightness") && Contains("[REPORT] fit_rate") &&
                         Contains("[SKIPPED] matches_exact") && Contains("step too large") &&
                         Contains("4 checks: 1 passed, 1 failed, 1 report, 1 skipped"));
  REQUIRE_THAT(text, !Contains("[PASS] fit_rate"));
}

TEST_CASE("a bound that applies to no selected cell skips the check instead of passing it", "[pipeline]") {
  const auto y = curve();
  const auto rs = one_metric_results({two_rep_series(kIters, y, percent_se(y, 0.01))},
                                     {Bounds{not_applicable("b", "dist2", "step 0.5 > 1/L")}});
  const auto out = run_one("bound_holds", {{"bound", "b"}}, rs);
  REQUIRE(out.status == CheckStatus::kSkipped);
  REQUIRE_FALSE(out.passed);
  REQUIRE_THAT(out.reason, Contains("step 0.5 > 1/L"));
}

TEST_CASE("a point whose mean or standard error is not finite fails bound_holds and matches_exact", "[pipeline]") {
  auto y = curve();
  y[3] = INFINITY;  // a diverged repetition makes the mean infinite there
  const std::vector<double> inf_bound(y.size(), INFINITY);
  const auto rs = one_metric_results({two_rep_series(kIters, y, percent_se(curve(), 0.01))},
                                     {Bounds{bound_series("b", "dist2", kIters, inf_bound),
                                             bound_series("o", "dist2", kIters, inf_bound)}});
  const auto held = run_one("bound_holds", {{"bound", "b"}}, rs);
  REQUIRE(held.status == CheckStatus::kFail);
  const auto exact = run_one("matches_exact", {{"oracle", "o"}}, rs);
  REQUIRE(exact.status == CheckStatus::kFail);
  REQUIRE_THAT(exact.details.front(), Contains("not finite"));
}

TEST_CASE("bound_states counts applicable, not applicable and vacuous bound series", "[pipeline]") {
  const auto y = curve();  // seed mean at the first point: y[0]
  const auto s = two_rep_series(kIters, y, percent_se(y, 0.01));
  std::vector<double> above(y.size(), y.front() * 2), below = above;
  below.back() = y.front() / 2;  // one point under the trivial value: it promises progress there
  const auto rs = one_metric_results({s, s, s}, {Bounds{bound_series("b", "dist2", kIters, above)},
                                                 Bounds{bound_series("b", "dist2", kIters, below)},
                                                 Bounds{not_applicable("b", "dist2", "step too large")}});
  const auto lines = bound_states(rs);
  REQUIRE(lines.size() == 1);
  REQUIRE_THAT(lines[0], Contains("applies to 2 of 3 cells") && Contains("1 vacuous") && Contains("step too large"));
}
