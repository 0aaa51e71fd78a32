#pragma once
/// \file Checks: claims evaluated on a ResultSet (read from the CSV files only). Each says what it
/// compared, with the numbers, and ends in one of four states:
///   pass | fail | report (prints numbers, never gates, never shown as PASS) | skipped (with the
///   reason; e.g. the bound applies to no selected cell; never counted as a pass).
/// Only `fail` makes `sgdcheck run/check` exit 1. Check kinds are registered by the papers
/// (papers/<paper>/register.cpp, see docs/extending.md); the generic ones live in papers/foundation/.
#include <functional>
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

/// True when the cell matches `where` ("runner.batch=16, problem.d=8"; keys may omit their scope;
/// empty selects every cell). Throws ConfigError for a key that is not a sweep key.
bool selected(const ResultSet& rs, const CellResult& c, const std::string& where);

/// All check kinds, in `sgdcheck list checks` order (foundation first, then the papers).
const std::vector<CheckKind>& check_kinds();
const CheckKind* find_check_kind(const std::string& kind);

/// Runs every check of `specs` on `results` (after validate_check_references on the results).
std::vector<CheckOutcome> run_checks(const std::vector<ComponentSpec>& specs, const ResultSet& results);

/// checks.json (machine-readable: status and numbers) and checks.txt (the table printed to the terminal).
void write_checks(const std::vector<CheckOutcome>& outcomes, const std::string& dir);
std::string format_checks(const std::vector<CheckOutcome>& outcomes);

/// Ordinary least-squares slope of y on x (analysis::ols_slope).
double ols_slope(const std::vector<double>& x, const std::vector<double>& y);

/// Per bound of the plan: "applies to k of N cells; first reason otherwise: …" (validate and run).
std::vector<std::string> bound_applicability(const Plan& plan);
/// Per bound series in the results: applicable / not applicable / vacuous counts over cells. A series
/// is vacuous in a cell when, at every recorded point after the first, it is at least the seed-mean
/// metric at the first point (the trivial bound "no progress"): it holds but says nothing.
std::vector<std::string> bound_states(const ResultSet& rs);

}  // namespace sgdcheck::pipeline
