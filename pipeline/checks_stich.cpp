// Check kinds of the stich paper system (see pipeline/checks.cpp for the foundation's):
//   saturation         measured critical batch / delay (efficiency crossing) vs a predicted constant
//   fit_rate           fit T(b) = α(1 + β/b) (or T(τ) = α(1 + τ/β)) in log space, β̂ against constants
//   constant_relation  a relation between per-cell constants / options (M_grad + 1 >= 1/Delta, …)
//   ratio              a per-cell ratio of quantities (T_R2 / T_ε, T_oracle / T_ε, …) within [min, max]
// Quantities are small arithmetic expressions over the cell's constants (constants.csv), its resolved
// options (cells.csv, e.g. problem.d or just d), its sweep values, T_eps (iterations until the seed-mean
// curve reaches the target, pipeline/derived.hpp) and T.<bound id> (the same on a bound / oracle curve).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

#include "core/rng.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/derived.hpp"
#include "pipeline/expression.hpp"

namespace sgdcheck::pipeline {

namespace {

// ---------------------------------------------------------------------------------------------
// Expressions: numbers, names ([A-Za-z_][A-Za-z0-9_.]*), + - * / ^, unary -, parentheses,
// comparisons (< <= > >= ==, value 1 or 0), && ||, and functions log exp sqrt abs ceil floor
// min max. Names resolve through a callback; an unknown name is a ConfigError.

using Resolver = std::function<std::optional<double>(const std::string&)>;

class Expr {
 public:
  Expr(std::string text, Resolver resolve, std::string what)
      : s_(std::move(text)), resolve_(std::move(resolve)), what_(std::move(what)) {}

  double eval() {
    pos_ = 0;
    const double v = logical();
    skip();
    if (pos_ != s_.size()) fail("unexpected '" + s_.substr(pos_) + "'");
    return v;
  }

 private:
  std::string s_;
  Resolver resolve_;
  std::string what_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  static constexpr int kMaxDepth = 200;

  [[noreturn]] void fail(const std::string& msg) const {
    throw ConfigError("checks: " + what_ + " = \"" + s_ + "\": " + msg);
  }
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool eat(const std::string& tok) {
    skip();
    if (s_.compare(pos_, tok.size(), tok) == 0) {
      pos_ += tok.size();
      return true;
    }
    return false;
  }
  double logical() {
    double v = comparison();
    for (;;) {
      if (eat("&&")) {
        const double r = comparison();
        v = (v != 0 && r != 0) ? 1 : 0;
      } else if (eat("||")) {
        const double r = comparison();
        v = (v != 0 || r != 0) ? 1 : 0;
      } else {
        return v;
      }
    }
  }
  double comparison() {
    const double v = sum();
    if (eat("<=")) return v <= sum() ? 1 : 0;
    if (eat(">=")) return v >= sum() ? 1 : 0;
    if (eat("==")) return v == sum() ? 1 : 0;
    if (eat("<")) return v < sum() ? 1 : 0;
    if (eat(">")) return v > sum() ? 1 : 0;
    return v;
  }
  double sum() {
    double v = product();
    for (;;) {
      if (eat("+")) v += product();
      else if (eat("-")) v -= product();
      else return v;
    }
  }
  double product() {
    double v = power();
    for (;;) {
      if (eat("*")) v *= power();
      else if (eat("/")) v /= power();
      else return v;
    }
  }
  double power() {
    const double base = unary();
    if (eat("^")) return std::pow(base, power());  // right associative
    return base;
  }
  double unary() {
    // Every nesting (parentheses, arguments, unary signs, ^ chains) passes here: bound the recursion
    // so a hostile expression is a ConfigError, not a stack overflow (found by fuzz/fuzz_expression).
    struct Depth {
      int& d;
      ~Depth() { --d; }
    } depth{++depth_};
    if (depth_ > kMaxDepth) fail("nested more than " + std::to_string(kMaxDepth) + " levels deep");
    if (eat("-")) return -unary();
    if (eat("+")) return unary();
    return primary();
  }
  double primary() {
    skip();
    if (pos_ >= s_.size()) fail("unexpected end");
    if (eat("(")) {
      const double v = logical();
      if (!eat(")")) fail("missing ')'");
      return v;
    }
    const char ch = s_[pos_];
    if (std::isdigit(static_cast<unsigned char>(ch)) || ch == '.') {
      std::size_t used = 0;
      double v = 0;
      try {
        v = std::stod(s_.substr(pos_), &used);
      } catch (const std::exception&) {
        fail("bad number");
      }
      pos_ += used;
      return v;
    }
    if (!(std::isalpha(static_cast<unsigned char>(ch)) || ch == '_')) fail(std::string("unexpected '") + ch + "'");
    const std::size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' ||
                                s_[pos_] == '.'))
      ++pos_;
    const std::string name = s_.substr(start, pos_ - start);
    if (eat("(")) {
      std::vector<double> args{logical()};
      while (eat(",")) args.push_back(logical());
      if (!eat(")")) fail("missing ')' after the arguments of " + name);
      auto one = [&](double (*f)(double)) {
        if (args.size() != 1) fail(name + " takes one argument");
        return f(args[0]);
      };
      if (name == "log") return one(std::log);
      if (name == "exp") return one(std::exp);
      if (name == "sqrt") return one(std::sqrt);
      if (name == "abs") return one(std::fabs);
      if (name == "ceil") return one(std::ceil);
      if (name == "floor") return one(std::floor);
      if (name == "min") return *std::min_element(args.begin(), args.end());
      if (name == "max") return *std::max_element(args.begin(), args.end());
      fail("unknown function " + name + " (log exp sqrt abs ceil floor min max)");
    }
    if (name == "inf") return INFINITY;
    const auto v = resolve_(name);
    if (!v) fail("unknown name " + name);
    return *v;
  }
};

