#pragma once
/// \file Statistics shared by every check kind: paired differences, batch means, the bootstrap
/// stream convention, quantiles, least-squares slopes and T_eps.
///
/// **Bootstrap convention (one for all checks).** A bootstrap is attached to a *unit*: the cell it
/// resamples, or for a statistic over a group of cells (cells share their random numbers, so they
/// are resampled together) the first cell of the group in results order. Resample b of unit u draws
/// R repetition indices r_1..r_R, each rng.below(R), from the stream
/// make_stream(0, u, StreamPurpose::kBootstrap, 0) continued across resamples (resample b uses draws
/// bR..(b+1)R-1). The same unit therefore gets the same resamples in every check and for any --jobs;
/// percentile intervals take the order statistics at floor(f·(B'-1)) (B' = finite resampled values).
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/rng.hpp"

namespace sgdcheck::analysis {

/// The bootstrap stream of a unit (see the convention above).
Rng bootstrap_stream(std::uint64_t unit);

/// Fills `reps` (size R) with one resample: R draws of rng.below(R).
void draw_resample(Rng& rng, std::vector<std::size_t>& reps);

struct MeanSe {
  double mean = 0.0;
  double se = 0.0;
  std::size_t n = 0;  ///< values used
};

/// Mean and standard error sd/sqrt(n) of the finite values (NaN mean if fewer than 2).
MeanSe mean_se(const std::vector<double>& x);

/// Paired difference a_r - b_r over reps where both are finite: mean, SE and the mean of b there.
struct Paired {
  MeanSe diff;
  double reference_mean = 0.0;
};
Paired paired_difference(const std::vector<double>& a, const std::vector<double>& b);

/// Non-overlapping batch means of a correlated series: splits x into `batches` equal consecutive
/// blocks (the last x.size() % batches values dropped) and returns the mean and SE of the block means.
MeanSe batch_means(const std::vector<double>& x, std::size_t batches);

/// Order statistic at floor(f·(n-1)) of `sorted` (ascending, non-empty).
double quantile_sorted(const std::vector<double>& sorted, double f);

/// Central interval [q((1-level)/2), q(1-(1-level)/2)] of the values (NaN, NaN if empty).
std::pair<double, double> central_interval(std::vector<double> values, double level);

/// Ordinary least-squares slope of y on x (NaN with fewer than two distinct x).
double ols_slope(const std::vector<double>& x, const std::vector<double>& y);

/// T_eps: first iteration at which y(t) reaches `target` (y(t)/y(t_0) when `relative`),
/// interpolating log y linearly in t between recorded points. +inf if never reached, the first
/// iteration if reached there, NaN if relative and y(t_0) is not positive.
double iterations_to_target(const std::vector<std::int64_t>& iters,
                            const std::vector<double>& y,
                            double target,
                            bool relative);

}  // namespace sgdcheck::analysis
