#pragma once
/// \file Figures from a ResultSet: for each `plots:` entry a gnuplot script (.gp) and its data
/// (.dat), rendered to PNG, SVG and PDF. Everything is read from the result tables, so a user can
/// restyle a figure by editing the .gp file and running `gnuplot -e "fmt='png'" NAME.gp`.
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/plan.hpp"
#include "pipeline/result_set.hpp"

namespace sgdcheck::plots {

struct PlotOptions {
  std::vector<std::string> formats{"png", "svg", "pdf"};
  std::string title_prefix;  ///< e.g. "stich2021 Fig. 1"
};

/// Writes plots/NAME.{gp,dat} for every spec into `dir`/plots and renders each format with gnuplot.
/// Returns the written image paths. Throws UsageError if gnuplot is missing or fails.
std::vector<std::filesystem::path> write_plots(const pipeline::ResultSet& results,
                                               const std::vector<pipeline::ComponentSpec>& specs,
                                               const std::filesystem::path& dir,
                                               const PlotOptions& options);

/// Just the script text (no rendering), for tests.
std::string plot_script(const pipeline::ResultSet& results,
                        const Params& spec,
                        const std::string& stem,
                        const std::string& title_prefix,
                        std::string& data_out);

}  // namespace sgdcheck::plots