// ---------------------------------------------------------------------------------------------
// Per-cell names.

struct TargetSpec {
  std::string metric = "dist2";
  double target = 1e-4;
  bool relative = true;
};

TargetSpec target_of(const Params& p) {
  return {p.get_string("metric"), p.get_real("target"), p.get_bool("relative")};
}

double cell_T(const CellResult& c, const TargetSpec& t) {
  auto it = c.metrics.find(t.metric);
  if (it == c.metrics.end()) return NAN;
  return iterations_to_target(it->second, t.target, t.relative);
}

std::optional<double> parse_number(const std::string& s) {
  try {
    std::size_t used = 0;
    const double v = std::stod(s, &used);
    if (used == s.size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

Resolver cell_resolver(const ResultSet& rs, const CellResult& c, const TargetSpec& t, double extra_value = NAN,
                       const std::string& extra_name = "") {
  return [&rs, &c, t, extra_value, extra_name](const std::string& name) -> std::optional<double> {
    if (!extra_name.empty() && name == extra_name) return extra_value;
    if (name == "T_eps") return cell_T(c, t);
    if (name.rfind("T.", 0) == 0) {
      const BoundSeries* b = c.bound(name.substr(2));
      if (!b) return std::nullopt;
      if (!b->applicable) return NAN;
      return iterations_to_target(b->iters, b->values, t.target, t.relative);
    }
    auto k = c.constants.find(name);
    if (k != c.constants.end()) return k->second.first;
    for (std::size_t i = 0; i < rs.sweep_keys.size(); ++i) {
      const auto& sk = rs.sweep_keys[i];
      if (sk == name || sk.substr(sk.find('.') + 1) == name) return parse_number(c.sweep_values[i]);
    }
    for (const std::string& full : {name, "problem." + name, "runner." + name}) {
      auto o = c.options.find(full);
      if (o != c.options.end()) return parse_number(o->second);
    }
    return std::nullopt;
  };
}

double eval_in_cell(const std::string& expr, const std::string& what, const ResultSet& rs, const CellResult& c,
                    const TargetSpec& t, double extra_value = NAN, const std::string& extra_name = "") {
  return Expr(expr, cell_resolver(rs, c, t, extra_value, extra_name), what).eval();
}

/// Cells selected by `where` and the `when` expression (empty: all).
std::vector<const CellResult*> chosen_cells(const ResultSet& rs, const Params& p, const TargetSpec& t) {
  std::vector<const CellResult*> out;
  const std::string when = p.has("when") ? p.get_string("when") : "";
  for (const auto& c : rs.cells) {
    if (!selected(rs, c, p.get_string("where"))) continue;
    if (!when.empty() && eval_in_cell(when, "when", rs, c, t) == 0) continue;
    out.push_back(&c);
  }
  return out;
}

/// Cells grouped by the values of every sweep key except `sweep`, each group sorted by its numeric
/// value of `sweep`. Throws ConfigError when `sweep` is not a sweep key.
struct Group {
  std::string label;
  std::vector<double> x;
  std::vector<const CellResult*> cells;
};

std::size_t sweep_pos(const ResultSet& rs, const std::string& sweep) {
  for (std::size_t k = 0; k < rs.sweep_keys.size(); ++k) {
    const auto& sk = rs.sweep_keys[k];
    if (sk == sweep || sk.substr(sk.find('.') + 1) == sweep) return k;
  }
  throw ConfigError("checks: sweep = " + sweep + " is not a sweep key of this experiment");
}

std::vector<Group> groups_over(const ResultSet& rs, const std::vector<const CellResult*>& cells,
                               const std::string& sweep) {
  const std::size_t pos = sweep_pos(rs, sweep);
  std::map<std::string, Group> by;
  std::vector<std::string> order;
  for (const CellResult* c : cells) {
    std::string key;
    for (std::size_t k = 0; k < rs.sweep_keys.size(); ++k)
      if (k != pos) {
        const auto& sk = rs.sweep_keys[k];
        key += (key.empty() ? "" : ", ") + sk.substr(sk.find('.') + 1) + "=" + c->sweep_values[k];
      }
    const auto v = parse_number(c->sweep_values[pos]);
    if (!v) throw ConfigError("checks: sweep " + sweep + " has a non-numeric value " + c->sweep_values[pos]);
    if (!by.count(key)) order.push_back(key);
    auto& g = by[key];
    g.label = key.empty() ? "all" : key;
    g.x.push_back(*v);
    g.cells.push_back(c);
  }
  std::vector<Group> out;
  for (const auto& key : order) {
    Group g = by[key];
    std::vector<std::size_t> idx(g.x.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return g.x[a] < g.x[b]; });
    Group s{g.label, {}, {}};
    for (auto i : idx) {
      s.x.push_back(g.x[i]);
      s.cells.push_back(g.cells[i]);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string fmt_list(const std::vector<double>& v) {
  std::string s;
  for (double x : v) {
    if (!s.empty()) s += ' ';  // (not "" + string: GCC 12 reports a false -Wrestrict there)
    s += fmt::format("{:.4g}", x);
  }
  return s;
}

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

std::pair<double, double> quantiles(std::vector<double> v, double level) {
  if (v.empty()) return {NAN, NAN};
  std::sort(v.begin(), v.end());
  auto q = [&](double f) { return v[static_cast<std::size_t>(f * static_cast<double>(v.size() - 1))]; };
  return {q((1 - level) / 2), q(1 - (1 - level) / 2)};
}

/// Bootstrap over reps (the same resample in every cell of a group: cells share their random numbers).
template <class Stat>
std::vector<double> bootstrap_group(const Group& g, const TargetSpec& t, std::int64_t B, std::size_t stream,
                                    Stat&& stat) {
  std::vector<double> out;
  std::vector<const MetricSeries*> ms;
  std::size_t R = SIZE_MAX;
  for (const CellResult* c : g.cells) {
    auto it = c->metrics.find(t.metric);
    if (it == c->metrics.end()) return out;
    ms.push_back(&it->second);
    R = std::min(R, it->second.values.size());
  }
  if (R < 2) return out;
  Rng rng = make_stream(0, stream, StreamPurpose::kBootstrap);
  std::vector<std::size_t> reps(R);
  std::vector<double> T(ms.size());
  for (std::int64_t b = 0; b < B; ++b) {
    for (auto& r : reps) r = rng.below(R);
    for (std::size_t i = 0; i < ms.size(); ++i) T[i] = iterations_to_target_resampled(*ms[i], reps, t.target, t.relative);
    const double s = stat(T);
    if (!std::isnan(s)) out.push_back(s);
  }
  return out;
}

CheckOutcome saturation(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "saturation";
  const TargetSpec t = target_of(p);
  const std::string sweep = p.get_string("sweep");
  const bool batch = p.get_string("mode") == "batch";
  const double level = p.get_real("efficiency");
  const auto& within = p.get_list("within");
  if (within.size() != 2 || !(within[0] <= within[1]))
    throw ConfigError("checks: saturation.within must be [lo, hi] with lo <= hi");
  const std::string predicted = p.get_string("predicted");
  const auto B = p.get_int("bootstrap");
  out.subject = fmt::format("{} over {} ({} = {})", batch ? "critical batch" : "critical delay", sweep,
                            batch ? "efficiency" : "T(x)/T(x0)", batch ? level : 1 / level);
  const auto groups = groups_over(rs, chosen_cells(rs, p, t), sweep);
  bool ok = !groups.empty();
  if (groups.empty()) out.details.push_back("no cell selected: nothing was checked");
  std::string ratios;
  for (const auto& g : groups) {
    std::vector<double> T;
    for (const CellResult* c : g.cells) T.push_back(cell_T(*c, t));
    const double pred = eval_in_cell(predicted, "saturation.predicted", rs, *g.cells.front(), t);
    std::string why;
    bool cell_ok = true;
    double xc = NAN;
    if (g.x.size() < 2) {
      cell_ok = false;
      why = "needs at least two swept values";
    } else if (!std::all_of(T.begin(), T.end(), [](double v) { return std::isfinite(v) && v > 0; })) {
      cell_ok = false;
      why = "T_eps not finite and positive at every swept value (target not reached?)";
    } else {
      xc = crossing(g.x, T, batch, level);
      cell_ok = std::isfinite(xc) && xc >= within[0] * pred && xc <= within[1] * pred;
      if (!std::isfinite(xc)) why = fmt::format("never reached up to {} = {}", sweep, g.x.back());
    }
    std::string ci;
    if (std::isfinite(xc) && B > 0) {
      const auto boot = bootstrap_group(g, t, B, g.cells.front()->id, [&](const std::vector<double>& Tb) {
        return crossing(g.x, Tb, batch, level);
      });
      const auto [lo, hi] = quantiles(boot, 0.95);
      ci = fmt::format(", 95% bootstrap CI [{:.4g}, {:.4g}] = [{:.3g}, {:.3g}]·predicted", lo, hi, lo / pred, hi / pred);
    }
    ok = ok && cell_ok;
    ratios += (ratios.empty() ? "" : ", ") + fmt::format("{:.3g}", xc / pred);
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
  const auto groups = groups_over(rs, chosen_cells(rs, p, t), sweep);
  bool ok = !groups.empty();
  if (groups.empty()) out.details.push_back("no cell selected: nothing was checked");
  if (lower.empty() && upper.empty()) out.details.push_back("report only (no lower / upper given)");
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
      const double lo = lower.empty() ? -INFINITY : eval_in_cell(lower, "fit_rate.lower", rs, c0, t, f.beta, "beta_hat");
      const double hi = upper.empty() ? INFINITY : eval_in_cell(upper, "fit_rate.upper", rs, c0, t, f.beta, "beta_hat");
      cell_ok = f.beta >= lo && f.beta <= hi;
      std::string ci;
      if (B > 0) {
        const auto boot = bootstrap_group(g, t, B, g.cells.front()->id + 7919, [&](const std::vector<double>& Tb) -> double {
          for (double v : Tb)
            if (!(std::isfinite(v) && v > 0)) return NAN;
          return fit_rate_model(g.x, Tb, batch).beta;
        });
        const auto [l, h] = quantiles(boot, 0.95);
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
    }
    ok = ok && cell_ok;
    out.details.push_back(g.label + ": " + (cell_ok ? "ok" : "FAIL") + " — " + txt);
  }
  out.passed = ok;
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
  const double tol = p.get_real("tolerance");
  out.subject = lhs + " " + rel + " " + rhs;
  const auto cells = chosen_cells(rs, p, t);
  bool ok = !cells.empty();
  if (cells.empty()) out.details.push_back("no cell selected: nothing was checked");
  double worst = rel == "approx" ? 0.0 : INFINITY;
  for (const CellResult* c : cells) {
    const double l = eval_in_cell(lhs, "constant_relation.lhs", rs, *c, t);
    const double r = eval_in_cell(rhs, "constant_relation.rhs", rs, *c, t);
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
  const double lo = p.get_real("min"), hi = p.get_real("max");
  out.subject = "(" + num + ") / (" + den + ")";
  const auto cells = chosen_cells(rs, p, t);
  bool ok = !cells.empty();
  if (cells.empty()) out.details.push_back("no cell selected: nothing was checked");
  double rmin = INFINITY, rmax = -INFINITY;
  for (const CellResult* c : cells) {
    const double a = eval_in_cell(num, "ratio.numerator", rs, *c, t);
    const double b = eval_in_cell(den, "ratio.denominator", rs, *c, t);
    const double r = a / b;
    const bool cell_ok = std::isfinite(r) && r >= lo && r <= hi;
    if (!std::isnan(r)) {
      rmin = std::min(rmin, r);
      rmax = std::max(rmax, r);
    }
    ok = ok && cell_ok;
    out.details.push_back(fmt::format("{}: {} — {} = {:.6g}, {} = {:.6g}, ratio {:.4g} (allowed [{}, {}])", rs.cell_label(*c),
                                      cell_ok ? "ok" : "FAIL", num, a, den, b, r, lo, hi));
  }
  out.passed = ok;
  out.summary = fmt::format("({}) / ({}) in [{}, {}] in every selected cell (T_eps: seed-mean {} {} {}); range [{:.4g}, {:.4g}]",
                            num, den, lo, hi, t.metric, t.relative ? "/ initial <=" : "<=", t.target, rmin, rmax);
  return out;
}

std::vector<Field> target_fields() {
  return {string_field("metric", "dist2", "metric of T_eps (iterations until the seed-mean curve reaches the target)"),
          real_field("target", 1e-4, 0.0, kInf, "target ε of T_eps", true),
          bool_field("relative", true, "T_eps measures metric / metric(iter 0) <= target")};
}

Field when_field() {
  return string_field("when", "",
                      "only cells where this expression is nonzero, e.g. runner.batch <= M_curv (empty: every cell)");
}

}  // namespace

std::vector<CheckKind> stich_check_kinds() {
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
    kinds.push_back(std::move(k));
  }
  return kinds;
}

double evaluate_expression(const std::string& text, const Resolver& resolve, const std::string& what) {
  return Expr(text, resolve, what).eval();
}

}  // namespace sgdcheck::pipeline
