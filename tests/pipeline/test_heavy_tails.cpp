// Heavy-tail diagnostics of bound_holds and matches_exact (issue #15 item 5): at the worst point they
// report the share of the mean carried by the top 0.1 % of runs and the sample kurtosis, and warn
// when SE-based tolerances are unreliable. Reference values are computed here from the runs.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "../config/temp_files.hpp"
#include "core/csv.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/reduction.hpp"
#include "pipeline/result_set.hpp"
#include "synthetic.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;
using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::test;

namespace {

const std::vector<std::int64_t> kTailIters{0, 10, 100};

/// n runs; at every point each run has `base` except the last `heavy` runs, which have `big`.
MetricSeries runs(std::size_t n, std::size_t heavy, double base, double big) {
  MetricSeries s;
  for (auto it : kTailIters) s.points.push_back(sgdcheck::Point{it, it, it, static_cast<double>(it)});
  for (std::size_t r = 0; r < n; ++r) {
    // A small deterministic spread so the light case is not degenerate.
    const double v = r + heavy >= n ? big : base * (1.0 + 0.1 * static_cast<double>(r % 7U) / 6.0);
    // Every run decays by the same factor per point (1, 0.1, 0.01): shares and kurtosis are the same at
    // every point, and a bound can fall below the initial value (else it would be vacuous).
    s.values.push_back({v, 0.1 * v, 0.01 * v});
    s.seeds.push_back(1);
  }
  s.compute_stats();
  return s;
}

double value_of(const CheckOutcome& o, const std::string& name) {
  for (const auto& [k, v] : o.values)
    if (k == name) return v;
  return NAN;
}

/// Share of the sum carried by the `top` largest values and the kurtosis m4/m2², computed directly.
std::pair<double, double> reference(const MetricSeries& s, std::size_t top) {
  std::vector<double> x;
  for (const auto& row : s.values) x.push_back(row[0]);
  std::sort(x.begin(), x.end());
  double sum = 0, top_sum = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sum += x[i];
    if (i + top >= x.size()) top_sum += x[i];
  }
  const double mean = sum / static_cast<double>(x.size());
  double m2 = 0, m4 = 0;
  for (double v : x) {
    m2 += std::pow(v - mean, 2);
    m4 += std::pow(v - mean, 4);
  }
  m2 /= static_cast<double>(x.size());
  m4 /= static_cast<double>(x.size());
  return {top_sum / sum, m4 / (m2 * m2)};
}

}  // namespace

TEST_CASE("matches_exact reports the top 0.1 percent share and kurtosis and warns on heavy tails", "[pipeline][tails]") {
  // 4000 runs, 4 of them (the top 0.1 %) 300 times larger: they carry about a quarter of the mean.
  const auto s = runs(4000, 4, 1.0, 300.0);
  const auto [share, kurt] = reference(s, 4);
  REQUIRE(share > 0.2);
  const std::vector<double> exact(s.mean.begin(), s.mean.end());
  const auto rs = one_metric_results({s}, {Bounds{bound_series("o", "dist2", kTailIters, exact)}});
  const auto out = run_one("matches_exact", {{"oracle", "o"}, {"k", "4"}}, rs);
  INFO(out.summary << "\n" << out.details.front());
  REQUIRE_THAT(value_of(out, "top_share_max"), WithinRel(share, 1e-9));
  REQUIRE_THAT(value_of(out, "kurtosis_max"), WithinRel(kurt, 1e-9));
  REQUIRE_THAT(out.details.front(), Contains("heavy tails"));
  REQUIRE_THAT(out.details.back(), Contains("top 0.1 % of runs (4 of 4000)"));
  REQUIRE_THAT(out.details.back(), Contains("SE-based tolerances are unreliable"));
}

TEST_CASE("bound_holds reports tails at its worst point without a warning when the runs are light-tailed",
          "[pipeline][tails]") {
  const auto s = runs(4000, 0, 1.0, 1.0);
  const auto [share, kurt] = reference(s, 4);
  const std::vector<double> bound{2.0, 0.2, 0.02};
  const auto rs = one_metric_results({s}, {Bounds{bound_series("b", "dist2", kTailIters, bound)}});
  const auto out = run_one("bound_holds", {{"bound", "b"}}, rs);
  INFO(out.summary);
  REQUIRE(out.passed);
  REQUIRE_THAT(value_of(out, "top_share_max"), WithinRel(share, 1e-9));
  REQUIRE_THAT(value_of(out, "kurtosis_max"), WithinRel(kurt, 1e-9));
  REQUIRE(out.details.size() == 1);
  REQUIRE_THAT(out.details.front(), Contains("tails at iter"));
  REQUIRE_THAT(out.details.front(), !Contains("unreliable"));
}

