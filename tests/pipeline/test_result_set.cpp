// ResultSet: seed statistics by hand, and write → load reproducing every number bit for bit.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "../config/temp_files.hpp"
#include "core/errors.hpp"
#include "pipeline/reduction.hpp"
#include "pipeline/result_set.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;
using namespace sgdcheck;
using namespace sgdcheck::pipeline;
using sgdcheck::test::TempDir;

namespace {

bool same_bits_or_nan(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::memcmp(&a, &b, sizeof a) == 0;
}

void require_same_bits_or_nan(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("index " << i << ": " << a[i] << " vs " << b[i]);
    REQUIRE(same_bits_or_nan(a[i], b[i]));
  }
}

}  // namespace

TEST_CASE("compute_stats matches a hand computation, skipping NaN and propagating infinity", "[pipeline]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  MetricSeries s;
  for (std::int64_t t : {0, 1, 2, 3, 4}) s.points.push_back(Point{t, t, t, 0.0});
  // columns: point 0: 1 2 3 4 | point 1: 2 nan 4 6 | point 2: 1 inf 1 1 | point 3: all nan | point 4: 5 nan nan nan
  s.values = {{1.0, 2.0, 1.0, nan, 5.0}, {2.0, nan, INFINITY, nan, nan}, {3.0, 4.0, 1.0, nan, nan}, {4.0, 6.0, 1.0, nan, nan}};
  s.seeds = {1, 1, 1, 1};
  s.compute_stats();
  // Point 0: mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5 → sd = sqrt(5/3), se = sd/2.
  REQUIRE(s.n[0] == 4);
  REQUIRE_THAT(s.mean[0], WithinRel(2.5, 1e-15));
  REQUIRE_THAT(s.sd[0], WithinRel(std::sqrt(5.0 / 3.0), 1e-15));
  REQUIRE_THAT(s.se[0], WithinRel(std::sqrt(5.0 / 3.0) / 2.0, 1e-15));
  REQUIRE(s.min[0] == 1.0);
  REQUIRE(s.max[0] == 4.0);
  // Point 1: the NaN rep is left out: n = 3 of {2, 4, 6}, mean 4, sd 2, se 2/sqrt(3).
  REQUIRE(s.n[1] == 3);
  REQUIRE_THAT(s.mean[1], WithinRel(4.0, 1e-15));
  REQUIRE_THAT(s.sd[1], WithinRel(2.0, 1e-15));
  REQUIRE_THAT(s.se[1], WithinRel(2.0 / std::sqrt(3.0), 1e-15));
  REQUIRE(s.min[1] == 2.0);
  REQUIRE(s.max[1] == 6.0);
  // Point 2: an infinite value makes the mean and the spread infinite.
  REQUIRE(s.n[2] == 4);
  REQUIRE(std::isinf(s.mean[2]));
  REQUIRE(std::isinf(s.sd[2]));
  REQUIRE(std::isinf(s.se[2]));
  REQUIRE(s.max[2] == INFINITY);
  // Point 3: no value at all.
  REQUIRE(s.n[3] == 0);
  REQUIRE(std::isnan(s.mean[3]));
  // Point 4: a single value has sd 0.
  REQUIRE(s.n[4] == 1);
  REQUIRE(s.mean[4] == 5.0);
  REQUIRE(s.sd[4] == 0.0);
  REQUIRE(s.se[4] == 0.0);
}

