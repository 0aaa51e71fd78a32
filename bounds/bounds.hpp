#pragma once
/// \file Umbrella header of the bounds area: pure bound functions, rates and exact oracles.
#include <vector>

#include "bounds/bound.hpp"
#include "bounds/delayed_lsq_oracle.hpp"
#include "bounds/general_bounds.hpp"
#include "bounds/isotropic_oracle.hpp"
#include "bounds/minibatch_lsq_oracle.hpp"
#include "bounds/minibatch_sgd_bound.hpp"
#include "bounds/noise_model.hpp"
#include "bounds/oracle_curve.hpp"
#include "bounds/step_schedule.hpp"
#include "bounds/stich_rates.hpp"

namespace sgdcheck::bounds {

/// Metadata of every bound, rate and oracle in this header (for `sgdcheck list bounds`).
std::vector<BoundInfo> bound_catalog();

}  // namespace sgdcheck::bounds
