// plan + execute on a tiny least-squares experiment: identical results for any number of jobs,
// statistics consistent with the per-rep values, per-run values only where needed, resume from
// checkpoints, in-memory checks equal to checks on the reloaded tables, and a real bound that holds
// until it is scaled by 0.1.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <string>

#include <filesystem>
#include <fstream>

#include "../config/temp_files.hpp"
#include "experiment_text.hpp"
#include "pipeline/checkpoint.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/execute.hpp"
#include "pipeline/plan.hpp"
#include "pipeline/reduction.hpp"
#include "support/same_bits.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace sgdcheck;
using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::test;
using sgdcheck::test::TempDir;

using sgdcheck::test::same_bits;

namespace {


void require_same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("index " << i << ": " << a[i] << " vs " << b[i]);
    REQUIRE(same_bits(a[i], b[i]));
  }
}

void require_identical(const ResultSet& a, const ResultSet& b) {
  REQUIRE(a.cells.size() == b.cells.size());
  for (std::size_t i = 0; i < a.cells.size(); ++i) {
    const auto& ca = a.cells[i];
    const auto& cb = b.cells[i];
    REQUIRE(ca.metrics.size() == cb.metrics.size());
    for (const auto& [m, sa] : ca.metrics) {
      const auto& sb = cb.metrics.at(m);
      REQUIRE(sa.values.size() == sb.values.size());
      for (std::size_t r = 0; r < sa.values.size(); ++r)
        for (std::size_t k = 0; k < sa.values[r].size(); ++k) {
          INFO("cell " << i << " metric " << m << " rep " << r << " point " << k);
          REQUIRE(same_bits(sa.values[r][k], sb.values[r][k]));
        }
      for (std::size_t k = 0; k < sa.size(); ++k) REQUIRE(sa.points[k].iter == sb.points[k].iter);
      REQUIRE(sa.n == sb.n);
      require_same_bits(sa.mean, sb.mean);
      require_same_bits(sa.sd, sb.sd);
      require_same_bits(sa.se, sb.se);
      require_same_bits(sa.min, sb.min);
      require_same_bits(sa.max, sb.max);
      REQUIRE(sa.tails.size() == sb.tails.size());
      for (std::size_t k = 0; k < sa.tails.size(); ++k) {
        REQUIRE(sa.tails[k].n == sb.tails[k].n);
        REQUIRE(sa.tails[k].top == sb.tails[k].top);
        REQUIRE(same_bits(sa.tails[k].top_share, sb.tails[k].top_share));
        REQUIRE(same_bits(sa.tails[k].kurtosis, sb.tails[k].kurtosis));
      }
    }
    REQUIRE(ca.bounds.size() == cb.bounds.size());
    for (std::size_t j = 0; j < ca.bounds.size(); ++j)
      for (std::size_t k = 0; k < ca.bounds[j].values.size(); ++k)
        REQUIRE(same_bits(ca.bounds[j].values[k], cb.bounds[j].values[k]));
    REQUIRE(ca.runs.size() == cb.runs.size());
    for (std::size_t r = 0; r < ca.runs.size(); ++r) REQUIRE(ca.runs[r].iterations == cb.runs[r].iterations);
  }
}

}  // namespace

TEST_CASE("executing a plan with 1, 2 and 7 jobs gives bit-identical statistics and per-run values", "[pipeline]") {
  TempDir dir;
  const std::string file = dir.write("exp.yaml", tiny_experiment());
  Plan plan = make_plan(file, {});
  plan.traces = true;  // every metric per run
  const Execution one = execute(plan, {1, {}});
  const Execution two = execute(plan, {2, {}});
  const Execution seven = execute(plan, {7, {}});
  require_identical(one.results, two.results);
  require_identical(one.results, seven.results);
  {  // without traces, dist2 (bound_holds' metric) is reduced to streamed tail statistics
    Plan tails = make_plan(file, {});
    REQUIRE(tails.tail_metrics.count("dist2"));
    const Execution t1 = execute(tails, {1, {}}), t7 = execute(tails, {7, {}});
    REQUIRE_FALSE(t1.results.cells[0].metrics.at("dist2").tails.empty());
    require_identical(t1.results, t7.results);
  }
  // The streaming reduction is exactly compute_stats over the per-run values (same seed blocks).
  for (const auto& c : one.results.cells)
    for (const auto& [m, s] : c.metrics) {
      INFO("metric " << m);
      MetricSeries again = s;
      again.compute_stats();
      REQUIRE(again.n == s.n);
      require_same_bits(again.mean, s.mean);
      require_same_bits(again.sd, s.sd);
      require_same_bits(again.min, s.min);
    }
  // A different seed must change the values (the seed reaches the runs).
  Plan other = make_plan(file, {false, 4});
  other.traces = true;
  const Execution three = execute(other, {2, {}});
  const auto& a = one.results.cells[0].metrics.at("dist2").values[0];
  const auto& b = three.results.cells[0].metrics.at("dist2").values[0];
  REQUIRE_FALSE(same_bits(a.back(), b.back()));
}

