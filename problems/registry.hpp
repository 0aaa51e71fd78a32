#pragma once
/// \file Problem families by name: each has one schema (every key, default, range) and a factory.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "problems/problem.hpp"

namespace sgdcheck::problems {

/// Where relative data paths are resolved and errors point to.
struct BuildContext {
  std::string config_file;  ///< the experiment file (for messages)
  std::string base_dir;     ///< directory that relative `file:` paths are relative to
};

struct ProblemFamily {
  Schema schema;  ///< schema.name is the `family:` value
  /// Builds the instance and its ground truth. Throws ConfigError/DataError on bad input
  /// (cross-field constraints, unreadable data) naming file, line, key and value.
  std::function<std::unique_ptr<Problem>(const Params&, const BuildContext&)> build;
};

/// All families, in the order `sgdcheck list problems` prints them.
const std::vector<ProblemFamily>& problem_families();
/// nullptr if unknown.
const ProblemFamily* find_problem_family(const std::string& name);

}  // namespace sgdcheck::problems
