#pragma once
/// \file `sgdcheck bound ID [--set name=value ...] [--at t1,t2,...] [--json]`: evaluates a closed-form
/// bound or rate (a bounds::Formula registered by a paper) at a point, without an experiment, and
/// prints its value(s), label, guarantee, reference, regime, parameters with their meaning and whether
/// its hypotheses hold (the reason if not). Exit 0 when evaluated, 1 when a hypothesis fails (no value
/// is printed), 2 for an unknown bound, an unknown or missing parameter or a malformed value (one
/// line naming it).
#include <map>
#include <string>
#include <vector>

#include "bounds/formula.hpp"

namespace CLI {
class App;
}

namespace sgdcheck::cli {

struct BoundArgs {
  std::string id;                ///< formula id, e.g. sgd.strongly_convex.dist2
  std::vector<std::string> set;  ///< "name=value" items of --set (repeatable, comma separated too)
  std::vector<std::string> at;   ///< values of the axis variable (--at t1,t2,…)
  bool json = false;             ///< one JSON object instead of text
};

/// Adds the `bound` subcommand with its options to `app`; `args` receives the values.
CLI::App* add_bound_subcommand(CLI::App& app, BoundArgs& args);

/// Runs the command: prints the report to stdout and returns 0 (evaluated) or 1 (a hypothesis
/// fails); bad input throws UsageError / ConfigError (main prints one line and exits with 2).
int cmd_bound(const BoundArgs& args);

/// The registered closed form `id`; UsageError otherwise (with "did you mean", or saying that an
/// experiment-only bound needs a cell). Shared by `sgdcheck bound` and the Python module.
const bounds::Formula& find_formula(const std::string& id);

/// The validated arguments of `f` at each point: `given` alone when `at` is empty, else `given` with
/// the axis variable set to each value of `at`. Unknown, missing or out-of-range parameters, `at` on a
/// formula without an axis, and the axis given twice are UsageError / ConfigError naming them.
std::vector<bounds::FormulaArgs> formula_points(const bounds::Formula& f, const std::map<std::string, double>& given,
                                                const std::vector<double>& at);

}  // namespace sgdcheck::cli
