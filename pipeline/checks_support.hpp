#pragma once
/// \file Helpers every check kind shares (papers/*/checks_*.cpp): cell selection through
/// analysis::CellFilter, names in expressions, T_eps, grouping along a sweep key, group bootstrap.
/// No paper folder repeats one of these.
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/analysis.hpp"
#include "core/params.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/result_set.hpp"

namespace sgdcheck::pipeline::checks {

analysis::SweepKeys keys_of(const ResultSet& rs);
std::vector<const std::vector<std::string>*> values_of(const std::vector<const CellResult*>& cells);

/// The filter in option `key` of `p` (ConfigError "file:line: checks.<kind>.<key> = …" if malformed).
analysis::CellFilter filter_of(const ResultSet& rs, const Params& p, const std::string& key);
/// Cells matching option `key` (default `where`), in results order.
std::vector<const CellResult*> cells_where(const ResultSet& rs, const Params& p, const std::string& key = "where");

const MetricSeries* metric_of(const CellResult& c, const std::string& metric);

/// T_eps options (metric, target, relative) of the rate checks.
struct TargetSpec {
  std::string metric = "dist2";
  double target = 1e-4;
  bool relative = true;
};
TargetSpec target_of(const Params& p);
std::vector<Field> target_fields();
Field when_field();
/// T_eps of the cell's seed-mean curve (NaN if the metric is not recorded).
double cell_T(const CellResult& c, const TargetSpec& t);
/// CheckKind::per_run_metrics of a check that bootstraps its `metric` over reps: that metric when
/// `bootstrap` > 0, nothing otherwise (the seed statistics suffice).
std::vector<std::string> bootstrapped_metric(const Params& p);

/// The value of `name` in a cell: T_eps, T.<bound id>, a constant, a sweep value, an option
/// (name, problem.name or runner.name); NaN when the cell has none.
double name_value(const ResultSet& rs, const CellResult& c, const TargetSpec& t, const std::string& name);

/// Parses option `key` of `p` as an expression (ConfigError naming file:line and the option).
analysis::Expression expression_of(const Params& p, const std::string& key);
/// Evaluates it in a cell; `extra_name` (if not empty) is bound to `extra_value`.
double eval_in_cell(const analysis::Expression& e, const ResultSet& rs, const CellResult& c, const TargetSpec& t,
                    const std::string& extra_name = "", double extra_value = NAN);

/// Cells selected by `where` and the `when` expression (empty: all).
std::vector<const CellResult*> chosen_cells(const ResultSet& rs, const Params& p, const TargetSpec& t);

/// Cells grouped by every sweep key except `sweep`, each group sorted by its numeric value of `sweep`.
struct SweepGroup {
  std::string label;
  std::vector<double> x;
  std::vector<const CellResult*> cells;
};
std::vector<SweepGroup> groups_along(const ResultSet& rs, const std::vector<const CellResult*>& cells,
                                     const std::string& sweep);

/// Bootstrap of a statistic of a group's T_eps values (the same resample in every cell of the group:
/// cells share their random numbers); unit = the group's first cell (analysis/statistics.hpp).
std::vector<double> bootstrap_T(const SweepGroup& g, const TargetSpec& t, std::int64_t B,
                                const std::function<double(const std::vector<double>&)>& stat);

std::string fmt_list(const std::vector<double>& v);
/// |a - b| / max(|a|, |b|) (0 when equal, also for equal infinities).
double rel_diff(double a, double b);
/// Option value of a cell as a number (NaN if absent or not numeric).
double option_real(const CellResult& c, const std::string& key);
/// "mean 1.2 / SE inf at iter 40" when mean or SE of point i is not finite, else "".
std::string non_finite(const MetricSeries& m, std::size_t i);

}  // namespace sgdcheck::pipeline::checks
