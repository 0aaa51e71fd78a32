// Bound and oracle adapters of Stich, Mohtashami & Jaggi (2021) (spec papers/stich2021_critical.md)
// for the delayed runner `delayed_sgd` and, where they make sense, `minibatch_sgd` (τ = 0):
// - oracle.delayed_lsq.{dist2,subopt}       O2, exact, fixed delay, realizable finite least squares;
// - oracle.isotropic.{dist2,subopt}          O3, exact, isotropic least squares, constant step, τ = 0;
// - oracle.isotropic_delayed.{dist2,subopt}  O4, exact, isotropic least squares, fixed delay;
// - sgd.strongly_convex_delayed.dist2        R1 for the delayed runner (the spec has R1 only at τ = 0);
// - stich.delayed.dist2 / stich.delayed_minibatch.dist2
//                                            R6 / R7 turned into predicted E‖x_t − x*‖² curves:
//                                            unverified predictions, never gate CI on them.
// The noise model (M, σ²) is always a parameter (noise_model_for), as spec §6 asks.
#include <fmt/format.h>

#include <cmath>
#include <memory>

#include "bounds/bounds.hpp"
#include "pipeline/bound_adapter_support.hpp"
#include "pipeline/bound_registry.hpp"
#include "runners/run_spec.hpp"