TEST_CASE("bound_holds warns when a few runs carry most of the mean even though the bound holds", "[pipeline][tails]") {
  const auto s = runs(2000, 2, 0.01, 50.0);
  const std::vector<double> bound{1000.0, 0.1, 0.01};
  const auto rs = one_metric_results({s}, {Bounds{bound_series("b", "dist2", kTailIters, bound)}});
  const auto out = run_one("bound_holds", {{"bound", "b"}}, rs);
  REQUIRE(out.passed);
  REQUIRE_THAT(out.details.front(), Contains("warning: heavy tails in 1 cell(s)"));
}

TEST_CASE("tail-only metrics are written as tail statistics, and a reloaded directory gives the same tail report",
          "[pipeline][tails]") {
  const auto s = runs(4000, 4, 1.0, 300.0);
  const std::vector<double> exact(s.mean.begin(), s.mean.end());
  auto rs = one_metric_results({s}, {Bounds{bound_series("o", "dist2", kTailIters, exact)}});
  rs.tail_only = {"dist2"};
  sgdcheck::test::TempDir dir;
  rs.write(dir.path());
  // No per-run rows for the tail-only metric (4000 runs x 3 points would be 12 000 rows).
  CHECK(sgdcheck::read_csv(dir.path() / "results.csv").rows.empty());
  CHECK(sgdcheck::read_csv(dir.path() / "tails.csv").rows.size() == kTailIters.size());
  const ResultSet back = ResultSet::load(dir.path());
  const MetricSeries& m = back.cells.at(0).metrics.at("dist2");
  REQUIRE(m.values.empty());
  REQUIRE(m.tails.size() == kTailIters.size());
  const auto [share, kurt] = reference(s, 4);
  for (std::size_t k = 0; k < kTailIters.size(); ++k) {
    const TailStats a = tail_stats(s, k), b = tail_stats(m, k);
    CHECK(b.n == 4000);
    CHECK(b.top == 4);
    CHECK(a.top_share == b.top_share);  // exactly: tails.csv holds shortest round-trip reals
    CHECK(a.kurtosis == b.kurtosis);
    CHECK_THAT(b.top_share, WithinRel(share, 1e-9));  // every point has the same shape (runs() scales them)
    CHECK_THAT(b.kurtosis, WithinRel(kurt, 1e-9));
  }
  const auto a_out = run_one("matches_exact", {{"oracle", "o"}, {"k", "4"}}, rs);
  const auto b_out = run_one("matches_exact", {{"oracle", "o"}, {"k", "4"}}, back);
  CHECK(a_out.details == b_out.details);
  CHECK(a_out.values == b_out.values);
  REQUIRE_THAT(b_out.details.front(), Contains("heavy tails"));
}

TEST_CASE("tails.csv that does not match summary.csv is refused with file and line", "[pipeline][tails]") {
  auto rs = one_metric_results({runs(100, 1, 1.0, 10.0)}, {Bounds{}});
  rs.tail_only = {"dist2"};
  sgdcheck::test::TempDir dir;
  rs.write(dir.path());
  const auto path = dir.path() / "tails.csv";
  auto table = sgdcheck::read_csv(path);
  REQUIRE(table.rows.size() == 3);
  {  // drop the middle point: the next row's iter is not the next point of summary.csv
    sgdcheck::CsvWriter w(path, table.header);
    w.row(table.rows[0]);
    w.row(table.rows[2]);
    w.close();
  }
  REQUIRE_THROWS_WITH(ResultSet::load(dir.path()), Contains("tails.csv:3") && Contains("expected the next point"));
}

