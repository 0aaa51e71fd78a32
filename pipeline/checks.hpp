#pragma once
/// \file Checks: claims evaluated on a ResultSet (read from the CSV files only). Each says what it
/// compared, with the numbers, and passes or fails; a failed check makes `sgdcheck run/check` exit 1.
#include <functional>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "pipeline/plan.hpp"
#include "pipeline/result_set.hpp"

namespace sgdcheck::pipeline {

struct CheckOutcome {
  std::string check;    ///< kind, e.g. "bound_holds"
  std::string subject;  ///< e.g. "sgd.strongly_convex.dist2"
  bool passed = false;
  std::string summary;               ///< one line with the decisive numbers
  std::vector<std::string> details;  ///< one line per cell
};

struct CheckKind {
  Schema schema;  ///< schema.name is the kind
  std::function<CheckOutcome(const Params&, const ResultSet&)> run;
  /// Metrics whose per-run values (MetricSeries::values) the check reads for these params, e.g. for a
  /// bootstrap over seeds or a paired comparison; empty function or empty list = none (the check then
  /// sees only the seed statistics, and MetricSeries::values is empty).
  std::function<std::vector<std::string>(const Params&)> per_run_metrics;
};

/// Check kinds contributed by the paper systems (pipeline/checks_<paper>.cpp).
std::vector<CheckKind> paper_check_kinds();

/// True when the cell matches `where` ("runner.batch=16, problem.d=8"; keys may omit their scope;
/// empty selects every cell). Throws ConfigError for a key that is not a sweep key.
bool selected(const ResultSet& rs, const CellResult& c, const std::string& where);

/// All check kinds (foundation + papers), in `sgdcheck list checks` order.
const std::vector<CheckKind>& check_kinds();

/// Runs every check of `specs` on `results`.
std::vector<CheckOutcome> run_checks(const std::vector<ComponentSpec>& specs, const ResultSet& results);

/// checks.json (machine-readable) and checks.txt (the table printed to the terminal).
void write_checks(const std::vector<CheckOutcome>& outcomes, const std::string& dir);
std::string format_checks(const std::vector<CheckOutcome>& outcomes);

/// Ordinary least-squares slope of y on x.
double ols_slope(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace sgdcheck::pipeline
