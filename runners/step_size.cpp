#include "runners/step_size.hpp"

#include "runners/run_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace sgdcheck::runners {

double StepSchedule::compute(std::int64_t t) const {
  const auto tt = static_cast<double>(t);
  switch (rule) {
    case StepRule::kConstant:
    case StepRule::kCritical: return gamma;
    case StepRule::kInverseTime: return gamma / (tt + t0);
    case StepRule::kPower: return gamma * std::pow(tt, -alpha);
  }
  return gamma;
}

void StepSchedule::tabulate(std::int64_t T) {
  table.reset();
  if (is_constant() || T < 1) return;
  const std::int64_t n = std::min(T, kMaxTable) + 1;
  auto values = std::make_shared<std::vector<double>>(static_cast<std::size_t>(n));
  for (std::int64_t t = 0; t < n; ++t) (*values)[static_cast<std::size_t>(t)] = compute(t);
  table = std::move(values);
}

std::string to_string(DelayPolicy p) {
  switch (p) {
    case DelayPolicy::kNone: return "none";
    case DelayPolicy::kInverseDelay: return "inverse_delay";
    case DelayPolicy::kStalenessAware: return "staleness_aware";
  }
  return "none";
}

namespace {
std::string describe_in_t(const StepSchedule& s) {
  switch (s.rule) {
    case StepRule::kConstant: return fmt::format("constant {}", s.gamma);
    case StepRule::kCritical: return fmt::format("critical (guideline) {}", s.gamma);
    case StepRule::kInverseTime: return fmt::format("{}/(t + {})", s.gamma, s.t0);
    case StepRule::kPower: return fmt::format("{}*t^-{}", s.gamma, s.alpha);
  }
  return "?";
}
}  // namespace

std::string StepSchedule::describe() const {
  if (delay_policy == DelayPolicy::kNone) return describe_in_t(*this);
  if (delay_policy == DelayPolicy::kStalenessAware) return fmt::format("({})/max(1, tau_t)", describe_in_t(*this));
  return fmt::format("({})/(1 + tau_t)", describe_in_t(*this));
}

Field step_delay_policy_field() {
  return choice_field("step.delay_policy",
                      "none",
                      {"none", "inverse_delay"},
                      "none: the step depends on t only; inverse_delay: an update whose gradient is τ_t updates stale "
                      "takes γ_t/(1 + τ_t)");
}

std::vector<Field> step_fields() {
  return {
      choice_field("step.rule",
                   "constant",
                   {"constant", "inverse_time", "power", "critical"},
                   "constant: γ = gamma; inverse_time: γ_t = gamma/(t + t0); power: γ_t = gamma·t^(−alpha); "
                   "critical: γ = scale/(L(θ_b·M + τ + 1)) (guideline G, Stich et al. 2021)"),
      real_field("step.gamma", 0.01, 0.0, kInf, "γ for constant, c for inverse_time and power", true),
      real_field("step.t0", 1.0, 0.0, kInf, "offset t0 of inverse_time"),
      real_field("step.alpha", 0.5, 0.0, kInf, "exponent α of power", true),
      real_field("step.scale", 1.0, 0.0, kInf, "c of the critical rule", true),
      choice_field("step.m",
                   "curv",
                   {"curv", "grad"},
                   "which critical parameter the critical rule uses: M_curv or M_grad"),
  };
}

StepSchedule make_step_schedule(const Params& p,
                                const problems::Problem& problem,
                                std::int64_t batch,
                                problems::Sampling sampling,
                                std::int64_t tau) {
  StepSchedule s;
  s.rule = parse_choice(p,
                        "step.rule",
                        {{"constant", StepRule::kConstant}, {"inverse_time", StepRule::kInverseTime},
                         {"power", StepRule::kPower}, {"critical", StepRule::kCritical}},
                        StepRule::kConstant);
  s.delay_policy = parse_choice(p,
                                "step.delay_policy",
                                {{"none", DelayPolicy::kNone}, {"inverse_delay", DelayPolicy::kInverseDelay}},
                                DelayPolicy::kNone);
  s.gamma = p.get_real("step.gamma");
  s.t0 = p.get_real("step.t0");
  s.alpha = p.get_real("step.alpha");
  if (s.rule == StepRule::kInverseTime && s.t0 + 1.0 <= 0.0) p.fail("step.t0", "t0 > -1");
  if (s.rule == StepRule::kCritical) {
    const auto& c = problem.constants();
    const bool grad = parse_choice(p, "step.m", {{"curv", false}, {"grad", true}}, false);
    const double M = grad ? c.M_grad : c.M_curv;
    if (!std::isfinite(M) || !std::isfinite(c.L))
      p.fail("step.rule",
             fmt::format("the critical rule needs L and M_{}, which {} does not provide", grad ? "grad" : "curv",
                         problem.family()));
    const double theta = problems::batch_variance_factor(batch, problem.n(), sampling);
    s.gamma = p.get_real("step.scale") / (c.L * (theta * M + static_cast<double>(tau) + 1.0));
  }
  return s;
}

}  // namespace sgdcheck::runners
