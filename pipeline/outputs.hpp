#pragma once
/// \file The experiment-level files beside the tables: resolved.yaml, manifest.json, timings.csv,
/// and the atomic "write to a temporary directory, rename when complete" protocol.
#include <filesystem>
#include <string>

#include "pipeline/execute.hpp"
#include "pipeline/plan.hpp"

namespace sgdcheck::pipeline {

/// The experiment with every default filled in and the sweep listed (YAML text).
/// `changed_only`: only keys whose value differs from the schema default.
std::string resolved_yaml(const Plan& plan, bool changed_only = false);

struct ManifestInfo {
  int jobs = 1;
  double wall_seconds = 0.0;
  std::string started, finished;  ///< ISO 8601 UTC
  bool all_checks_passed = true;
};
void write_manifest(const Plan& plan, const Execution& ex, const ManifestInfo& info, const std::filesystem::path& dir);
void write_timings(const Plan& plan, const Execution& ex, const std::filesystem::path& dir);

/// Creates `<out>/.<name>.partial-<pid>` (UsageError if `out` cannot be written).
std::filesystem::path make_staging_dir(const std::filesystem::path& out, const std::string& name);
/// Replaces `<out>/<name>` by the staging directory (atomic rename on one file system).
std::filesystem::path commit_staging_dir(const std::filesystem::path& staging,
                                         const std::filesystem::path& out,
                                         const std::string& name);

/// Current UTC time as ISO 8601.
std::string utc_now();

}  // namespace sgdcheck::pipeline