TEST_CASE("execute records every rep at every planned point with consistent statistics", "[pipeline]") {
  TempDir dir;
  Plan plan = make_plan(dir.write("exp.yaml", tiny_experiment()), {});
  plan.traces = true;
  std::size_t calls = 0, last_total = 0;
  const Execution ex = execute(plan, {2, [&](std::size_t, std::size_t total) {
                                        ++calls;
                                        last_total = total;
                                      }});
  REQUIRE(calls == plan.runs());
  REQUIRE(last_total == plan.runs());
  REQUIRE(ex.wall_seconds.size() == plan.runs());
  const auto& rs = ex.results;
  REQUIRE(rs.name == "tiny");
  REQUIRE(rs.cells.size() == 2);
  for (std::size_t i = 0; i < rs.cells.size(); ++i) {
    const auto& c = rs.cells[i];
    REQUIRE(c.runs.size() == kTinySeeds);
    for (const auto& r : c.runs) {
      REQUIRE(r.termination == "max_iterations");
      REQUIRE(r.iterations == 200);
    }
    REQUIRE(c.run_scalars.size() == kTinySeeds);
    for (const auto& sc : c.run_scalars) {
      REQUIRE(sc.size() == 1);
      REQUIRE(sc[0].first == "iterations");
      REQUIRE(sc[0].second == 200.0);
    }
    // Every run ran 200 iterations: the per-run scalar has mean 200 and sd exactly 0.
    const SummaryStats& its = c.scalars.at("iterations");
    REQUIRE(static_cast<std::size_t>(its.n) == kTinySeeds);
    REQUIRE(its.mean == 200.0);
    REQUIRE(its.sd == 0.0);
    REQUIRE(c.options.at("runner.batch") == (i == 0 ? "1" : "4"));
    const auto& s = c.metrics.at("dist2");
    REQUIRE(s.values.size() == kTinySeeds);
    REQUIRE(s.size() == plan.cells[i].record_iters.size());
    // dist2 at iteration 0 is init.radius^2 = 1 for every rep (x0 = x* + radius · unit vector).
    REQUIRE(s.points[0].iter == 0);
    for (const auto& row : s.values) REQUIRE_THAT(row[0], WithinAbs(1.0, 1e-12));
    // The summary at iteration 0 then lies inside [min, max] with a spread of round-off only.
    REQUIRE(s.mean[0] >= s.min[0]);
    REQUIRE(s.mean[0] <= s.max[0]);
    REQUIRE(s.sd[0] <= 1e-12);
    // The mean at the last point, recomputed by hand from the per-rep values.
    const std::size_t last = s.size() - 1;
    double sum = 0;
    for (const auto& row : s.values) sum += row[last];
    REQUIRE_THAT(s.mean[last], WithinRel(sum / static_cast<double>(kTinySeeds), 1e-12));
    double ss = 0;
    for (const auto& row : s.values) ss += (row[last] - s.mean[last]) * (row[last] - s.mean[last]);
    REQUIRE_THAT(s.sd[last], WithinRel(std::sqrt(ss / static_cast<double>(kTinySeeds - 1)), 1e-10));
    REQUIRE(static_cast<std::size_t>(s.n[last]) == kTinySeeds);
    // The problem constants are recorded; L >= mu > 0 for a strongly convex least-squares problem.
    REQUIRE(c.constant("L") >= c.constant("mu"));
    REQUIRE(c.constant("mu") > 0.0);
    REQUIRE(std::isnan(c.constant("no_such_constant")));
  }
}