namespace {

/// Two cells, three reps, three metrics, awkward numbers everywhere (non-terminating binary fractions,
/// subnormals, huge and tiny magnitudes, inf), a point missing from one rep, and text with commas
/// and quotes.
ResultSet awkward_results() {
  ResultSet rs;
  rs.name = "roundtrip";
  rs.sweep_keys = {"runner.batch", "problem.d"};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t id = 0; id < 2; ++id) {
    CellResult c;
    c.id = id;
    c.sweep_values = {id == 0 ? "1" : "64", "3"};
    c.options = {{"problem.family", "least_squares"}, {"runner.kind", "minibatch_sgd"},
                 {"runner.batch", c.sweep_values[0]}, {"problem.d", "3"}, {"runner.step.gamma", "0.1"}};
    const std::vector<Point> pts{{0, 0, 0, 0.0}, {1, 7, 1, 0.1}, {3, 21, 3, 1.0 / 3.0}, {10, 70, 10, 2.0 / 3.0}};
    // Three reps: three rows per point carry the same vtime, and (0.1 + 0.1 + 0.1) / 3 is not 0.1.
    for (const char* m : {"dist2", "grad2", "subopt"}) {
      MetricSeries s;
      s.points = pts;
      const double f = m[0] == 'd' ? 1.0 : m[0] == 'g' ? 1e-7 : 3.0;
      s.values = {{1.0 / 3.0 * f, 0.1 * f, 5e-324, 1e150 * f},
                  {2.0 / 7.0 * f, INFINITY, std::nextafter(0.3, 1.0) * f, nan},  // rep 1 stopped before iter 10
                  {0.7 * f, 0.2 * f, 1e-310, 7e149 * f}};
      s.seeds = {42, 42, 42};
      s.compute_stats();
      c.metrics[m] = s;
    }
    BoundSeries b;
    b.id = "sgd.strongly_convex.dist2";
    b.title = "a bound, with a comma and \"quotes\"";
    b.label = "derived";
    b.guarantee = "upper";
    b.metric = "dist2";
    b.applicable = id == 0;
    if (b.applicable) {
      b.iters = {0, 1, 3, 10};
      b.values = {1.0, 0.9999999999999999, 1.0 / 3.0, INFINITY};
    } else {
      b.reason = "step 0.5 > 1/(2L) = 0.25, see \"R1\"";
    }
    c.bounds.push_back(b);
    c.constants["L"] = {1.0764144822439972 + static_cast<double>(id), true};
    c.constants["mu"] = {0.1 / 3.0, true};
    c.constants["M_grad"] = {12.345678901234567, false};
    c.runs = {{42, 0, "max_iterations", "ran 10 iterations", 10},
              {42, 1, "converged", "dist2 = 1e-9 <= 1e-8, at iteration 3", 3},
              {42, 2, "max_iterations", "ran 10 iterations", 10}};
    rs.cells.push_back(std::move(c));
  }
  return rs;
}

}  // namespace

TEST_CASE("writing a ResultSet and loading it back reproduces every number bit for bit", "[pipeline]") {
  TempDir dir;
  const auto out_dir = dir.path() / "roundtrip";
  std::filesystem::create_directories(out_dir);
  const ResultSet a = awkward_results();
  a.write(out_dir);
  const ResultSet b = ResultSet::load(out_dir);

  REQUIRE(b.name == "roundtrip");
  REQUIRE(b.sweep_keys == a.sweep_keys);
  REQUIRE(b.cells.size() == a.cells.size());
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    const auto& ca = a.cells[i];
    const auto& cb = b.cells[i];
    INFO("cell " << i);
    REQUIRE(cb.id == ca.id);
    REQUIRE(cb.sweep_values == ca.sweep_values);
    REQUIRE(cb.options == ca.options);
    REQUIRE(cb.metrics.size() == ca.metrics.size());
    for (const auto& [m, sa] : ca.metrics) {
      INFO("metric " << m);
      const auto& sb = cb.metrics.at(m);
      REQUIRE(sb.points.size() == sa.points.size());
      for (std::size_t k = 0; k < sa.points.size(); ++k) {
        REQUIRE(sb.points[k].iter == sa.points[k].iter);
        REQUIRE(sb.points[k].samples == sa.points[k].samples);
        REQUIRE(sb.points[k].rounds == sa.points[k].rounds);
        INFO("vtime at point " << k);
        REQUIRE(same_bits_or_nan(sb.points[k].vtime, sa.points[k].vtime));
      }
      REQUIRE(sb.seeds == sa.seeds);
      REQUIRE(sb.values.size() == sa.values.size());
      for (std::size_t r = 0; r < sa.values.size(); ++r) require_same_bits_or_nan(sb.values[r], sa.values[r]);
      REQUIRE(sb.n == sa.n);
      require_same_bits_or_nan(sb.mean, sa.mean);
      require_same_bits_or_nan(sb.sd, sa.sd);
      require_same_bits_or_nan(sb.se, sa.se);
      require_same_bits_or_nan(sb.min, sa.min);
      require_same_bits_or_nan(sb.max, sa.max);
    }
    REQUIRE(cb.bounds.size() == 1);
    const auto& ba = ca.bounds[0];
    const auto& bb = cb.bounds[0];
    REQUIRE(bb.id == ba.id);
    REQUIRE(bb.title == ba.title);
    REQUIRE(bb.label == ba.label);
    REQUIRE(bb.guarantee == ba.guarantee);
    REQUIRE(bb.metric == ba.metric);
    REQUIRE(bb.applicable == ba.applicable);
    REQUIRE(bb.reason == ba.reason);
    REQUIRE(bb.iters == ba.iters);
    require_same_bits_or_nan(bb.values, ba.values);
    REQUIRE(cb.constants.size() == ca.constants.size());
    for (const auto& [k, ve] : ca.constants) {
      REQUIRE(same_bits_or_nan(cb.constants.at(k).first, ve.first));
      REQUIRE(cb.constants.at(k).second == ve.second);
    }
    REQUIRE(cb.runs.size() == ca.runs.size());
    for (std::size_t r = 0; r < ca.runs.size(); ++r) {
      REQUIRE(cb.runs[r].seed == ca.runs[r].seed);
      REQUIRE(cb.runs[r].rep == ca.runs[r].rep);
      REQUIRE(cb.runs[r].termination == ca.runs[r].termination);
      REQUIRE(cb.runs[r].message == ca.runs[r].message);
      REQUIRE(cb.runs[r].iterations == ca.runs[r].iterations);
    }
  }
}

