#pragma once
/// \file Runs every (cell, rep) of a plan on a thread pool and assembles the ResultSet. Each run
/// writes only its own slot and the slots are read in (cell, rep) order, so the results are
/// bit-identical for any number of jobs.
#include <functional>
#include <vector>

#include "pipeline/plan.hpp"
#include "pipeline/result_set.hpp"

namespace sgdcheck::pipeline {

struct ExecuteOptions {
  int jobs = 1;
  /// Called after each finished run with (done, total); may be empty.
  std::function<void(std::size_t, std::size_t)> progress;
};

struct Execution {
  ResultSet results;
  std::vector<double> wall_seconds;  ///< per run, index cell * seeds + rep
  double total_wall_seconds = 0.0;
};

Execution execute(const Plan& plan, const ExecuteOptions& options);

/// Evaluates every bound of the plan for one cell (applicability + values at its record iterations).
std::vector<BoundSeries> evaluate_bounds(const Plan& plan, const CellPlan& cell);

}  // namespace sgdcheck::pipeline
