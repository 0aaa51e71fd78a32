#pragma once
/// \file Connects pure bounds (bounds/) to experiment cells: for a cell (problem instance + runner
/// options) a registered bound says whether it applies and, if so, its value at every recorded
/// iteration. The adapters translate problem constants and runner options into each bound's params
/// struct, using the same step schedule as the runner (runners::make_step_schedule).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bounds/bound.hpp"
#include "core/params.hpp"
#include "problems/problem.hpp"
#include "runners/run_spec.hpp"

namespace sgdcheck::pipeline {

/// Everything a bound adapter may look at for one cell: the problem (its constants, capabilities and
/// typed views) and the typed run specification. No option strings and no runner kind: an adapter
/// decides from typed values only (options are parsed once, in the problem factory and
/// runners::resolve_run_spec).
struct CellContext {
  const problems::Problem& problem;        ///< not owned
  const std::vector<std::int64_t>& iters;  ///< recorded iterations (not owned)
  const runners::RunSpec& spec;            ///< the cell's resolved runner options (not owned)
};

struct BoundAdapter {
  bounds::BoundInfo info;
  std::vector<std::string> runners;  ///< runner kinds it is about today (descriptive: docs and messages)
  /// What the bound's algorithm model needs of a run, in words ("a single sequence without delay
  /// model", "local SGD (a communication schedule)").
  std::string about;
  /// The criterion: nullopt when the bound's model describes the run of `spec` (decided from what
  /// the spec contains, never from the runner kind), else the reason. A bound named for a run it is
  /// not about is a config error at plan time.
  std::function<std::optional<std::string>(const runners::RunSpec&)> not_about;
  /// nullopt if the bound applies to this cell, else a one-line reason
  /// ("step 0.5 > 1/(2L(1+θM)) = 0.2", "problem is not least squares", …).
  std::function<std::optional<std::string>(const CellContext&)> not_applicable;
  /// Value at each of ctx.iters (same length). Called only when applicable.
  std::function<std::vector<double>(const CellContext&)> evaluate;
  /// Optional: which constants the bound uses for this cell and where each comes from, one line
  /// without commas ("L = 0.93 (upper bound); A = 2 L_max/b = …"). Written to bounds.csv (column
  /// `constants`) on applicable and not-applicable rows; empty when the constants cannot be resolved.
  std::function<std::string(const CellContext&)> constants;
};

/// Every registered bound, in `sgdcheck list bounds` order.
const std::vector<BoundAdapter>& bound_adapters();
const BoundAdapter* find_bound(const std::string& id);

}  // namespace sgdcheck::pipeline
