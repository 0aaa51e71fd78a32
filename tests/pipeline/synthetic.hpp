#pragma once
// Hand-built ResultSets with known means and standard errors, and validated check specs, for the
// check tests. Nothing here runs an algorithm.
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/components.hpp"
#include "pipeline/result_set.hpp"

namespace sgdcheck::pipeline::test {

/// A series whose two reps are mean[k] - se[k] and mean[k] + se[k]: then the sample mean is mean[k]
/// and the standard error sd/sqrt(2) = (se·sqrt(2))/sqrt(2) = se[k] (up to rounding).
inline MetricSeries two_rep_series(const std::vector<std::int64_t>& iters,
                                   const std::vector<double>& mean,
                                   const std::vector<double>& se) {
  MetricSeries s;
  for (auto it : iters) s.points.push_back(Point{it, it, it, static_cast<double>(it)});
  std::vector<double> lo, hi;
  for (std::size_t k = 0; k < mean.size(); ++k) {
    lo.push_back(mean[k] - se[k]);
    hi.push_back(mean[k] + se[k]);
  }
  s.values = {lo, hi};
  s.seeds = {1, 1};
  s.compute_stats();
  return s;
}

inline BoundSeries bound_series(const std::string& id,
                               const std::string& metric,
                               const std::vector<std::int64_t>& iters,
                               const std::vector<double>& values) {
  BoundSeries b;
  b.id = id;
  b.title = "test bound";
  b.label = "derived";
  b.guarantee = "upper";
  b.metric = metric;
  b.applicable = true;
  b.iters = iters;
  b.values = values;
  return b;
}

inline BoundSeries not_applicable(const std::string& id, const std::string& metric, const std::string& reason) {
  BoundSeries b;
  b.id = id;
  b.metric = metric;
  b.applicable = false;
  b.reason = reason;
  return b;
}

using Bounds = std::vector<BoundSeries>;

/// One cell per series, swept over runner.batch with the given labels.
inline ResultSet one_metric_results(const std::vector<MetricSeries>& series,
                                    const std::vector<std::vector<BoundSeries>>& bounds,
                                    const std::string& metric = "dist2") {
  ResultSet rs;
  rs.name = "synthetic";
  rs.sweep_keys = {"runner.batch"};
  for (std::size_t i = 0; i < series.size(); ++i) {
    CellResult c;
    c.id = i;
    c.sweep_values = {std::to_string(1 << i)};
    c.metrics[metric] = series[i];
    c.bounds = bounds[i];
    rs.cells.push_back(std::move(c));
  }
  return rs;
}

/// A validated check spec, as make_plan would produce it from `{kind: {key: text, …}}`.
inline ComponentSpec check_spec(const std::string& kind, const std::map<std::string, std::string>& kv) {
  const Schema* s = find_check_schema(kind);
  REQUIRE(s != nullptr);
  RawParams raw;
  for (const auto& [k, v] : kv) raw[k] = RawValue{v, {}, false, SourceLoc{"checks.yaml", 1}};
  return ComponentSpec{kind, validate(*s, raw, "checks." + kind), SourceLoc{"checks.yaml", 1}};
}

inline CheckOutcome run_one(const std::string& kind,
                            const std::map<std::string, std::string>& kv,
                            const ResultSet& rs) {
  const auto out = run_checks({check_spec(kind, kv)}, rs);
  REQUIRE(out.size() == 1);
  return out.front();
}

}  // namespace sgdcheck::pipeline::test