namespace sgdcheck::papers::stich2021 {

using namespace pipeline;  // the adapter vocabulary: CellContext, BoundAdapter, pipeline/bound_adapter_support.hpp

namespace {

using bounds::BoundInfo;

const std::vector<std::string> kRunners = {"delayed_sgd", "minibatch_sgd"};

/// The delay model of a cell, from its spec: no delay model is delay 0.
struct DelaySetting {
  std::int64_t tau = 0;  ///< maximum delay τ_max
  bool fixed = true;     ///< every τ_t equals tau
  std::string text = "no delay";
};

DelaySetting delay_setting(const CellContext& ctx) {
  DelaySetting s;
  if (!ctx.spec.has_delay_model()) return s;
  s.tau = ctx.spec.delay.max_delay;
  s.fixed = ctx.spec.delay.fixed;
  s.text = ctx.spec.delay.text;
  return s;
}

/// Common precondition of the last-iterate oracles and rates.
std::optional<std::string> needs_last_iterate(const RunSetting& run, const char* what) {
  if (run.iterate != runners::IterateKind::kLast)
    return std::string(what) + " is about the last iterate, the run reports " + iterate_text(run);
  return std::nullopt;
}

// ---- O2 -------------------------------------------------------------------------------------------

/// O2: exact E‖e_t‖² / E f − f* with a fixed delay on realizable finite least squares.
BoundAdapter delayed_lsq_oracle(CurveMetric metric) {
  BoundAdapter a;
  const std::string name = metric_name(metric);
  a.info = with_id(bounds::DelayedLsqOracleParams::info(), "oracle.delayed_lsq." + name, name);
  a.runners = kRunners;
  auto params = [](const CellContext& ctx, std::string& why) -> std::optional<bounds::DelayedLsqOracleParams> {
    const auto* ls = ctx.problem.finite_least_squares();
    if (!ls) {
      why = "problem is not a finite-sum least-squares problem";
      return std::nullopt;
    }
    const auto& c = ctx.problem.constants();
    if (!is_realizable(c)) {
      why = fmt::format("O2 needs a realizable problem (sigma2 = {:.3g} > 0)", c.sigma2);
      return std::nullopt;
    }
    const auto delay = delay_setting(ctx);
    if (!delay.fixed) {
      why = "O2 needs a fixed delay, the run uses " + delay.text;
      return std::nullopt;
    }
    const auto run = run_setting(ctx);
    if (auto w = needs_last_iterate(run, "the oracle")) {
      why = *w;
      return std::nullopt;
    }
    const double n = static_cast<double>(ctx.problem.n()), d = static_cast<double>(ctx.problem.dim());
    const double k = static_cast<double>(delay.tau + 1);
    const double steps = ctx.iters.empty() ? 0.0 : static_cast<double>(ctx.iters.back());
    if (k * k * d * d > 5e7) {
      why = fmt::format("(τ+1)²d² = {:.3g} doubles is too much memory for the O2 recursion", k * k * d * d);
      return std::nullopt;
    }
    if (steps * (n * d * d + k * d * d * d) > 2e11) {
      why = fmt::format("T(nd² + (τ+1)d³) = {:.3g} flops is too slow for the O2 recursion",
                        steps * (n * d * d + k * d * d * d));
      return std::nullopt;
    }
    bounds::DelayedLsqOracleParams p;
    p.e0 = ctx.problem.initial_point() - c.x_star;
    p.step = run.oracle_step;
    p.theta_b = run.theta_b;
    p.tau = delay.tau;
    p.iterations = ctx.iters;
    return p;
  };
  a.not_applicable = [params](const CellContext& ctx) -> std::optional<std::string> {
    std::string why;
    auto p = params(ctx, why);
    if (!p) return why;
    if (auto too_large = dense_oracle_too_large(ctx.problem)) return too_large;
    return bounds::hypotheses_violated(least_squares_rows(ctx.problem).rows, *p);
  };
  a.evaluate = [params, metric](const CellContext& ctx) {
    std::string why;
    const auto curve = bounds::delayed_lsq_oracle(least_squares_rows(ctx.problem).rows, *params(ctx, why));
    return curve_of(curve, metric);
  };
  return a;
}

// ---- O3 / O4 --------------------------------------------------------------------------------------

/// The constants of an isotropic least-squares problem: A = L·I and B = (M+1)L²·I (and, with label
/// noise, a vanishing cross term c = (1/n)Σ r_i‖a_i‖²a_i), so that O3/O4 are exact.
struct Isotropic {
  double L = NAN, M = NAN, sigma2 = NAN;
};

std::optional<Isotropic> isotropic_constants(const problems::Problem& problem, std::string& why) {
  const auto& c = problem.constants();
  if (const auto* rd = problem.random_design()) {
    const double hmax = rd->h.maxCoeff(), hmin = rd->h.minCoeff();
    if (hmax - hmin > 1e-10 * hmax) {
      why = fmt::format("not isotropic: the covariance h ranges from {:.6g} to {:.6g} (O3/O4 need H = L·I)", hmin, hmax);
      return std::nullopt;
    }
    // Streaming: A = hI, B = h²(d + κ − 1)I, label noise s² gives σ² = s²·tr A (exact constants).
    return Isotropic{c.L, c.M_grad, c.sigma2};
  }
  if (problem.finite_least_squares() == nullptr) {
    why = "problem is not least squares";
    return std::nullopt;
  }
  if (!c.exact_M || !std::isfinite(c.M_grad)) {
    why = "needs the exact M of the least-squares problem";
    return std::nullopt;
  }
  const double n = static_cast<double>(problem.n()), d = static_cast<double>(problem.dim());
  if (n * d * d > 4e9) {
    why = fmt::format("n·d² = {:.3g} is too large to test A and B for isotropy", n * d * d);
    return std::nullopt;
  }
  if (auto too_large = dense_oracle_too_large(problem)) {
    why = *too_large;
    return std::nullopt;
  }
  const auto data = least_squares_rows(problem);
  const Vec norms2 = data.rows.rowwise().squaredNorm();
  const Mat A = data.rows.transpose() * data.rows / n;
  const Mat B = data.rows.transpose() * norms2.asDiagonal() * data.rows / n;
  const double L = c.L;
  const Index dd = problem.dim();
  const double a_dev = (A - L * Mat::Identity(dd, dd)).cwiseAbs().maxCoeff();
  if (!(a_dev <= 1e-10 * L)) {
    why = fmt::format("not isotropic: max |A - L·I| = {:.3g} > 1e-10·L (O3/O4 need A = L·I)", a_dev);
    return std::nullopt;
  }
  const double b_scale = (c.M_grad + 1.0) * L * L;
  const double b_dev = (B - b_scale * Mat::Identity(dd, dd)).cwiseAbs().maxCoeff();
  if (!(b_dev <= 1e-10 * b_scale)) {
    why = fmt::format("not isotropic: max |B - (M+1)L²·I| = {:.3g} > 1e-10·(M+1)L² (O3/O4 need B ∝ I)", b_dev);
    return std::nullopt;
  }
  if (!is_realizable(c)) {
    const Vec w = data.residuals.cwiseProduct(norms2);
    const Vec cross = data.rows.transpose() * w / n;
    const double scale = (data.residuals.cwiseAbs().cwiseProduct(norms2.cwiseSqrt().cwiseProduct(norms2))).sum() / n;
    if (!(cross.norm() <= 1e-10 * scale)) {
      why = fmt::format("label noise with a cross term |(1/n)Σ r_i|a_i|²a_i| = {:.3g} != 0 (O3/O4 need equal row norms)",
                        cross.norm());
      return std::nullopt;
    }
  }
  return Isotropic{L, c.M_grad, c.sigma2};
}

/// O3: closed form, constant step, no delay.
BoundAdapter isotropic_oracle(CurveMetric metric) {
  BoundAdapter a;
  const std::string name = metric_name(metric);
  a.info = with_id(bounds::IsotropicOracleParams::info(), "oracle.isotropic." + name, name);
  a.runners = kRunners;
  auto params = [](const CellContext& ctx, std::string& why) -> std::optional<bounds::IsotropicOracleParams> {
    const auto iso = isotropic_constants(ctx.problem, why);
    if (!iso) return std::nullopt;
    const auto delay = delay_setting(ctx);
    if (delay.tau != 0) {
      why = fmt::format("O3 has no delay, the run uses {} (use oracle.isotropic_delayed)", delay.text);
      return std::nullopt;
    }
    const auto run = run_setting(ctx);
    if (!run.constant_step) {
      why = "O3 needs a constant step, the run uses " + run.step_text + " (use oracle.isotropic_delayed)";
      return std::nullopt;
    }
    if (auto w = needs_last_iterate(run, "the oracle")) {
      why = *w;
      return std::nullopt;
    }
    bounds::IsotropicOracleParams p;
    p.L = iso->L;
    p.M = iso->M;
    p.sigma2 = iso->sigma2;
    p.theta_b = run.theta_b;
    p.step = run.gamma;
    p.r0 = initial_r0(ctx.problem);
    p.iterations = ctx.iters;
    return p;
  };
  set_from_params(a, params, [metric](const auto& p, const CellContext& /*ctx*/) {
    const auto curve = bounds::isotropic_oracle(p);
    return curve_of(curve, metric);
  });
  return a;
}

/// O4: lag-covariance recursion, fixed delay τ (τ = 0 for minibatch_sgd), any step schedule.
BoundAdapter isotropic_delayed_oracle(CurveMetric metric) {
  BoundAdapter a;
  const std::string name = metric_name(metric);
  a.info = with_id(bounds::IsotropicDelayedOracleParams::info(), "oracle.isotropic_delayed." + name, name);
  a.runners = kRunners;
  auto params = [](const CellContext& ctx, std::string& why) -> std::optional<bounds::IsotropicDelayedOracleParams> {
    const auto iso = isotropic_constants(ctx.problem, why);
    if (!iso) return std::nullopt;
    const auto delay = delay_setting(ctx);
    if (!delay.fixed) {
      why = "O4 needs a fixed delay, the run uses " + delay.text;
      return std::nullopt;
    }
    const auto run = run_setting(ctx);
    if (auto w = needs_last_iterate(run, "the oracle")) {
      why = *w;
      return std::nullopt;
    }
    bounds::IsotropicDelayedOracleParams p;
    p.L = iso->L;
    p.M = iso->M;
    p.sigma2 = iso->sigma2;
    p.theta_b = run.theta_b;
    p.tau = delay.tau;
    p.step = run.oracle_step;
    p.r0 = initial_r0(ctx.problem);
    p.iterations = ctx.iters;
    return p;
  };
  set_from_params(a, params, [metric](const auto& p, const CellContext& /*ctx*/) {
    const auto curve = bounds::isotropic_delayed_oracle(p);
    return curve_of(curve, metric);
  });
  return a;
}

// ---- R1 for the delayed runner ------------------------------------------------------------------

/// R1 (E‖e_t‖² ≤ (1−γμ)^t r0 + γθσ²/μ) for delayed_sgd. The spec states R1 without delay only, so
/// it applies at τ_max = 0, where the delayed run is the mini-batch run.
BoundAdapter strongly_convex_delayed() {
  BoundAdapter a;
  a.info = with_id(bounds::SgdStronglyConvexParams::info(),
                   "sgd.strongly_convex_delayed.dist2",
                   "dist2",
                   "SGD, strongly convex, constant step (R1), delayed runner at τ = 0");
  a.runners = {"delayed_sgd"};
  a.about = "a single sequence with a delay model (max delay τ), no communication schedule";
  a.not_about = not_delayed_sequence;
  auto params = [](const CellContext& ctx, std::string& why) -> std::optional<bounds::SgdStronglyConvexParams> {
    const auto delay = delay_setting(ctx);
    if (delay.tau != 0) {
      why = fmt::format("the spec's R1 has no delay (max delay τ = {} here); see stich.delayed_minibatch.dist2 "
                        "(unverified) or the exact oracles",
                        delay.tau);
      return std::nullopt;
    }
    return strongly_convex_params(ctx, why);
  };
  set_from_params(a, params, [](const auto& p, const CellContext& ctx) {
    return bounds::sgd_strongly_convex_bound(p, ctx.iters);
  });
  return a;
}

// ---- R6 / R7 as predicted curves ----------------------------------------------------------------

/// ε(t) = inf{ε > 0 : T(ε) <= t} for R7's iteration count T(ε) (decreasing in ε): the error R7
/// predicts after t iterations. ε(0) = r0 (the start is known). σ = 0: ε = r0·exp(−t/K) in closed
/// form; otherwise bisection in log ε on stich_delayed_iterations itself, so the curve and the pure
/// function can never disagree.
std::vector<double> predicted_curve(bounds::StichDelayedIterationsParams p, const std::vector<std::int64_t>& iters) {
  std::vector<double> out;
  out.reserve(iters.size());
  const double r0 = p.r0;
  const double kappa = p.L / p.mu;
  const double K = (p.theta_b * p.noise.M + static_cast<double>(p.tau) + 1.0) * kappa / p.c;
  const double S = p.theta_b * p.noise.sigma2 / p.mu;
  for (auto t : iters) {
    const auto tt = static_cast<double>(t);
    if (t == 0 || r0 == 0.0) {
      out.push_back(r0);
      continue;
    }
    if (S == 0.0) {
      out.push_back(r0 * std::exp(-tt / K));
      continue;
    }
    // T(hi) <= t <= T(lo).
    double hi = std::max(r0, S / tt) * 4.0, lo = std::min(r0 * std::exp(-tt / K), S / tt) * 0.25;
    for (int k = 0; k < 200 && hi / lo > 1.0 + 1e-13; ++k) {
      const double mid = std::sqrt(lo * hi);
      p.eps = mid;
      if (bounds::stich_delayed_iterations(p) <= tt)
        hi = mid;
      else
        lo = mid;
    }
    out.push_back(hi);
  }
  return out;
}

/// R7 (b and τ) or R6 (b = 1): predicted E‖x_t − x*‖² at the run's step, read as c = γL(θM + τ + 1).
BoundAdapter delayed_rate(bool r6) {
  BoundAdapter a;
  a.info = r6 ? with_id(bounds::StichDelayIterationsParams::info(),
                        "stich.delayed.dist2",
                        "dist2",
                        "predicted E‖x−x*‖², delay τ, b = 1 (R6, unverified)")
              : with_id(bounds::StichDelayedIterationsParams::info(),
                        "stich.delayed_minibatch.dist2",
                        "dist2",
                        "predicted E‖x−x*‖², batch b and delay τ (R7, unverified)");
  a.runners = kRunners;
  auto params = [r6](const CellContext& ctx, std::string& why) -> std::optional<bounds::StichDelayedIterationsParams> {
    const auto& c = ctx.problem.constants();
    if (c.convexity != problems::Convexity::kStronglyConvex || !(c.mu > 0)) {
      why = "problem is not strongly convex (" + problems::to_string(c.convexity) + ")";
      return std::nullopt;
    }
    const auto delay = delay_setting(ctx);
    const auto run = run_setting(ctx);
    if (r6 && run.theta_b != 1.0) {
      why = fmt::format("R6 is for b = 1 (θ_b = {:.3g} here); use stich.delayed_minibatch.dist2 (R7)", run.theta_b);
      return std::nullopt;
    }
    if (!run.constant_step) {
      why = "step schedule is not constant (" + run.step_text + ")";
      return std::nullopt;
    }
    if (auto w = needs_last_iterate(run, "the prediction")) {
      why = *w;
      return std::nullopt;
    }
    const auto noise = noise_model_for(ctx.problem, why);
    if (!noise) return std::nullopt;
    bounds::StichDelayedIterationsParams p;
    p.L = c.L;
    p.mu = c.mu;
    p.noise = *noise;
    p.theta_b = run.theta_b;
    p.tau = delay.tau;
    p.r0 = initial_r0(ctx.problem);
    p.eps = std::max(p.r0, 1e-300);  // placeholder: the curve sets ε per iteration
    p.c = run.gamma * c.L * (p.theta_b * noise->M + static_cast<double>(p.tau) + 1.0);
    if (!(p.c > 0.0 && p.c <= 1.0 + 1e-12)) {
      why = fmt::format("step {:.4g} = c/(L(θM+τ+1)) with c = {:.3g} outside (0, 1] (the rate's step range)",
                        run.gamma,
                        p.c);
      return std::nullopt;
    }
    p.c = std::min(p.c, 1.0);
    return p;
  };
  set_from_params(a, params, [](const auto& p, const CellContext& ctx) {
    return predicted_curve(p, ctx.iters);
  });
  return a;
}

}  // namespace

std::vector<BoundAdapter> adapters() {
  std::vector<BoundAdapter> out = {delayed_lsq_oracle(CurveMetric::kDist2),
          delayed_lsq_oracle(CurveMetric::kSubopt),
          isotropic_oracle(CurveMetric::kDist2),
          isotropic_oracle(CurveMetric::kSubopt),
          isotropic_delayed_oracle(CurveMetric::kDist2),
          isotropic_delayed_oracle(CurveMetric::kSubopt),
          strongly_convex_delayed(),
          delayed_rate(true),
          delayed_rate(false)};
  for (auto& a : out) {
    if (a.not_about) continue;
    a.about = "a single sequence, fresh or delayed gradients (no communication schedule)";
    a.not_about = not_single_sequence;
  }
  return with_sgd_model_checks(std::move(out));
}

}  // namespace sgdcheck::papers::stich2021
