// Adapters of the derived adaptive-batch local SGD bounds (bounds/lau_bounds.hpp) for
// adaptive_local_sgd runs with batch.variant oracle_step (the exact norm test before every local
// step, the bounds' assumption), plain SGD steps and a constant α. Once a worker's batch reaches
// b_max the exact test may fail: choose b_max large enough (the runs record batch_max).
#include <fmt/format.h>

#include <cmath>

#include "bounds/lau_bounds.hpp"
#include "pipeline/bound_adapter_support.hpp"
#include "pipeline/bound_registry.hpp"
#include "runners/run_spec.hpp"

namespace sgdcheck::papers::lau2024 {

using namespace pipeline;

namespace {

constexpr const char* kAbout =
    "adaptive_local_sgd with batch.variant oracle_step (the exact norm test at every step)";

std::optional<std::string> not_about(const runners::RunSpec& s) {
  if (std::isnan(s.exact_norm_test_eta) || !s.communication) return std::string(kAbout);
  return std::nullopt;
}

/// Common hypotheses; fills Δ (or D0), L, η, P, H, α.
struct Setting {
  double L = NAN, mu = NAN, eta = NAN, alpha = NAN, Delta = NAN, D0 = NAN, r0 = NAN;
  std::int64_t P = 1, H = 1;
};

std::optional<std::string> setting(const CellContext& ctx, Setting& s) {
  const auto& spec = ctx.spec;
  const auto& c = ctx.problem.constants();
  if (spec.update.kind != runners::UpdateRuleKind::kSgd) return std::string("needs update.rule sgd");
  if (!spec.step.is_constant()) return std::string("needs a constant step");
  if (!(c.L > 0) || !std::isfinite(c.L)) return std::string("needs a known smoothness constant L");
  if (c.convexity == problems::Convexity::kNonconvex || std::isnan(c.f_star) || c.x_star.size() == 0)
    return std::string("needs an exact F* (F_inf) and x*");
  s.L = c.L;
  s.mu = c.mu;
  s.eta = spec.exact_norm_test_eta;
  s.alpha = spec.step.gamma;
  s.P = spec.workers;
  s.H = spec.max_gap;
  const Vec x0 = ctx.problem.initial_point();
  s.Delta = ctx.problem.value(x0) - c.f_star;
  s.D0 = (x0 - c.x_star).norm();
  s.r0 = s.Delta;
  return std::nullopt;
}

BoundAdapter base(const std::string& id, const std::string& title, const std::string& metric) {
  BoundAdapter a;
  a.info.id = id;
  a.info.title = title;
  a.info.reference =
      "derived; technique of local-SGD drift bounds on the virtual average (Lau et al. 2024 setting)";
  a.info.label = bounds::Label::kDerived;
  a.info.guarantee = bounds::Guarantee::kUpper;
  a.info.metric = metric;
  a.runners = {"adaptive_local_sgd"};
  a.about = kAbout;
  a.not_about = not_about;
  return a;
}

BoundAdapter nonconvex() {
  BoundAdapter a = base("lau2024.bound_nonconvex.avg_grad2", "derived nonconvex bound 8Δ/(αT)", "avg_grad2");
  a.not_applicable = [](const CellContext& ctx) -> std::optional<std::string> {
    Setting s;
    if (auto why = setting(ctx, s)) return why;
    if (!ctx.spec.running_metrics) return std::string("needs running_metrics: true (avg_grad2)");
    const double am = bounds::lau_alpha_max_nonconvex(s.L, s.eta, s.P, s.H);
    if (s.alpha > am * (1 + 1e-12))
      return fmt::format("alpha = {:.4g} > alpha_max_nonconvex = {:.4g}", s.alpha, am);
    return std::nullopt;
  };
  a.evaluate = [](const CellContext& ctx) {
    Setting s;
    (void)setting(ctx, s);
    std::vector<double> v;
    // avg_grad2 at t averages ‖∇F(x̄_s)‖² over s = 0..t: T = t + 1 terms, K·H = T.
    for (std::int64_t t : ctx.iters) v.push_back(8.0 * s.Delta / (s.alpha * static_cast<double>(t + 1)));
    return v;
  };
  return a;
}

BoundAdapter convex() {
  BoundAdapter a = base(
      "lau2024.bound_convex.subopt", "derived convex bound 2D0²/(αT) for the averaged iterate", "subopt");
  a.not_applicable = [](const CellContext& ctx) -> std::optional<std::string> {
    Setting s;
    if (auto why = setting(ctx, s)) return why;
    if (ctx.problem.constants().convexity == problems::Convexity::kNonconvex)
      return std::string("needs a convex F");
    if (ctx.spec.iterate != runners::IterateKind::kAverage) return std::string("needs iterate: average");
    const double am = bounds::lau_alpha_max_convex(s.L, s.eta, s.P, s.H);
    if (s.alpha > am * (1 + 1e-12))
      return fmt::format("alpha = {:.4g} > alpha_max_convex = {:.4g}", s.alpha, am);
    return std::nullopt;
  };
  a.evaluate = [](const CellContext& ctx) {
    Setting s;
    (void)setting(ctx, s);
    std::vector<double> v;
    for (std::int64_t t : ctx.iters) v.push_back(2.0 * s.D0 * s.D0 / (s.alpha * static_cast<double>(t + 1)));
    return v;
  };
  return a;
}

BoundAdapter pl() {
  BoundAdapter a =
      base("lau2024.pl_rounds.subopt", "derived PL round contraction r0·((1+q)/(1+2q))^k", "subopt");
  a.not_applicable = [](const CellContext& ctx) -> std::optional<std::string> {
    Setting s;
    if (auto why = setting(ctx, s)) return why;
    if (!(s.mu > 0)) return std::string("needs mu > 0 (PL)");
    if (ctx.spec.iterate != runners::IterateKind::kLast) return std::string("needs iterate: last");
    if (ctx.spec.record_axis != RecordAxis::kRounds)
      return std::string("needs record.axis: rounds (the bound holds at round ends)");
    const double am = bounds::lau_alpha_max_nonconvex(s.L, s.eta, s.P, s.H);
    if (s.alpha > am * (1 + 1e-12))
      return fmt::format("alpha = {:.4g} > alpha_max_nonconvex = {:.4g}", s.alpha, am);
    return std::nullopt;
  };
  a.evaluate = [](const CellContext& ctx) {
    Setting s;
    (void)setting(ctx, s);
    const double rho = bounds::lau_pl_round_factor(s.alpha, s.mu, s.H);
    std::vector<double> v;
    for (std::int64_t t : ctx.iters) v.push_back(s.r0 * std::pow(rho, static_cast<double>(t / s.H)));
    return v;
  };
  return a;
}

}  // namespace

std::vector<pipeline::BoundAdapter> adapters() { return {nonconvex(), convex(), pl()}; }

}  // namespace sgdcheck::papers::lau2024
