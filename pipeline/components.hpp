#pragma once
/// \file Schemas of `checks:` and `plots:` entries (validated with the plan; implemented in
/// pipeline/checks.cpp and plots/).
#include <string>
#include <vector>

#include "core/params.hpp"

namespace sgdcheck::pipeline {

/// All check kinds' schemas (schema.name = check kind).
const std::vector<Schema>& check_schemas();
const Schema* find_check_schema(const std::string& kind);

/// The schema of the `tune:` block.
const Schema& tune_schema();

/// The schema of one `plots:` entry.
const Schema& plot_schema();
/// Metrics a validated plot needs per run (bootstrap error bars of a per-cell quantity); empty = none.
std::vector<std::string> plot_per_run_metrics(const Params& plot);

}  // namespace sgdcheck::pipeline
