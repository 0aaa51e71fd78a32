#include "bounds/regatti_bounds.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sgdcheck::bounds::regatti {

namespace {

StabilityBound refused(std::string why, Label label) {
  StabilityBound b;
  b.inadmissible = std::move(why);
  b.label = label;
  return b;
}

/// Sets eps = L·dist (when dist is known) and the vacuous flag.
StabilityBound finish(const StabilitySetting& s, double dist, double eps, Label label) {
  StabilityBound b;
  b.dist = dist;
  b.eps = std::isnan(eps) ? s.L * dist : eps;
  b.label = label;
  b.vacuous = !std::isfinite(b.eps) || b.eps >= s.sup_f;
  return b;
}

std::optional<std::string> basic(const StabilitySetting& s, std::int64_t T) {
  if (!(s.n >= 1) || !(s.L >= 0) || !(s.beta >= 0) || T < 0) return "needs n >= 1, L >= 0, beta >= 0, T >= 0";
  return std::nullopt;
}

/// The worst α_t/limit over t < T (the caller's step against a bound's cap).
std::optional<std::string> steps_at_most(const StepFn& alpha, std::int64_t T, const std::function<double(std::int64_t)>& cap,
                                         const char* what) {
  for (std::int64_t t = 0; t < T; ++t) {
    const double a = alpha(t);
    if (!(a >= 0)) return fmt::format("alpha_{} = {} is not a step >= 0", t, a);
    if (a > cap(t) * (1 + 1e-12)) return fmt::format("alpha_{} = {:.6g} > {} = {:.6g}", t, a, what, cap(t));
  }
  return std::nullopt;
}

/// Δ_T(t0) for every t0 = 0..T (Δ_T(T) = 0), computed backwards in O(T): Δ_T(t0) = g_{t0}·P_{t0+1} +
/// Δ_T(t0+1)·(1 + (1−1/n)α_{t0}β)… written as the suffix sum Σ_{t ≥ t0} (2α_tL/n) Π_{s>t}(1 + ρα_sβ).
std::vector<double> growth_from(const StabilitySetting& s, const StepFn& alpha, std::int64_t T) {
  const double rho = 1.0 - 1.0 / s.n;
  std::vector<double> delta(static_cast<std::size_t>(T) + 1, 0.0);
  double prod = 1.0;  // Π_{s = t+1}^{T−1} (1 + ρ α_s β)
  for (std::int64_t t = T - 1; t >= 0; --t) {
    const double a = alpha(t);
    delta[static_cast<std::size_t>(t)] = delta[static_cast<std::size_t>(t) + 1] + 2.0 * a * s.L / s.n * prod;
    prod *= 1.0 + rho * a * s.beta;
  }
  return delta;
}

}  // namespace

double d2_cap(double beta, double tau) { return 2.0 / ((2.0 * tau + 1.0) * beta); }

StabilityBound hrs_cvx(const StabilitySetting& s, const StepFn& alpha, std::int64_t T) {
  const Label label = Label::kLiterature;
  if (auto why = basic(s, T)) return refused(*why, label);
  if (!s.convex) return refused("the loss is not convex", label);
  if (s.tau > 0) return refused(fmt::format("tau = {} > 0: synchronous reference only, not a bound", s.tau), label);
  if (auto why = steps_at_most(alpha, T, [&](std::int64_t) { return 2.0 / s.beta; }, "2/beta")) return refused(*why, label);
  double sum = 0.0;
  for (std::int64_t t = 0; t < T; ++t) sum += alpha(t);
  return finish(s, 2.0 * s.L / s.n * sum, NAN, label);
}

StabilityBound hrs_sc(const StabilitySetting& s, double alpha, std::int64_t T) {
  const Label label = Label::kLiterature;
  if (auto why = basic(s, T)) return refused(*why, label);
  if (!(s.gamma > 0)) return refused("needs strong convexity gamma > 0", label);
  if (s.tau > 0) return refused(fmt::format("tau = {} > 0: synchronous reference only, not a bound", s.tau), label);
  if (!(alpha >= 0) || alpha > 1.0 / s.beta * (1 + 1e-12))
    return refused(fmt::format("alpha = {:.6g} > 1/beta = {:.6g}", alpha, 1.0 / s.beta), label);
  const double dist = 2.0 * s.L / (s.gamma * s.n) * (1.0 - std::pow(1.0 - alpha * s.gamma, static_cast<double>(T)));
  return finish(s, dist, NAN, label);
}

