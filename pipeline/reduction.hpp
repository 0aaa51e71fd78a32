#pragma once
/// \file Streaming reduction of runs into per-point seed statistics. A cell's reps are split into
/// fixed-size seed blocks (kSeedBlock reps, independent of the thread count); each block is reduced
/// in rep order with Welford updates and the blocks are merged in block order (Chan et al.), so the
/// statistics are bit-identical for any --jobs and memory does not grow with the number of seeds
/// beyond the per-cell statistics and the per-run values that a check or plot asked for.
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/trace.hpp"
#include "pipeline/result_set.hpp"

namespace sgdcheck::pipeline {

/// Reps per work item (cell, seed block). Part of the statistics' definition: changing it changes
/// the last bits of means and standard deviations (and invalidates checkpoints).
inline constexpr std::size_t kSeedBlock = 8;

/// Count, mean, sum of squared deviations, min and max of the finite values seen (Welford), with
/// infinities counted apart so that one infinite rep gives an infinite mean and sd (never NaN from
/// inf - inf). NaN values are skipped. Constant data give m2 == 0 and mean == the value exactly.
struct RunningStats {
  std::int64_t n = 0;  ///< finite values
  std::int64_t pos_inf = 0, neg_inf = 0;
  double mean = 0.0, m2 = 0.0;
  double min = INFINITY, max = -INFINITY;

  void add(double v) {
    if (std::isnan(v)) return;
    if (v == INFINITY) {
      ++pos_inf;
      return;
    }
    if (v == -INFINITY) {
      ++neg_inf;
      return;
    }
    ++n;
    const double delta = v - mean;
    mean += delta / static_cast<double>(n);
    m2 += delta * (v - mean);
    min = std::min(min, v);
    max = std::max(max, v);
  }
  /// Appends `later` (the reps after this one's): Chan, Golub & LeVeque's pairwise update.
  void merge(const RunningStats& later);
  std::int64_t count() const { return n + pos_inf + neg_inf; }
  /// n, mean, sd, se, min, max as MetricSeries holds them (NaN when there is no value; mean clamped
  /// to [min, max]; non-finite data propagate to mean, sd and se).
  SummaryStats summary() const;
};

/// Streaming moments of the finite values of one metric at one point for the heavy-tail report
/// (TailStats): count, sum, how many are negative, and the mean with the central sums M2, M3, M4
/// (Pébay 2008 one-pass updates; merge() appends later reps with Pébay's pairwise formulas). The
/// largest values are kept beside it by CellAccumulator. Trivially copyable (MPI and shard bytes).
struct TailMoments {
  std::int64_t n = 0, negative = 0;
  std::int64_t top = 0;  ///< how many of the largest values are kept (CellAccumulator::top_)
  double sum = 0.0, mean = 0.0, m2 = 0.0, m3 = 0.0, m4 = 0.0;

  void add(double v);
  void merge(const TailMoments& later);
};

/// The reduction of some reps of one cell (one seed block, or the whole cell after merging).
class CellAccumulator {
 public:
  /// `per_run`: metrics whose per-run values are kept (MetricSeries::values); `all_per_run` keeps every
  /// metric (outputs.traces).
  /// `axis`: points of different reps are the same point when their value on this axis is equal
  /// (the recording grid's axis; iterations by default).
  /// `tails`: metrics reduced to tail statistics (MetricSeries::tails) as runs arrive, keeping the
  /// `top_capacity` largest values of each point (at least ⌈0.1 % of the cell's reps⌉; a seed block
  /// needs no more than its reps).
  CellAccumulator(const std::set<std::string>* per_run,
                  bool all_per_run,
                  RecordAxis axis = RecordAxis::kIter,
                  const std::set<std::string>* tails = nullptr,
                  std::size_t top_capacity = 0)
      : per_run_(per_run), all_per_run_(all_per_run), axis_(axis), tail_set_(tails), top_cap_(top_capacity) {}

  /// Adds the next rep (rep numbers must arrive in increasing order).
  void add(const RunResult& run, std::int64_t seed, std::int64_t rep);
  /// Appends the reps of `later` (a later seed block of the same cell), taking its storage.
  void merge(CellAccumulator&& later);
  /// Fills metrics, runs and scalars of `c` (the rvalue form moves the runs instead of copying them).
  void finish(CellResult& c) const&;
  void finish(CellResult& c) &&;
  std::size_t reps() const { return runs_.size(); }

 private:
  friend class BlockCodec;  // pipeline/distribute.cpp: a block's state to and from bytes (MPI, shards)

  struct PointAcc {
    Point p;  ///< as recorded by the first rep that has it
    double vtime_sum = 0.0;
    std::int64_t reps = 0;
    bool vtime_varies = false;
  };
  struct RepValues {
    std::vector<double> keys;    ///< axis value of each recorded point
    std::vector<double> values;  ///< [j * kept.size() + q]
  };
  /// The index of p's point, inserting a new one when needed. `hint`: where it usually is (runs of a
  /// cell mostly record the same points: checked first, before the binary search).
  std::size_t point_index(const Point& p, std::size_t hint);
  /// kept_ and tail_of_ from metrics_: the per-run metrics the constructor named, else its tail metrics.
  void choose_kept();
  /// Metrics and scalars of `c` (finish without the runs).
  void finish_statistics(CellResult& c) const;
  /// Adds v to the tail moments and largest values of slot s (point k, tail metric q: k * T + q).
  void add_tail(std::size_t s, double v);
  /// The tail statistics of slot s as tail_stats() would give them from the per-run values.
  TailStats tail_stats_of(std::size_t s) const;
  /// Appends slot ls of `later` to slot s (`merged`: top_cap_ doubles of scratch).
  void merge_tail(std::size_t s, const CellAccumulator& later, std::size_t ls, std::vector<double>& merged);

  const std::set<std::string>* per_run_;
  bool all_per_run_ = false;
  RecordAxis axis_ = RecordAxis::kIter;
  std::vector<std::string> metrics_;
  std::vector<std::size_t> kept_;  ///< indices into metrics_ of the per-run metrics
  std::vector<PointAcc> points_;   ///< sorted by axis value
  std::vector<RunningStats> stats_;  ///< [k * metrics_.size() + m]
  std::vector<RepValues> rep_values_;
  std::vector<std::int64_t> rep_seeds_;
  std::vector<RunInfo> runs_;
  std::vector<RunScalars> run_scalars_;
  std::vector<std::pair<std::string, RunningStats>> scalars_;  ///< first-seen order
  const std::set<std::string>* tail_set_ = nullptr;
  std::size_t top_cap_ = 0;
  std::vector<std::size_t> tail_of_;  ///< indices into metrics_ of the tail metrics
  std::vector<TailMoments> tails_;    ///< [k * tail_of_.size() + q]
  std::vector<double> top_;           ///< [(k * T + q) * top_cap_ + i]: the largest values, decreasing
};

}  // namespace sgdcheck::pipeline