TEST_CASE("a loaded ResultSet written again gives byte-identical tables", "[pipeline]") {
  TempDir dir;
  const auto d1 = dir.path() / "one";
  const auto d2 = dir.path() / "two";
  std::filesystem::create_directories(d1);
  std::filesystem::create_directories(d2);
  awkward_results().write(d1);
  ResultSet::load(d1).write(d2);
  for (const char* f : {"results.csv", "summary.csv", "runs.csv", "run_scalars.csv", "scalar_summary.csv",
                        "constants.csv", "bounds.csv", "cells.csv"}) {
    INFO(f);
    const std::string a = sgdcheck::test::read_text(d1 / f);
    REQUIRE_FALSE(a.empty());
    REQUIRE(a == sgdcheck::test::read_text(d2 / f));
  }
}

TEST_CASE("summary.csv holds the statistics computed from results.csv", "[pipeline]") {
  TempDir dir;
  awkward_results().write(dir.path());
  const std::string summary = sgdcheck::test::read_text(dir.path() / "summary.csv");
  REQUIRE_THAT(summary, Contains("cell,runner.batch,problem.d,iter,samples,rounds,vtime,metric,n,mean,sd,se,min,max\n"));
  // Cell 0, dist2 at iter 10: reps 0 and 2 have values 1e150 and 7e149 (rep 1 stopped earlier):
  // n = 2, mean 8.5e149, sd = sqrt(2 · 1.5e149²) = 1.5e149 · sqrt(2), se = sd / sqrt(2) = 1.5e149.
  REQUIRE_THAT(summary, Contains("\n0,1,3,10,70,10,0.6666666666666666,dist2,2,"));
  REQUIRE_THAT(summary, Contains(",7e+149,1e+150\n"));
  const ResultSet loaded = ResultSet::load(dir.path());  // keep it alive: s refers into it
  const auto& s = loaded.cells[0].metrics.at("dist2");
  REQUIRE(s.n[3] == 2);
  REQUIRE_THAT(s.mean[3], WithinRel(8.5e149, 1e-15));
  REQUIRE_THAT(s.sd[3], WithinRel(1.5e149 * std::sqrt(2.0), 1e-15));
  REQUIRE_THAT(s.se[3], WithinRel(1.5e149, 1e-15));
}

TEST_CASE("loading a directory with a missing table is a DataError naming the file", "[pipeline]") {
  TempDir dir;
  awkward_results().write(dir.path());
  std::filesystem::remove(dir.path() / "bounds.csv");
  REQUIRE_THROWS_AS(ResultSet::load(dir.path()), DataError);
  try {
    ResultSet::load(dir.path());
  } catch (const DataError& e) {
    REQUIRE_THAT(std::string(e.what()), Contains("bounds.csv"));
  }
  REQUIRE_THROWS_AS(ResultSet::load(dir.path() / "nope"), DataError);
}

TEST_CASE("cell labels join the unqualified sweep keys with their values", "[pipeline]") {
  const ResultSet rs = awkward_results();
  REQUIRE(rs.cell_label(rs.cells[1]) == "batch=64, d=3");
  ResultSet none;
  REQUIRE(none.cell_label(rs.cells[0]) == "all");
}

// ---- streaming statistics (pipeline/reduction.hpp) -------------------------------------------------

