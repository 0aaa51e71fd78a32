#pragma once
/// \file Per-cell quantities derived from curves (used by plots and checks alike).
#include <cstdint>
#include <vector>

namespace sgdcheck::pipeline {

/// First iteration at which the curve y(t) reaches `target` (y(t)/y(t_0) when `relative`),
/// interpolating log-linearly between recorded points (log y against t). Returns +inf if never
/// reached, 0 if already reached at the first point. `iters` sorted; `y` same length.
double iterations_to_target(const std::vector<std::int64_t>& iters,
                            const std::vector<double>& y,
                            double target,
                            bool relative);

}  // namespace sgdcheck::pipeline
