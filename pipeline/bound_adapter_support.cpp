#include "pipeline/bound_adapter_support.hpp"

#include <fmt/format.h>

#include <cmath>

#include "runners/minibatch_sgd.hpp"
#include "runners/step_size.hpp"

namespace sgdcheck::pipeline {

RunSetting run_setting(const CellContext& ctx, std::int64_t tau) {
  const auto& p = ctx.runner_params;
  RunSetting s;
  s.batch = p.has("batch") ? p.get_int("batch") : 1;
  const auto sampling = p.has("sampling") && p.get_string("sampling") == "without_replacement"
                            ? problems::Sampling::kWithoutReplacement
                            : problems::Sampling::kWithReplacement;
  s.theta_b = problems::batch_variance_factor(s.batch, ctx.problem.n(), sampling);
  const auto step = runners::make_step_schedule(p, ctx.problem, s.batch, sampling, tau);
  s.constant_step = step.is_constant();
  s.gamma = step.at(1);
  s.step_text = step.describe();
  s.oracle_step = s.constant_step ? bounds::StepSchedule::constant(step.gamma)
                                  : bounds::StepSchedule::function([step](std::int64_t t) { return step.at(t + 1); });
  s.iterate = p.has("iterate") ? p.get_string("iterate") : "last";
  return s;
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

LeastSquaresRows least_squares_rows(const problems::Problem& problem) {
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

}  // namespace sgdcheck::pipeline
