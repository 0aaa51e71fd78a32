// Generic checks on T_eps (iterations until the seed-mean curve reaches a target) and on per-cell
// expressions (first used for Stich, Mohtashami & Jaggi 2021):
//   saturation         measured critical batch / delay (efficiency crossing) vs a predicted constant
//   fit_rate           fit T(b) = α(1 + β/b) (or T(τ) = α(1 + τ/β)) in log space, β̂ against constants
//                      (report only when neither lower nor upper is given)
//   constant_relation  a relation between per-cell constants / options (M_grad + 1 >= 1/Delta, …)
//   ratio              a per-cell ratio of quantities (T_R2 / T_ε, T_oracle / T_ε, …) within [min, max]
//   monotone           a per-cell expression rises / falls along a numeric sweep key
// Quantities are expressions (analysis/expression.hpp) over the cell's constants (constants.csv), its
// resolved options (cells.csv, e.g. problem.d or just d), its sweep values, T_eps and T.<bound id>;
// they are parsed and their names resolved before any run (pipeline/checks_validate.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

#include "papers/foundation/checks.hpp"
#include "pipeline/checks_support.hpp"

namespace sgdcheck::papers::foundation {

using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::checks;

namespace {

// ---------------------------------------------------------------------------------------------
// saturation

/// Efficiency relative to the smallest swept value x0: batch  E = x0·T(x0) / (x·T(x)),
/// delay  E = T(x0) / T(x). Returns the first x where E falls to `level`, interpolated
/// (batch: linear in log x and log E; delay: linear in x and 1/E), or +inf if it never does.
double crossing(const std::vector<double>& x, const std::vector<double>& T, bool batch, double level) {
  auto eff = [&](std::size_t i) { return batch ? x[0] * T[0] / (x[i] * T[i]) : T[0] / T[i]; };
  for (std::size_t i = 1; i < x.size(); ++i) {
    const double e1 = eff(i);
    if (!(e1 <= level)) continue;
    const double e0 = eff(i - 1);
    if (batch) {
      const double l0 = std::log(e0), l1 = std::log(e1);
      if (!(x[i - 1] > 0) || !std::isfinite(l0) || !std::isfinite(l1) || l0 == l1) return x[i];
      return std::exp(std::log(x[i - 1]) + (std::log(x[i]) - std::log(x[i - 1])) * (std::log(level) - l0) / (l1 - l0));
    }
    const double r0 = 1 / e0, r1 = 1 / e1, rl = 1 / level;  // T(x)/T(x0), linear in x beyond the knee
    if (!std::isfinite(r1) || r1 == r0) return x[i];
    return x[i - 1] + (x[i] - x[i - 1]) * (rl - r0) / (r1 - r0);
  }
  return INFINITY;
}

CheckOutcome saturation(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "saturation";
  const TargetSpec t = target_of(p);
  const std::string sweep = p.get_string("sweep");
  const bool batch = p.get_string("mode") == "batch";
  const double level = p.get_real("efficiency");
  const auto& within = p.get_list("within");  // [lo, hi], lo <= hi (checked at plan time)
  const std::string predicted = p.get_string("predicted");
  const auto predicted_expr = expression_of(p, "predicted");
  const auto B = p.get_int("bootstrap");
  out.subject = fmt::format("{} over {} ({} = {})", batch ? "critical batch" : "critical delay", sweep,
                            batch ? "efficiency" : "T(x)/T(x0)", batch ? level : 1 / level);
  const auto groups = groups_along(rs, chosen_cells(rs, p, t), sweep);
  bool ok = !groups.empty();
  if (groups.empty()) out.details.push_back("no cell selected: nothing was checked");
  std::string ratios;
  for (const auto& g : groups) {
    std::vector<double> T;
    for (const CellResult* c : g.cells) T.push_back(cell_T(*c, t));
    const double pred = eval_in_cell(predicted_expr, rs, *g.cells.front(), t);
    std::string why;
    bool cell_ok = true;
    double xc = NAN;
    if (g.x.size() < 2) {
      cell_ok = false;
      why = "needs at least two swept values";
    } else if (!std::all_of(T.begin(), T.end(), [](double v) { return std::isfinite(v) && v > 0; })) {
      cell_ok = false;
      std::vector<double> never;
      for (std::size_t i = 0; i < T.size(); ++i)
        if (std::isinf(T[i])) never.push_back(g.x[i]);
      why = never.empty()
                ? std::string("T_eps not finite and positive at every swept value")
                : fmt::format("T_eps = inf at {} = [{}]: the seed-mean {} never reached {} there (a target below the "
                              "constant-step noise floor, or too few iterations); no crossing can be measured",
                              sweep, fmt_list(never), t.metric, t.target);
    } else {
      xc = crossing(g.x, T, batch, level);
      cell_ok = std::isfinite(xc) && xc >= within[0] * pred && xc <= within[1] * pred;
      if (!std::isfinite(xc)) why = fmt::format("never reached up to {} = {}", sweep, g.x.back());
    }
    std::string ci;
    if (std::isfinite(xc) && B > 0) {
      const auto boot = bootstrap_T(g, t, B, [&](const std::vector<double>& Tb) {
        return crossing(g.x, Tb, batch, level);
      });
      const auto [lo, hi] = analysis::central_interval(boot, 0.95);
      ci = fmt::format(", 95% bootstrap CI [{:.4g}, {:.4g}] = [{:.3g}, {:.3g}]·predicted", lo, hi, lo / pred, hi / pred);
    }
    ok = ok && cell_ok;
    ratios += (ratios.empty() ? "" : ", ") + fmt::format("{:.3g}", xc / pred);
    out.values.emplace_back("crossing", xc);
    out.values.emplace_back("predicted", pred);
    out.values.emplace_back("ratio", xc / pred);
    out.details.push_back(fmt::format(
        "{}: {} — crossing at {} = {:.4g}, predicted {} = {:.4g}, ratio {:.3g} (allowed [{}, {}]){}; x = [{}], T_eps = [{}]{}",
        g.label, cell_ok ? "ok" : "FAIL", sweep, xc, predicted, pred, xc / pred, within[0], within[1], ci,
        fmt_list(g.x), fmt_list(T), why.empty() ? "" : "; " + why));
  }
  out.passed = ok;
  out.summary = fmt::format("{} where the {} crosses {} ({} {} of seed-mean {} {} {}) lies in [{}, {}]·({}); ratios {}",
                            sweep, batch ? "efficiency x0·T(x0)/(x·T(x))" : "ratio T(x)/T(x0)", batch ? level : 1 / level,
                            "T =", "iterations until", t.metric, t.relative ? "/ initial <=" : "<=", t.target,
                            within[0], within[1], predicted, ratios.empty() ? "none" : ratios);
  return out;
}

// ---------------------------------------------------------------------------------------------
// fit_rate

struct Fit {
  double alpha = NAN, beta = NAN, rms = NAN;
};

/// Least squares in log space: log T = log α + log(1 + x/β) (delay) or log(1 + β/x) (batch), β > 0.
Fit fit_rate_model(const std::vector<double>& x, const std::vector<double>& T, bool batch) {
  const std::size_t n = x.size();
  auto sse = [&](double beta, double& la) {
    la = 0;
    std::vector<double> g(n);
    for (std::size_t i = 0; i < n; ++i) {
      g[i] = std::log(batch ? 1 + beta / x[i] : 1 + x[i] / beta);
      la += (std::log(T[i]) - g[i]) / static_cast<double>(n);
    }
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += std::pow(std::log(T[i]) - la - g[i], 2);
    return s;
  };
  const double xmin = std::max(*std::min_element(x.begin(), x.end()), 1e-3);
  const double xmax = std::max(*std::max_element(x.begin(), x.end()), 1.0);
  const double lo = std::log(xmin * 1e-4), hi = std::log(xmax * 1e4);
  double best = INFINITY, best_lb = lo, la = 0;
  const int grid = 2000;
  for (int k = 0; k <= grid; ++k) {
    const double lb = lo + (hi - lo) * k / grid;
    const double s = sse(std::exp(lb), la);
    if (s < best) {
      best = s;
      best_lb = lb;
    }
  }
  double a = best_lb - (hi - lo) / grid, b = best_lb + (hi - lo) / grid;  // golden refinement
  const double phi = (std::sqrt(5.0) - 1) / 2;
  for (int it = 0; it < 80; ++it) {
    const double c = b - phi * (b - a), d = a + phi * (b - a);
    if (sse(std::exp(c), la) < sse(std::exp(d), la)) b = d;
    else a = c;
  }
  Fit f;
  f.beta = std::exp((a + b) / 2);
  f.rms = std::sqrt(sse(f.beta, la) / static_cast<double>(n));
  f.alpha = std::exp(la);
  return f;
}

CheckOutcome fit_rate(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "fit_rate";
  const TargetSpec t = target_of(p);
  const std::string sweep = p.get_string("sweep");
  const bool batch = p.get_string("model") == "batch";
  const std::string lower = p.get_string("lower"), upper = p.get_string("upper");
  const auto B = p.get_int("bootstrap");
  out.subject = fmt::format("T({0}) = alpha·(1 + {1}) over {2}", batch ? "b" : "tau", batch ? "beta/b" : "tau/beta", sweep);
  const auto groups = groups_along(rs, chosen_cells(rs, p, t), sweep);
  bool ok = !groups.empty();
  if (groups.empty()) out.details.push_back("no cell selected: nothing was checked");
  std::string betas;
  for (const auto& g : groups) {
    std::vector<double> T;
    for (const CellResult* c : g.cells) T.push_back(cell_T(*c, t));
    bool cell_ok = true;
    std::string txt;
    if (g.x.size() < 3 ||
        !std::all_of(T.begin(), T.end(), [](double v) { return std::isfinite(v) && v > 0; }) ||
        (batch && !std::all_of(g.x.begin(), g.x.end(), [](double v) { return v > 0; }))) {
      cell_ok = false;
      txt = fmt::format("needs >= 3 swept values with finite T_eps > 0 (and b > 0); T_eps = [{}]", fmt_list(T));
    } else {
      const Fit f = fit_rate_model(g.x, T, batch);
      const CellResult& c0 = *g.cells.front();
      const double lo = lower.empty() ? -INFINITY : eval_in_cell(expression_of(p, "lower"), rs, c0, t, "beta_hat", f.beta);
      const double hi = upper.empty() ? INFINITY : eval_in_cell(expression_of(p, "upper"), rs, c0, t, "beta_hat", f.beta);
      cell_ok = f.beta >= lo && f.beta <= hi;
      std::string ci;
      if (B > 0) {
        const auto boot = bootstrap_T(g, t, B, [&](const std::vector<double>& Tb) -> double {
          for (double v : Tb)
            if (!(std::isfinite(v) && v > 0)) return NAN;
          return fit_rate_model(g.x, Tb, batch).beta;
        });
        const auto [l, h] = analysis::central_interval(boot, 0.95);
        ci = fmt::format(" (95% bootstrap CI [{:.4g}, {:.4g}])", l, h);
      }
      std::string rel;
      for (const char* name : {"M_curv", "M_grad"}) {
        const double m = c0.constant(name);
        if (std::isfinite(m) && m > 0) rel += fmt::format(", beta_hat/{} = {:.3g}", name, f.beta / m);
      }
      txt = fmt::format("beta_hat = {:.4g}{}, alpha_hat = {:.4g}, rms log residual {:.3g}{}; allowed [{}, {}] = [{:.4g}, {:.4g}]; x = [{}], T_eps = [{}]",
                        f.beta, ci, f.alpha, f.rms, rel, lower.empty() ? "-inf" : lower, upper.empty() ? "inf" : upper,
                        lo, hi, fmt_list(g.x), fmt_list(T));
      betas += (betas.empty() ? "" : ", ") + fmt::format("{:.4g}", f.beta);
      out.values.emplace_back("beta_hat", f.beta);
      out.values.emplace_back("alpha_hat", f.alpha);
      out.values.emplace_back("rms_log_residual", f.rms);
    }
    ok = ok && cell_ok;
    // Without limits nothing is gated: a group's line says fitted / not fitted, never ok / FAIL.
    const bool gated = !lower.empty() || !upper.empty();
    out.details.push_back(g.label + ": " + (gated ? (cell_ok ? "ok" : "FAIL") : (cell_ok ? "fitted" : "not fitted")) +
                          " — " + txt);
  }
  out.passed = ok;
  if (lower.empty() && upper.empty()) {
    if (ok) out.report("no lower / upper given: the fitted numbers are shown, nothing is gated");
    else out.skip("no lower / upper given, and the rate could not be fitted in every group (see the details)");
  }
  out.summary = fmt::format("fitted beta_hat in [{}, {}] (T = iterations until seed-mean {} {} {}); beta_hat = {}",
                            lower.empty() ? "-inf" : lower, upper.empty() ? "inf" : upper, t.metric,
                            t.relative ? "/ initial <=" : "<=", t.target, betas.empty() ? "none" : betas);
  return out;
}

// ---------------------------------------------------------------------------------------------
// constant_relation and ratio

CheckOutcome constant_relation(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "constant_relation";
  const TargetSpec t = target_of(p);
  const std::string lhs = p.get_string("lhs"), rhs = p.get_string("rhs"), rel = p.get_string("relation");
  const auto lhs_expr = expression_of(p, "lhs"), rhs_expr = expression_of(p, "rhs");
  const double tol = p.get_real("tolerance");
  out.subject = lhs + " " + rel + " " + rhs;
  const auto cells = chosen_cells(rs, p, t);
  bool ok = !cells.empty();
  if (cells.empty()) out.details.push_back("no cell selected: nothing was checked");
  double worst = rel == "approx" ? 0.0 : INFINITY;
  for (const CellResult* c : cells) {
    const double l = eval_in_cell(lhs_expr, rs, *c, t);
    const double r = eval_in_cell(rhs_expr, rs, *c, t);
    bool cell_ok = false;
    std::string txt;
    if (rel == "approx") {
      const double dev = std::abs(l / r - 1);
      cell_ok = dev <= tol + 1e-12;
      worst = std::max(worst, std::isnan(dev) ? INFINITY : dev);
      txt = fmt::format("{} = {:.6g}, {} = {:.6g}, |lhs/rhs - 1| = {:.4g} (tolerance {})", lhs, l, rhs, r, dev, tol);
    } else {
      const double slack = tol * std::abs(r) + 1e-12 * std::abs(r);
      cell_ok = rel == ">=" ? l >= r - slack : l <= r + slack;
      const double margin = rel == ">=" ? l / r : r / l;  // >= 1 when it holds (positive values)
      worst = std::min(worst, std::isnan(margin) ? -INFINITY : margin);
      txt = fmt::format("{} = {:.6g} {} {} = {:.6g} (ratio lhs/rhs {:.4g}, slack {})", lhs, l, rel, rhs, r, l / r, tol);
    }
    ok = ok && cell_ok;
    out.details.push_back(rs.cell_label(*c) + ": " + (cell_ok ? "ok" : "FAIL") + " — " + txt);
  }
  out.passed = ok;
  out.values.emplace_back(rel == "approx" ? "largest_deviation" : "tightest_ratio", worst);
  out.summary = rel == "approx"
                    ? fmt::format("{} within {} (relative) of {} in every selected cell; largest deviation {:.4g}", lhs, tol, rhs, worst)
                    : fmt::format("{} {} {} in every selected cell (relative slack {}); tightest {} {:.4g}", lhs, rel,
                                  rhs, tol, rel == ">=" ? "lhs/rhs" : "rhs/lhs", worst);
  return out;
}

CheckOutcome ratio(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "ratio";
  const TargetSpec t = target_of(p);
  const std::string num = p.get_string("numerator"), den = p.get_string("denominator");
  const auto num_expr = expression_of(p, "numerator"), den_expr = expression_of(p, "denominator");
  const double lo = p.get_real("min"), hi = p.get_real("max");
  out.subject = "(" + num + ") / (" + den + ")";
  const auto cells = chosen_cells(rs, p, t);
  bool ok = !cells.empty();
  if (cells.empty()) out.details.push_back("no cell selected: nothing was checked");
  double rmin = INFINITY, rmax = -INFINITY;
  for (const CellResult* c : cells) {
    const double a = eval_in_cell(num_expr, rs, *c, t);
    const double b = eval_in_cell(den_expr, rs, *c, t);
    const double r = a / b;
    // An infinite side is a target never reached (T_eps = inf), not a ratio of 0 or inf: it fails,
    // saying so, whatever [min, max] allows.
    const bool infinite = std::isinf(a) || std::isinf(b);
    const bool cell_ok = !infinite && std::isfinite(r) && r >= lo && r <= hi;
    if (!std::isnan(r) && !infinite) {
      rmin = std::min(rmin, r);
      rmax = std::max(rmax, r);
    }
    ok = ok && cell_ok;
    const std::string why =
        infinite ? fmt::format("; {} is infinite: T_eps = inf means the seed-mean {} never reached {} in this cell (a "
                               "target below the constant-step noise floor, or too few iterations); the ratio is "
                               "undefined",
                               std::isinf(b) ? den : num, t.metric, t.target)
                 : std::string();
    out.details.push_back(fmt::format("{}: {} — {} = {:.6g}, {} = {:.6g}, ratio {:.4g} (allowed [{}, {}]){}", rs.cell_label(*c),
                                      cell_ok ? "ok" : "FAIL", num, a, den, b, r, lo, hi, why));
  }
  out.passed = ok;
  out.values.emplace_back("ratio_min", rmin);
  out.values.emplace_back("ratio_max", rmax);
  out.summary = fmt::format("({}) / ({}) in [{}, {}] in every selected cell (T_eps: seed-mean {} {} {}); range {}",
                            num, den, lo, hi, t.metric, t.relative ? "/ initial <=" : "<=", t.target,
                            rmin <= rmax ? fmt::format("[{:.4g}, {:.4g}]", rmin, rmax) : std::string("none (no finite ratio)"));
  return out;
}

// ---------------------------------------------------------------------------------------------
// monotone (generic): a per-cell expression rises or falls along a numeric sweep key

CheckOutcome monotone(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "monotone";
  const TargetSpec t = target_of(p);
  const std::string along = p.get_string("along"), value = p.get_string("value");
  const bool increasing = p.get_string("direction") == "increasing";
  const double tol = p.get_real("tolerance");
  const auto expr = expression_of(p, "value");
  out.subject = fmt::format("{} {} along {}", value, increasing ? "rises" : "falls", along);
  const auto groups = groups_along(rs, chosen_cells(rs, p, t), along);
  bool ok = true;
  int steps = 0;
  double worst = INFINITY;  // smallest relative step in the expected direction (negative: against it)
  for (const auto& g : groups) {
    std::vector<double> v;
    for (const CellResult* c : g.cells) v.push_back(eval_in_cell(expr, rs, *c, t));
    bool gok = g.cells.size() >= 2;
    for (std::size_t i = 1; i < v.size(); ++i) {
      // step in the expected direction, relative to the larger magnitude; a step may go against it by tol
      const double d = (increasing ? v[i] - v[i - 1] : v[i - 1] - v[i]) /
                       std::max({std::abs(v[i]), std::abs(v[i - 1]), 1e-300});
      const bool sok = std::isfinite(v[i]) && std::isfinite(v[i - 1]) && d >= -tol;
      gok = gok && sok;
      worst = std::min(worst, std::isnan(d) ? -INFINITY : d);
      ++steps;
    }
    ok = ok && gok;
    out.details.push_back(fmt::format("{}: {} — {} = [{}] at {} = [{}]{}", g.label, gok ? "ok" : "FAIL", value,
                                      fmt_list(v), along, fmt_list(g.x), g.cells.size() < 2 ? " (fewer than two values)" : ""));
  }
  if (groups.empty()) {
    ok = false;
    out.details.push_back("no cell selected: nothing was checked");
  }
  out.passed = ok;
  out.values = {{"steps", steps}, {"smallest_relative_step", worst}};
  out.summary = fmt::format("{} is {} in {} in every group of the other sweep keys (relative slack {}); {} steps, "
                            "smallest relative step {:.4g}",
                            value, increasing ? "non-decreasing" : "non-increasing", along, tol, steps, worst);
  return out;
}

}  // namespace

std::vector<CheckKind> rate_check_kinds() {
  const std::string names =
      " Expressions: + - * / ^ ( ) < <= > >= == && ||, log exp sqrt abs ceil floor min max; names: constants "
      "(constants.csv: L, mu, M_grad, M_curv, r0, theta_b, Delta, …), options (problem.d or d), sweep values, "
      "T_eps, T.<bound id>.";
  std::vector<CheckKind> kinds;
  {
    CheckKind k;
    k.schema = {"saturation",
                "the measured critical batch (efficiency x0·T(x0)/(x·T(x)) falls to a level) or delay (T(x) = "
                "T(x0)/level) lies within a factor range of a predicted constant, per setting of the other sweep keys." +
                    names,
                {string_field("sweep", std::nullopt, "sweep key of the batch or delay, e.g. runner.batch"),
                 choice_field("mode", "batch", {"batch", "delay"},
                              "batch: efficiency x0·T(x0)/(x·T(x)); delay: efficiency T(x0)/T(x) (x0: smallest value)"),
                 real_field("efficiency", 0.5, 0.0, 1.0, "level whose first crossing is the critical value", true, true),
                 string_field("predicted", std::nullopt, "expression of the prediction, e.g. M_curv"),
                 list_field("within", std::vector<double>{0.5, 2.0}, "[lo, hi]: allowed crossing / predicted"),
                 int_field("bootstrap", 200, 0, 1e6, "bootstrap resamples over seeds for the printed 95% CI (0: none)")}};
    for (auto& f : target_fields()) k.schema.fields.push_back(f);
    k.schema.fields.push_back(when_field());
    k.run = saturation;
    k.roles = {{"sweep", OptionRole::kNumericSweepKey}, {"predicted", OptionRole::kExpression},
               {"when", OptionRole::kExpression}};
    k.check_options = [](const Params& p) {
      const auto& w = p.get_list("within");
      if (w.size() != 2 || !(w[0] <= w[1])) p.fail("within", "within = [lo, hi] with lo <= hi");
    };
    k.per_run_metrics = bootstrapped_metric;
    kinds.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"fit_rate",
                "fits T(b) = alpha(1 + beta/b) (or T(tau) = alpha(1 + tau/beta)) to T_eps in log space per setting "
                "of the other sweep keys and compares beta_hat with expressions of the constants." + names,
                {string_field("sweep", std::nullopt, "sweep key, e.g. runner.batch"),
                 choice_field("model", "batch", {"batch", "delay"},
                              "batch: T = alpha(1 + beta/b); delay: T = alpha(1 + tau/beta)"),
                 string_field("lower", "", "expression: beta_hat >= lower (empty: no lower limit), e.g. 0.5*M_curv"),
                 string_field("upper", "", "expression: beta_hat <= upper (empty: no upper limit), e.g. 2*M_grad"),
                 int_field("bootstrap", 200, 0, 1e6, "bootstrap resamples over seeds for the printed 95% CI (0: none)")}};
    for (auto& f : target_fields()) k.schema.fields.push_back(f);
    k.schema.fields.push_back(when_field());
    k.run = fit_rate;
    k.roles = {{"sweep", OptionRole::kNumericSweepKey}, {"lower", OptionRole::kExpression},
               {"upper", OptionRole::kExpression}, {"when", OptionRole::kExpression}};
    k.extra_names = {"beta_hat"};
    k.per_run_metrics = bootstrapped_metric;
    kinds.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"constant_relation",
                "a relation between expressions of each cell's constants, options and sweep values (e.g. M_grad + 1 "
                ">= 1/Delta, or M_grad approx d - 2 + 3/density)." + names,
                {string_field("lhs", std::nullopt, "left expression"),
                 choice_field("relation", ">=", {">=", "<=", "approx"},
                              "approx: |lhs/rhs - 1| <= tolerance; >= / <=: with relative slack tolerance·|rhs|"),
                 string_field("rhs", std::nullopt, "right expression"),
                 real_field("tolerance", 0.0, 0.0, kInf, "relative tolerance (approx) or slack (>=, <=)")}};
    for (auto& f : target_fields()) k.schema.fields.push_back(f);
    k.schema.fields.push_back(when_field());
    k.run = constant_relation;
    k.roles = {{"lhs", OptionRole::kExpression}, {"rhs", OptionRole::kExpression}, {"when", OptionRole::kExpression}};
    kinds.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"ratio",
                "a per-cell ratio of two expressions lies in [min, max], e.g. an iteration-count bound over the "
                "measured T_eps." + names,
                {string_field("numerator", std::nullopt, "expression, e.g. 2*L/mu*(1 + theta_b*M_grad)*log(2/1e-4)"),
                 string_field("denominator", "T_eps", "expression (default: the measured T_eps)"),
                 real_field("min", 0.0, -kInf, kInf, "smallest allowed ratio"),
                 real_field("max", kInf, -kInf, kInf, "largest allowed ratio")}};
    for (auto& f : target_fields()) k.schema.fields.push_back(f);
    k.schema.fields.push_back(when_field());
    k.run = ratio;
    k.roles = {{"numerator", OptionRole::kExpression}, {"denominator", OptionRole::kExpression},
               {"when", OptionRole::kExpression}};
    kinds.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"monotone",
                "a per-cell expression rises (or falls) along a numeric sweep key in every group of the other sweep "
                "keys, e.g. T_eps falls with the batch size." + names,
                {string_field("along", std::nullopt, "numeric sweep key, e.g. runner.batch"),
                 string_field("value", "T_eps", "expression evaluated in each cell"),
                 choice_field("direction", "increasing", {"increasing", "decreasing"}, "expected direction"),
                 real_field("tolerance", 0.0, 0.0, kInf,
                            "a step may go against the direction by this much, relative to max(|a|, |b|)")}};
    for (auto& f : target_fields()) k.schema.fields.push_back(f);
    k.schema.fields.push_back(when_field());
    k.run = monotone;
    k.roles = {{"along", OptionRole::kNumericSweepKey}, {"value", OptionRole::kExpression},
               {"when", OptionRole::kExpression}};
    kinds.push_back(std::move(k));
  }
  return kinds;
}

}  // namespace sgdcheck::papers::foundation
