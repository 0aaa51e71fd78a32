// The closed-form bounds and rates of Stich, Mohtashami & Jaggi (2021) (spec
// papers/stich2021_critical.md §4 R1–R8, G) as bounds::Formula, so that `sgdcheck bound ID --set …`
// evaluates them with the spec's parameter names. Each formula calls the same pure function
// (bounds/minibatch_sgd_bound.hpp, bounds/stich_rates.hpp) that the experiment-side adapters call, so
// the two never disagree. The batch enters as b with θ_b = 1/b (sampling with replacement).
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "bounds/bounds.hpp"
#include "bounds/formula.hpp"

namespace sgdcheck::papers::stich2021 {

namespace {

using bounds::Formula;
using bounds::FormulaArgs;
using bounds::FormulaParam;
using bounds::FormulaResult;

constexpr double kInf = std::numeric_limits<double>::infinity();

FormulaParam required(std::string name, std::string meaning, double min = -kInf, double max = kInf) {
  FormulaParam p;
  p.name = std::move(name);
  p.meaning = std::move(meaning);
  p.min = min;
  p.max = max;
  return p;
}
FormulaParam optional(std::string name, std::string meaning, double def, double min = -kInf, double max = kInf) {
  FormulaParam p = required(std::move(name), std::move(meaning), min, max);
  p.default_value = def;
  return p;
}
FormulaParam integer(std::string name, std::string meaning, std::optional<double> def, double min, double max = kInf) {
  FormulaParam p = required(std::move(name), std::move(meaning), min, max);
  p.default_value = def;
  p.integer = true;
  return p;
}

// The spec's parameter names (general_bounds.md §5 uses the same ones).
FormulaParam p_L() { return required("L", "smoothness constant (an upper bound is valid)", 0); }
FormulaParam p_mu() { return required("mu", "strong-convexity constant (a lower bound is valid)", 0); }
FormulaParam p_M() {
  return optional("M", "multiplicative noise: E|g - grad f|^2 <= M |grad f|^2 + sigma2 for one sample", 0, 0);
}
FormulaParam p_sigma2() { return optional("sigma2", "additive noise sigma^2 of one sample (0: realizable)", 0, 0); }
FormulaParam p_b() { return integer("b", "mini-batch size (theta_b = 1/b, sampling with replacement)", 1, 1); }
FormulaParam p_gamma() { return required("gamma", "constant step size", 0); }
FormulaParam p_r0() { return required("r0", "initial squared distance |x_0 - x*|^2", 0); }
FormulaParam p_F0() { return required("F0", "initial gap f(x_0) - inf f", 0); }
FormulaParam p_t() { return integer("t", "iteration at which the bound is evaluated", std::nullopt, 0); }
FormulaParam p_T() { return integer("T", "horizon: number of iterations averaged over", std::nullopt, 1); }
FormulaParam p_eps() { return required("eps", "target on E|x_T - x*|^2 (absolute)", 0); }
FormulaParam p_tau() { return integer("tau", "maximal gradient delay", 0, 0); }
FormulaParam p_c() { return optional("c", "step constant of the guideline gamma = c/(L(M/b + tau + 1))", 1, 0, 1); }

bounds::NoiseModel noise(const FormulaArgs& a) {
  bounds::NoiseModel n;
  n.M = a.get("M");
  n.sigma2 = a.get("sigma2");
  n.form = bounds::NoiseModel::kGradientNorm;
  return n;
}
double theta(const FormulaArgs& a) { return 1.0 / a.get("b"); }
std::int64_t to_int(double v) { return static_cast<std::int64_t>(v); }

FormulaResult one(std::string name, double v) { return FormulaResult{{{std::move(name), v}}, std::nullopt}; }

/// A formula of this paper: its info, regime and parameters, and the hypotheses of the parameter
/// struct that `read` builds from the arguments (the same struct its evaluation passes on).
template <class Read>
Formula stich_formula(bounds::BoundInfo info, std::string regime, std::vector<FormulaParam> params, Read read) {
  Formula f;
  f.info = std::move(info);
  f.info.regime = std::move(regime);
  f.paper = std::string("stich2021");
  f.params = std::move(params);
  f.hypotheses = [read](const FormulaArgs& a) { return bounds::hypotheses_violated(read(a)); };
  return f;
}

// ---- R1, R1′ -------------------------------------------------------------------------------------

bounds::SgdStronglyConvexParams r1(const FormulaArgs& a) {
  bounds::SgdStronglyConvexParams p;
  p.L = a.get("L");
  p.mu = a.get("mu");
  p.noise = noise(a);
  p.theta_b = theta(a);
  p.step = a.get("gamma");
  p.r0 = a.get("r0");
  return p;
}

Formula strongly_convex() {
  Formula f = stich_formula(with_id(bounds::SgdStronglyConvexParams::info(), "sgd.strongly_convex.dist2", "dist2"),
                            "strongly convex, L-smooth (L upper, mu lower bound; M, sigma2 upper bounds)",
                            {p_L(), p_mu(), p_M(), p_sigma2(), p_b(), p_gamma(), p_r0(), p_t()}, r1);
  f.axis = std::string("t");
  f.evaluate = [](const FormulaArgs& a) {
    return one("E|x_t - x*|^2 <=", bounds::sgd_strongly_convex_bound(r1(a), to_int(a.get("t"))));
  };
  return f;
}

bounds::SgdRealizableLsqParams r1_prime(const FormulaArgs& a) {
  bounds::SgdRealizableLsqParams p;
  p.L = a.get("L");
  p.mu = a.get("mu");
  p.noise.M = a.get("M");
  p.noise.sigma2 = 0.0;
  p.noise.form = bounds::NoiseModel::kFunctionValue;
  p.theta_b = theta(a);
  p.step = a.get("gamma");
  p.r0 = a.get("r0");
  return p;
}

Formula realizable_lsq() {
  auto m = p_M();
  m.meaning = "function-value noise constant: E|g|^2 <= 2L(M+1)(f - f*) for one sample (M_curv)";
  Formula f = stich_formula(with_id(bounds::SgdRealizableLsqParams::info(), "sgd.lsq_realizable.dist2", "dist2"),
                            "realizable least squares, sigma2 = 0 (L = lambda_max, mu = lambda_min+ exact; M = M_curv or larger)",
                            {p_L(), p_mu(), m, p_b(), p_gamma(), p_r0(), p_t()}, r1_prime);
  f.axis = std::string("t");
  f.evaluate = [](const FormulaArgs& a) {
    return one("E|x_t - x*|^2 <=", bounds::sgd_realizable_lsq_bound(r1_prime(a), to_int(a.get("t"))));
  };
  return f;
}

// ---- R3 ------------------------------------------------------------------------------------------

bounds::SgdConvexParams r3(const FormulaArgs& a) {
  bounds::SgdConvexParams p;
  p.L = a.get("L");
  p.noise = noise(a);
  p.theta_b = theta(a);
  p.step = a.get("gamma");
  p.r0 = a.get("r0");
  return p;
}

Formula convex() {
  Formula f = stich_formula(with_id(bounds::SgdConvexParams::info(), "sgd.convex.subopt_average", "subopt"),
                            "convex, L-smooth (L, M, sigma2 upper bounds; r0 an upper bound)",
                            {p_L(), p_M(), p_sigma2(), p_b(), p_gamma(), p_r0(), p_T()}, r3);
  f.axis = std::string("T");
  f.evaluate = [](const FormulaArgs& a) {
    return one("E f(x_avg) - f* <=", bounds::sgd_convex_bound(r3(a), to_int(a.get("T"))));
  };
  return f;
}

bounds::SgdConvexTunedParams r3_tuned(const FormulaArgs& a) {
  bounds::SgdConvexTunedParams p;
  p.L = a.get("L");
  p.noise = noise(a);
  p.theta_b = theta(a);
  p.r0 = a.get("r0");
  p.T = to_int(a.get("T"));
  return p;
}

Formula convex_tuned() {
  Formula f = stich_formula(bounds::SgdConvexTunedParams::info(),
                            "convex, L-smooth (L, M, sigma2 upper bounds; r0 an upper bound)",
                            {p_L(), p_M(), p_sigma2(), p_b(), p_r0(), p_T()}, r3_tuned);
  f.axis = std::string("T");
  f.evaluate = [](const FormulaArgs& a) {
    const auto p = r3_tuned(a);
    return FormulaResult{{{"E f(x_avg) - f* <=", bounds::sgd_convex_tuned_bound(p)},
                          {"gamma (tuned)", bounds::sgd_convex_tuned_step(p)}},
                         std::nullopt};
  };
  return f;
}

// ---- R4 ------------------------------------------------------------------------------------------

bounds::SgdNonconvexParams r4(const FormulaArgs& a) {
  bounds::SgdNonconvexParams p;
  p.L = a.get("L");
  p.noise = noise(a);
  p.theta_b = theta(a);
  p.step = a.get("gamma");
  p.F0 = a.get("F0");
  return p;
}

Formula nonconvex() {
  Formula f = stich_formula(with_id(bounds::SgdNonconvexParams::info(), "sgd.nonconvex.avg_grad2", "avg_grad2"),
                            "nonconvex, L-smooth, bounded below (L, M, sigma2 upper bounds; F0 an upper bound)",
                            {p_L(), p_M(), p_sigma2(), p_b(), p_gamma(), p_F0(), p_T()}, r4);
  f.axis = std::string("T");
  f.evaluate = [](const FormulaArgs& a) {
    return one("(1/T) sum E|grad f(x_t)|^2 <=", bounds::sgd_nonconvex_bound(r4(a), to_int(a.get("T"))));
  };
  return f;
}

bounds::SgdNonconvexTunedParams r4_tuned(const FormulaArgs& a) {
  bounds::SgdNonconvexTunedParams p;
  p.L = a.get("L");
  p.noise = noise(a);
  p.theta_b = theta(a);
  p.F0 = a.get("F0");
  p.T = to_int(a.get("T"));
  return p;
}

Formula nonconvex_tuned() {
  Formula f = stich_formula(bounds::SgdNonconvexTunedParams::info(),
                            "nonconvex, L-smooth, bounded below (L, M, sigma2 upper bounds; F0 an upper bound)",
                            {p_L(), p_M(), p_sigma2(), p_b(), p_F0(), p_T()}, r4_tuned);
  f.axis = std::string("T");
  f.evaluate = [](const FormulaArgs& a) {
    const auto p = r4_tuned(a);
    return FormulaResult{{{"(1/T) sum E|grad f(x_t)|^2 <=", bounds::sgd_nonconvex_tuned_bound(p)},
                          {"gamma (tuned)", bounds::sgd_nonconvex_tuned_step(p)}},
                         std::nullopt};
  };
  return f;
}

// ---- R2, R5–R8, G --------------------------------------------------------------------------------

bounds::StichIterationsParams r2(const FormulaArgs& a) {
  bounds::StichIterationsParams p;
  p.L = a.get("L");
  p.mu = a.get("mu");
  p.noise = noise(a);
  p.theta_b = theta(a);
  p.r0 = a.get("r0");
  p.eps = a.get("eps");
  return p;
}

Formula iterations() {
  Formula f = stich_formula(bounds::StichIterationsParams::info(),
                            "strongly convex, L-smooth (L upper, mu lower bound; M, sigma2 upper bounds)",
                            {p_L(), p_mu(), p_M(), p_sigma2(), p_b(), p_r0(), p_eps()}, r2);
  f.evaluate = [](const FormulaArgs& a) {
    const auto p = r2(a);
    return FormulaResult{{{"T_eps <=", bounds::stich_iterations_sc(p)},
                          {"gamma", bounds::stich_iterations_sc_step(p)},
                          {"B_crit = M + sigma2/(mu L eps)", bounds::stich_critical_batch(p)}},
                         std::nullopt};
  };
  return f;
}

Formula batch_speedup() {
  auto m = p_M();
  m.default_value.reset();
  auto params = [](const FormulaArgs& a) {
    bounds::StichBatchSpeedupParams p;
    p.M = a.get("M");
    p.theta_b = theta(a);
    return p;
  };
  Formula f = stich_formula(bounds::StichBatchSpeedupParams::info(),
                            "realizable (sigma2 = 0), any regime with noise constant M",
                            {m, p_b()}, params);
  f.evaluate = [params](const FormulaArgs& a) {
    return one("T(1)/T(b)", bounds::stich_batch_speedup(params(a)));
  };
  return f;
}

bounds::StichDelayedIterationsParams r7(const FormulaArgs& a) {
  bounds::StichDelayedIterationsParams p;
  p.L = a.get("L");
  p.mu = a.get("mu");
  p.noise = noise(a);
  p.theta_b = theta(a);
  p.tau = to_int(a.get("tau"));
  p.r0 = a.get("r0");
  p.eps = a.get("eps");
  p.c = a.get("c");
  return p;
}

Formula delayed_iterations() {
  Formula f = stich_formula(bounds::StichDelayedIterationsParams::info(),
                            "strongly convex, L-smooth (L upper, mu lower bound; M, sigma2 upper bounds)",
                            {p_L(), p_mu(), p_M(), p_sigma2(), p_b(), p_tau(), p_r0(), p_eps(), p_c()}, r7);
  f.evaluate = [](const FormulaArgs& a) { return one("T_eps (predicted)", bounds::stich_delayed_iterations(r7(a))); };
  return f;
}

Formula delay_iterations() {
  auto params = [](const FormulaArgs& a) {
    bounds::StichDelayIterationsParams p;
    p.L = a.get("L");
    p.mu = a.get("mu");
    p.noise = noise(a);
    p.tau = to_int(a.get("tau"));
    p.r0 = a.get("r0");
    p.eps = a.get("eps");
    p.c = a.get("c");
    return p;
  };
  Formula f = stich_formula(bounds::StichDelayIterationsParams::info(),
                            "strongly convex, L-smooth (L upper, mu lower bound; M, sigma2 upper bounds)",
                            {p_L(), p_mu(), p_M(), p_sigma2(), p_tau(), p_r0(), p_eps(), p_c()}, params);
  f.evaluate = [params](const FormulaArgs& a) { return one("T_eps (predicted)", bounds::stich_delay_iterations(params(a))); };
  return f;
}

Formula async_speedup() {
  auto m = p_M();
  m.default_value.reset();
  auto params = [](const FormulaArgs& a) {
    bounds::StichAsyncSpeedupParams p;
    p.M = a.get("M");
    p.workers = to_int(a.get("W"));
    return p;
  };
  Formula f = stich_formula(bounds::StichAsyncSpeedupParams::info(),
                            "realizable (sigma2 = 0), equal-speed asynchronous workers",
                            {m, integer("W", "number of equal-speed asynchronous workers (delay tau = W - 1)", std::nullopt, 1)}, params);
  f.evaluate = [params](const FormulaArgs& a) { return one("wall-clock speedup", bounds::stich_async_speedup(params(a))); };
  return f;
}

Formula step_guideline() {
  auto m = p_M();
  m.default_value.reset();
  auto params = [](const FormulaArgs& a) {
    bounds::StichStepGuidelineParams p;
    p.L = a.get("L");
    p.M = a.get("M");
    p.theta_b = theta(a);
    p.tau = to_int(a.get("tau"));
    p.c = a.get("c");
    return p;
  };
  Formula f = stich_formula(bounds::StichStepGuidelineParams::info(),
                            "any L-smooth problem with noise constant M",
                            {p_L(), m, p_b(), p_tau(), p_c()}, params);
  f.evaluate = [params](const FormulaArgs& a) { return one("gamma", bounds::stich_step_guideline(params(a))); };
  return f;
}

}  // namespace

std::vector<Formula> formulas() {
  return {strongly_convex(), realizable_lsq(), convex(),          convex_tuned(),     nonconvex(),
          nonconvex_tuned(), iterations(),     batch_speedup(),   delayed_iterations(), delay_iterations(),
          async_speedup(),   step_guideline()};
}

}  // namespace sgdcheck::papers::stich2021
