// Adapters of the foundation bounds: the standard SGD bounds (strongly convex, realizable least
// squares, convex, nonconvex) and the exact mini-batch least-squares oracle O1, for minibatch_sgd.
// Registered by register_paper (register.cpp) through bound_adapters().
#include <fmt/format.h>

#include <cmath>

#include "bounds/bounds.hpp"
#include "pipeline/bound_adapter_support.hpp"
#include "pipeline/bound_registry.hpp"
#include "runners/run_spec.hpp"

namespace sgdcheck::papers::foundation {

using namespace pipeline;  // the adapter vocabulary: CellContext, BoundAdapter, pipeline/bound_adapter_support.hpp

namespace {

using bounds::BoundInfo;

/// R1: E‖e_t‖² ≤ (1−γμ)^t r0 + γθσ²/μ.
BoundAdapter strongly_convex() {
  BoundAdapter a;
  a.info = with_id(bounds::SgdStronglyConvexParams::info(), "sgd.strongly_convex.dist2", "dist2");
  a.runners = {"minibatch_sgd"};
  auto params = [](const CellContext& ctx, std::string& why) { return strongly_convex_params(ctx, why); };
  set_from_params(a, params, [](const auto& p, const CellContext& ctx) {
    return bounds::sgd_strongly_convex_bound(p, ctx.iters);
  });
  return a;
}

/// R1′: realizable least squares, E‖e_t‖² ≤ (1−γμ)^t r0 with M_curv.
BoundAdapter realizable_lsq() {
  BoundAdapter a;
  a.info = with_id(bounds::SgdRealizableLsqParams::info(), "sgd.lsq_realizable.dist2", "dist2");
  a.runners = {"minibatch_sgd"};
  auto params = [](const CellContext& ctx, std::string& why) -> std::optional<bounds::SgdRealizableLsqParams> {
    const auto& c = ctx.problem.constants();
    if (!is_least_squares(ctx.problem)) {
      why = "problem is not least squares";
      return std::nullopt;
    }
    if (!is_realizable(c)) {
      why = fmt::format("problem is not realizable (sigma2 = {:.3g} > 0)", c.sigma2);
      return std::nullopt;
    }
    if (!(c.mu > 0) || !c.exact_M) {
      why = "needs exact mu > 0 and M_curv";
      return std::nullopt;
    }
    const auto run = run_setting(ctx);
    if (!run.constant_step || run.iterate != runners::IterateKind::kLast) {
      why = "needs a constant step and the last iterate";
      return std::nullopt;
    }
    bounds::SgdRealizableLsqParams p;
    p.L = c.L;
    p.mu = c.mu;
    p.noise = bounds::NoiseModel{c.M_curv, 0.0, bounds::NoiseModel::kFunctionValue};
    p.theta_b = run.theta_b;
    p.step = run.gamma;
    p.r0 = initial_r0(ctx.problem);
    return p;
  };
  set_from_params(a, params, [](const auto& p, const CellContext& ctx) {
    return bounds::sgd_realizable_lsq_bound(p, ctx.iters);
  });
  return a;
}

/// R3 at a given step: f(x̄) − f* for the uniform average of x_0..x_t (horizon T = t + 1).
BoundAdapter convex() {
  BoundAdapter a;
  a.info = with_id(bounds::SgdConvexParams::info(), "sgd.convex.subopt_average", "subopt");
  a.runners = {"minibatch_sgd"};
  auto params = [](const CellContext& ctx, std::string& why) -> std::optional<bounds::SgdConvexParams> {
    const auto& c = ctx.problem.constants();
    if (c.convexity == problems::Convexity::kNonconvex) {
      why = "problem is nonconvex";
      return std::nullopt;
    }
    const auto run = run_setting(ctx);
    if (!run.constant_step) {
      why = "step schedule is not constant (" + run.step_text + ")";
      return std::nullopt;
    }
    if (run.iterate != runners::IterateKind::kAverage) {
      why = "the bound is about the uniform average iterate (runner.iterate = average), the run reports " +
            iterate_text(run);
      return std::nullopt;
    }
    const auto noise = noise_model_for(ctx.problem, why);
    if (!noise) return std::nullopt;
    bounds::SgdConvexParams p;
    p.L = c.L;
    p.noise = *noise;
    p.theta_b = run.theta_b;
    p.step = run.gamma;
    p.r0 = initial_r0(ctx.problem);
    return p;
  };
  set_from_params(a, params, [](const auto& p, const CellContext& ctx) {
    return bounds::sgd_convex_bound(p, horizons(ctx.iters));
  });
  return a;
}

/// R4 at a given step: the running mean of ‖∇f(x_s)‖² over s = 0..t (horizon T = t + 1).
BoundAdapter nonconvex() {
  BoundAdapter a;
  a.info = with_id(bounds::SgdNonconvexParams::info(), "sgd.nonconvex.avg_grad2", "avg_grad2");
  a.runners = {"minibatch_sgd"};
  auto params = [](const CellContext& ctx, std::string& why) -> std::optional<bounds::SgdNonconvexParams> {
    const auto& c = ctx.problem.constants();
    const auto run = run_setting(ctx);
    if (!run.constant_step) {
      why = "step schedule is not constant (" + run.step_text + ")";
      return std::nullopt;
    }
    if (!ctx.spec.running_metrics) {
      why = "needs runner.running_metrics = true (records avg_grad2)";
      return std::nullopt;
    }
    const auto noise = noise_model_for(ctx.problem, why);
    if (!noise) return std::nullopt;
    if (noise->form != bounds::NoiseModel::kGradientNorm) {
      why = "needs a gradient-norm noise model; " + ctx.problem.family() + " provides only the function-value form";
      return std::nullopt;
    }
    bounds::SgdNonconvexParams p;
    p.L = c.L;
    p.noise = *noise;
    p.theta_b = run.theta_b;
    p.step = run.gamma;
    p.F0 = ctx.problem.value(ctx.problem.initial_point()) - lower_bound_of_f(ctx.problem);
    return p;
  };
  set_from_params(a, params, [](const auto& p, const CellContext& ctx) {
    return bounds::sgd_nonconvex_bound(p, horizons(ctx.iters));
  });
  return a;
}

bounds::MinibatchLsqOracleParams oracle_params(const CellContext& ctx) {
  const auto run = run_setting(ctx);
  bounds::MinibatchLsqOracleParams p;
  p.e0 = ctx.problem.initial_point() - ctx.problem.constants().x_star;
  p.step = run.oracle_step;
  p.theta_b = run.theta_b;
  p.iterations = ctx.iters;
  return p;
}

/// O1: exact E‖e_t‖² / E f − f* of mini-batch SGD on finite-sum least squares.
BoundAdapter minibatch_oracle(CurveMetric metric) {
  BoundAdapter a;
  const std::string name = metric_name(metric);
  a.info = with_id(bounds::MinibatchLsqOracleParams::info(), "oracle.minibatch_lsq." + name, name);
  a.runners = {"minibatch_sgd"};
  a.not_applicable = [](const CellContext& ctx) -> std::optional<std::string> {
    const auto* ls = ctx.problem.finite_least_squares();
    if (!ls) return "problem is not a finite-sum least-squares problem";
    const auto run = run_setting(ctx);
    if (run.iterate != runners::IterateKind::kLast)
      return "the oracle is about the last iterate, the run reports " + iterate_text(run);
    if (auto why = dense_oracle_too_large(ctx.problem)) return why;
    const auto n = ctx.problem.n(), d = ctx.problem.dim();
    if (static_cast<double>(n) * static_cast<double>(d) * static_cast<double>(d) > 4e9)
      return fmt::format("n·d² = {:.3g} is too large for the O(nd²)-per-step recursion", 1.0 * n * d * d);
    const auto data = least_squares_rows(ctx.problem);
    return bounds::hypotheses_violated(data.rows, data.residuals, oracle_params(ctx));
  };
  a.evaluate = [metric](const CellContext& ctx) {
    const auto data = least_squares_rows(ctx.problem);
    const auto curve = bounds::minibatch_lsq_oracle(data.rows, data.residuals, oracle_params(ctx));
    return curve_of(curve, metric);
  };
  return a;
}

}  // namespace

std::vector<BoundAdapter> adapters() {
  std::vector<BoundAdapter> out = {strongly_convex(),
                                   realizable_lsq(),
                                   convex(),
                                   nonconvex(),
                                   minibatch_oracle(CurveMetric::kDist2),
                                   minibatch_oracle(CurveMetric::kSubopt)};
  for (auto& a : out) {
    a.about = "a single sequence with fresh gradients (no delay model, no communication schedule)";
    a.not_about = not_single_sequence_without_delay;
  }
  return with_sgd_model_checks(std::move(out));
}

}  // namespace sgdcheck::papers::foundation
