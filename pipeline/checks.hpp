#pragma once
/// \file Checks: claims evaluated on a ResultSet (read from the CSV files only). Each says what it
/// compared, with the numbers, and ends in one of four states:
///   pass | fail | report (prints numbers, never gates, never shown as PASS) | skipped (with the
///   reason; e.g. the bound applies to no selected cell; never counted as a pass).
/// Only `fail` makes `sgdcheck run/check` exit 1. Check kinds are registered by the papers
/// (papers/<paper>/register.cpp, see docs/extending.md); the generic ones live in papers/foundation/.
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/params.hpp"
#include "pipeline/plan.hpp"
#include "pipeline/result_set.hpp"

namespace sgdcheck::pipeline {

enum class CheckStatus { kPass, kFail, kReport, kSkipped };
/// "pass", "fail", "report", "skipped".
std::string status_name(CheckStatus s);

/// One cell's verdict of a check that judges cell by cell (bound_holds, tightness, matches_exact, slope):
/// checks.json "cells", one JUnit testcase each. `values` are the decisive numbers of that cell under
/// fixed names where they apply: observed (the seed mean or fitted value), bound (the bound, exact value
/// or expected exponent), ratio, se, z, k, iter (where the worst point is).
struct CellVerdict {
  std::string cell;  ///< ResultSet::cell_label ("runner.batch=8" or "all")
  CheckStatus status = CheckStatus::kPass;  ///< pass, fail, or skipped (the bound does not apply there)
  std::string message;  ///< one line: what was compared, with the numbers
  std::vector<std::pair<std::string, double>> values;
};

struct CheckOutcome {
  std::string check;    ///< kind, e.g. "bound_holds"
  std::string subject;  ///< e.g. "sgd.strongly_convex.dist2"
  /// Set by the kind: the claim holds. run_checks turns it into `status` unless the kind called
  /// report() or skip(); afterwards passed == (status == kPass).
  bool passed = false;
  std::string summary;               ///< one line with the decisive numbers
  std::vector<std::string> details;  ///< one line per cell
  CheckStatus status = CheckStatus::kFail;
  std::string reason;                ///< why it is report-only or skipped
  /// The decisive numbers (checks.json "values"), e.g. {"worst_ratio", 0.93}.
  std::vector<std::pair<std::string, double>> values;
  /// Per-cell verdicts (empty for checks that judge the experiment as a whole, e.g. saturation).
  std::vector<CellVerdict> cells;
  bool status_set = false;

