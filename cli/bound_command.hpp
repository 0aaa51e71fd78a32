#pragma once
/// \file `sgdcheck bound ID [--set name=value ...] [--at t1,t2,...] [--json]`: evaluates a closed-form
/// bound or rate (a bounds::Formula registered by a paper) at a point, without an experiment, and
/// prints its value(s), label, guarantee, reference, regime, parameters with their meaning and whether
/// its hypotheses hold (the reason if not). Exit 0 when evaluated, 1 when a hypothesis fails (no value
/// is printed), 2 for an unknown bound, an unknown or missing parameter or a malformed value (one
/// line naming it).
#include <string>
#include <vector>

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

}  // namespace sgdcheck::cli
