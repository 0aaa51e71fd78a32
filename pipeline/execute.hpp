#pragma once
/// \file Runs a plan on a thread pool and reduces the runs as they finish. Work items are
/// (cell, seed block) pairs (kSeedBlock reps each, independent of the thread count): a block's reps run
/// and are reduced in rep order, and a cell's blocks are merged in block order once all have finished,
/// so the results are bit-identical for any number of jobs, and a run's trace is dropped as soon as it
/// is reduced. Finished cells can be checkpointed and skipped on resume (pipeline/checkpoint.hpp).
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "pipeline/plan.hpp"
#include "pipeline/reduction.hpp"
#include "pipeline/result_set.hpp"

namespace sgdcheck::pipeline {

/// The work items of one execute() call, as a Scheduler sees them.
struct WorkItems {
  const Plan* plan = nullptr;
  std::vector<std::pair<std::size_t, std::size_t>> list;  ///< (cell, seed block), cell-major
  /// Runs item i's reps in this process into block(i); false if interrupted (the block is unfinished).
  std::function<bool(std::size_t)> run;
  /// Item i's block accumulator (filled by run, or by a scheduler with a block computed elsewhere).
  std::function<CellAccumulator&(std::size_t)> block;
  /// block(i) is final: the call that completes a cell merges its blocks in block order (and
  /// checkpoints it). Thread-safe across items.
  std::function<void(std::size_t)> reduce;
  /// Progress: `n` runs were done elsewhere.
  std::function<void(std::size_t)> count_runs;
  double* wall_seconds = nullptr;  ///< per run, index cell * seeds + rep
};

/// Who runs which item (pipeline/distribute.hpp: MPI ranks, `--shard i/N`, `merge`). Without one,
/// execute runs every item on its threads.
class Scheduler {
 public:
  virtual ~Scheduler() = default;
  /// Gets items run and reduced. Returns true when every item was reduced in this process (the
  /// results are complete here), false when not (an MPI worker rank, a shard).
  virtual bool schedule(const WorkItems& items, int jobs) = 0;
};

struct ExecuteOptions {
  int jobs = 1;
  /// Called after each finished run with (done, total); may be empty.
  std::function<void(std::size_t, std::size_t)> progress;
  /// Empty: this process's threads run everything.
  Scheduler* scheduler = nullptr;
  /// Called after each finished cell (all its blocks reduced, wherever they ran) with (done, total);
  /// may be empty.
  std::function<void(std::size_t, std::size_t)> cell_progress = {};
  /// Phase timings (`run --profile`, manifest.json "phases"): execute starts "runs" (resumed
  /// checkpoints, the runs and their reduction) and "describe" (options, constants, bounds and exact
  /// oracles of every cell); may be null.
  PhaseClock* phases = nullptr;
};

/// Checkpoints of finished cells (a separate struct so that `ExecuteOptions{jobs, progress}` stays valid).
struct CheckpointOptions {
  /// Folder where each finished cell's checkpoint is written (must exist); empty: none.
  std::filesystem::path checkpoint_dir;
  /// Folders searched for checkpoints of this plan's cells before running (`run --resume`); a cell
  /// with a valid checkpoint is not run again (its checkpoint is copied to checkpoint_dir).
  std::vector<std::filesystem::path> resume_from;
  /// Code version in the checkpoint key (the git commit); checkpoints of other versions are ignored.
  std::string code_version;
};

struct Execution {
  ResultSet results;
  std::vector<double> wall_seconds;  ///< per run, index cell * seeds + rep
  double total_wall_seconds = 0.0;
  std::size_t resumed_cells = 0;  ///< cells taken from checkpoints
  std::size_t executed_runs = 0;  ///< runs actually executed
  /// False when the scheduler reduced some items elsewhere: results, constants and bounds are not filled.
  bool complete = true;
};

Execution execute(const Plan& plan, const ExecuteOptions& options, const CheckpointOptions& checkpoints = {});

/// An empty accumulator for plan cell `cell`: per-run and tail metrics as the plan asks, the cell's
/// record axis, and room for the largest values the tail report needs (a whole cell's: ⌈0.1 % of the
/// seeds⌉; a seed block's (`block`): no more than its kSeedBlock reps).
CellAccumulator accumulator_for(const Plan& plan, std::size_t cell, bool block);

/// What does not depend on the runs (options, constants, bounds) for cell `ci`, into `c`; deterministic.
void describe_cell(const Plan& plan, std::size_t ci, CellResult& c);
/// describe_cell for every cell of the plan on `jobs` threads (each cell into rs.cells[ci]).
void describe_cells(const Plan& plan, int jobs, ResultSet& rs);

/// Evaluates every bound of the plan for one cell (applicability + values at its record iterations).
std::vector<BoundSeries> evaluate_bounds(const Plan& plan, const CellPlan& cell);

/// The constants a cell records in constants.csv: name → (value, exact) — the problem constants (NaN
/// ones left out) and the runner's derived constants. Bounds written in YAML see these names.
std::map<std::string, std::pair<double, bool>> cell_constants(const problems::Problem& problem,
                                                              const runners::Runner& runner);

}  // namespace sgdcheck::pipeline
