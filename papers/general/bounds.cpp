// Adapters of the general bounds (bounds/general_bounds.hpp): delayed SGD D1–D3, the same bounds at
// τ = 0 for mini-batch SGD, and local SGD on identical data L1–L3. Every cell's bound says which
// constants it used and where they came from (BoundAdapter::constants → bounds.csv), and a reason
// names them too. Constants are exact or one-sided (L, L_max upper bounds, μ a lower bound); an
// estimate (a sampled M_grad) is never used.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "bounds/general_bounds.hpp"
#include "pipeline/bound_adapter_support.hpp"
#include "pipeline/bound_registry.hpp"
#include "runners/run_spec.hpp"

namespace sgdcheck::papers::general {

using namespace pipeline;

namespace {

using bounds::GeneralBound;

enum class Regime { kStronglyConvex, kConvex, kNonconvex };
enum class Algo { kMinibatch, kDelayed, kLocal };

std::string num(double v) { return fmt::format("{:.6g}", v); }

/// The batch as the noise constants see it: b with replacement, 1/θ_b without (θ_b <= 1/b).
struct BatchUse {
  double b = 1.0;
  std::string text;
};
BatchUse batch_use(const runners::RunSpec& spec) {
  const auto b = static_cast<double>(spec.batch());
  if (spec.sampling == problems::Sampling::kWithReplacement || !(spec.theta_b > 0.0) || spec.theta_b >= 1.0 / b)
    return {b, fmt::format("b = {}", spec.batch())};
  return {1.0 / spec.theta_b, fmt::format("b_eff = 1/theta_b = {} (batch {} without replacement)",
                                          num(1.0 / spec.theta_b), spec.batch())};
}

/// Everything a general bound needs for one cell, with the text of where each constant came from.
struct Resolved {
  double L = NAN, mu = 0.0;
  bounds::ConvexNoise cnoise;
  bounds::NonconvexNoise nnoise;
  std::int64_t tau = 0, P = 1, H = 1;
  double gamma = NAN, r0 = NAN, F0 = NAN;
  std::string text;  ///< "L = … (exact); …", no commas (a CSV field that needs no quoting)
};

std::string exactness(bool exact, const char* otherwise) { return exact ? "exact" : otherwise; }

/// The convex noise constants (NC) available for this cell: (i) from L_max and σ², (ii) from a
/// valid (M, σ_M²) pair. Each with its text.
std::vector<std::pair<bounds::ConvexNoise, std::string>> convex_noise_choices(const CellContext& ctx, const BatchUse& b,
                                                                              double L) {
  const auto& c = ctx.problem.constants();
  std::vector<std::pair<bounds::ConvexNoise, std::string>> out;
  if (ctx.problem.n() > 0 && std::isfinite(c.L_max) && std::isfinite(c.sigma2) && c.exact_sigma2 &&
      c.convexity != problems::Convexity::kNonconvex) {
    const auto n = bounds::convex_noise_from_smoothness(c.L_max, c.sigma2, b.b);
    out.emplace_back(n, fmt::format("noise (i) A = 2 L_max/b = {} and C = 2 sigma2/b = {} from L_max = {} ({}) and "
                                    "sigma2 = {} at x* (exact)",
                                    num(n.A), num(n.C), num(c.L_max), exactness(c.exact_L, "upper bound"),
                                    num(c.sigma2)));
  }
  std::string why;
  if (const auto pair = valid_noise_pair(ctx.problem, why)) {
    const auto n = bounds::convex_noise_from_m(L, pair->M, pair->sigmaM2, b.b);
    out.emplace_back(n, fmt::format("noise (ii) A = L M/b = {} and C = sigmaM2/b = {} from {}", num(n.A), num(n.C),
                                    pair->source));
  }
  return out;
}

std::string commas_to_semicolons(std::string s) {
  for (char& ch : s)
    if (ch == ',') ch = ';';
  return s;
}

/// Resolves the constants of `regime` for the cell, or nullopt with the reason in `why`. The step
/// condition is not checked here (hypotheses_violated of the params does that).
std::optional<Resolved> resolve(const CellContext& ctx, Algo algo, Regime regime, std::string& why) {
  const auto& c = ctx.problem.constants();
  const auto& spec = ctx.spec;
  const auto run = run_setting(ctx);
  if (!run.constant_step) {
    why = "the bound needs a constant step; the run uses " + run.step_text;
    return std::nullopt;
  }
  if (regime == Regime::kStronglyConvex && run.iterate != runners::IterateKind::kLast) {
    why = "the bound is about the last iterate (local SGD: the virtual average); the run reports " + iterate_text(run);
    return std::nullopt;
  }
  if (regime != Regime::kStronglyConvex && !spec.running_metrics) {
    why = std::string("needs runner.running_metrics = true (records the running mean the bound is about: ") +
          (regime == Regime::kNonconvex ? "avg_grad2" : (algo == Algo::kDelayed ? "avg_subopt_read" : "avg_subopt")) +
          ")";
    return std::nullopt;
  }
  if (regime == Regime::kStronglyConvex && !(c.convexity == problems::Convexity::kStronglyConvex && c.mu > 0)) {
    why = "problem is not strongly convex (" + problems::to_string(c.convexity) + "); see the convex bound";
    return std::nullopt;
  }
  if (regime == Regime::kConvex && c.convexity == problems::Convexity::kNonconvex) {
    why = "problem is nonconvex; see the nonconvex bound";
    return std::nullopt;
  }
  if (!(c.L > 0) || !std::isfinite(c.L)) {
    why = "needs the smoothness L (exact or an upper bound); the problem gives L = " + num(c.L);
    return std::nullopt;
  }
  Resolved r;
  r.L = c.L;
  r.mu = regime == Regime::kStronglyConvex ? c.mu : 0.0;
  r.gamma = run.gamma;
  const BatchUse b = batch_use(spec);
  std::string text = fmt::format("L = {} ({})", num(c.L), exactness(c.exact_L, "upper bound"));
  if (regime == Regime::kStronglyConvex)
    text += fmt::format("; mu = {} ({})", num(c.mu), exactness(c.exact_mu, "lower bound"));
  text += "; " + b.text;
  if (algo == Algo::kDelayed) {
    r.tau = spec.delay.max_delay;
    text += fmt::format("; tau = {} (max delay of {})", r.tau, spec.delay.text);
  } else if (algo == Algo::kLocal) {
    r.P = spec.workers;
    r.H = spec.max_gap;
    text += fmt::format("; P = {}; H = {} (max gap of {})", r.P, r.H, spec.communication->describe());
  }
  text += fmt::format("; gamma = {} (the run's constant step)", num(r.gamma));
  if (regime == Regime::kNonconvex) {
    const auto pair = valid_noise_pair(ctx.problem, why);
    if (!pair) return std::nullopt;
    r.nnoise = bounds::nonconvex_noise(pair->M, pair->sigmaM2, b.b);
    r.F0 = ctx.problem.value(ctx.problem.initial_point()) - lower_bound_of_f(ctx.problem);
    text += fmt::format("; m = M/b = {} and s2 = sigmaM2/b = {} from {}; F0 = f(x0) - f_inf = {} (f_inf = {})",
                        num(r.nnoise.m), num(r.nnoise.s2), pair->source, num(r.F0),
                        c.convexity == problems::Convexity::kNonconvex ? "0: the loss is >= 0" : "f*");
    r.text = commas_to_semicolons(text);
    return r;
  }
  r.r0 = initial_r0(ctx.problem);
  const auto choices = convex_noise_choices(ctx, b, c.L);
  if (choices.empty()) {
    why = "no convex noise constants (A, C): needs L_max and sigma2 of convex f_i or a valid (M, sigmaM2) pair (" +
          [&] {
            std::string w;
            (void)valid_noise_pair(ctx.problem, w);
            return w;
          }() + ")";
    return std::nullopt;
  }
  // The admissible choice with the smaller value at the last recorded point; else the first.
  auto admissible = [&](const bounds::ConvexNoise& n) {
    if (algo == Algo::kLocal) return !bounds::local_convex_step_violated(r.L, r.mu, n.A, r.P, r.H, r.gamma);
    return !bounds::delayed_convex_step_violated(r.L, r.mu, n.A, r.tau, r.gamma);
  };
  auto value_at_end = [&](const bounds::ConvexNoise& n) {
    const std::int64_t t = ctx.iters.empty() ? 1 : std::max<std::int64_t>(ctx.iters.back(), 1);
    if (algo == Algo::kLocal) {
      const bounds::LocalSgdParams p{r.L, r.mu, n, r.P, r.H, r.gamma, r.r0};
      return regime == Regime::kStronglyConvex ? bounds::local_sc_dist2_bound(p, t)
                                               : bounds::local_convex_avg_subopt_bound(p, t);
    }
    const bounds::DelayedSgdParams p{r.L, r.mu, n, r.tau, r.gamma, r.r0};
    return regime == Regime::kStronglyConvex ? bounds::delayed_sc_dist2_bound(p, t)
                                             : bounds::delayed_convex_avg_subopt_bound(p, t);
  };
  std::size_t best = 0;
  double best_value = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < choices.size(); ++k) {
    if (!admissible(choices[k].first)) continue;
    const double v = value_at_end(choices[k].first);
    if (v < best_value) {
      best_value = v;
      best = k;
    }
  }
  r.cnoise = choices[best].first;
  text += "; " + choices[best].second;
  if (choices.size() > 1) text += " (the smaller of noise (i) and (ii) at the horizon)";
  text += fmt::format("; r0 = ||x0 - x*||^2 = {}", num(r.r0));
  r.text = commas_to_semicolons(text);
  return r;
}

/// D-bounds' and L-bounds' hypotheses at the resolved constants, with the constants in the reason.
std::optional<std::string> violated(const Resolved& r, Algo algo, Regime regime) {
  std::optional<std::string> why;
  if (algo == Algo::kLocal) {
    if (regime == Regime::kNonconvex)
      why = bounds::local_nonconvex_violated({r.L, r.nnoise, r.P, r.H, r.gamma, r.F0});
    else if (regime == Regime::kStronglyConvex)
      why = bounds::local_sc_violated({r.L, r.mu, r.cnoise, r.P, r.H, r.gamma, r.r0});
    else
      why = bounds::local_convex_violated({r.L, 0.0, r.cnoise, r.P, r.H, r.gamma, r.r0});
  } else {
    if (regime == Regime::kNonconvex)
      why = bounds::delayed_nonconvex_violated({r.L, r.nnoise, r.tau, r.gamma, r.F0});
    else if (regime == Regime::kStronglyConvex)
      why = bounds::delayed_sc_violated({r.L, r.mu, r.cnoise, r.tau, r.gamma, r.r0});
    else
      why = bounds::delayed_convex_violated({r.L, 0.0, r.cnoise, r.tau, r.gamma, r.r0});
  }
  if (why) return *why + " [constants: " + r.text + "]";
  return std::nullopt;
}

std::vector<double> evaluate(const Resolved& r, Algo algo, Regime regime, const std::vector<std::int64_t>& iters) {
  std::vector<double> out;
  out.reserve(iters.size());
  for (const std::int64_t t : iters) {
    if (algo == Algo::kLocal) {
      if (regime == Regime::kNonconvex)
        out.push_back(bounds::local_nonconvex_avg_grad2_bound({r.L, r.nnoise, r.P, r.H, r.gamma, r.F0}, t + 1));
      else if (regime == Regime::kStronglyConvex)
        out.push_back(bounds::local_sc_dist2_bound({r.L, r.mu, r.cnoise, r.P, r.H, r.gamma, r.r0}, t));
      else
        out.push_back(bounds::local_convex_avg_subopt_bound({r.L, 0.0, r.cnoise, r.P, r.H, r.gamma, r.r0}, t + 1));
    } else {
      if (regime == Regime::kNonconvex)
        out.push_back(bounds::delayed_nonconvex_avg_grad2_bound({r.L, r.nnoise, r.tau, r.gamma, r.F0}, t + 1));
      else if (regime == Regime::kStronglyConvex)
        out.push_back(bounds::delayed_sc_dist2_bound({r.L, r.mu, r.cnoise, r.tau, r.gamma, r.r0}, t));
      else {
        // Delayed: the mean over the t read points of the updates so far (t = 0: the first read
        // point x_0, T = 1). Mini-batch (tau = 0): the mean of f(x_s) − f* over s <= t, T = t + 1.
        const std::int64_t T = algo == Algo::kDelayed ? std::max<std::int64_t>(t, 1) : t + 1;
        out.push_back(bounds::delayed_convex_avg_subopt_bound({r.L, 0.0, r.cnoise, r.tau, r.gamma, r.r0}, T));
      }
    }
  }
  return out;
}

BoundAdapter make(Algo algo, Regime regime) {
  BoundAdapter a;
  const GeneralBound which =
      algo == Algo::kLocal
          ? (regime == Regime::kStronglyConvex ? GeneralBound::kLocalStronglyConvex
             : regime == Regime::kConvex       ? GeneralBound::kLocalConvex
                                               : GeneralBound::kLocalNonconvex)
          : (regime == Regime::kStronglyConvex ? GeneralBound::kDelayedStronglyConvex
             : regime == Regime::kConvex       ? GeneralBound::kDelayedConvex
                                               : GeneralBound::kDelayedNonconvex);
  a.info = bounds::general_bound_info(which);
  if (algo == Algo::kMinibatch) {
    // The same pure function at tau = 0 (mini-batch SGD); D2's running mean is over x_0..x_t.
    a.info.id = "minibatch_sgd" + a.info.id.substr(a.info.id.find('.'));
    a.info.title = "mini-batch" + a.info.title.substr(a.info.title.find(' '));
    if (regime == Regime::kConvex) {
      a.info.id = "minibatch_sgd.convex.avg_subopt";
      a.info.metric = "avg_subopt";
    }
    a.info.reference += "; tau = 0 case of the delayed bound";
    a.runners = {"minibatch_sgd"};
    a.about = "a single sequence with fresh gradients (no delay model, no communication schedule)";
    a.not_about = [](const runners::RunSpec& s) { return not_single_sequence_without_delay(s); };
  } else if (algo == Algo::kDelayed) {
    a.runners = {"delayed_sgd"};
    a.about = "a single sequence with a delay model (fixed, random or file delays <= tau, independent of the samples)";
    a.not_about = [](const runners::RunSpec& s) { return not_delayed_sequence(s); };
  } else {
    a.runners = {"local_sgd"};
    a.about = "local SGD on identical data (P workers, any synchronisation schedule with maximal gap H)";
    a.not_about = [](const runners::RunSpec& s) { return not_local_sgd(s); };
  }
  a.not_applicable = [algo, regime](const CellContext& ctx) -> std::optional<std::string> {
    std::string why;
    const auto r = resolve(ctx, algo, regime, why);
    if (!r) return why;
    return violated(*r, algo, regime);
  };
  a.evaluate = [algo, regime](const CellContext& ctx) {
    std::string why;
    return evaluate(*resolve(ctx, algo, regime, why), algo, regime, ctx.iters);
  };
  a.constants = [algo, regime](const CellContext& ctx) {
    std::string why;
    const auto r = resolve(ctx, algo, regime, why);
    return r ? r->text : std::string();
  };
  return a;
}

}  // namespace

std::vector<BoundAdapter> adapters() {
  std::vector<BoundAdapter> out;
  for (const Algo algo : {Algo::kDelayed, Algo::kMinibatch, Algo::kLocal})
    for (const Regime regime : {Regime::kStronglyConvex, Regime::kConvex, Regime::kNonconvex})
      out.push_back(make(algo, regime));
  return with_sgd_model_checks(std::move(out));
}

}  // namespace sgdcheck::papers::general
