// Bound and oracle adapters of Dutta et al. (2018) (spec papers/dutta2018_slow_stale.md §4) for the
// straggler runner ps_sgd:
// - dutta.ksync.subopt            K-sync / K-batch-sync error bound (derived from Bottou et al. Thm 4.6);
// - dutta.noisy_quadratic.subopt  exact error of fresh-gradient (sync) runs on noisy_quadratic.
// Both need a sync variant (staleness 0), a fixed K (no AdaSync), a constant step, the last iterate
// and the iteration record axis (bounds are evaluated at iterations).
#include <fmt/format.h>

#include <cmath>

#include "bounds/dutta_bounds.hpp"
#include "pipeline/bound_adapter_support.hpp"
#include "pipeline/bound_registry.hpp"
#include "problems/noisy_quadratic.hpp"
#include "runners/ps_runner.hpp"

namespace sgdcheck::papers::dutta2018 {

using namespace pipeline;

namespace {

std::optional<std::string> not_ps(const runners::RunSpec& spec) {
  if (!spec.ps) return std::string("needs a straggler simulation (runner ps_sgd)");
  return std::nullopt;
}

/// The common preconditions of the sync-variant bounds.
std::optional<std::string> sync_run(const CellContext& ctx) {
  if (auto why = not_ps(ctx.spec)) return why;
  const auto& ps = *ctx.spec.ps;
  const auto v = ps.sim.variant;
  if (v != bounds::PsVariant::kKSync && v != bounds::PsVariant::kKBatchSync)
    return "variant " + bounds::to_string(v) + " has stale gradients (the bound is about k_sync / k_batch_sync)";
  if (ps.adasync.enabled) return std::string("AdaSync changes K during the run");
  if (ps.adaptive_c > 0) return std::string("the staleness-adaptive step is on");
  if (!ctx.spec.step.is_constant() || !ctx.spec.step.ignores_delay()) return std::string("needs a constant step");
  if (ctx.spec.iterate != runners::IterateKind::kLast) return std::string("about the last iterate");
  if (ctx.spec.record_axis != RecordAxis::kIter) return std::string("bounds are evaluated on record.axis iterations");
  if (ctx.spec.update.kind != runners::UpdateRuleKind::kSgd) return std::string("needs plain SGD updates");
  return std::nullopt;
}

BoundAdapter ksync_bound() {
  BoundAdapter a;
  a.info = bounds::ksync_error_bound_info();
  a.runners = {"ps_sgd"};
  a.about = "a ps_sgd run of a sync variant (k_sync, k_batch_sync)";
  a.not_about = not_ps;
  auto params = [](const CellContext& ctx, std::string& why) -> std::optional<bounds::DuttaScParams> {
    if (auto w = sync_run(ctx)) {
      why = *w;
      return std::nullopt;
    }
    const auto& c = ctx.problem.constants();
    if (c.convexity != problems::Convexity::kStronglyConvex || !(c.mu > 0) || !std::isfinite(c.L)) {
      why = "needs a strongly convex problem with known L and mu";
      return std::nullopt;
    }
    const auto noise = noise_model_for(ctx.problem, why);
    if (!noise) return std::nullopt;
    bounds::DuttaScParams p;
    p.L = c.L;
    p.c = c.mu;
    p.sigma2 = noise->sigma2;
    p.M_G = noise->M;
    p.K = ctx.spec.ps->sim.k;
    p.m = ctx.spec.batch();
    p.eta = ctx.spec.step.at(1);
    p.F0 = ctx.problem.value(ctx.problem.initial_point()) - c.f_star;
    if (auto w = bounds::ksync_hypotheses(p)) {
      why = *w;
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
    const auto p = *params(ctx, why);
    std::vector<double> out;
    for (auto t : ctx.iters) out.push_back(bounds::ksync_error_bound(p, static_cast<double>(t)));
    return out;
  };
  return a;
}

BoundAdapter noisy_quadratic_oracle() {
  BoundAdapter a;
  a.info = bounds::noisy_quadratic_oracle_info();
  a.runners = {"ps_sgd"};
  a.about = "a ps_sgd run of a sync variant (k_sync, k_batch_sync) on noisy_quadratic";
  a.not_about = not_ps;
  a.not_applicable = [](const CellContext& ctx) -> std::optional<std::string> {
    if (auto w = sync_run(ctx)) return w;
    if (!ctx.problem.noisy_quadratic()) return std::string("problem is not noisy_quadratic");
    return std::nullopt;
  };
  a.evaluate = [](const CellContext& ctx) {
    const auto& v = *ctx.problem.noisy_quadratic();
    std::vector<double> lambda(v.lambda.data(), v.lambda.data() + v.lambda.size());
    std::vector<double> e0(static_cast<std::size_t>(v.x0.size()));
    for (Index i = 0; i < v.x0.size(); ++i) e0[static_cast<std::size_t>(i)] = v.x0[i] - v.w_star[i];
    std::vector<double> out;
    for (auto t : ctx.iters)
      out.push_back(bounds::noisy_quadratic_error(lambda, e0, ctx.spec.step.at(1), v.sigma2, ctx.spec.ps->sim.k,
                                                  ctx.spec.batch(), static_cast<double>(t)));
    return out;
  };
  return a;
}

}  // namespace

std::vector<BoundAdapter> adapters() { return {ksync_bound(), noisy_quadratic_oracle()}; }

}  // namespace sgdcheck::papers::dutta2018