TEST_CASE("a real upper bound holds on measured data and fails when scaled by 0.1", "[pipeline]") {
  TempDir dir;
  const Plan plan = make_plan(dir.write("exp.yaml", tiny_experiment()), {});
  Execution ex = execute(plan, {2, {}});
  const auto good = run_checks(plan.checks, ex.results);
  REQUIRE(good.size() == 1);
  INFO(format_checks(good));
  REQUIRE(good[0].check == "bound_holds");
  REQUIRE(good[0].passed);

  for (auto& c : ex.results.cells)
    for (auto& b : c.bounds) {
      REQUIRE(b.applicable);
      for (double& v : b.values) v *= 0.1;
    }
  const auto bad = run_checks(plan.checks, ex.results);
  INFO(format_checks(bad));
  REQUIRE_FALSE(bad[0].passed);
}

namespace {

std::string checks_text(const std::vector<CheckOutcome>& outcomes) {
  std::string out;
  for (const auto& o : outcomes) {
    out += o.check + "|" + o.subject + "|" + (o.passed ? "pass" : "FAIL") + "|" + o.summary + "\n";
    for (const auto& d : o.details) out += "  " + d + "\n";
  }
  return out;
}

const char* kTables[] = {"results.csv", "summary.csv", "tails.csv", "runs.csv", "run_scalars.csv", "scalar_summary.csv",
                         "constants.csv", "bounds.csv", "cells.csv"};

}  // namespace

TEST_CASE("per-run values are kept only for the metrics a check or plot needs", "[pipeline]") {
  TempDir dir;
  // bound_holds reports the heavy tails of its bound's metric (dist2): reduced to tail statistics as
  // runs arrive, not kept per run; nothing else is kept.
  {
    const Plan plan = make_plan(dir.write("a.yaml", tiny_experiment()), {});
    REQUIRE(plan.per_run_metrics.empty());
    REQUIRE(plan.tail_metrics == std::set<std::string>{"dist2"});
    const Execution ex = execute(plan, {2, {}});
    for (const auto& c : ex.results.cells)
      for (const auto& [m, s] : c.metrics) {
        INFO("metric " << m);
        REQUIRE(s.values.empty());
        REQUIRE(s.tails.size() == (m == "dist2" ? s.size() : 0));
        REQUIRE(s.n[0] == static_cast<int>(kTinySeeds));
      }
  }
  // A slope check with a bootstrap over reps needs grad2 per run; without a bootstrap it does not.
  {
    const Plan plan = make_plan(
        dir.write("b.yaml", tiny_experiment({{"+slope", "  - slope: {metric: grad2, expected: -1, tolerance: 10, bootstrap: 20}"}})),
        {});
    REQUIRE(plan.per_run_metrics == std::set<std::string>{"grad2"});
    const Execution ex = execute(plan, {2, {}});
    for (const auto& c : ex.results.cells) {
      REQUIRE(c.metrics.at("grad2").values.size() == kTinySeeds);
      REQUIRE(c.metrics.at("subopt").values.empty());
    }
    const Plan nob = make_plan(
        dir.write("c.yaml", tiny_experiment({{"+slope", "  - slope: {metric: grad2, expected: -1, tolerance: 10, bootstrap: 0}"}})),
        {});
    REQUIRE(nob.per_run_metrics.empty());
  }
  // outputs: {traces: true} keeps every metric.
  {
    const Plan plan = make_plan(dir.write("d.yaml", tiny_experiment({{"+outputs", "outputs: {traces: true}"}})), {});
    REQUIRE(plan.traces);
    const Execution ex = execute(plan, {1, {}});
    for (const auto& [m, s] : ex.results.cells[0].metrics) REQUIRE(s.values.size() == kTinySeeds);
  }
}

