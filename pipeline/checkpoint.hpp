#pragma once
/// \file Per-cell checkpoints for `sgdcheck run --resume`: as a cell finishes, its reduced results
/// (statistics, kept per-run values, runs, scalars, wall times) are written to
/// `<dir>/cell-<id>-<hash>.ckpt`, keyed by everything that determines them (resolved cell options,
/// recording grid, seed, number of seeds, kept per-run metrics, code version). Compact binary: parallel
/// arrays, doubles as their bits, a trailing FNV-1a checksum (layout in checkpoint.cpp). A checkpoint
/// is untrusted input: a missing, truncated, corrupted, malformed or mismatching file is ignored and
/// the cell recomputed (every count is checked against the file size before anything is allocated).
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/plan.hpp"
#include "pipeline/result_set.hpp"

namespace sgdcheck::pipeline {

/// The text that identifies a cell's runs (stored in the file and compared in full on reading).
std::string checkpoint_key(const Plan& plan, const CellPlan& cell, const std::string& code_version);
/// `cell-<id>-<16 hex digits of FNV-1a(key)>.ckpt`.
std::string checkpoint_file_name(std::size_t cell_id, const std::string& key);

/// Writes the run-derived parts of `c` (metrics, runs, scalars) and the per-run wall times,
/// atomically (temporary file + rename). Throws UsageError if the directory cannot be written.
void write_checkpoint(const std::filesystem::path& file,
                      const std::string& key,
                      const CellResult& c,
                      const std::vector<double>& wall_seconds);

/// Reads a checkpoint written for `key` with `seeds` runs into `c` (metrics, runs, scalars) and
/// `wall_seconds`. Returns false — leaving `c` and `wall_seconds` untouched — if the file is absent,
/// malformed, for another key, or inconsistent.
bool read_checkpoint(const std::filesystem::path& file,
                     const std::string& key,
                     std::size_t seeds,
                     CellResult& c,
                     std::vector<double>& wall_seconds);

}  // namespace sgdcheck::pipeline
