#pragma once
/// \file Learning-rate policies of the Regatti et al. (2019) checks (spec §5): LrPolicy(t, τ_max, τ_t)
/// with α0 stated in units of 1/β (alpha0_beta), so a configuration transfers between problems. The
/// paper states only the direction (a larger allowed delay asks for a smaller step); every formula
/// here is a candidate:
///
///   constant         α0
///   inv_tau1         α0/(τ+1)
///   inv_sqrt_tau1    α0/√(τ+1)
///   d2_cap           min(α0, 2/((2τ+1)β))          (the d2_delay step cap; derived)
///   hrs_c_over_t     c/((τ+1)·t), t = 1, 2, …       (nonconvex; unverified as the paper's rule)
///   staleness_aware  α0/max(1, τ_t)                 (Zhang et al., arXiv:1511.05950; form unverified)
///
/// Each resolves into a runners::StepSchedule (the one step type runners and bound adapters share):
/// the first four are constant, hrs_c_over_t is the inverse-time rule, staleness_aware the constant α0
/// with DelayPolicy::kStalenessAware.
#include <cstdint>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "runners/step_size.hpp"

namespace sgdcheck::runners {

enum class LrPolicy { kConstant, kInvTau1, kInvSqrtTau1, kD2Cap, kHrsCOverT, kStalenessAware };
/// constant, inv_tau1, inv_sqrt_tau1, d2_cap, hrs_c_over_t, staleness_aware.
std::string to_string(LrPolicy p);

/// The step schedule of policy `p` with α0 = alpha0_beta/β (or c for hrs_c_over_t) at maximal delay tau.
StepSchedule stability_step(LrPolicy p, double alpha0_beta, double c, double beta, std::int64_t tau);

/// True when the policy's (constant) step satisfies the d2_delay cap α ≤ 2/((2τ+1)β) (derived, §5).
bool d2_admissible(LrPolicy p, double alpha0_beta, std::int64_t tau);

/// h* = 2 sin(π/(2(2τ+1))): delayed gradient descent x_{t+1} = x_t − h·x_{t−τ} on a 1-D quadratic of
/// curvature 1 is stable iff h < h* (derived; checked numerically in the tests).
double delayed_gd_stability_limit(std::int64_t tau);

/// Schema fields lr.policy, lr.alpha0_beta, lr.c.
std::vector<Field> stability_lr_fields();
/// The policy named by lr.policy of `p`.
LrPolicy parse_lr_policy(const Params& p);

}  // namespace sgdcheck::runners