TEST_CASE("constant data give sd exactly 0 and a mean equal to the value", "[pipeline]") {
  // 0.1 and 1/3 are not exact in binary: a running sum divided by n misses them by an ulp or more,
  // and the two-pass sd is then ~1e-17 instead of 0. 37 reps span five seed blocks.
  for (const double v : {0.1, 1.0 / 3.0, 1.3554, 7e-300, -2.5e12}) {
    INFO("value " << v);
    MetricSeries s;
    s.points = {Point{0, 0, 0, 0.0}};
    s.values.assign(37, std::vector<double>{v});
    s.seeds.assign(37, 1);
    s.compute_stats();
    REQUIRE(s.n[0] == 37);
    REQUIRE(same_bits_or_nan(s.mean[0], v));
    REQUIRE(s.sd[0] == 0.0);
    REQUIRE(s.se[0] == 0.0);
    REQUIRE(s.min[0] == v);
    REQUIRE(s.max[0] == v);
  }
}

TEST_CASE("streaming statistics agree with two-pass formulas on data with a large offset", "[pipeline]") {
  // x_r = 1e9 + (r mod 7) * 0.125 + r * 1e-3: the naive sum of squares loses every digit of the spread
  // here (1e18 against a variance of ~1), Welford and the block merge must not.
  const std::size_t R = 101;
  std::vector<double> x;
  for (std::size_t r = 0; r < R; ++r) x.push_back(1e9 + static_cast<double>(r % 7) * 0.125 + static_cast<double>(r) * 1e-3);
  // Two-pass reference in long double about the exact offset.
  long double sum = 0;
  for (double v : x) sum += static_cast<long double>(v) - 1e9L;
  const long double mean_off = sum / R;
  long double ss = 0;
  for (double v : x) {
    const long double d = static_cast<long double>(v) - 1e9L - mean_off;
    ss += d * d;
  }
  const double ref_mean = static_cast<double>(1e9L + mean_off);
  const double ref_sd = static_cast<double>(std::sqrt(ss / (R - 1)));

  MetricSeries s;
  s.points = {Point{0, 0, 0, 0.0}};
  for (double v : x) s.values.push_back({v});
  s.seeds.assign(R, 1);
  s.compute_stats();
  REQUIRE(s.n[0] == static_cast<int>(R));
  REQUIRE_THAT(s.mean[0], WithinRel(ref_mean, 1e-15));
  REQUIRE_THAT(s.sd[0], WithinRel(ref_sd, 1e-7));  // ~1e9 · 1e-16 / 1 absolute round-off of each x
  REQUIRE_THAT(s.se[0], WithinRel(ref_sd / std::sqrt(static_cast<double>(R)), 1e-7));
  REQUIRE(s.mean[0] >= s.min[0]);
  REQUIRE(s.mean[0] <= s.max[0]);

  // Merging Welford accumulators of arbitrary splits gives the same statistics up to round-off.
  RunningStats whole, a, b, c;
  for (std::size_t r = 0; r < R; ++r) {
    whole.add(x[r]);
    (r < 13 ? a : r < 60 ? b : c).add(x[r]);
  }
  a.merge(b);
  a.merge(c);
  REQUIRE(a.n == whole.n);
  REQUIRE_THAT(a.mean, WithinRel(ref_mean, 1e-15));
  REQUIRE_THAT(std::sqrt(a.m2 / (R - 1)), WithinRel(ref_sd, 1e-7));
  REQUIRE_THAT(std::sqrt(whole.m2 / (R - 1)), WithinRel(ref_sd, 1e-7));
}

TEST_CASE("streaming statistics skip NaN and let one infinite rep make mean and sd infinite", "[pipeline]") {
  RunningStats s;
  for (double v : {1.0, double(NAN), 2.0, double(INFINITY), 3.0}) s.add(v);
  SummaryStats st = s.summary();
  REQUIRE(st.n == 4);
  REQUIRE(st.mean == INFINITY);
  REQUIRE(st.sd == INFINITY);
  REQUIRE(st.se == INFINITY);
  REQUIRE(st.min == 1.0);
  REQUIRE(st.max == INFINITY);
  s.add(-INFINITY);  // +inf and -inf: the mean is undefined, as inf + (-inf) would be
  REQUIRE(std::isnan(s.summary().mean));
  REQUIRE(s.summary().min == -INFINITY);
  RunningStats none;
  none.add(NAN);
  REQUIRE(none.summary().n == 0);
  REQUIRE(std::isnan(none.summary().mean));
  REQUIRE(std::isnan(none.summary().sd));
}

