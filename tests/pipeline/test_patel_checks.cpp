// Check kinds of Patel & Dieuleveut (2019) (pipeline/checks_patel.cpp) on hand-built ResultSets: each
// passes on a constructed case and fails when the case is perturbed.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

#include "pipeline/checks.hpp"
#include "synthetic.hpp"

using Catch::Matchers::Contains;
namespace pl = sgdcheck::pipeline;
using pl::test::bound_series;

namespace {

/// A validated spec that may carry list values (`values:`).
pl::ComponentSpec spec_with_list(const std::string& kind, const std::map<std::string, std::string>& kv,
                                 const std::string& list_key, const std::vector<double>& list) {
  const sgdcheck::Schema* s = pl::find_check_schema(kind);
  REQUIRE(s != nullptr);
  sgdcheck::RawParams raw;
  for (const auto& [k, v] : kv) raw[k] = sgdcheck::RawValue{v, {}, false, sgdcheck::SourceLoc{"checks.yaml", 1}};
  sgdcheck::RawValue lv;
  lv.is_list = true;
  lv.loc = sgdcheck::SourceLoc{"checks.yaml", 1};
  for (double v : list) lv.list.push_back(fmt::format("{:.17g}", v));
  raw[list_key] = lv;
  return pl::ComponentSpec{kind, sgdcheck::validate(*s, raw, "checks." + kind), sgdcheck::SourceLoc{"checks.yaml", 1}};
}

pl::CheckOutcome run_list(const std::string& kind, const std::map<std::string, std::string>& kv,
                          const std::vector<double>& values, const pl::ResultSet& rs) {
  const auto out = pl::run_checks({spec_with_list(kind, kv, "values", values)}, rs);
  REQUIRE(out.size() == 1);
  return out.front();
}

/// Per-rep series: values[rep][k], points with rounds = `rounds` at every point.
pl::MetricSeries rep_series(const std::vector<std::int64_t>& iters, const std::vector<std::vector<double>>& values,
                            std::int64_t rounds = 0) {
  pl::MetricSeries s;
  for (auto it : iters) s.points.push_back(sgdcheck::Point{it, it, rounds, static_cast<double>(it)});
  s.values = values;
  s.seeds.assign(values.size(), 7);
  s.compute_stats();
  return s;
}

pl::CellResult cell(std::size_t id, std::vector<std::string> sweep, pl::MetricSeries m) {
  pl::CellResult c;
  c.id = id;
  c.sweep_values = std::move(sweep);
  c.metrics["dist2"] = std::move(m);
  return c;
}

const std::vector<std::int64_t> kPatelIters = {0, 10, 100};

/// Schedules mba / osa / none at one worker count; `perturb` shifts one repetition of the none cell.
pl::ResultSet schedule_cells(double perturb) {
  pl::ResultSet rs;
  rs.sweep_keys = {"runner.workers", "runner.schedule.kind"};
  const std::vector<std::vector<double>> v = {{1.0, 0.5, 0.25}, {1.0, 0.7, 0.05}, {1.0, 0.4, 0.3}};
  auto w = v;
  w[1][2] *= 1.0 + perturb;
  rs.cells.push_back(cell(0, {"4", "mba"}, rep_series(kPatelIters, v)));
  rs.cells.push_back(cell(1, {"4", "osa"}, rep_series(kPatelIters, v)));
  rs.cells.push_back(cell(2, {"4", "none"}, rep_series(kPatelIters, w)));
  return rs;
}

}  // namespace

TEST_CASE("identity (paired): identical repetitions pass, a 1e-9 change in one repetition fails") {
  const auto ok = pl::test::run_one("identity", {{"reference", "schedule.kind=mba"}, {"rel_tol", "1e-12"}}, schedule_cells(0));
  INFO(pl::format_checks({ok}));
  CHECK(ok.passed);
  CHECK_THAT(ok.summary, Contains("2 pairs"));
  const auto bad = pl::test::run_one("identity", {{"reference", "schedule.kind=mba"}, {"rel_tol", "1e-12"}},
                                     schedule_cells(1e-9));
  INFO(pl::format_checks({bad}));
  CHECK_FALSE(bad.passed);
  // `where` restricts the compared cells: only osa vs mba, which agree.
  const auto where = pl::test::run_one(
      "identity", {{"reference", "schedule.kind=mba"}, {"where", "schedule.kind=osa"}}, schedule_cells(1e-9));
  CHECK(where.passed);
  CHECK_THAT(where.summary, Contains("1 pairs"));
}

TEST_CASE("identity: a compared cell without its reference cell fails, a filter value no cell has is bad input") {
  auto rs = schedule_cells(0);
  rs.cells[0].sweep_values = {"16", "mba"};  // the mba cell now has another worker count
  CHECK_FALSE(pl::test::run_one("identity", {{"reference", "schedule.kind=mba"}}, rs).passed);
  CHECK_THROWS_AS(pl::test::run_one("identity", {{"reference", "schedule.kind=mba"}, {"where", "workers=1"}},
                                    schedule_cells(0)),
                  sgdcheck::ConfigError);
}

