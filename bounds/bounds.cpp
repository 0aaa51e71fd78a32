#include "bounds/bounds.hpp"

namespace sgdcheck::bounds {

std::vector<BoundInfo> bound_catalog() {
  return {SgdStronglyConvexParams::info(),
          SgdRealizableLsqParams::info(),
          SgdConvexParams::info(),
          SgdConvexTunedParams::info(),
          SgdNonconvexParams::info(),
          SgdNonconvexTunedParams::info(),
          StichIterationsParams::info(),
          StichBatchSpeedupParams::info(),
          StichDelayIterationsParams::info(),
          StichDelayedIterationsParams::info(),
          StichAsyncSpeedupParams::info(),
          StichStepGuidelineParams::info(),
          MinibatchLsqOracleParams::info(),
          DelayedLsqOracleParams::info(),
          IsotropicOracleParams::info(),
          IsotropicOptimumParams::info(),
          IsotropicDelayedOracleParams::info()};
}

}  // namespace sgdcheck::bounds
