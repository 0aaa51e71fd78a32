#pragma once
/// \file `sgdcheck compare DIR_A DIR_B`: the same experiment run twice (two commits, two machines,
/// before / after a change), compared from the results folders alone:
///   1. verdicts — every check (and every cell of a per-cell check) whose status differs;
///   2. tightness — bound / seed mean at the last recorded point of every upper bound in every cell,
///      listed when it changed by more than a factor (default 2: a bound that became twice as loose or
///      tight is the regression signal of a changed analysis or implementation);
///   3. seed means — the largest differences |mean_A − mean_B| / √(SE_A² + SE_B²) over every metric,
///      cell and recorded point both runs share.
/// Exit 1 when a verdict flipped, 0 otherwise; bad input (a folder that is not complete results) is 2.
#include <string>

namespace CLI {
class App;
}

namespace sgdcheck::cli {

struct CompareArgs {
  std::string a, b;     ///< results folders (OUT/<name>)
  double factor = 2.0;  ///< tightness ratios that changed by more than this factor are listed
  int top = 10;         ///< how many of the largest seed-mean differences to list
};

CLI::App* add_compare_subcommand(CLI::App& app, CompareArgs& args);

int cmd_compare(const CompareArgs& args);

}  // namespace sgdcheck::cli
