#include "pipeline/bound_adapter_support.hpp"

#include <fmt/format.h>

#include <cmath>

#include "problems/dataset.hpp"
#include "runners/communication_schedule.hpp"

namespace sgdcheck::pipeline {

RunSetting run_setting(const CellContext& ctx) {
  const auto& spec = ctx.spec;
  RunSetting s;
  s.batch = spec.batch();
  s.theta_b = spec.theta_b;
  const auto step = spec.step;
  s.constant_step = step.is_constant();
  s.gamma = step.at(1);
  s.step_text = step.describe();
  s.oracle_step = s.constant_step ? bounds::StepSchedule::constant(step.gamma)
                                  : bounds::StepSchedule::function([step](std::int64_t t) { return step.at(t + 1); });
  s.iterate = spec.iterate;
  return s;
}

std::string metric_name(CurveMetric m) { return m == CurveMetric::kDist2 ? "dist2" : "subopt"; }

std::string iterate_text(const RunSetting& run) { return runners::to_string(run.iterate); }

std::optional<std::string> not_single_sequence(const runners::RunSpec& spec) {
  // A straggler simulation (ps_sgd) averages K gradients per update, possibly stale: its own bounds
  // (papers/dutta2018) model it, the single-sequence ones do not.
  if (spec.ps) return std::string("the run is a straggler simulation (ps_sgd: K gradients per update, possibly stale)");
  if (spec.is_local())
    return fmt::format("the run is local SGD ({} workers, communication {})", spec.workers, spec.communication->describe());
  return std::nullopt;
}

std::optional<std::string> not_single_sequence_without_delay(const runners::RunSpec& spec) {
  if (auto w = not_single_sequence(spec)) return w;
  if (spec.has_delay_model()) return "the run has a delay model (" + spec.delay.text + ")";
  return std::nullopt;
}

std::optional<std::string> not_delayed_sequence(const runners::RunSpec& spec) {
  if (auto w = not_single_sequence(spec)) return w;
  if (!spec.has_delay_model()) return std::string("the run has no delay model");
  return std::nullopt;
}

std::optional<std::string> not_local_sgd(const runners::RunSpec& spec) {
  if (!spec.is_local()) return std::string("the run has no communication schedule (it is not local SGD)");
  return std::nullopt;
}

std::vector<BoundAdapter> with_sgd_model_checks(std::vector<BoundAdapter> adapters) {
  for (auto& a : adapters) {
    auto inner = a.not_applicable;
    a.not_applicable = [inner](const CellContext& ctx) -> std::optional<std::string> {
      const auto& spec = ctx.spec;
      if (spec.update.kind != runners::UpdateRuleKind::kSgd)
        return "the bound is about plain SGD, the run uses " + spec.update.describe();
      if (!spec.step.ignores_delay()) return "the bound's step does not depend on the delay, the run uses " + spec.step.describe();
      if (!spec.equal_batches()) return std::string("the bound assumes every worker uses the same batch size");
      return inner(ctx);
    };
  }
  return adapters;
}

bool is_least_squares(const problems::Problem& problem) {
  return problem.finite_least_squares() != nullptr || problem.random_design() != nullptr;
}

bool is_realizable(const problems::ProblemConstants& c) {
  // σ² is exact for least squares; "zero" up to round-off of the direct solve.
  return std::isfinite(c.sigma2) && c.sigma2 <= 1e-20 * std::max(1.0, c.L * c.L);
}

double initial_r0(const problems::Problem& problem) {
  return (problem.initial_point() - problem.constants().x_star).squaredNorm();
}

double lower_bound_of_f(const problems::Problem& problem) {
  const auto& c = problem.constants();
  if (c.convexity == problems::Convexity::kNonconvex) return 0.0;  // logistic-type losses are >= 0
  return c.f_star;
}

std::vector<std::int64_t> horizons(const std::vector<std::int64_t>& iters) {
  std::vector<std::int64_t> T(iters.size());
  for (std::size_t k = 0; k < iters.size(); ++k) T[k] = iters[k] + 1;
  return T;
}

std::optional<bounds::NoiseModel> noise_model_for(const problems::Problem& problem, std::string& why) {
  const auto& c = problem.constants();
  if (is_least_squares(problem) && c.exact_M && std::isfinite(c.M_grad)) {
    if (is_realizable(c)) return bounds::NoiseModel{c.M_grad, 0.0, bounds::NoiseModel::kGradientNorm};
    return bounds::NoiseModel{2.0 * c.M_grad, 2.0 * c.sigma2, bounds::NoiseModel::kGradientNorm};
  }
  if (c.convexity != problems::Convexity::kNonconvex && std::isfinite(c.L_max) && std::isfinite(c.L) &&
      std::isfinite(c.sigma2)) {
    return bounds::NoiseModel{std::max(0.0, 2.0 * c.L_max / c.L - 1.0), 2.0 * c.sigma2,
                              bounds::NoiseModel::kFunctionValue};
  }
  if (std::isfinite(c.grad_variance_max)) return bounds::NoiseModel{0.0, c.grad_variance_max, bounds::NoiseModel::kGradientNorm};
  why = "no valid noise model (M, sigma2) is known for " + problem.family();
  return std::nullopt;
}

std::optional<bounds::NoisePair> valid_noise_pair(const problems::Problem& problem, std::string& why) {
  const auto& c = problem.constants();
  if (is_least_squares(problem) && c.exact_M && std::isfinite(c.M_grad) && std::isfinite(c.sigma2)) {
    if (problem.random_design() != nullptr) return bounds::independent_noise_pair(c.M_grad, c.sigma2);
    return bounds::least_squares_noise_pair(c.M_grad, c.sigma2, is_realizable(c));
  }
  if (std::isfinite(c.grad_variance_max))
    return bounds::bounded_variance_noise_pair(
        c.grad_variance_max, "sup_x E||g - grad f||^2 <= mean ||a_i||^2 since |l'| <= 1 (logistic loss), exact");
  why = "no valid noise pair (M, sigmaM2) is known for " + problem.family() +
        (std::isfinite(c.M_grad) && !c.exact_M ? " (its M_grad is an estimate, never used as an upper bound)" : "");
  return std::nullopt;
}

std::string noise_model_text(const problems::Problem& problem, const bounds::NoiseModel& m) {
  const auto& c = problem.constants();
  const std::string form = bounds::to_string(m.form) + " form";
  std::string source;
  if (is_least_squares(problem) && c.exact_M && std::isfinite(c.M_grad) && m.form == bounds::NoiseModel::kGradientNorm &&
      m.M == c.M_grad && m.sigma2 == 0.0)
    source = "(M_grad; 0): realizable least squares; exact";
  else if (is_least_squares(problem) && c.exact_M && m.M == 2.0 * c.M_grad && m.sigma2 == 2.0 * c.sigma2)
    source = "(2 M_grad; 2 sigma2): least squares with sigma2 > 0; Young's inequality; M_grad and sigma2 exact";
  else if (m.form == bounds::NoiseModel::kFunctionValue)
    source = fmt::format("M + 1 = 2 L_max/L and 2 sigma2 at x*: convex L_max-smooth f_i (L_max = {:.6g} {}; sigma2 {})",
                         c.L_max, c.exact_L ? "exact" : "an upper bound", c.exact_sigma2 ? "exact" : "estimated") +
             (std::isfinite(c.M_grad) && !c.exact_M
                  ? fmt::format("; not the estimated M_grad = {:.6g} (a lower bound)", c.M_grad)
                  : std::string());
  else if (m.M == 0.0 && m.sigma2 == c.grad_variance_max)
    source = "(0; sup_x E||g - grad f||^2): bounded gradient variance; exact";
  else
    source = "noise model of the problem";
  return fmt::format("noise (M; sigma2) = ({:.6g}; {:.6g}) {} from {}", m.M, m.sigma2, form, source);
}

std::string smoothness_and_noise_text(const problems::Problem& problem, double L, const bounds::NoiseModel& m) {
  const auto& c = problem.constants();
  return fmt::format("L = {:.6g} ({}); ", L, c.exact_L ? "exact" : "upper bound") + noise_model_text(problem, m);
}

std::optional<std::string> dense_oracle_too_large(const problems::Problem& problem) {
  const double n = static_cast<double>(problem.n()), d = static_cast<double>(problem.dim());
  if (d > static_cast<double>(problems::kMaxGramDimension))
    return fmt::format("d = {:g} > {} is too wide for the exact oracle (it forms d×d matrices)", d,
                       problems::kMaxGramDimension);
  if (n * d > kMaxDenseOracleEntries)
    return fmt::format("n·d = {:.3g} > {:.3g} is too large for the exact oracle (it copies the rows densely)", n * d,
                       kMaxDenseOracleEntries);
  return std::nullopt;
}

LeastSquaresRows least_squares_rows(const problems::Problem& problem) {
  if (const auto why = dense_oracle_too_large(problem))
    throw std::logic_error("least_squares_rows: " + *why + " (not_applicable must have refused it)");
  const auto* ls = problem.finite_least_squares();
  if (!ls) throw std::logic_error("least_squares_rows: not a finite least-squares problem");
  LeastSquaresRows out;
  if (ls->dense)
    out.rows = *ls->dense;
  else
    out.rows = Mat(*ls->sparse);
  out.residuals = out.rows * problem.constants().x_star - *ls->y;
  return out;
}

std::optional<bounds::SgdStronglyConvexParams> strongly_convex_params(const CellContext& ctx, std::string& why) {
  const auto& c = ctx.problem.constants();
  if (c.convexity != problems::Convexity::kStronglyConvex || !(c.mu > 0)) {
    why = "problem is not strongly convex (" + problems::to_string(c.convexity) + ")";
    return std::nullopt;
  }
  const auto run = run_setting(ctx);
  if (!run.constant_step) {
    why = "step schedule is not constant (" + run.step_text + ")";
    return std::nullopt;
  }
  if (run.iterate != runners::IterateKind::kLast) {
    why = "the bound is about the last iterate, the run reports " + iterate_text(run);
    return std::nullopt;
  }
  const auto noise = noise_model_for(ctx.problem, why);
  if (!noise) return std::nullopt;
  bounds::SgdStronglyConvexParams p;
  p.L = c.L;
  p.mu = c.mu;
  p.noise = *noise;
  p.theta_b = run.theta_b;
  p.step = run.gamma;
  p.r0 = initial_r0(ctx.problem);
  return p;
}

}  // namespace sgdcheck::pipeline