StabilityBound hrs_nc(const StabilitySetting& s, double c, std::int64_t T, const StepFn* alpha) {
  const Label label = Label::kLiterature;
  if (auto why = basic(s, T)) return refused(*why, label);
  if (!(s.sup_f <= 1.0)) return refused("needs a loss in [0, 1] (sup f <= 1)", label);
  if (!(s.n >= 2)) return refused("needs n >= 2", label);
  if (!(c > 0)) return refused("needs c > 0", label);
  if (s.tau > 0) return refused(fmt::format("tau = {} > 0: synchronous reference only (see d1_nc_delay)", s.tau), label);
  if (alpha)
    if (auto why = steps_at_most(*alpha, T, [&](std::int64_t t) { return c / static_cast<double>(t + 1); }, "c/(t+1)"))
      return refused(*why, label);
  const double q = s.beta * c;
  const double Td = static_cast<double>(T);
  const double eps =
      (1.0 + 1.0 / q) / (s.n - 1.0) * std::pow(2.0 * c * s.L * s.L, 1.0 / (q + 1.0)) * std::pow(Td, q / (q + 1.0));
  return finish(s, NAN, eps, label);
}

StabilityBound nc_numeric(const StabilitySetting& s, const StepFn& alpha, std::int64_t T) {
  const Label label = Label::kDerived;
  if (auto why = basic(s, T)) return refused(*why, label);
  if (!std::isfinite(s.sup_f)) return refused("needs a bounded loss (finite sup f)", label);
  if (s.tau > 0) return refused(fmt::format("tau = {} > 0: synchronous form (see d1_nc_delay)", s.tau), label);
  const std::vector<double> delta = growth_from(s, alpha, T);
  double best = INFINITY;
  for (std::int64_t t0 = 0; t0 <= T; ++t0)
    best = std::min(best, static_cast<double>(t0) * s.sup_f / s.n + s.L * delta[static_cast<std::size_t>(t0)]);
  return finish(s, NAN, best, label);
}

StabilityBound d1_delay(const StabilitySetting& s, const StepFn& alpha, std::int64_t T) {
  const Label label = Label::kDerived;
  if (auto why = basic(s, T)) return refused(*why, label);
  const double rho = 1.0 - 1.0 / s.n;
  double m = 0.0;
  for (std::int64_t t = 0; t < T; ++t) {
    const double a = alpha(t);
    if (!(a >= 0)) return refused(fmt::format("alpha_{} = {} is not a step >= 0", t, a), label);
    m = (1.0 + rho * a * s.beta) * m + 2.0 * a * s.L / s.n;
  }
  return finish(s, m, NAN, label);
}

double d1_delay_closed(const StabilitySetting& s, double alpha, std::int64_t T) {
  return 2.0 * s.L / (s.n * s.beta) * (std::pow(1.0 + alpha * s.beta, static_cast<double>(T)) - 1.0);
}

StabilityBound d1_nc_delay(const StabilitySetting& s, double c, const StepFn& alpha, std::int64_t T) {
  StabilitySetting sync = s;
  sync.tau = 0;  // the recursion and the t0 lemma do not see the delays (data-independent)
  const StabilityBound a = hrs_nc(sync, c, T, &alpha);
  const StabilityBound b = nc_numeric(sync, alpha, T);
  StabilityBound out;
  if (!a.admissible() && !b.admissible()) out = a;
  else if (!a.admissible()) out = b;
  else if (!b.admissible()) out = a;
  else out = a.eps <= b.eps ? a : b;
  out.label = Label::kDerived;
  return out;
}

StabilityBound d2_delay(const StabilitySetting& s, double alpha, std::int64_t T) {
  const Label label = Label::kDerived;
  if (auto why = basic(s, T)) return refused(*why, label);
  if (!s.convex) return refused("the loss is not convex", label);
  if (s.projected) return refused("projected run: d2_delay is derived for the unprojected recursion only", label);
  const double cap = d2_cap(s.beta, s.tau);
  if (!(alpha >= 0) || alpha > cap * (1 + 1e-12))
    return refused(fmt::format("alpha = {:.6g} > 2/((2tau+1)beta) = {:.6g}", alpha, cap), label);
  const double Td = static_cast<double>(T);
  const double dist = 4.0 * alpha * s.L * Td / s.n + 2.0 * alpha * s.L * std::sqrt((2.0 * s.tau + 1.0) * Td / s.n);
  return finish(s, dist, NAN, label);
}

const std::vector<std::string>& stability_bound_ids() {
  static const std::vector<std::string> ids = {"hrs_cvx", "hrs_sc", "hrs_nc", "nc_numeric", "d1_delay", "d1_nc_delay",
                                               "d2_delay"};
  return ids;
}

}  // namespace sgdcheck::bounds::regatti