TEST_CASE("identity (mean): means within k combined SE pass, beyond fail") {
  pl::ResultSet rs;
  rs.sweep_keys = {"runner.batch"};
  // SE 0.1 in both cells: combined SE = 0.1414; means differ by 0.3 (2.1 SE) or by 0.8 (5.7 SE).
  rs.cells.push_back(cell(0, {"1"}, pl::test::two_rep_series({1, 2}, {1.0, 1.0}, {0.1, 0.1})));
  rs.cells.push_back(cell(1, {"4"}, pl::test::two_rep_series({1, 2}, {1.3, 1.0}, {0.1, 0.1})));
  const auto ok = pl::test::run_one("identity", {{"reference", "batch=1"}, {"mode", "mean"}, {"k", "4"}}, rs);
  INFO(pl::format_checks({ok}));
  CHECK(ok.passed);
  rs.cells[1] = cell(1, {"4"}, pl::test::two_rep_series({1, 2}, {1.8, 1.0}, {0.1, 0.1}));
  CHECK_FALSE(pl::test::run_one("identity", {{"reference", "batch=1"}, {"mode", "mean"}, {"k", "4"}}, rs).passed);
}

TEST_CASE("identity (bound): oracle series equal to 1e-12 pass, a 1e-10 difference fails") {
  pl::ResultSet rs;
  rs.sweep_keys = {"runner.batch"};
  rs.cells.push_back(cell(0, {"1"}, pl::test::two_rep_series({1, 2}, {1, 1}, {0.1, 0.1})));
  rs.cells.push_back(cell(1, {"4"}, pl::test::two_rep_series({1, 2}, {1, 1}, {0.1, 0.1})));
  rs.cells[0].bounds = {bound_series("o", "dist2", {1, 2}, {1.353745399, 0.5})};
  rs.cells[1].bounds = {bound_series("o", "dist2", {1, 2}, {1.353745399 * (1 + 1e-13), 0.5})};
  CHECK(pl::test::run_one("identity", {{"reference", "batch=1"}, {"series", "o"}}, rs).passed);
  rs.cells[1].bounds = {bound_series("o", "dist2", {1, 2}, {1.353745399 * (1 + 1e-10), 0.5})};
  CHECK_FALSE(pl::test::run_one("identity", {{"reference", "batch=1"}, {"series", "o"}}, rs).passed);
}

namespace {

/// One (P, N = 100) group over C ∈ {100 (MBA), 50, 10, 1}: repetition r of the cell with relative excess
/// x is e_r(MBA)·(1 + x), so the paired excess is exactly x.
pl::ResultSet rounds_group(const std::string& P, const std::vector<double>& excess, std::size_t id0 = 0,
                           pl::ResultSet rs = {}) {
  rs.sweep_keys = {"runner.workers", "runner.schedule.rounds"};
  const std::vector<double> mba = {1.0, 2.0, 3.0, 2.0};
  const std::vector<std::int64_t> Cs = {100, 50, 10, 1};
  for (std::size_t i = 0; i < Cs.size(); ++i) {
    std::vector<std::vector<double>> v;
    for (double e : mba) v.push_back({e * (1.0 + excess[i])});
    auto c = cell(id0 + i, {P, std::to_string(Cs[i])}, rep_series({100}, v, Cs[i]));
    c.options["runner.workers"] = P;
    c.options["runner.local_steps"] = "100";
    rs.cells.push_back(std::move(c));
  }
  return rs;
}

}  // namespace

TEST_CASE("threshold: C* log-interpolated between the last C within eps and the first beyond, gate P sqrt(N)") {
  // excess 0 (MBA), 0.05 (C = 50), 0.3 (C = 10), 1.0 (C = 1): C* = 10·5^0.8 = 36.24.
  const auto rs = rounds_group("4", {0.0, 0.05, 0.3, 1.0});
  const auto ok = pl::test::run_one("patel2019.threshold", {{"over", "schedule.rounds"}, {"eps", "0.1"}}, rs);
  INFO(pl::format_checks({ok}));
  CHECK(ok.passed);
  CHECK_THAT(ok.details.front(), Contains("C* = 36.24"));
  CHECK_THAT(ok.details.front(), Contains("P·sqrt(N) = 40"));
  CHECK_THAT(ok.details.front(), Contains("err(C=1)/err(MBA) = 2.0000"));
  // P√N = 10 with one worker: C* = 36 exceeds it.
  CHECK_FALSE(pl::test::run_one("patel2019.threshold", {{"over", "schedule.rounds"}}, rounds_group("1", {0.0, 0.05, 0.3, 1.0})).passed);
  // A tighter gate fails too.
  CHECK_FALSE(pl::test::run_one("patel2019.threshold", {{"over", "schedule.rounds"}, {"max_ratio", "0.5"}}, rs).passed);
  // Never beyond eps: C* <= 1 passes.
  const auto flat = pl::test::run_one("patel2019.threshold", {{"over", "schedule.rounds"}}, rounds_group("1", {0.0, 0.01, 0.02, 0.05}));
  CHECK(flat.passed);
  CHECK_THAT(flat.details.front(), Contains("C* <= 1"));
  // Without the MBA cell (C = N) the group fails.
  auto no_mba = rs;
  no_mba.cells.erase(no_mba.cells.begin());
  CHECK_FALSE(pl::test::run_one("patel2019.threshold", {{"over", "schedule.rounds"}}, no_mba).passed);
}

