// ResultSet: seed statistics by hand, and write → load reproducing every number bit for bit.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../config/temp_files.hpp"
#include "core/errors.hpp"
#include "pipeline/result_set.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;
using namespace sgdcheck;
using namespace sgdcheck::pipeline;
using sgdcheck::test::TempDir;

namespace {

bool same_bits(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::memcmp(&a, &b, sizeof a) == 0;
}

void require_same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("index " << i << ": " << a[i] << " vs " << b[i]);
    REQUIRE(same_bits(a[i], b[i]));
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
        REQUIRE(same_bits(sb.points[k].vtime, sa.points[k].vtime));
      }
      REQUIRE(sb.seeds == sa.seeds);
      REQUIRE(sb.values.size() == sa.values.size());
      for (std::size_t r = 0; r < sa.values.size(); ++r) require_same_bits(sb.values[r], sa.values[r]);
      REQUIRE(sb.n == sa.n);
      require_same_bits(sb.mean, sa.mean);
      require_same_bits(sb.sd, sa.sd);
      require_same_bits(sb.se, sa.se);
      require_same_bits(sb.min, sa.min);
      require_same_bits(sb.max, sa.max);
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
    require_same_bits(bb.values, ba.values);
    REQUIRE(cb.constants.size() == ca.constants.size());
    for (const auto& [k, ve] : ca.constants) {
      REQUIRE(same_bits(cb.constants.at(k).first, ve.first));
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
  for (const char* f : {"results.csv", "summary.csv", "runs.csv", "constants.csv", "bounds.csv", "cells.csv"}) {
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
