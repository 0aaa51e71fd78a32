#pragma once
/// \file The experiment-level files beside the tables: resolved.yaml, manifest.json, timings.csv,
/// and the atomic "write to a temporary directory, rename when complete" protocol.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/execute.hpp"
#include "pipeline/plan.hpp"

namespace sgdcheck::pipeline {

/// The experiment with every default filled in and the sweep listed (YAML text).
/// `changed_only`: only keys whose value differs from the schema default.
std::string resolved_yaml(const Plan& plan, bool changed_only = false);

/// The data file of a cell's problem, resolved against the experiment file's folder as the plan
/// resolved it; nullopt for generated problems.
std::optional<std::filesystem::path> data_file_path(const Plan& plan, const CellPlan& cell);

struct ManifestInfo {
  int jobs = 1;
  double wall_seconds = 0.0;
  std::string started, finished;  ///< ISO 8601 UTC
  bool all_checks_passed = true;
  /// Figures that could not be drawn (name: reason); the results are complete regardless.
  std::vector<std::string> figures_missing;
};
/// manifest.json's content (docs/results-format.md); write_manifest writes it as it is.
nlohmann::json manifest_json(const Plan& plan, const Execution& ex, const ManifestInfo& info);
void write_manifest(const Plan& plan, const Execution& ex, const ManifestInfo& info, const std::filesystem::path& dir);
/// manifest.json "phases": every phase of `clock` {phase, wall_s, cpu_s, parallel_cpu_s, two_core_s},
/// the totals, the parallel share and the predicted speed-ups on two idle cores.
nlohmann::json phases_json(const PhaseClock& clock);
void write_timings(const Plan& plan, const Execution& ex, const std::filesystem::path& dir);

/// \name Staging protocol (docs/results-format.md, "How results are written").
/// A run of experiment NAME into OUT
///  1. takes an exclusive flock on `OUT/.NAME.lock` (left in place; it only ever holds the pid of the
///     last holder), so two concurrent runs of the same name cannot collide (the second gets exit 2);
///  2. writes everything into `OUT/.NAME.partial/` (a stable name: `--resume` and checkpoint files of
///     pipeline/execute live there; an interrupted run leaves it behind);
///  3. commits by atomically exchanging `OUT/.NAME.partial` and `OUT/NAME` (renameat2 RENAME_EXCHANGE;
///     where unsupported: old → `OUT/.NAME.old`, new → `OUT/NAME`, then the backup is removed), so at
///     every instant the old or the new complete results exist under a known name.
/// Nothing outside OUT/NAME, OUT/.NAME.partial, OUT/.NAME.old and OUT/.NAME.lock is ever touched;
/// a regular file or symlink at OUT/NAME is an error, never deleted.
///@{

/// `OUT/.NAME.partial` (whether or not it exists).
std::filesystem::path staging_path(const std::filesystem::path& out, const std::string& name);

/// The staging folder of an earlier, unfinished run of NAME (interrupted or killed), if there is one.
/// Only meaningful while holding the lock (StagingDir::acquire with keep_existing = true).
std::optional<std::filesystem::path> find_staging(const std::filesystem::path& out, const std::string& name);

/// True when OUT/NAME holds complete results (a directory with manifest.json).
bool has_complete_results(const std::filesystem::path& out, const std::string& name);

/// Before any run: throws UsageError (exit 2) if OUT/NAME is a file or symlink, a directory that is not
/// sgdcheck results, or complete results while `force` is false (the message suggests --force or --resume).
void check_output_target(const std::filesystem::path& out, const std::string& name, bool force);

/// An acquired staging folder. Holds the lock until destroyed; movable, not copyable.
class StagingDir {
 public:
  /// Creates OUT if needed, takes the lock (UsageError if another live run holds it) and prepares
  /// `OUT/.NAME.partial`: emptied unless `keep_existing` (resume), created if absent. A stale
  /// `OUT/.NAME.old` backup of a killed commit is removed.
  static StagingDir acquire(const std::filesystem::path& out, const std::string& name, bool keep_existing = false);

  StagingDir(StagingDir&& other) noexcept;
  StagingDir& operator=(StagingDir&&) = delete;
  StagingDir(const StagingDir&) = delete;
  ~StagingDir();

  const std::filesystem::path& path() const { return dir_; }
  /// Moves the staging folder to OUT/NAME (see the protocol above) and returns OUT/NAME. Throws
  /// UsageError if OUT/NAME became a file or symlink; the staging folder is then kept.
  std::filesystem::path commit();
  /// Removes the staging folder (bad input or an internal error: nothing half-written stays).
  void discard();

 private:
  StagingDir(std::filesystem::path out, std::string name, int lock_fd);
  std::filesystem::path out_;
  std::string name_;
  std::filesystem::path dir_;
  int lock_fd_ = -1;
};
///@}

/// Current UTC time as ISO 8601.
std::string utc_now();

}  // namespace sgdcheck::pipeline