TEST_CASE("the tail report says the kurtosis is undefined when every run has the same value", "[pipeline][tails]") {
  // 100 identical runs (as at iteration 0 from a fixed start): m4/m2² is 0/0; the report must say so
  // in words, not print "nan". The bound is tightest at iteration 0, where the report is made.
  MetricSeries s;
  for (auto it : kTailIters) s.points.push_back(sgdcheck::Point{it, it, it, static_cast<double>(it)});
  for (int r = 0; r < 100; ++r) {
    s.values.push_back({1.0, 0.1, 0.01});
    s.seeds.push_back(1);
  }
  s.compute_stats();
  const std::vector<double> bound{1.01, 0.5, 0.5};
  const auto rs = one_metric_results({s}, {Bounds{bound_series("b", "dist2", kTailIters, bound)}});
  const auto out = run_one("bound_holds", {{"bound", "b"}}, rs);
  INFO(out.summary << "\n" << out.details.front());
  REQUIRE(out.passed);
  REQUIRE_THAT(out.details.front(), Contains("tails at iter 0:"));
  REQUIRE_THAT(out.details.front(), Contains("kurtosis undefined (no spread)"));
  REQUIRE_THAT(out.details.front(), !Contains("nan"));
}

TEST_CASE("tail statistics streamed in seed blocks agree with two passes over the per-run values", "[pipeline][tails]") {
  // 9001 runs of a heavy-tailed metric (log-normal, sigma 2) at three points; some runs stop before
  // the last point (every 13th), two runs are inf and NaN (not finite: not counted). The top is
  // ⌈0.1 % of 8999⌉ = 9 values, more than a seed block of 8 keeps, so the cell's list (room for 10, as
  // for 10 000 seeds) is built by merging the blocks'.
  std::mt19937_64 gen(20261203);
  std::normal_distribution<double> z;
  auto run = [&](std::size_t r, bool negative) {
    sgdcheck::RunResult res;
    res.trace.metrics = {"dist2", "other"};
    const std::size_t points = r % 13 == 0 ? 2 : 3;
    for (std::size_t k = 0; k < points; ++k) {
      res.trace.points.push_back(sgdcheck::Point{kTailIters[k], kTailIters[k], kTailIters[k], 0.0});
      double v = std::exp(2.0 * z(gen)) * std::pow(0.1, static_cast<double>(k));
      if (negative && r % 5 == 0) v = -v;
      if (r == 77) v = INFINITY;
      if (r == 78) v = NAN;
      res.trace.values.push_back(v);
      res.trace.values.push_back(1.0);
    }
    return res;
  };
  for (const bool negative : {false, true}) {
    INFO("negative values " << negative);
    const std::set<std::string> tails{"dist2"};
    CellAccumulator whole(nullptr, false, sgdcheck::RecordAxis::kIter, &tails, 10), values(nullptr, true);
    const std::size_t n = 9001;
    for (std::size_t b = 0; b * kSeedBlock < n; ++b) {
      CellAccumulator block(nullptr, false, sgdcheck::RecordAxis::kIter, &tails, 8);
      for (std::size_t r = b * kSeedBlock; r < std::min(n, (b + 1) * kSeedBlock); ++r) {
        const auto res = run(r, negative);
        block.add(res, 1, static_cast<std::int64_t>(r));
        values.add(res, 1, static_cast<std::int64_t>(r));
      }
      whole.merge(std::move(block));
    }
    CellResult streamed, reference;
    whole.finish(streamed);
    values.finish(reference);
    const MetricSeries& s = streamed.metrics.at("dist2");
    const MetricSeries& v = reference.metrics.at("dist2");
    REQUIRE(s.values.empty());
    REQUIRE(s.tails.size() == 3);
    REQUIRE(streamed.metrics.at("other").tails.empty());  // not a tail metric
    for (std::size_t k = 0; k < 3; ++k) {
      INFO("point " << k);
      const TailStats a = tail_stats(s, k), b = tail_stats(v, k);
      CHECK(a.n == b.n);
      // 9001 runs less r = 77, 78; at the last point 693 runs (r % 13 == 0) stop early, 78 among them.
      CHECK(a.n == (k < 2 ? 8999 : 8307));
      CHECK(a.top == b.top);
      CHECK(a.top == 9);
      CHECK_THAT(a.kurtosis, WithinRel(b.kurtosis, 1e-10));
      CHECK(a.kurtosis > 50);  // heavy: a log-normal with sigma 2 has kurtosis in the thousands
      if (negative) {
        CHECK(std::isnan(a.top_share));
        CHECK(std::isnan(b.top_share));
      } else {
        CHECK_THAT(a.top_share, WithinRel(b.top_share, 1e-12));
      }
    }
  }
}