TEST_CASE("checks on the in-memory results equal checks on the tables read back", "[pipeline]") {
  TempDir dir;
  // A bootstrap slope check (per-run values) beside bound_holds (statistics only).
  const Plan plan = make_plan(
      dir.write("exp.yaml", tiny_experiment({{"+slope", "  - slope: {metric: dist2, expected: -1, tolerance: 10, bootstrap: 50}"}})),
      {});
  const Execution ex = execute(plan, {2, {}});
  const auto out = dir.path() / "tiny";
  std::filesystem::create_directories(out);
  ex.results.write(out);
  const ResultSet back = ResultSet::load(out);
  require_identical(ex.results, back);
  const std::string a = checks_text(run_checks(plan.checks, ex.results));
  const std::string b = checks_text(run_checks(plan.checks, back));
  INFO(a);
  REQUIRE(a.find("bootstrap CI") != std::string::npos);
  REQUIRE(a == b);
}

TEST_CASE("resume takes finished cells from valid checkpoints and gives byte-identical tables", "[pipeline]") {
  TempDir dir;
  const std::string yaml = tiny_experiment({{"  batch: [1, 4]", "  batch: [1, 2, 4, 8]"}});
  const Plan plan = make_plan(dir.write("exp.yaml", yaml), {});
  REQUIRE(plan.cells.size() == 4);
  const auto ck = dir.path() / "ck";
  std::filesystem::create_directories(ck);
  CheckpointOptions xo;
  xo.checkpoint_dir = ck;
  xo.code_version = "test-version";
  const Execution full = execute(plan, {2, {}}, xo);
  REQUIRE(full.executed_runs == plan.runs());
  REQUIRE(full.resumed_cells == 0);
  std::vector<std::filesystem::path> files;
  for (const auto& c : plan.cells) {
    files.push_back(ck / checkpoint_file_name(c.id, checkpoint_key(plan, c, "test-version")));
    REQUIRE(std::filesystem::exists(files.back()));
  }
  const auto d_full = dir.path() / "full";
  std::filesystem::create_directories(d_full);
  full.results.write(d_full);

  // An interrupted run: cell 1 never finished, cell 2's checkpoint is truncated, cell 3's is from
  // another code version (renamed into place); only cell 0 may be taken.
  std::filesystem::remove(files[1]);
  {
    const std::string text = sgdcheck::test::read_text(files[2]);
    std::ofstream(files[2], std::ios::trunc) << text.substr(0, text.size() / 2);
  }
  {
    const auto other = dir.path() / "other";
    std::filesystem::create_directories(other);
    CheckpointOptions xo2 = xo;
    xo2.checkpoint_dir = other;
    xo2.code_version = "another-version";
    const Execution ex2 = execute(plan, {2, {}}, xo2);
    REQUIRE(ex2.resumed_cells == 0);
    std::filesystem::copy_file(other / checkpoint_file_name(3, checkpoint_key(plan, plan.cells[3], "another-version")),
                               files[3], std::filesystem::copy_options::overwrite_existing);
  }
  CheckpointOptions rx;
  rx.resume_from = {ck};
  rx.code_version = "test-version";
  std::size_t progress_total = 0;
  const Execution resumed = execute(plan, {2, [&](std::size_t, std::size_t t) { progress_total = t; }}, rx);
  REQUIRE(resumed.resumed_cells == 1);
  REQUIRE(resumed.executed_runs == 3 * kTinySeeds);
  REQUIRE(progress_total == 3 * kTinySeeds);
  const auto d_res = dir.path() / "resumed";
  std::filesystem::create_directories(d_res);
  resumed.results.write(d_res);
  for (const char* f : kTables) {
    INFO(f);
    REQUIRE(sgdcheck::test::read_text(d_full / f) == sgdcheck::test::read_text(d_res / f));
  }

  // One flipped bit in the middle of the valid checkpoint of cell 0 fails its checksum: recomputed.
  {
    std::string bytes = sgdcheck::test::read_text(files[0]);
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
    std::ofstream(files[0], std::ios::trunc | std::ios::binary) << bytes;
  }
  const Execution again = execute(plan, {2, {}}, rx);
  REQUIRE(again.resumed_cells == 0);
  REQUIRE(again.executed_runs == plan.runs());
  // An old JSON checkpoint (format 1) under the current name is not taken either.
  std::ofstream(files[0], std::ios::trunc) << "{\"format\": \"sgdcheck-cell-checkpoint-1\", \"key\": 42}";
  REQUIRE(execute(plan, {2, {}}, rx).resumed_cells == 0);
}
