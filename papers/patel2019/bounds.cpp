// Bound and oracle adapters of Patel & Dieuleveut (2019) (spec papers/patel2019_localsgd.md), for
// the runner local_sgd (one recorded iteration = one local step t; T = P·b·t gradients so far):
//   oracle.local_sgd.dist2 / .subopt           §3 exact moment recursion on random_design_ls
//                                              (iterate from runner.iterate: last w̄_t or PR average)
//   oracle.local_sgd.equal_rounds.dist2/.subopt the same oracle for rounds(C) with C = |S| of the cell:
//                                              the equally spaced comparator of E3 (metric *_equal_rounds,
//                                              never overlaid on the cell's own curve)
//   patel.local_sgd.ls_floor.dist2 / .subopt   §4.2 s2·tr(H⁻¹)/T, s2·d/(2T)     (prediction, derived)
//   patel.local_sgd.logistic_floor.dist2       §4.2 tr(H*⁻¹)/T                   (prediction, derived)
//   patel.local_sgd.rounds_local_pred          §4.2 P·√N (constant; metric rounds_threshold)
#include <fmt/format.h>

#include <cmath>

#include "bounds/local_sgd_bounds.hpp"
#include "bounds/local_sgd_oracle.hpp"
#include "pipeline/bound_adapter_support.hpp"
#include "pipeline/bound_registry.hpp"
#include "runners/communication_schedule.hpp"
#include "runners/run_spec.hpp"
#include "runners/step_size.hpp"

