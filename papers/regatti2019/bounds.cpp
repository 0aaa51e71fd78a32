// Regatti et al. (2019): adapters of the stability bounds of bounds/regatti_bounds.hpp for the
// coupled_sgd runner, and their Formula faces for `sgdcheck bound` (the same pure functions).
//
// Adapter ids: regatti.<bound>.<metric>, metric one of delta (the bound's dist), eps_avg, eps_sup
// and gap (the bound's eps; |E gap| <= eps by HRS Thm 2.2, literature). A point where the bound is
// vacuous (eps >= sup f or not finite) carries +inf: it says nothing there and is skipped by C3.
#include <fmt/format.h>

#include <cmath>

#include "bounds/formula.hpp"
#include "bounds/regatti_bounds.hpp"
#include "pipeline/bound_adapter_support.hpp"
#include "problems/stability_model.hpp"

namespace sgdcheck::papers::regatti2019 {
using namespace pipeline;
namespace rb = bounds::regatti;

namespace {

enum class Which { kHrsCvx, kHrsSc, kHrsNc, kNcNumeric, kD1, kD1Nc, kD2 };

struct BoundDef {
  Which which;
  const char* name;
  const char* title;
  const char* reference;
  bounds::Label label;
  bool has_dist;
};

const std::vector<BoundDef>& defs() {
  using bounds::Label;
  static const std::vector<BoundDef> d = {
      {Which::kHrsCvx, "hrs_cvx", "HRS convex (2L/n) sum alpha_t",
       "Hardt, Recht & Singer 2016, Thm 3.8 (convex, synchronous); exact for b > 1 with replacement (derived)",
       Label::kLiterature, true},
      {Which::kHrsSc, "hrs_sc", "HRS strongly convex (2L/(gamma n))(1-(1-alpha gamma)^T)",
       "Hardt, Recht & Singer 2016, Thm 3.10 (limit); finite-T form derived; technique of HRS", Label::kLiterature,
       true},
      {Which::kHrsNc, "hrs_nc", "HRS nonconvex (1+1/q)/(n-1)(2cL^2)^(1/(q+1)) T^(q/(q+1))",
       "Hardt, Recht & Singer 2016, Thm 3.12 (shape); constant re-derived via the t0 lemma, match to HRS unverified",
       Label::kLiterature, false},
      {Which::kNcNumeric, "nc_numeric", "nonconvex t0 minimum of the growth recursion",
       "derived; technique of Hardt, Recht & Singer 2016 (t0 lemma, growth recursion)", Label::kDerived, false},
      {Which::kD1, "d1_delay", "delay-free growth recursion M_T (any data-independent delays)",
       "derived; technique of Hardt, Recht & Singer 2016 (growth recursion; tau-free)", Label::kDerived, true},
      {Which::kD1Nc, "d1_nc_delay", "nonconvex bound under data-independent delays: min(hrs_nc, nc_numeric)",
       "derived; technique of Hardt, Recht & Singer 2016 (the recursion and the t0 lemma ignore the delays)",
       Label::kDerived, false},
      {Which::kD2, "d2_delay", "delayed convex 4 alpha L T/n + 2 alpha L sqrt((2tau+1)T/n)",
       "derived; technique of Hardt, Recht & Singer 2016 with co-coercivity and Young on the stale terms",
       Label::kDerived, true},
  };
  return d;
}

rb::StabilityBound evaluate_def(Which w, const rb::StabilitySetting& s, const rb::StepFn& alpha, bool constant,
                                double alpha0, double c, std::int64_t T) {
  switch (w) {
    case Which::kHrsCvx: return rb::hrs_cvx(s, alpha, T);
    case Which::kHrsSc:
      if (!constant) return rb::StabilityBound{NAN, NAN, "needs a constant step", false, bounds::Label::kLiterature};
      return rb::hrs_sc(s, alpha0, T);
    case Which::kHrsNc: return rb::hrs_nc(s, c, T, &alpha);
    case Which::kNcNumeric: return rb::nc_numeric(s, alpha, T);
    case Which::kD1: return rb::d1_delay(s, alpha, T);
    case Which::kD1Nc: return rb::d1_nc_delay(s, c, alpha, T);
    case Which::kD2:
      if (!constant) return rb::StabilityBound{NAN, NAN, "needs a constant step (varying alpha: use d1_delay)", false,
                                               bounds::Label::kDerived};
      return rb::d2_delay(s, alpha0, T);
  }
  return {};
}

/// What a cell gives a stability bound: the setting, the run's steps and c.
struct CellSetting {
  rb::StabilitySetting s;
  rb::StepFn alpha;   ///< α_t, t = 0-based; the un-delayed (largest) step when α depends on τ_t
  bool constant = true;
  double alpha0 = 0;
  double c = 0;       ///< c of α_t <= c/(t+1): the inverse-time γ, or α·T for a constant step (set per T)
  bool inverse_time = false;
};

std::optional<CellSetting> cell_setting(const CellContext& ctx, std::string& why) {
  const problems::StabilityModel* m = ctx.problem.stability_model();
  if (!m) {
    why = "the problem has no stability model (sphere_logistic, ridge_logistic_projected, sigmoid_loss)";
    return std::nullopt;
  }
  if (ctx.spec.batch() != 1) {
    why = fmt::format("batch {} > 1: the stability bounds are checked for b = 1 only", ctx.spec.batch());
    return std::nullopt;
  }
  CellSetting c;
  c.s.L = m->L();
  c.s.beta = m->beta();
  c.s.gamma = m->gamma();
  c.s.n = static_cast<double>(m->train_size());
  c.s.tau = static_cast<double>(ctx.spec.delay.max_delay);
  c.s.sup_f = m->sup_f();
  c.s.convex = m->convex();
  c.s.projected = std::isfinite(m->radius());
  const runners::StepSchedule step = ctx.spec.step;
  c.alpha = [step](std::int64_t t) { return step.at(t + 1); };
  c.constant = step.is_constant() && step.ignores_delay();
  c.alpha0 = step.at(1);
  c.inverse_time = step.rule == runners::StepRule::kInverseTime && step.t0 == 0.0;
  c.c = c.inverse_time ? step.gamma : NAN;
  return c;
}

enum class Metric { kDelta, kEpsAvg, kEpsSup, kGap };

BoundAdapter adapter(const BoundDef& def, Metric metric, const char* metric_name) {
  BoundAdapter a;
  a.info.id = fmt::format("regatti.{}.{}", def.name, metric_name);
  a.info.title = fmt::format("{} ({})", def.title, metric == Metric::kDelta ? "dist" : "eps");
  a.info.reference = def.reference;
  a.info.label = def.label;
  a.info.guarantee = bounds::Guarantee::kUpper;
  a.info.metric = metric_name;
  a.runners = {"coupled_sgd"};
  a.about = std::string{"a coupled stability run (coupled_sgd: a delay model and a stability problem)"};
  a.not_about = [](const runners::RunSpec& spec) -> std::optional<std::string> {
    if (!spec.has_delay_model()) return std::string("needs a coupled stability run (coupled_sgd)");
    return std::nullopt;
  };
  const Which w = def.which;
  const bool dist = metric == Metric::kDelta;
  auto at = [w](const CellSetting& c, std::int64_t T) {
    const double cc = c.inverse_time ? c.c : c.alpha0 * static_cast<double>(std::max<std::int64_t>(T, 1));
    return evaluate_def(w, c.s, c.alpha, c.constant, c.alpha0, cc, T);
  };
  a.not_applicable = [at](const CellContext& ctx) -> std::optional<std::string> {
    std::string why;
    const auto c = cell_setting(ctx, why);
    if (!c) return why;
    const std::int64_t T = ctx.iters.empty() ? ctx.spec.iterations : ctx.iters.back();
    const rb::StabilityBound b = at(*c, T);
    if (!b.admissible()) return *b.inadmissible;
    return std::nullopt;
  };
  a.evaluate = [at, dist](const CellContext& ctx) {
    std::string why;
    const auto c = cell_setting(ctx, why);
    std::vector<double> out;
    out.reserve(ctx.iters.size());
    for (const std::int64_t T : ctx.iters) {
      const rb::StabilityBound b = at(*c, T);
      const double v = dist ? b.dist : b.eps;
      out.push_back(!b.admissible() || b.vacuous || !std::isfinite(v) ? INFINITY : v);
    }
    return out;
  };
  return a;
}

// ---- Formula faces --------------------------------------------------------------------------------

bounds::FormulaResult to_result(const rb::StabilityBound& b) {
  bounds::FormulaResult r;
  if (!std::isnan(b.dist)) r.outputs.push_back({"dist", b.dist});  // hrs_nc, nc_numeric bound eps only
  r.outputs.push_back({"eps", b.eps});
  if (b.vacuous) r.vacuous = fmt::format("eps = {:.6g} >= sup f or not finite: says nothing", b.eps);
  return r;
}

bounds::Formula formula(const BoundDef& def) {
  bounds::Formula f;
  f.info.id = fmt::format("regatti.{}", def.name);
  f.info.title = def.title;
  f.info.reference = def.reference;
  f.info.label = def.label;
  f.info.guarantee = bounds::Guarantee::kUpper;
  f.info.metric = std::string{def.has_dist ? "delta" : "eps_avg"};
  f.paper = std::string{"regatti2019"};
  f.axis = std::string{"T"};
  const bool nc = def.which == Which::kHrsNc || def.which == Which::kNcNumeric || def.which == Which::kD1Nc;
  f.params = {{"L", "Lipschitz constant of f(.; z)", 1.0, false, 0.0},
              {"beta", "smoothness of f(.; z)", 0.25, false, 0.0},
              {"gamma", "strong convexity (hrs_sc)", 0.0, false, 0.0},
              {"n", "training set size", std::nullopt, true, 2.0},
              {"T", "server updates", std::nullopt, true, 0.0, 1e9},
              {"tau", "maximal delay", 0.0, true, 0.0, 1e9},
              {"alpha", "constant step (not for the c/t bounds)", 0.1, false, 0.0},
              {"c", "step constant of alpha_t = c/t (hrs_nc, nc_numeric, d1_nc_delay)", 1.0, false, 0.0},
              {"supf", "sup of the loss (1: a loss in [0, 1]; inf: unbounded)", nc ? 1.0 : INFINITY, false, 0.0}};
  const Which w = def.which;
  auto setting = [nc](const bounds::FormulaArgs& a) {
    rb::StabilitySetting s;
    s.L = a.get("L");
    s.beta = a.get("beta");
    s.gamma = a.get("gamma");
    s.n = a.get("n");
    s.tau = a.get("tau");
    s.sup_f = a.get("supf");
    s.convex = !nc;
    return s;
  };
  auto eval = [w, setting, nc](const bounds::FormulaArgs& a) {
    const rb::StabilitySetting s = setting(a);
    const double alpha = a.get("alpha"), c = a.get("c");
    const rb::StepFn steps = nc ? rb::StepFn([c](std::int64_t t) { return c / static_cast<double>(t + 1); })
                                : rb::StepFn([alpha](std::int64_t) { return alpha; });
    return evaluate_def(w, s, steps, !nc, alpha, c, static_cast<std::int64_t>(a.get("T")));
  };
  f.hypotheses = [eval](const bounds::FormulaArgs& a) -> std::optional<std::string> { return eval(a).inadmissible; };
  f.evaluate = [eval](const bounds::FormulaArgs& a) { return to_result(eval(a)); };
  return f;
}

}  // namespace

std::vector<BoundAdapter> adapters() {
  std::vector<BoundAdapter> out;
  for (const auto& d : defs()) {
    if (d.has_dist) out.push_back(adapter(d, Metric::kDelta, "delta"));
    out.push_back(adapter(d, Metric::kEpsAvg, "eps_avg"));
    out.push_back(adapter(d, Metric::kEpsSup, "eps_sup"));
    out.push_back(adapter(d, Metric::kGap, "gap"));
  }
  return out;
}

std::vector<bounds::Formula> formulas() {
  std::vector<bounds::Formula> out;
  for (const auto& d : defs()) out.push_back(formula(d));
  return out;
}

}  // namespace sgdcheck::papers::regatti2019
