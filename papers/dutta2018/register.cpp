// Dutta, Joshi, Ghosh, Dube & Nagpurkar (2018), "Slow and stale gradients can win the race": the
// runtime formulas, error bounds and exact oracle as named-parameter formulas (`sgdcheck bound`),
// the bound adapters of the ps_sgd runner (bounds.cpp) and the check kinds dutta2018.runtime and
// dutta2018.time_to_eps (checks.cpp). Every Formula calls the same pure function as the adapter.
#include <cmath>

#include "bounds/dutta_bounds.hpp"
#include "bounds/order_statistics.hpp"
#include "papers/registry.hpp"

namespace sgdcheck::papers::dutta2018 {

std::vector<pipeline::CheckKind> check_kinds();  // checks.cpp
std::vector<pipeline::BoundAdapter> adapters();  // bounds.cpp

namespace {

using bounds::Formula;
using bounds::FormulaArgs;
using bounds::FormulaParam;
using bounds::FormulaResult;

constexpr double kInf = INFINITY;

FormulaParam P_param() { return {"P", "number of learners", std::nullopt, true, 1, 1e6}; }
FormulaParam K_param() { return {"K", "gradients per update, 1 <= K <= P", std::nullopt, true, 1, 1e6}; }

std::optional<std::string> k_le_p(const FormulaArgs& a) {
  if (a.get("K") > a.get("P")) return std::string("K > P");
  return std::nullopt;
}

/// A runtime formula of one compute-time family: every variant's E[T] per update (nan when none),
/// E[X_{K:P}], Var of the K-sync time, and the long-run staleness.
Formula runtime_formula(const std::string& kind, std::vector<FormulaParam> dist_params,
                        std::function<bounds::ComputeTime(const FormulaArgs&)> make, const std::string& text) {
  Formula f;
  f.info = {"dutta.runtime." + kind, "straggler runtime per update, " + text + " compute times",
            "derived; technique of order statistics and renewal theory (the paper's own runtime lemmas: unverified)",
            bounds::Label::kDerived, bounds::Guarantee::kExact, "iter_time"};
  f.paper = "dutta2018";
  f.params = std::move(dist_params);
  f.params.push_back(P_param());
  f.params.push_back(K_param());
  f.params.push_back({"comm", "constant communication cost added to every compute time", 0.0, false, 0, kInf});
  f.axis = "K";
  f.hypotheses = [make](const FormulaArgs& a) -> std::optional<std::string> {
    if (auto w = k_le_p(a)) return w;
    bounds::ComputeTime c = make(a);
    c.comm = a.get("comm");
    return bounds::validate_compute_time(c);
  };
  f.evaluate = [make](const FormulaArgs& a) {
    bounds::ComputeTime c = make(a);
    c.comm = a.get("comm");
    (void)bounds::validate_compute_time(c);
    const auto K = static_cast<std::int64_t>(a.get("K")), P = static_cast<std::int64_t>(a.get("P"));
    FormulaResult r;
    auto val = [&](bounds::PsVariant v) {
      const auto t = bounds::expected_iteration_time(v, c, K, P);
      return t.value ? *t.value : NAN;
    };
    r.outputs = {{"k_sync_time", val(bounds::PsVariant::kKSync)},
                 {"k_sync_time_variance", bounds::order_statistic_variance(c, K, P)},
                 {"k_batch_sync_time", val(bounds::PsVariant::kKBatchSync)},
                 {"k_async_time", val(bounds::PsVariant::kKAsync)},
                 {"k_batch_async_time", val(bounds::PsVariant::kKBatchAsync)},
                 {"expected_order_statistic", bounds::expected_order_statistic(c, K, P)},
                 {"sync_async_ratio", bounds::sync_async_ratio(c, P)},
                 {"k_async_staleness", bounds::expected_staleness(bounds::PsVariant::kKAsync, K, P)},
                 {"k_batch_async_staleness", bounds::expected_staleness(bounds::PsVariant::kKBatchAsync, K, P)}};
    return r;
  };
  return f;
}

std::vector<FormulaParam> sc_params() {
  return {{"L", "smoothness of F", std::nullopt, false, 0, kInf},
          {"c", "strong convexity of F (2c(F - F*) <= ||grad F||^2)", std::nullopt, false, 0, kInf},
          {"sigma2", "additive gradient noise sigma^2 of one sample", std::nullopt, false, 0, kInf},
          {"M_G", "multiplicative gradient noise M_G", 0.0, false, 0, kInf},
          {"K", "gradients averaged per update", std::nullopt, true, 1, 1e6},
          {"m", "mini-batch per learner gradient", 1.0, true, 1, 1e9},
          {"eta", "constant step size", std::nullopt, false, 0, kInf},
          {"F0", "F(w0) - F* (nonconvex: F(w0) - F_inf)", std::nullopt, false, 0, kInf},
          {"J", "number of updates", std::nullopt, false, 0, kInf}};
}

bounds::DuttaScParams sc_of(const FormulaArgs& a) {
  bounds::DuttaScParams p;
  p.L = a.get("L");
  p.c = a.has("c") ? a.get("c") : p.L;
  p.sigma2 = a.get("sigma2");
  p.M_G = a.get("M_G");
  p.K = static_cast<std::int64_t>(a.get("K"));
  p.m = static_cast<std::int64_t>(a.get("m"));
  p.eta = a.get("eta");
  p.F0 = a.get("F0");
  return p;
}

std::vector<Formula> formulas() {
  std::vector<Formula> out;
  using bounds::ComputeKind;
  out.push_back(runtime_formula("exp", {{"mu", "rate of the exponential compute time", std::nullopt, false, 0, kInf}},
                                [](const FormulaArgs& a) {
                                  bounds::ComputeTime c;
                                  c.kind = ComputeKind::kExp;
                                  c.rate = a.get("mu");
                                  return c;
                                },
                                "exponential"));
  out.push_back(runtime_formula("shifted_exp",
                                {{"Delta", "deterministic part of the compute time", std::nullopt, false, 0, kInf},
                                 {"mu", "rate of the exponential part", std::nullopt, false, 0, kInf}},
                                [](const FormulaArgs& a) {
                                  bounds::ComputeTime c;
                                  c.kind = ComputeKind::kShiftedExp;
                                  c.shift = a.get("Delta");
                                  c.rate = a.get("mu");
                                  return c;
                                },
                                "shifted exponential"));
  out.push_back(runtime_formula("pareto",
                                {{"x_m", "Pareto scale (minimum compute time)", std::nullopt, false, 0, kInf},
                                 {"alpha", "Pareto shape (> 1: finite mean)", std::nullopt, false, 0, kInf}},
                                [](const FormulaArgs& a) {
                                  bounds::ComputeTime c;
                                  c.kind = ComputeKind::kPareto;
                                  c.scale = a.get("x_m");
                                  c.shape = a.get("alpha");
                                  return c;
                                },
                                "Pareto"));
  out.push_back(runtime_formula("weibull",
                                {{"k", "Weibull shape", std::nullopt, false, 0, kInf},
                                 {"lambda", "Weibull scale", std::nullopt, false, 0, kInf}},
                                [](const FormulaArgs& a) {
                                  bounds::ComputeTime c;
                                  c.kind = ComputeKind::kWeibull;
                                  c.shape = a.get("k");
                                  c.scale = a.get("lambda");
                                  return c;
                                },
                                "Weibull (quadrature)"));
  out.push_back(runtime_formula("lognormal",
                                {{"meanlog", "mean of log X", std::nullopt, false, -300, 300},
                                 {"sdlog", "sd of log X", std::nullopt, false, 0, 10}},
                                [](const FormulaArgs& a) {
                                  bounds::ComputeTime c;
                                  c.kind = ComputeKind::kLogNormal;
                                  c.meanlog = a.get("meanlog");
                                  c.sdlog = a.get("sdlog");
                                  return c;
                                },
                                "log-normal (quadrature)"));
  {
    Formula f;
    f.info = bounds::ksync_error_bound_info();
    f.paper = "dutta2018";
    f.params = sc_params();
    f.axis = "J";
    f.hypotheses = [](const FormulaArgs& a) { return bounds::ksync_hypotheses(sc_of(a)); };
    f.evaluate = [](const FormulaArgs& a) {
      const auto p = sc_of(a);
      FormulaResult r;
      r.outputs = {{"bound", bounds::ksync_error_bound(p, a.get("J"))}, {"floor", bounds::ksync_floor(p)}};
      return r;
    };
    out.push_back(std::move(f));
  }
  {
    Formula f;
    f.info = bounds::kasync_error_bound_info();
    f.paper = "dutta2018";
    f.params = sc_params();
    f.params.push_back({"gamma", "gradient-drift constant gamma <= 1", std::nullopt, false, -kInf, 1});
    f.params.push_back({"p0", "lower bound on the probability of a fresh gradient", std::nullopt, false, 0, 1});
    f.axis = "J";
    f.hypotheses = [](const FormulaArgs& a) { return bounds::kasync_hypotheses(sc_of(a), a.get("gamma"), a.get("p0")); };
    f.evaluate = [](const FormulaArgs& a) {
      FormulaResult r;
      r.outputs = {{"bound", bounds::kasync_error_bound(sc_of(a), a.get("gamma"), a.get("p0"), a.get("J"))}};
      return r;
    };
    out.push_back(std::move(f));
  }
  {
    Formula f;
    f.info = bounds::nonconvex_bound_info();
    f.paper = "dutta2018";
    for (auto& q : sc_params())
      if (q.name != "c") f.params.push_back(q);
    f.axis = "J";
    f.hypotheses = [](const FormulaArgs& a) -> std::optional<std::string> {
      auto p = sc_of(a);
      const double lim = 1.0 / (p.L * (p.M_G / static_cast<double>(p.K * p.m) + 1.0));
      if (!(p.eta > 0) || p.eta > lim) return "eta > 1/(L(M_G/(Km) + 1)) = " + std::to_string(lim);
      return std::nullopt;
    };
    f.evaluate = [](const FormulaArgs& a) {
      FormulaResult r;
      r.outputs = {{"bound", bounds::nonconvex_bound(sc_of(a), a.get("J"))}};
      return r;
    };
    out.push_back(std::move(f));
  }
  {
    Formula f;
    f.info = bounds::noisy_quadratic_oracle_info();
    f.paper = "dutta2018";
    f.params = {{"d", "dimension", 20.0, true, 1, 1e6},
                {"lambda_min", "smallest curvature (lambda_i evenly spaced)", 0.5, false, 0, kInf},
                {"lambda_max", "largest curvature", 1.0, false, 0, kInf},
                {"e0", "w0 - w* in every coordinate", 10.0, false, -kInf, kInf},
                {"sigma2", "per-sample gradient noise sigma^2", 10.0, false, 0, kInf},
                {"eta", "constant step size", std::nullopt, false, 0, kInf},
                {"K", "fresh gradients averaged per update", 1.0, true, 1, 1e6},
                {"m", "mini-batch per gradient", 1.0, true, 1, 1e9},
                {"J", "number of updates", std::nullopt, false, 0, kInf}};
    f.axis = "J";
    f.hypotheses = [](const FormulaArgs& a) -> std::optional<std::string> {
      if (a.get("lambda_min") > a.get("lambda_max")) return std::string("lambda_min > lambda_max");
      if (!(a.get("eta") * a.get("lambda_max") < 2.0)) return std::string("eta lambda_max >= 2 (unstable step)");
      return std::nullopt;
    };
    f.evaluate = [](const FormulaArgs& a) {
      const auto d = static_cast<std::int64_t>(a.get("d"));
      const auto lambda = bounds::even_spectrum(d, a.get("lambda_min"), a.get("lambda_max"));
      const std::vector<double> e0(static_cast<std::size_t>(d), a.get("e0"));
      const auto K = static_cast<std::int64_t>(a.get("K")), m = static_cast<std::int64_t>(a.get("m"));
      FormulaResult r;
      r.outputs = {{"subopt", bounds::noisy_quadratic_error(lambda, e0, a.get("eta"), a.get("sigma2"), K, m, a.get("J"))},
                   {"floor", bounds::noisy_quadratic_floor(lambda, a.get("eta"), a.get("sigma2"), K, m)}};
      return r;
    };
    out.push_back(std::move(f));
  }
  {
    Formula f;
    f.info = {"dutta.time_to_eps", "plug-in time to reach eps", "derived; technique of plugging J = t/E[T] into the error recursion (Jensen: the true mean lies slightly above)",
              bounds::Label::kDerived, bounds::Guarantee::kPrediction, "subopt"};
    f.paper = "dutta2018";
    f.params = {{"floor", "error floor of the variant", std::nullopt, false, 0, kInf},
                {"F0", "initial error F(w0) - F*", std::nullopt, false, 0, kInf},
                {"eta_c", "eta c_V (c for sync, gamma' c for async)", std::nullopt, false, 0, 1},
                {"ET", "expected time per update E[T_V]", std::nullopt, false, 0, kInf},
                {"eps", "target error", std::nullopt, false, 0, kInf},
                {"t", "virtual time of the error-vs-time curve", 0.0, false, 0, kInf}};
    f.axis = "t";
    f.evaluate = [](const FormulaArgs& a) {
      FormulaResult r;
      r.outputs = {{"time_to_eps", bounds::time_to_epsilon(a.get("floor"), a.get("F0"), a.get("eta_c"), a.get("ET"), a.get("eps"))},
                   {"error_at_t", bounds::error_vs_time(a.get("floor"), a.get("F0"), a.get("eta_c"), a.get("ET"), a.get("t"))}};
      return r;
    };
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

void register_paper(Registry& r) {
  for (auto& k : check_kinds()) r.add_check(std::move(k));
  r.add_bounds(adapters());
  for (auto& f : formulas()) r.add_formula(std::move(f));
}

}  // namespace sgdcheck::papers::dutta2018
