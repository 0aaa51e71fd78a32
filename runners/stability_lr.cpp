#include "runners/stability_lr.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "runners/run_spec.hpp"

namespace sgdcheck::runners {

std::string to_string(LrPolicy p) {
  switch (p) {
    case LrPolicy::kConstant: return "constant";
    case LrPolicy::kInvTau1: return "inv_tau1";
    case LrPolicy::kInvSqrtTau1: return "inv_sqrt_tau1";
    case LrPolicy::kD2Cap: return "d2_cap";
    case LrPolicy::kHrsCOverT: return "hrs_c_over_t";
    case LrPolicy::kStalenessAware: return "staleness_aware";
  }
  return "constant";
}

StepSchedule stability_step(LrPolicy p, double alpha0_beta, double c, double beta, std::int64_t tau) {
  const double a0 = alpha0_beta / beta;
  const double t1 = static_cast<double>(tau) + 1.0;
  StepSchedule s;
  s.rule = StepRule::kConstant;
  switch (p) {
    case LrPolicy::kConstant: s.gamma = a0; break;
    case LrPolicy::kInvTau1: s.gamma = a0 / t1; break;
    case LrPolicy::kInvSqrtTau1: s.gamma = a0 / std::sqrt(t1); break;
    case LrPolicy::kD2Cap: s.gamma = std::min(a0, 2.0 / ((2.0 * static_cast<double>(tau) + 1.0) * beta)); break;
    case LrPolicy::kHrsCOverT:
      s.rule = StepRule::kInverseTime;  // at(t) = gamma/(t + t0), t = 1, 2, …
      s.gamma = c / t1;
      s.t0 = 0.0;
      break;
    case LrPolicy::kStalenessAware:
      s.gamma = a0;
      s.delay_policy = DelayPolicy::kStalenessAware;
      break;
  }
  return s;
}

bool d2_admissible(LrPolicy p, double alpha0_beta, std::int64_t tau) {
  const double cap_beta = 2.0 / (2.0 * static_cast<double>(tau) + 1.0);  // cap·β
  const StepSchedule s = stability_step(p, alpha0_beta, 0.0, 1.0, tau);    // β = 1: α·β directly
  if (!s.is_constant() || !s.ignores_delay()) return false;
  return s.gamma <= cap_beta * (1 + 1e-12);
}

double delayed_gd_stability_limit(std::int64_t tau) {
  return 2.0 * std::sin(std::numbers::pi / (2.0 * (2.0 * static_cast<double>(tau) + 1.0)));
}

std::vector<Field> stability_lr_fields() {
  return {
      choice_field("lr.policy",
                   "constant",
                   {"constant", "inv_tau1", "inv_sqrt_tau1", "d2_cap", "hrs_c_over_t", "staleness_aware"},
                   "learning-rate policy (alpha0 = alpha0_beta/beta): constant alpha0; inv_tau1 alpha0/(tau+1); "
                   "inv_sqrt_tau1 alpha0/sqrt(tau+1); d2_cap min(alpha0, 2/((2tau+1)beta)); hrs_c_over_t "
                   "c/((tau+1)t), t = 1, 2, ...; staleness_aware alpha0/max(1, tau_t) (tau: the maximal delay, "
                   "tau_t: the update's delay)"),
      real_field("lr.alpha0_beta", 1.0, 0.0, 1e6, "alpha0 in units of 1/beta of the problem (alpha0 = alpha0_beta/beta)"),
      real_field("lr.c", 1.0, 0.0, 1e6, "c of hrs_c_over_t"),
  };
}

LrPolicy parse_lr_policy(const Params& p) {
  return parse_choice(p,
                      "lr.policy",
                      {{"constant", LrPolicy::kConstant}, {"inv_tau1", LrPolicy::kInvTau1},
                       {"inv_sqrt_tau1", LrPolicy::kInvSqrtTau1}, {"d2_cap", LrPolicy::kD2Cap},
                       {"hrs_c_over_t", LrPolicy::kHrsCOverT}, {"staleness_aware", LrPolicy::kStalenessAware}},
                      LrPolicy::kConstant);
}

}  // namespace sgdcheck::runners
