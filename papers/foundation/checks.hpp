#pragma once
/// \file Generic check kinds (paper-neutral names), registered by papers/foundation/register.cpp.
#include <vector>

#include "pipeline/checks.hpp"

namespace sgdcheck::papers::foundation {

/// bound_holds, tightness, matches_exact, slope (checks_bounds.cpp).
std::vector<pipeline::CheckKind> bound_check_kinds();
/// saturation, fit_rate, constant_relation, ratio, monotone (checks_rates.cpp).
std::vector<pipeline::CheckKind> rate_check_kinds();
/// identity, reference_values, beats (checks_series.cpp).
std::vector<pipeline::CheckKind> series_check_kinds();

}  // namespace sgdcheck::papers::foundation
