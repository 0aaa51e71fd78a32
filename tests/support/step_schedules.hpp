#pragma once
// Test support: step schedules built by hand, as the experiment reader would resolve them.
#include "runners/step_size.hpp"

namespace sgdcheck::test {

/// γ_t = c·t^(−α) (rule power; α = 0 is a constant step).
inline runners::StepSchedule power_step(double c, double alpha) {
  runners::StepSchedule s;
  s.rule = runners::StepRule::kPower;
  s.gamma = c;
  s.alpha = alpha;
  return s;
}

}  // namespace sgdcheck::test