namespace sgdcheck::papers::patel2019 {

using namespace pipeline;  // the adapter vocabulary: CellContext, BoundAdapter, pipeline/bound_adapter_support.hpp

namespace {

constexpr const char* kRunner = "local_sgd";

bool is_pr(const CellContext& ctx) { return ctx.spec.iterate == runners::IterateKind::kPolyakRuppert; }

std::int64_t workers(const CellContext& ctx) { return ctx.spec.workers; }
std::int64_t local_steps(const CellContext& ctx) { return ctx.spec.iterations; }
std::int64_t batch(const CellContext& ctx) { return ctx.spec.batch(); }

/// γ_t = c·t^(−α) as the oracle needs it: power (c = gamma, α) or a constant step (α = 0).
std::optional<std::pair<double, double>> power_step(const CellContext& ctx, std::string& why) {
  const auto& step = ctx.spec.step;
  if (step.rule == runners::StepRule::kPower) return std::make_pair(step.gamma, step.alpha);
  if (step.is_constant()) return std::make_pair(step.at(1), 0.0);
  why = "step " + step.describe() + " is not of the form c·t^(-alpha)";
  return std::nullopt;
}

/// The oracle's parameters for this cell (comm = the cell's S, or rounds(C = |S|) when equal_rounds).
std::optional<bounds::LocalSgdOracleParams> oracle_params(const CellContext& ctx, bool equal_rounds, std::string& why) {
  const auto* rd = ctx.problem.random_design();
  if (!rd) {
    why = "problem " + ctx.problem.family() +
          " is not random-design least squares (the oracle needs E[xx'] = H, its fourth-moment operator and "
          "noise independent of x)";
    return std::nullopt;
  }
  if (!(rd->kurtosis >= 1.0) || !std::isfinite(rd->kurtosis)) {
    why = "design has no finite kurtosis E z^4 (the fourth-moment operator needs it)";
    return std::nullopt;
  }
  if (is_pr(ctx) && ctx.spec.pr_include_w0) {
    why = "the oracle's PR average is (1/t) sum_{s=1..t} wbar_s (pr_include_w0 = false)";
    return std::nullopt;
  }
  const auto step = power_step(ctx, why);
  if (!step) return std::nullopt;
  const std::int64_t N = local_steps(ctx);
  const double d = static_cast<double>(ctx.problem.dim());
  if (d * static_cast<double>(N) > 2e9) {
    why = fmt::format("d·N = {:.3g} is too large for the O(d)-per-step recursion", d * static_cast<double>(N));
    return std::nullopt;
  }
  bounds::LocalSgdOracleParams p;
  p.h = rd->h;
  p.kurtosis = rd->kurtosis;
  p.s2 = rd->noise_var;
  p.workers = workers(ctx);
  p.local_steps = N;
  p.batch = batch(ctx);
  p.c = step->first;
  p.alpha = step->second;
  p.eta0 = ctx.problem.initial_point() - rd->w_star;
  const auto& schedule = *ctx.spec.communication;
  p.comm = equal_rounds ? (schedule.rounds() > 0 ? runners::CommunicationSchedule::rounds(schedule.rounds(), N).steps()
                                                 : std::vector<std::int64_t>{})
                        : schedule.steps();
  if (auto v = bounds::hypotheses_violated(p)) {
    why = *v;
    return std::nullopt;
  }
  return p;
}

bounds::LocalSgdOracleOutput output_for(const CellContext& ctx, CurveMetric metric) {
  const bool pr = is_pr(ctx);
  if (metric == CurveMetric::kDist2)
    return pr ? bounds::LocalSgdOracleOutput::kPrDist2 : bounds::LocalSgdOracleOutput::kLastDist2;
  return pr ? bounds::LocalSgdOracleOutput::kPrRisk : bounds::LocalSgdOracleOutput::kLastRisk;
}

/// Oracle values at ctx.iters; at t = 0 both iterates are w₀.
std::vector<double> oracle_values(const CellContext& ctx, const bounds::LocalSgdOracleParams& p, CurveMetric metric) {
  std::vector<std::int64_t> ts;
  for (auto t : ctx.iters)
    if (t >= 1 && t <= p.local_steps) ts.push_back(t);
  const auto vals = bounds::local_sgd_oracle_at(p, output_for(ctx, metric), ts);
  const Vec& h = p.h;
  const double at0 = metric == CurveMetric::kDist2 ? p.eta0.squaredNorm() : 0.5 * p.eta0.cwiseProduct(h).dot(p.eta0);
  std::vector<double> out;
  std::size_t k = 0;
  for (auto t : ctx.iters) {
    if (t == 0)
      out.push_back(at0);
    else if (t <= p.local_steps)
      out.push_back(vals[k++]);
    else
      out.push_back(NAN);
  }
  return out;
}

/// The exact oracle (§3) for the cell's own schedule, or (equal_rounds) for rounds(C) with the same C.
BoundAdapter local_sgd_oracle(CurveMetric metric, bool equal_rounds) {
  BoundAdapter a;
  a.info = bounds::local_sgd_oracle_info(metric == CurveMetric::kDist2 ? bounds::LocalSgdOracleOutput::kLastDist2
                                                           : bounds::LocalSgdOracleOutput::kLastRisk);
  if (equal_rounds) {
    a.info.id = "oracle.local_sgd.equal_rounds." + metric_name(metric);
    a.info.metric = metric_name(metric) + "_equal_rounds";
    a.info.title = fmt::format("exact {} of rounds(C) with the cell's C (equally spaced comparator)",
                               metric == CurveMetric::kDist2 ? "E|w-w*|^2" : "excess risk");
  } else {
    a.info.id = "oracle.local_sgd." + metric_name(metric);
    a.info.metric = metric_name(metric);
    a.info.title = metric == CurveMetric::kDist2 ? "local SGD exact oracle E|w-w*|^2 (runner.iterate)"
                                     : "local SGD exact oracle, excess risk 1/2 tr(H E[..]) (runner.iterate)";
  }
  a.info.reference +=
      "; exact for every alpha > 0 (the paper's analysis needs 1/2 < alpha < 1) and for any design with "
      "independent standardised coordinates (kurtosis from the problem)";
  a.runners = {kRunner};
  a.not_applicable = [equal_rounds](const CellContext& ctx) -> std::optional<std::string> {
    std::string why;
    if (!oracle_params(ctx, equal_rounds, why)) return why;
    return std::nullopt;
  };
  a.evaluate = [metric, equal_rounds](const CellContext& ctx) {
    std::string why;
    return oracle_values(ctx, *oracle_params(ctx, equal_rounds, why), metric);
  };
  return a;
}

/// T = P·b·t gradients after local step t (NaN at t = 0).
double gradients_at(const CellContext& ctx, std::int64_t t) {
  return static_cast<double>(workers(ctx) * batch(ctx)) * static_cast<double>(t);
}

std::optional<std::string> needs_pr(const CellContext& ctx, const std::string& what) {
  if (!is_pr(ctx))
    return what + " is the asymptotic error of the Polyak-Ruppert average (runner.iterate = pr); the run reports " +
           runners::to_string(ctx.spec.iterate);
  return std::nullopt;
}

/// s2·tr(H⁻¹)/T (dist2) or s2·d/(2T) (subopt): asymptotic PR error of every schedule.
BoundAdapter ls_floor(CurveMetric metric) {
  BoundAdapter a;
  a.info = bounds::local_sgd_bound_info(metric == CurveMetric::kDist2 ? bounds::LocalSgdBound::kLsFloor
                                                          : bounds::LocalSgdBound::kLsFloorRisk);
  a.info.guarantee = bounds::Guarantee::kPrediction;  // the limit of error·T; no finite-T inequality is proven
  a.runners = {kRunner};
  a.not_applicable = [](const CellContext& ctx) -> std::optional<std::string> {
    if (!ctx.problem.random_design()) return "problem is not random-design least squares";
    if (auto w = needs_pr(ctx, "the floor")) return w;
    bounds::LsFloorParams p;
    p.h = ctx.problem.random_design()->h;
    p.s2 = ctx.problem.random_design()->noise_var;
    p.total_gradients = gradients_at(ctx, local_steps(ctx));
    return bounds::hypotheses_violated(p);
  };
  a.evaluate = [metric](const CellContext& ctx) {
    std::vector<double> out;
    bounds::LsFloorParams p;
    p.h = ctx.problem.random_design()->h;
    p.s2 = ctx.problem.random_design()->noise_var;
    for (auto t : ctx.iters) {
      if (t < 1) {
        out.push_back(NAN);
        continue;
      }
      p.total_gradients = gradients_at(ctx, t);
      out.push_back(metric == CurveMetric::kDist2 ? bounds::ls_floor(p) : bounds::ls_floor_risk(p));
    }
    return out;
  };
  return a;
}

/// tr(H*⁻¹)/T for well-specified Gaussian logistic regression.
BoundAdapter logistic_floor() {
  BoundAdapter a;
  a.info = bounds::local_sgd_bound_info(bounds::LocalSgdBound::kLogisticFloor);
  a.info.guarantee = bounds::Guarantee::kPrediction;
  a.runners = {kRunner};
  a.not_applicable = [](const CellContext& ctx) -> std::optional<std::string> {
    if (!ctx.problem.capabilities().logistic_teacher_model)
      return "problem " + ctx.problem.family() +
             " is not well-specified Gaussian logistic regression (random_design_logistic)";
    if (auto w = needs_pr(ctx, "the floor")) return w;
    return std::nullopt;
  };
  a.evaluate = [](const CellContext& ctx) {
    bounds::LogisticFloorParams p;
    p.dim = ctx.problem.dim();
    p.w_norm = ctx.problem.logistic_teacher()->norm();
    std::vector<double> out;
    for (auto t : ctx.iters) {
      if (t < 1) {
        out.push_back(NAN);
        continue;
      }
      p.total_gradients = gradients_at(ctx, t);
      out.push_back(bounds::logistic_floor(p));
    }
    return out;
  };
  return a;
}

/// P·√N as a constant (the derived sufficient round count; one-sided).
BoundAdapter rounds_local_pred() {
  BoundAdapter a;
  a.info = bounds::local_sgd_bound_info(bounds::LocalSgdBound::kRoundsLocalPred);
  a.runners = {kRunner};
  auto params = [](const CellContext& ctx, std::string& why) -> std::optional<bounds::LocalSgdCommParams> {
    const auto step = power_step(ctx, why);
    if (!step) return std::nullopt;
    bounds::LocalSgdCommParams p;
    p.workers = static_cast<double>(workers(ctx));
    p.total_gradients = static_cast<double>(workers(ctx)) * static_cast<double>(local_steps(ctx));
    p.alpha = step->second;
    if (auto v = bounds::hypotheses_violated(p)) {
      why = *v;
      return std::nullopt;
    }
    return p;
  };
  a.not_applicable = [params](const CellContext& ctx) -> std::optional<std::string> {
    std::string why;
    if (!params(ctx, why)) return why;
    return std::nullopt;
  };
  a.evaluate = [params](const CellContext& ctx) {
    std::string why;
    const double v = bounds::rounds_local_pred(*params(ctx, why));
    return std::vector<double>(ctx.iters.size(), v);
  };
  return a;
}

}  // namespace

std::vector<BoundAdapter> adapters() {
  std::vector<BoundAdapter> out = {local_sgd_oracle(CurveMetric::kDist2, false),
                                   local_sgd_oracle(CurveMetric::kSubopt, false),
                                   local_sgd_oracle(CurveMetric::kDist2, true),
                                   local_sgd_oracle(CurveMetric::kSubopt, true),
                                   ls_floor(CurveMetric::kDist2),
                                   ls_floor(CurveMetric::kSubopt),
                                   logistic_floor(),
                                   rounds_local_pred()};
  for (auto& a : out) {
    a.about = "local SGD: workers with a communication schedule S (maximal gap H)";
    a.not_about = not_local_sgd;
  }
  return with_sgd_model_checks(std::move(out));
}

}  // namespace sgdcheck::papers::patel2019
