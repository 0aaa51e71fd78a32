#pragma once
/// \file The results of an experiment in memory, as written to and read back from the CSV files of
/// docs/results-format.md. Checks and plots work on a ResultSet loaded from disk, so they can be
/// redone without rerunning (`sgdcheck check DIR`, `sgdcheck plot DIR`).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/trace.hpp"

namespace sgdcheck::pipeline {

/// Seed statistics of one metric of one cell at each recorded point. Points missing in some reps
/// (runs that stopped at a target) count only the reps that have them (`n`).
struct MetricSeries {
  std::vector<Point> points;  ///< union of recorded points, sorted by iter (vtime: mean over reps)
  std::vector<int> n;
  std::vector<double> mean, sd, se, min, max;
  /// values[rep][k]: per-rep value at points[k] (NaN when that rep has no such point).
  std::vector<std::vector<double>> values;
  std::vector<std::int64_t> seeds;  ///< seed of each rep row

  std::size_t size() const { return points.size(); }
  /// Computes n, mean, sd, se, min, max from `values` (non-finite values propagate to the mean).
  void compute_stats();
};

struct BoundSeries {
  std::string id, title, label, guarantee, metric;
  bool applicable = false;
  std::string reason;
  std::vector<std::int64_t> iters;
  std::vector<double> values;
  /// Value at `iter` (NaN if not evaluated there).
  double at(std::int64_t iter) const;
};

struct RunInfo {
  std::int64_t seed = 0, rep = 0;
  std::string termination, message;
  std::int64_t iterations = 0;
};

struct CellResult {
  std::size_t id = 0;
  std::vector<std::string> sweep_values;
  std::map<std::string, std::string> options;  ///< resolved problem.* / runner.* options (cells.csv)
  std::map<std::string, MetricSeries> metrics;
  std::vector<BoundSeries> bounds;
  std::map<std::string, std::pair<double, bool>> constants;  ///< name → (value, exact)
  std::vector<RunInfo> runs;

  const BoundSeries* bound(const std::string& id) const;
  /// Constant by name; NaN if absent.
  double constant(const std::string& name) const;
};

struct ResultSet {
  std::string name;
  std::vector<std::string> sweep_keys;
  std::vector<CellResult> cells;

  /// "runner.batch=8, problem.d=16" (or "all" without a sweep).
  std::string cell_label(const CellResult& c) const;
  /// Writes every CSV of docs/results-format.md except timings.csv into `dir`.
  void write(const std::filesystem::path& dir) const;
  /// Reads them back. Throws DataError naming the file if a file is missing or malformed.
  static ResultSet load(const std::filesystem::path& dir);
};

}  // namespace sgdcheck::pipeline