TEST_CASE("per-run scalars and their cell statistics survive a write and load", "[pipeline]") {
  TempDir dir;
  ResultSet a = awkward_results();
  for (auto& c : a.cells) {
    c.run_scalars = {{{"iterations", 10.0}, {"staleness", 0.1}},
                     {{"iterations", 3.0}, {"staleness", 1.0 / 3.0}},
                     {{"iterations", 10.0}, {"staleness", INFINITY}}};
    c.scalars["iterations"] = {3, 23.0 / 3.0, 4.041451884327381, 2.3333333333333335, 3.0, 10.0};
    c.scalars["staleness"] = {3, INFINITY, INFINITY, INFINITY, 0.1, INFINITY};
  }
  a.write(dir.path());
  const ResultSet b = ResultSet::load(dir.path());
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    REQUIRE(b.cells[i].run_scalars.size() == 3);
    for (std::size_t r = 0; r < 3; ++r) {
      REQUIRE(b.cells[i].run_scalars[r].size() == 2);
      for (std::size_t k = 0; k < 2; ++k) {
        REQUIRE(b.cells[i].run_scalars[r][k].first == a.cells[i].run_scalars[r][k].first);
        REQUIRE(same_bits_or_nan(b.cells[i].run_scalars[r][k].second, a.cells[i].run_scalars[r][k].second));
      }
    }
    for (const auto& [name, st] : a.cells[i].scalars) {
      const auto& sb = b.cells[i].scalars.at(name);
      REQUIRE(sb.n == st.n);
      REQUIRE(same_bits_or_nan(sb.mean, st.mean));
      REQUIRE(same_bits_or_nan(sb.sd, st.sd));
      REQUIRE(same_bits_or_nan(sb.se, st.se));
      REQUIRE(same_bits_or_nan(sb.min, st.min));
      REQUIRE(same_bits_or_nan(sb.max, st.max));
    }
  }
}

TEST_CASE("metrics without per-run values keep their statistics and write no results.csv rows", "[pipeline]") {
  TempDir dir;
  ResultSet a = awkward_results();
  for (auto& c : a.cells)
    for (auto& [m, s] : c.metrics)
      if (m != "dist2") {
        s.values.clear();
        s.seeds.clear();
      }
  a.write(dir.path());
  const std::string results = sgdcheck::test::read_text(dir.path() / "results.csv");
  REQUIRE_THAT(results, Contains(",dist2,"));
  REQUIRE_FALSE(results.find(",grad2,") != std::string::npos);
  const ResultSet b = ResultSet::load(dir.path());
  const auto& g = b.cells[0].metrics.at("grad2");
  REQUIRE(g.values.empty());
  REQUIRE(g.seeds.empty());
  require_same_bits_or_nan(g.mean, a.cells[0].metrics.at("grad2").mean);
  require_same_bits_or_nan(g.sd, a.cells[0].metrics.at("grad2").sd);
  REQUIRE(b.cells[0].metrics.at("dist2").values.size() == 3);
}

TEST_CASE("reps recorded on a samples grid are aligned by samples, not by iteration", "[pipeline]") {
  auto run = [](std::vector<std::int64_t> iters, std::vector<double> v) {
    RunResult r;
    r.trace.metrics = {"dist2"};
    for (std::size_t k = 0; k < iters.size(); ++k) r.trace.points.push_back(Point{iters[k], 10 * static_cast<std::int64_t>(k), 0, 0.0});
    r.trace.values = v;
    return r;
  };
  // Same samples grid 0, 10, 20; different iterations (the reps had different batch sizes over time).
  const RunResult a = run({0, 5, 10}, {1.0, 0.5, 0.25}), b = run({0, 2, 4}, {1.0, 0.7, 0.35});
  CellAccumulator by_samples(nullptr, true, RecordAxis::kSamples), by_iter(nullptr, true);
  by_samples.add(a, 1, 0);
  by_samples.add(b, 1, 1);
  by_iter.add(a, 1, 0);
  by_iter.add(b, 1, 1);
  CellResult cs, ci;
  by_samples.finish(cs);
  by_iter.finish(ci);
  const auto& s = cs.metrics.at("dist2");
  REQUIRE(s.size() == 3);
  REQUIRE(s.n == std::vector<int>{2, 2, 2});
  REQUIRE_THAT(s.mean[1], WithinRel(0.6, 1e-15));
  REQUIRE_THAT(s.mean[2], WithinRel(0.3, 1e-15));
  REQUIRE(s.values.size() == 2);
  REQUIRE(s.values[1][2] == 0.35);
  REQUIRE(ci.metrics.at("dist2").size() == 5);  // 0, 2, 4, 5, 10
}