TEST_CASE("monotone: OSA/MBA rising with P passes, falling fails") {
  auto rs = rounds_group("16", {0.0, 0.1, 0.4, 0.6}, 4, rounds_group("4", {0.0, 0.05, 0.2, 0.3}));
  const auto ok = pl::test::run_one("patel2019.monotone", {{"over", "schedule.rounds"}, {"along", "workers"}}, rs);
  INFO(pl::format_checks({ok}));
  CHECK(ok.passed);
  CHECK_THAT(ok.details.front(), Contains("1.3000"));
  CHECK_THAT(ok.details.front(), Contains("1.6000"));
  auto down = rounds_group("16", {0.0, 0.1, 0.4, 0.2}, 4, rounds_group("4", {0.0, 0.05, 0.2, 0.3}));
  CHECK_FALSE(pl::test::run_one("patel2019.monotone", {{"over", "schedule.rounds"}, {"along", "workers"}}, down).passed);
  CHECK(pl::test::run_one("patel2019.monotone", {{"over", "schedule.rounds"}, {"along", "workers"}, {"direction", "decreasing"}},
                          down).passed);
}

TEST_CASE("reference_values: stored values to 1e-8 pass, a wrong digit fails, count mismatch fails") {
  pl::ResultSet rs;
  rs.sweep_keys = {"runner.batch"};
  rs.cells.push_back(cell(0, {"1"}, pl::test::two_rep_series({1, 60}, {1, 1}, {0.1, 0.1})));
  rs.cells[0].bounds = {bound_series("o", "dist2", {1, 60}, {2.0, 1.355935733}),
                        bound_series("f", "dist2", {1, 60}, {1.0, 1.355935733 / 1.145})};
  CHECK(run_list("reference_values", {{"series", "o"}}, {1.355935733}, rs).passed);
  CHECK(run_list("reference_values", {{"series", "o"}, {"iter", "1"}}, {2.0}, rs).passed);
  CHECK_FALSE(run_list("reference_values", {{"series", "o"}}, {1.3559358}, rs).passed);
  CHECK_FALSE(run_list("reference_values", {{"series", "o"}}, {1.355935733, 1.0}, rs).passed);
  CHECK(run_list("reference_values", {{"series", "o"}, {"divide_by", "f"}}, {1.145}, rs).passed);
  CHECK_FALSE(run_list("reference_values", {{"series", "o"}, {"divide_by", "f"}, {"rel_tol", "1e-4"}}, {1.146}, rs).passed);
}

TEST_CASE("beats: value below the baseline passes, above fails, oracle_slope: -1 passes, -0.5 fails") {
  pl::ResultSet rs;
  rs.sweep_keys = {"runner.batch"};
  rs.cells.push_back(cell(0, {"1"}, pl::test::two_rep_series({1, 10, 100}, {1, 1, 1}, {0.1, 0.1, 0.1})));
  rs.cells[0].bounds = {bound_series("a", "dist2", {1, 10, 100}, {1.0, 0.1, 0.01}),
                        bound_series("b", "dist2", {1, 10, 100}, {1.0, 0.2, 0.02}),
                        bound_series("h", "dist2", {1, 10, 100}, {1.0, std::pow(10.0, -0.5), 0.1})};
  CHECK(pl::test::run_one("beats", {{"bound", "a"}, {"baseline", "b"}}, rs).passed);
  CHECK_FALSE(pl::test::run_one("beats", {{"bound", "b"}, {"baseline", "a"}}, rs).passed);
  CHECK_FALSE(pl::test::run_one("beats", {{"bound", "a"}, {"baseline", "b"}, {"iter", "1"}}, rs).passed);  // equal at 1
  const auto s1 = pl::test::run_one("patel2019.oracle_slope", {{"bound", "a"}, {"min", "-1.1"}, {"max", "-0.95"}}, rs);
  INFO(pl::format_checks({s1}));
  CHECK(s1.passed);
  CHECK_THAT(s1.details.front(), Contains("slope -1.0000"));
  CHECK_FALSE(pl::test::run_one("patel2019.oracle_slope", {{"bound", "h"}, {"min", "-1.1"}, {"max", "-0.95"}}, rs).passed);
}
