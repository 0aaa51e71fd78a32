#pragma once
/// \file Plan-time validation of `plots:` entries: names are plain file names and unique, and every
/// reference (x axis, y metric or quantity, metric, marks, where) names something this experiment
/// records, so a misspelling is exit 2 before any run, not a missing figure after it.
#include <map>
#include <string>
#include <vector>

#include "pipeline/plan.hpp"
#include "pipeline/result_set.hpp"

namespace sgdcheck::pipeline {

/// What a plot may refer to.
struct PlotContext {
  std::vector<std::string> sweep_keys;                             ///< qualified ("runner.batch")
  std::map<std::string, std::vector<std::string>> sweep_values;    ///< key → values as written
  std::vector<std::string> metrics;                                ///< recorded by the runner
  std::vector<std::string> constants;                              ///< names in constants.csv; empty: unknown
};

/// The metrics some cell of the plan records (union over cells, in RunnerKind::metrics order): the
/// runner kind's metrics less the conditional ones no cell records — test_loss needs a problem with a
/// test set, avg_subopt / avg_grad2 need runner.running_metrics, delay_max / delay_mean a delay model.
/// The one list plots, checks and tune: are validated against before any run.
std::vector<std::string> recorded_metrics(const Plan& plan);

/// From a plan (before any run): recorded_metrics, constants of the problem and runner.
PlotContext plot_context(const Plan& plan);
/// From results on disk (`sgdcheck plot DIR`).
PlotContext plot_context(const ResultSet& results);

/// True for a plain file name: letters, digits, '-', '_', '.', not starting with '.', 1..100 chars.
bool is_plain_file_name(const std::string& name);

/// Validates names and references of every plot; rewrites `x` to the qualified sweep key. Throws
/// ConfigError "file:line: plots[].KEY = VALUE violates ... (did you mean ...?)".
void validate_plots(std::vector<ComponentSpec>& plots, const PlotContext& ctx);

/// Constants every cell can get in constants.csv (pipeline/execute.cpp add_constants); runner-derived
/// constants come from the runners.
const std::vector<std::string>& problem_constant_names();

}  // namespace sgdcheck::pipeline
