#pragma once
/// \file Figures from a ResultSet: for each `plots:` entry a gnuplot script (.gp) and its data
/// (.dat), rendered to PNG, SVG and PDF. Everything is read from the result tables, so a user can
/// restyle a figure by editing the .gp file and running `gnuplot -e "fmt='png'" NAME.gp`.
///
/// Safety: every text that reaches a script (titles, labels, legends, notes, names) is written as a
/// single-quoted gnuplot string (no backtick, macro or escape processing) with `'` doubled and control
/// characters replaced by spaces, so nothing in an experiment file can make gnuplot run a command.
/// gnuplot itself is started without a shell (fork/exec) and killed after a timeout.
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/plan.hpp"
#include "pipeline/result_set.hpp"

namespace sgdcheck::plots {

struct PlotOptions {
  std::vector<std::string> formats{"png", "svg", "pdf"};
  std::string title_prefix;  ///< e.g. "stich2021 Fig. 1"
  double timeout_seconds = 120.0;  ///< per gnuplot invocation; a slower render counts as a failure
  std::vector<std::string> notes{};  ///< said on every figure under the title (e.g. which sweep key was tuned)
  /// gnuplot processes (one per figure and format) running at a time; the files and the report are
  /// the same for any value.
  int jobs = 1;
};

/// A figure that could not be drawn. Its .gp/.dat (when written) and the gnuplot log are kept.
struct FigureFailure {
  std::string name;    ///< the plot's `name:`
  std::string reason;  ///< one line
  std::filesystem::path log;  ///< plots/NAME.log (empty if gnuplot never ran)
};

struct PlotReport {
  std::vector<std::filesystem::path> images;  ///< written image paths
  std::vector<FigureFailure> failures;        ///< empty: every figure was drawn
};

/// Writes plots/NAME.{gp,dat} for every spec into `dir`/plots and renders each format with gnuplot.
/// A figure that cannot be drawn is reported in PlotReport::failures, never thrown: results are
/// never lost to a plot. Throws UsageError only when plots/ itself cannot be written.
PlotReport write_plots(const pipeline::ResultSet& results,
                       const std::vector<pipeline::ComponentSpec>& specs,
                       const std::filesystem::path& dir,
                       const PlotOptions& options);

/// Just the script text (no rendering), for tests. Throws ConfigError for a spec that does not fit
/// the results (e.g. no cell recorded the metric).
std::string plot_script(const pipeline::ResultSet& results,
                        const Params& spec,
                        const std::string& stem,
                        const std::string& title_prefix,
                        std::string& data_out,
                        const std::vector<std::string>& extra_notes = {});

/// `text` as an inert single-quoted gnuplot string: `'` doubled, control characters (newlines,
/// tabs, ...) replaced by spaces.
std::string gp_string(const std::string& text);

/// True if gnuplot can be found on PATH.
bool gnuplot_available();

}  // namespace sgdcheck::plots
