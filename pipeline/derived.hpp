#pragma once
/// \file Per-cell quantities derived from curves (used by plots and checks alike).
#include <cstdint>
#include <vector>

namespace sgdcheck::pipeline {

struct MetricSeries;

/// T_eps (analysis::iterations_to_target): first iteration at which the curve y(t) reaches `target` (y(t)/y(t_0) when `relative`),
/// interpolating log-linearly between recorded points (log y against t). Returns +inf if never
/// reached, 0 if already reached at the first point. `iters` sorted; `y` same length.
double iterations_to_target(const std::vector<std::int64_t>& iters,
                            const std::vector<double>& y,
                            double target,
                            bool relative);

/// iterations_to_target of the seed-mean curve of `m` (T_ε of spec stich2021 §5).
double iterations_to_target(const MetricSeries& m, double target, bool relative);

/// The same on the mean over the reps `reps` of m.values (a bootstrap resample; reps index
/// m.values, repeats allowed). Reps without a value at a point are skipped there.
double iterations_to_target_resampled(const MetricSeries& m,
                                      const std::vector<std::size_t>& reps,
                                      double target,
                                      bool relative);

}  // namespace sgdcheck::pipeline