TEST_CASE("load(write(rs)) round-trips a cell recorded on rounds, aligned by rounds", "[pipeline]") {
  // Two reps on the rounds grid 0, 1, 2 (+3 for the second): the union sorted by rounds has
  // iterations 0, 10, 20, 15 (the first rep's for shared points), so only the rounds axis orders it.
  auto run = [](std::vector<std::int64_t> iters, std::vector<double> v) {
    RunResult r;
    r.trace.metrics = {"dist2"};
    for (std::size_t k = 0; k < iters.size(); ++k)
      r.trace.points.push_back(Point{iters[k], 2 * iters[k], static_cast<std::int64_t>(k), static_cast<double>(iters[k])});
    r.trace.values = v;
    return r;
  };
  CellAccumulator acc(nullptr, true, RecordAxis::kRounds);
  acc.add(run({0, 10, 20}, {1.0, 0.5, 0.25}), 5, 0);
  acc.add(run({0, 5, 10, 15}, {1.0, 0.7, 0.35, 0.125}), 5, 1);
  ResultSet rs;
  rs.name = "rounds";
  rs.cells.resize(1);
  acc.finish(rs.cells[0]);
  rs.cells[0].options["runner.record.axis"] = "rounds";
  const auto& s = rs.cells[0].metrics.at("dist2");
  REQUIRE(s.size() == 4);
  REQUIRE(s.points[3].iter == 15);
  REQUIRE(s.n == std::vector<int>{2, 2, 2, 1});

  TempDir dir;
  rs.write(dir.path());
  const ResultSet b = ResultSet::load(dir.path());
  const auto& t = b.cells.at(0).metrics.at("dist2");
  REQUIRE(t.size() == 4);
  for (std::size_t k = 0; k < 4; ++k) {
    REQUIRE(t.points[k].iter == s.points[k].iter);
    REQUIRE(t.points[k].rounds == s.points[k].rounds);
    REQUIRE(t.points[k].samples == s.points[k].samples);
    REQUIRE(same_bits_or_nan(t.points[k].vtime, s.points[k].vtime));
  }
  REQUIRE(t.seeds == s.seeds);
  REQUIRE(t.values.size() == 2);
  for (std::size_t r = 0; r < 2; ++r) require_same_bits_or_nan(t.values[r], s.values[r]);
  REQUIRE(std::isnan(t.values[0][3]));
  REQUIRE(t.values[1][3] == 0.125);
  require_same_bits_or_nan(t.mean, s.mean);
  require_same_bits_or_nan(t.sd, s.sd);

  // The same tables claimed to be on iterations are not in iteration order: a DataError, not a
  // silent misalignment.
  rs.cells[0].options["runner.record.axis"] = "iterations";
  TempDir dir2;
  rs.write(dir2.path());
  REQUIRE_THROWS_AS(ResultSet::load(dir2.path()), DataError);
  rs.cells[0].options["runner.record.axis"] = "furlongs";
  TempDir dir3;
  rs.write(dir3.path());
  REQUIRE_THROWS_WITH(ResultSet::load(dir3.path()), Contains("runner.record.axis = furlongs"));
}

TEST_CASE("a NaN per-run value in results.csv is reported when loading, not dropped as a missing point", "[pipeline]") {
  CellAccumulator acc(nullptr, true);
  RunResult r;
  r.trace.metrics = {"dist2"};
  r.trace.points = {Point{0, 0, 0, 0.0}, Point{1, 1, 1, 1.0}};
  r.trace.values = {1.0, 0.5};
  acc.add(r, 1, 0);
  ResultSet rs;
  rs.cells.resize(1);
  acc.finish(rs.cells[0]);
  TempDir dir;
  rs.write(dir.path());
  REQUIRE(ResultSet::load(dir.path()).cells[0].metrics.at("dist2").values[0][1] == 0.5);
  // Hand-edit the value of the second row to nan.
  std::string text;
  {
    std::ifstream in(dir.path() / "results.csv");
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto pos = text.rfind(",0.5");
  REQUIRE(pos != std::string::npos);
  text.replace(pos, 4, ",nan");
  {
    std::ofstream out(dir.path() / "results.csv", std::ios::trunc);
    out << text;
  }
  REQUIRE_THROWS_AS(ResultSet::load(dir.path()), DataError);
  REQUIRE_THROWS_WITH(ResultSet::load(dir.path()), Contains("results.csv:3") && Contains("value = nan"));
}
