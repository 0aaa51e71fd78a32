#pragma once
/// \file Step-size schedules shared by every runner (and by the bound adapters, which must use the
/// very same γ as the run they are compared with).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "problems/problem.hpp"

namespace sgdcheck::runners {

enum class StepRule {
  kConstant,     ///< γ_t = gamma
  kInverseTime,  ///< γ_t = gamma / (t + t0),  t = 1, 2, …
  kPower,        ///< γ_t = gamma · t^(−alpha), t = 1, 2, … (γ_1 = gamma)
  kCritical,     ///< γ = scale / (L (θ_b M + τ + 1)): guideline G of Stich et al. (2021), constant
};

/// How the step of an update reacts to the delay τ_t of the gradient it applies.
enum class DelayPolicy {
  kNone,          ///< γ_t does not depend on τ_t
  kInverseDelay,  ///< γ_t / (1 + τ_t): a stale gradient takes a shorter step
  kStalenessAware,  ///< γ_t / max(1, τ_t) (Zhang et al. 2016, arXiv:1511.05950; form unverified)
};
std::string to_string(DelayPolicy p);

/// A resolved schedule: `at(t)` is the step of the t-th update, t = 1, 2, …; `at(t, tau)` the step
/// of an update whose gradient is τ updates stale (equal to at(t) under DelayPolicy::kNone).
struct StepSchedule {
  StepRule rule = StepRule::kConstant;
  double gamma = 0.01;
  double t0 = 1.0;
  double alpha = 0.5;
  DelayPolicy delay_policy = DelayPolicy::kNone;
  /// γ_t for t = 0 … table->size() − 1, filled once per cell by tabulate() and then
  /// shared read-only by every run of the cell and every copy of the schedule. Entry t is exactly
  /// the double compute(t) returns, so a tabulated schedule gives bit-identical steps.
  std::shared_ptr<const std::vector<double>> table;
  double at(std::int64_t t) const {
    if (table && t >= 0 && static_cast<std::size_t>(t) < table->size()) return (*table)[static_cast<std::size_t>(t)];
    return compute(t);
  }
  /// γ_t from the rule (one `pow` per call for the power rule).
  double compute(std::int64_t t) const;
  /// Tabulates γ_0 … γ_T (at most kMaxTable entries; later t compute) when the rule depends on t.
  /// Call before the schedule is shared between threads; a constant rule keeps no table.
  void tabulate(std::int64_t T);
  static constexpr std::int64_t kMaxTable = std::int64_t{1} << 20;  ///< 8 MB of doubles per cell
  double at(std::int64_t t, std::int64_t tau) const {
    switch (delay_policy) {
      case DelayPolicy::kNone: return at(t);
      case DelayPolicy::kInverseDelay: return at(t) / (1.0 + static_cast<double>(tau));
      case DelayPolicy::kStalenessAware: return at(t) / static_cast<double>(tau > 1 ? tau : 1);
    }
    return at(t);
  }
  /// Constant in t (the delay policy may still scale it by 1/(1 + τ_t)).
  bool is_constant() const { return rule == StepRule::kConstant || rule == StepRule::kCritical; }
  /// True when the step depends on t only (no delay policy).
  bool ignores_delay() const { return delay_policy == DelayPolicy::kNone; }
  std::string describe() const;
};

/// Schema fields `step.rule`, `step.gamma`, `step.t0`, `step.alpha`, `step.scale`, `step.m` for runners.
std::vector<Field> step_fields();
/// Schema field `step.delay_policy` (none | inverse_delay), for runners with a delay model.
Field step_delay_policy_field();

/// Resolves the step options of `p` for `problem` at batch b (θ_b from `sampling`) and maximum
/// delay `tau` (0 for synchronous runners). Throws ConfigError if the rule needs a constant the
/// problem does not know (e.g. M for a problem without an M).
StepSchedule make_step_schedule(const Params& p,
                                const problems::Problem& problem,
                                std::int64_t batch,
                                problems::Sampling sampling,
                                std::int64_t tau = 0);

}  // namespace sgdcheck::runners
