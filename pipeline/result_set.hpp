#pragma once
/// \file The results of an experiment in memory, as written to and read back from the CSV files of
/// docs/results-format.md. `sgdcheck run` checks and plots the ResultSet that execute() reduced in
/// memory; `sgdcheck check DIR` / `plot DIR` rebuild the same ResultSet (bit for bit) from the tables.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/trace.hpp"

namespace sgdcheck::pipeline {

/// Seed statistics of one quantity at one point (or of one per-run scalar of a cell).
struct SummaryStats {
  int n = 0;
  double mean = NAN, sd = NAN, se = NAN, min = NAN, max = NAN;
};

/// How heavy the tail of the per-run values at one point is (the heavy-tail report of bound_holds and
/// matches_exact): n finite values, the `top` = ⌈0.1 % of n⌉ largest carry `top_share` of their sum
/// (NaN unless every value is >= 0 and the sum > 0), sample kurtosis m4/m2² (3 for a normal law).
struct TailStats {
  std::int64_t n = 0, top = 0;
  double top_share = NAN, kurtosis = NAN;
};

/// Seed statistics of one metric of one cell at each recorded point. Points missing in some reps
/// (runs that stopped at a target) count only the reps that have them (`n`).
struct MetricSeries {
  std::vector<Point> points;  ///< union of recorded points, sorted by the cell's record axis (vtime: mean over reps)
  std::vector<int> n;
  std::vector<double> mean, sd, se, min, max;
  /// values[rep][k]: per-rep value at points[k] (NaN when that rep has no such point). Filled only for
  /// the metrics that a check, tune or plot needs per run (Plan::per_run_metrics) or with
  /// `outputs: {traces: true}` / `--traces`; empty otherwise (the statistics above are always there).
  std::vector<std::vector<double>> values;
  std::vector<std::int64_t> seeds;  ///< seed of each row of `values` (same length)
  /// tails[k]: tail statistics at points[k] of a metric reduced only for the heavy-tail report
  /// (Plan::tail_metrics: computed in one pass as runs arrive, written to and read back from tails.csv
  /// exactly); empty otherwise. Use tail_stats(), which prefers `values`.
  std::vector<TailStats> tails;

  std::size_t size() const { return points.size(); }
  /// Computes n, mean, sd, se, min, max from `values` exactly as execute() reduces runs (Welford in
  /// seed blocks of kSeedBlock reps, merged in order; non-finite values propagate to the mean).
  void compute_stats();
};

/// Tail statistics of `m` at point i, computed from the per-run values when present, else taken from
/// `m.tails`; n = 0 when neither is there. The two ways agree to rounding (two passes over the values
/// here, one-pass moments in CellAccumulator); a metric has one or the other, never both.
TailStats tail_stats(const MetricSeries& m, std::size_t i);

struct BoundSeries {
  std::string id, title, label, guarantee, metric;
  bool applicable = false;
  std::string reason;
  std::string constants;  ///< which constants the bound used and where they came from (may be empty)
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

/// Per-run scalars of one run (RunResult::scalars), in the order the run reported them.
using RunScalars = std::vector<std::pair<std::string, double>>;

struct CellResult {
  std::size_t id = 0;
  std::vector<std::string> sweep_values;
  std::map<std::string, std::string> options;  ///< resolved problem.* / runner.* options (cells.csv)
  std::map<std::string, MetricSeries> metrics;
  std::vector<BoundSeries> bounds;
  std::map<std::string, std::pair<double, bool>> constants;  ///< name → (value, exact)
  std::vector<RunInfo> runs;
  std::vector<RunScalars> run_scalars;  ///< per run, same order as `runs` (empty: none recorded)
  /// Per-run scalars reduced over the cell's reps (name → statistics), e.g. "iterations".
  std::map<std::string, SummaryStats> scalars;

  const BoundSeries* bound(const std::string& id) const;
  /// Constant by name; NaN if absent.
  double constant(const std::string& name) const;
};

/// Rows of a CSV table as text: exactly the bytes CsvWriter writes (fields escaped as csv_escape,
/// reals as format_real), built field by field without a vector of strings per row.
class CsvText {
 public:
  explicit CsvText(std::size_t columns) : columns_(columns) {}
  CsvText& str(std::string_view field);
  CsvText& num(std::int64_t v);
  CsvText& real(double v);
  /// Appends `count` >= 1 fields already rendered and joined by commas (as str/num/real would write
  /// them): the columns a table repeats on many rows, formatted once.
  CsvText& fields(std::string_view rendered, std::size_t count);
  /// Ends the row; std::logic_error if it does not have the header's number of fields.
  void end();
  std::string& text() { return text_; }

 private:
  void sep() {
    if (fields_++) text_ += ',';
  }
  std::string text_;
  std::size_t columns_ = 0, fields_ = 0;
};

/// A CSV table cut into chunks (a cell's rows, or some reps of a cell) that are formatted in parallel
/// and written in chunk order: the file is the same for any number of jobs.
struct CsvTableSpec {
  std::string file;  ///< name inside the folder
  std::vector<std::string> header;
  struct Chunk {
    std::size_t rows = 0;                  ///< estimate, for memory: how many chunks are held at once
    std::function<void(CsvText&)> write;   ///< appends the chunk's rows
  };
  std::vector<Chunk> chunks;
};

/// Writes every table into `dir`. Chunks are formatted on `jobs` threads a window at a time (about
/// 32 MB of text, so memory stays bounded with --traces) and appended to their files in order.
/// Throws UsageError naming the file when it cannot be opened or a write fails (a full disk).
void write_csv_tables(const std::filesystem::path& dir, const std::vector<CsvTableSpec>& tables, int jobs);

struct ResultSet {
  std::string name;
  std::vector<std::string> sweep_keys;
  std::vector<CellResult> cells;

  /// Metrics whose per-run values are kept in memory only for the heavy-tail report (Plan::tail_metrics):
  /// results.csv leaves them out (for a local-SGD sweep they were 2 million rows, most of the run's
  /// time) and tails.csv holds their tail statistics at every point instead.
  std::set<std::string> tail_only;

  /// "runner.batch=8, problem.d=16" (or "all" without a sweep).
  std::string cell_label(const CellResult& c) const;
  /// Writes every CSV of docs/results-format.md except timings.csv into `dir`. results.csv holds the
  /// per-run values that are present (MetricSeries::values), summary.csv every metric's statistics.
  /// Writes every table into `dir`; with jobs > 1 the tables are written by parallel tasks (same bytes).
  void write(const std::filesystem::path& dir, int jobs = 1) const;
  /// The tables write() writes, as chunks (they refer to this ResultSet: keep it alive).
  std::vector<CsvTableSpec> tables() const;
  /// Reads them back: statistics from summary.csv, per-run values from results.csv, tail statistics
  /// from tails.csv (absent in directories written before it existed). Throws DataError
  /// naming the file if a file is missing or malformed.
  static ResultSet load(const std::filesystem::path& dir);
};

}  // namespace sgdcheck::pipeline