  void report(std::string why) {
    status = CheckStatus::kReport;
    reason = std::move(why);
    status_set = true;
  }
  void skip(std::string why) {
    status = CheckStatus::kSkipped;
    reason = std::move(why);
    status_set = true;
  }
  bool failed() const { return status == CheckStatus::kFail; }
};

/// What a check option names; validated before any run (plan time) and again on loaded results.
enum class OptionRole {
  kFilter,            ///< key=value[, key=value] of sweep keys (where, reference)
  kExpression,        ///< expression over constants, options, sweep keys, T_eps, T.<bound id>
  kSweepKey,          ///< one sweep key
  kNumericSweepKey,   ///< one sweep key whose every value is a number (along, sweep)
  kSeriesId,          ///< a bound / oracle id listed under bounds: (empty: none)
  kMetric,            ///< a metric the runner records (recorded_metrics); every option named `metric`
};

struct CheckKind {
  Schema schema;  ///< schema.name is the kind ("patel2019.threshold" for paper-specific kinds)
  std::function<CheckOutcome(const Params&, const ResultSet&)> run;
  /// Metrics whose per-repetition values (MetricSeries::values) the check reads; empty or unset:
  /// only seed statistics.
  std::function<std::vector<std::string>(const Params&)> per_run_metrics;
  /// Options that name sweep keys, filters, expressions or series, validated before any run.
  std::vector<std::pair<std::string, OptionRole>> roles;
  /// Cross-field checks of the options (ConfigError via Params::fail), run at plan time.
  std::function<void(const Params&)> check_options;
  /// Names an expression of this kind may use beyond the common ones (fit_rate: beta_hat).
  std::vector<std::string> extra_names;
};

/// Everything check options may refer to, from a plan (before any run) or from loaded results.
struct CheckContext {
  std::vector<std::string> sweep_keys;            ///< qualified
  std::vector<std::vector<std::string>> grid;     ///< sweep values of every cell
  std::vector<std::string> names;                 ///< constants and options (qualified and unscoped)
  std::vector<std::string> series;                ///< bound ids
  /// Metrics the runs record (plan: recorded_metrics(plan); results: the metrics present); empty:
  /// not known yet (`check DIR` before loading), metric names are then checked on the results.
  std::vector<std::string> metrics;
  bool check_names = true;                        ///< resolve expression names against `names`
};
CheckContext check_context(const ResultSet& rs);
/// From an experiment whose sweep keys are qualified: the grid, the constants (plus `extra_constants`,
/// e.g. a runner's derived ones), the options of its problem family and runner kind, its bounds. With
/// `tuned_key` the checks see the tuned results: that key is no sweep key, tuned.<key> a constant.
CheckContext check_context(const config::Experiment& e, const std::vector<std::string>& extra_constants,
                           const std::string& tuned_key);

/// Validates what every spec refers to; throws ConfigError "file:line: checks.<kind>.<key> = …".
void validate_check_references(const std::vector<ComponentSpec>& specs, const CheckContext& ctx);
/// Option `key` of `spec` (its qualified name `what`, e.g. "tune.metric") names one of `metrics`
/// (empty: unknown, nothing checked); throws ConfigError "file:line: what = value: expected a metric
/// this runner records (…) (did you mean …?)".
void validate_metric_option(const ComponentSpec& spec, const std::string& key, const std::string& what,
                            const std::vector<std::string>& metrics);

/// True when the cell matches `where` ("runner.batch=16, problem.d=8"; keys may omit their scope;
/// empty selects every cell). Throws ConfigError for a key that is not a sweep key.
bool selected(const ResultSet& rs, const CellResult& c, const std::string& where);

/// All check kinds, in `sgdcheck list checks` order (foundation first, then the papers).
const std::vector<CheckKind>& check_kinds();
const CheckKind* find_check_kind(const std::string& kind);

/// Runs every check of `specs` on `results` (after validate_check_references on the results), each
/// check a task on `jobs` threads; the outcomes (in spec order) do not depend on `jobs`.
std::vector<CheckOutcome> run_checks(const std::vector<ComponentSpec>& specs, const ResultSet& results, int jobs = 1);

/// Per bound series over the cells of the results (bound_summaries).
struct BoundSummary {
  std::string id;
  std::size_t cells = 0, applicable = 0, vacuous = 0, not_applicable = 0;  ///< vacuous ⊂ applicable
  std::string first_reason;  ///< of the first cell where it does not apply
};

/// checks.json (machine-readable: summary counts, bound states, every check's status and numbers) and
/// checks.txt (the table printed to the terminal). Returns checks.json's content (for report.html).
nlohmann::json write_checks(const std::vector<CheckOutcome>& outcomes, const std::vector<BoundSummary>& bounds,
                            const std::string& dir);
/// The table; its last line counts every state apart: "N checks: a passed, b failed, c report, d skipped".
std::string format_checks(const std::vector<CheckOutcome>& outcomes);

/// Ordinary least-squares slope of y on x (analysis::ols_slope).
double ols_slope(const std::vector<double>& x, const std::vector<double>& y);

/// Per bound of the plan: "applies to k of N cells; first reason otherwise: …" (validate and run).
std::vector<std::string> bound_applicability(const Plan& plan);
/// State of a bound series in one cell (bounds.csv `state`, checks.json "bounds").
enum class BoundState { kApplicable, kNotApplicable, kVacuous };
/// "applicable", "not_applicable", "vacuous".
std::string bound_state_name(BoundState s);
/// The one definition of the states. not_applicable: the adapter said so (with a reason). vacuous: it
/// applies, but at every recorded point after the first it is at least the seed-mean metric at the
/// first point (the trivial bound "no progress": it holds but says nothing). applicable: otherwise.
BoundState bound_state(const CellResult& c, const BoundSeries& b);
/// Counts of the states per bound id, in order of first appearance in the results.
std::vector<BoundSummary> bound_summaries(const ResultSet& rs);
/// One line per bound: "bound X: applies to k of N cells (v vacuous: never below the initial value);
/// first reason otherwise: …" — printed by `run` and `check DIR` alike.
std::vector<std::string> bound_states(const ResultSet& rs);

}  // namespace sgdcheck::pipeline
