// Constant-step mini-batch SGD bounds. Derivations (all "derived": standard SGD algebra, our constants).
//
// Common step. Let g be the mean of a batch at x, e = x − x*, θ = θ_b, (M, σ²) the single-sample noise.
//   E‖g‖² = ‖∇f‖² + θ·E‖g_1 − ∇f‖²                                           (batch mean, unbiased)
//   gradient-norm form:  E‖g‖² <= (1 + θM)‖∇f‖² + θσ²                           (G)
//   both forms:          E‖g‖² <= 2L(1 + θM)(f − f*) + θσ²                      (F)
// (F) follows from (G) by ‖∇f‖² <= 2L(f − f*); for the function-value form
// E‖g‖² = (1−θ)‖∇f‖² + θE‖g_1‖² <= (1−θ)2L(f−f*) + θ(2L(M+1)(f−f*) + σ²) = 2L(1+θM)(f−f*) + θσ².
//
// Distance recursion (convex f):
//   E‖e_{t+1}‖² = ‖e_t‖² − 2γ⟨∇f, e_t⟩ + γ²E‖g‖²
//              <= ‖e_t‖² − 2γ⟨∇f, e_t⟩ + 2γ²L(1+θM)(f − f*) + γ²θσ²            by (F)
// R1 (μ-strongly convex, ⟨∇f, e⟩ >= f − f* + (μ/2)‖e‖²):
//   E‖e_{t+1}‖² <= (1 − γμ)‖e_t‖² − 2γ(1 − γL(1+θM))(f − f*) + γ²θσ²
//              <= (1 − γμ)‖e_t‖² + γ²θσ²                 if γ <= 1/(L(1+θM)) (the bracket is >= 0)
//   unrolled: (1−γμ)^t r0 + γ²θσ² Σ_{k<t}(1−γμ)^k <= (1−γμ)^t r0 + γθσ²/μ.
//   The spec's condition γ <= 1/(2L(1+θM)) is stricter; R1′ is the same algebra with σ = 0 and the
//   wider condition (function-value form, M = M_curv).
// R3 (convex, ⟨∇f, e⟩ >= f − f*), γ <= 1/(2L(1+θM)) so 1 − γL(1+θM) >= ½:
//   E‖e_{t+1}‖² <= E‖e_t‖² − γ(E f(x_t) − f*) + γ²θσ²
//   sum t = 0..T−1:  γ Σ_t (E f(x_t) − f*) <= r0 − E‖e_T‖² + Tγ²θσ² <= r0 + Tγ²θσ²
//   ⇒ (1/T) Σ_{t<T} E f(x_t) − f* <= r0/(γT) + γθσ²;  Jensen: f(x̄_T) <= (1/T)Σ_t f(x_t).
// R3 tuned: γ = min(γ_max, √(r0/(θσ²T))), γ_max = 1/(2L(1+θM)).
//   r0/(γT) = max(r0/(γ_max T), √(r0θσ²/T)) <= 2L(1+θM)r0/T + √(r0θσ²/T),
//   γθσ² <= √(r0/(θσ²T))·θσ² = √(r0θσ²/T)  ⇒  total <= 2L(1+θM)r0/T + 2√(r0θσ²/T).
// R4 (L-smooth, gradient-norm form (G)), γ <= 1/(L(1+θM)):
//   E f(x_{t+1}) <= f(x_t) − γ‖∇f‖² + (Lγ²/2)E‖g‖²
//               <= f(x_t) − γ(1 − Lγ(1+θM)/2)‖∇f‖² + Lγ²θσ²/2
//               <= f(x_t) − (γ/2)‖∇f(x_t)‖² + Lγ²θσ²/2
//   sum t = 0..T−1: (γ/2) Σ_t E‖∇f(x_t)‖² <= F0 − (E f(x_T) − inf f) + TLγ²θσ²/2 <= F0 + TLγ²θσ²/2
//   ⇒ (1/T) Σ_{t<T} E‖∇f(x_t)‖² <= 2F0/(γT) + γLθσ².
// R4 tuned: γ = min(γ_max, √(2F0/(Lθσ²T))), γ_max = 1/(L(1+θM)).
//   2F0/(γT) <= 2L(1+θM)F0/T + √(2LF0θσ²/T),  γLθσ² <= √(2LF0θσ²/T).
#include "bounds/minibatch_sgd_bound.hpp"

#include <stdexcept>

#include "bounds/detail/hypotheses.hpp"

namespace sgdcheck::bounds {

using detail::first_of;
using detail::mu_ok;
using detail::nonnegative;
using detail::positive;
using detail::Why;

namespace {

/// γ <= limit, message "step γ > <formula> = limit".
Why step_at_most(double step, double limit, const char* formula) {
  if (step <= limit) return std::nullopt;
  return fmt::format("step {:g} > {} = {:g}", step, formula, limit);
}

Why horizon_ok(std::int64_t T) {
  if (T >= 1) return std::nullopt;
  return fmt::format("horizon T = {} violates T >= 1", T);
}

void require_iteration(std::int64_t t, std::int64_t min) {
  if (t < min) throw std::invalid_argument(fmt::format("iteration {} < {}", t, min));
}

template <class P, class F>
std::vector<double> map_iterations(const P& p, std::span<const std::int64_t> ts, F&& at) {
  detail::require(p);
  std::vector<double> out;
  out.reserve(ts.size());
  for (const std::int64_t t : ts) out.push_back(at(p, t));
  return out;
}

}  // namespace

// ---- R1 -------------------------------------------------------------------------------------------

const BoundInfo& SgdStronglyConvexParams::info() {
  static const BoundInfo i{"sgd.strongly_convex.dist2",
                           "SGD, strongly convex, constant step (R1)",
                           "Stich, Mohtashami & Jaggi (2021) arXiv:2103.02351; sgdcheck R1",
                           Label::kDerived,
                           Guarantee::kUpper,
                           "dist2"};
  return i;
}

std::optional<std::string> hypotheses_violated(const SgdStronglyConvexParams& p) {
  return first_of([&] { return positive("L", p.L); },
                  [&] { return mu_ok(p.L, p.mu); },
                  [&] { return detail::noise_ok(p.noise); },
                  [&] { return detail::theta_in_range(p.theta_b); },
                  [&] { return positive("step", p.step); },
                  [&] { return nonnegative("r0", p.r0); },
                  [&] { return step_at_most(p.step, 1.0 / (2.0 * p.L * (1.0 + p.theta_b * p.noise.M)), "1/(2L(1+θM))"); });
}

double sgd_strongly_convex_bound(const SgdStronglyConvexParams& p, std::int64_t t) {
  detail::require(p);
  require_iteration(t, 0);
  return std::pow(1.0 - p.step * p.mu, static_cast<double>(t)) * p.r0 +
         p.step * p.theta_b * p.noise.sigma2 / p.mu;
}

std::vector<double> sgd_strongly_convex_bound(const SgdStronglyConvexParams& p, std::span<const std::int64_t> t) {
  return map_iterations(p, t, [](const SgdStronglyConvexParams& q, std::int64_t s) {
    return sgd_strongly_convex_bound(q, s);
  });
}

// ---- R1′ ------------------------------------------------------------------------------------------

const BoundInfo& SgdRealizableLsqParams::info() {
  static const BoundInfo i{"sgd.lsq_realizable.dist2",
                           "SGD, realizable least squares, M_curv (R1′)",
                           "sgdcheck R1′; Stich, Mohtashami & Jaggi (2021) arXiv:2103.02351",
                           Label::kDerived,
                           Guarantee::kUpper,
                           "dist2"};
  return i;
}

std::optional<std::string> hypotheses_violated(const SgdRealizableLsqParams& p) {
  return first_of([&] { return positive("L", p.L); },
                  [&] { return mu_ok(p.L, p.mu); },
                  [&] { return detail::noise_ok(p.noise); },
                  [&] { return detail::unless(p.noise.sigma2 == 0.0, "noise.sigma2", p.noise.sigma2, "σ² = 0 (realizable)"); },
                  [&] { return detail::theta_in_range(p.theta_b); },
                  [&] { return positive("step", p.step); },
                  [&] { return nonnegative("r0", p.r0); },
                  [&] { return step_at_most(p.step, 1.0 / (p.L * (1.0 + p.theta_b * p.noise.M)), "1/(L(1+θM))"); });
}

double sgd_realizable_lsq_bound(const SgdRealizableLsqParams& p, std::int64_t t) {
  detail::require(p);
  require_iteration(t, 0);
  return std::pow(1.0 - p.step * p.mu, static_cast<double>(t)) * p.r0;
}

std::vector<double> sgd_realizable_lsq_bound(const SgdRealizableLsqParams& p, std::span<const std::int64_t> t) {
  return map_iterations(p, t, [](const SgdRealizableLsqParams& q, std::int64_t s) {
    return sgd_realizable_lsq_bound(q, s);
  });
}

// ---- R3 -------------------------------------------------------------------------------------------

const BoundInfo& SgdConvexParams::info() {
  static const BoundInfo i{"sgd.convex.subopt_avg",
                           "SGD, convex, constant step, averaged iterate",
                           "sgdcheck R3 (given-step form); Stich, Mohtashami & Jaggi (2021)",
                           Label::kDerived,
                           Guarantee::kUpper,
                           "subopt_avg"};
  return i;
}

std::optional<std::string> hypotheses_violated(const SgdConvexParams& p) {
  return first_of([&] { return positive("L", p.L); },
                  [&] { return detail::noise_ok(p.noise); },
                  [&] { return detail::theta_in_range(p.theta_b); },
                  [&] { return positive("step", p.step); },
                  [&] { return nonnegative("r0", p.r0); },
                  [&] { return step_at_most(p.step, 1.0 / (2.0 * p.L * (1.0 + p.theta_b * p.noise.M)), "1/(2L(1+θM))"); });
}

double sgd_convex_bound(const SgdConvexParams& p, std::int64_t T) {
  detail::require(p);
  require_iteration(T, 1);
  return p.r0 / (p.step * static_cast<double>(T)) + p.step * p.theta_b * p.noise.sigma2;
}

std::vector<double> sgd_convex_bound(const SgdConvexParams& p, std::span<const std::int64_t> T) {
  return map_iterations(p, T, [](const SgdConvexParams& q, std::int64_t s) { return sgd_convex_bound(q, s); });
}

const BoundInfo& SgdConvexTunedParams::info() {
  static const BoundInfo i{"sgd.convex_tuned.subopt_avg",
                           "SGD, convex, tuned step, averaged iterate (R3)",
                           "sgdcheck R3; Stich, Mohtashami & Jaggi (2021) arXiv:2103.02351",
                           Label::kDerived,
                           Guarantee::kUpper,
                           "subopt_avg"};
  return i;
}

std::optional<std::string> hypotheses_violated(const SgdConvexTunedParams& p) {
  return first_of([&] { return positive("L", p.L); },
                  [&] { return detail::noise_ok(p.noise); },
                  [&] { return detail::theta_in_range(p.theta_b); },
                  [&] { return nonnegative("r0", p.r0); },
                  [&] { return horizon_ok(p.T); });
}

double sgd_convex_tuned_step(const SgdConvexTunedParams& p) {
  detail::require(p);
  const double step_max = 1.0 / (2.0 * p.L * (1.0 + p.theta_b * p.noise.M));
  const double noise = p.theta_b * p.noise.sigma2 * static_cast<double>(p.T);
  if (noise == 0.0 || p.r0 == 0.0) return step_max;
  return std::min(step_max, std::sqrt(p.r0 / noise));
}

double sgd_convex_tuned_bound(const SgdConvexTunedParams& p) {
  detail::require(p);
  const double T = static_cast<double>(p.T);
  return 2.0 * p.L * (1.0 + p.theta_b * p.noise.M) * p.r0 / T +
         2.0 * std::sqrt(p.r0 * p.theta_b * p.noise.sigma2 / T);
}

// ---- R4 -------------------------------------------------------------------------------------------

namespace {
Why gradient_norm_form(const NoiseModel& n) {
  if (n.form == NoiseModel::kGradientNorm) return std::nullopt;
  return std::string("noise.form = function_value: the non-convex bound needs the gradient-norm form");
}
}  // namespace

const BoundInfo& SgdNonconvexParams::info() {
  static const BoundInfo i{"sgd.nonconvex.grad2_mean",
                           "SGD, non-convex, constant step, mean squared gradient",
                           "sgdcheck R4 (given-step form); Stich, Mohtashami & Jaggi (2021)",
                           Label::kDerived,
                           Guarantee::kUpper,
                           "grad2_mean"};
  return i;
}

std::optional<std::string> hypotheses_violated(const SgdNonconvexParams& p) {
  return first_of([&] { return positive("L", p.L); },
                  [&] { return detail::noise_ok(p.noise); },
                  [&] { return gradient_norm_form(p.noise); },
                  [&] { return detail::theta_in_range(p.theta_b); },
                  [&] { return positive("step", p.step); },
                  [&] { return nonnegative("F0", p.F0); },
                  [&] { return step_at_most(p.step, 1.0 / (p.L * (1.0 + p.theta_b * p.noise.M)), "1/(L(1+θM))"); });
}

double sgd_nonconvex_bound(const SgdNonconvexParams& p, std::int64_t T) {
  detail::require(p);
  require_iteration(T, 1);
  return 2.0 * p.F0 / (p.step * static_cast<double>(T)) + p.step * p.L * p.theta_b * p.noise.sigma2;
}

std::vector<double> sgd_nonconvex_bound(const SgdNonconvexParams& p, std::span<const std::int64_t> T) {
  return map_iterations(p, T, [](const SgdNonconvexParams& q, std::int64_t s) { return sgd_nonconvex_bound(q, s); });
}

const BoundInfo& SgdNonconvexTunedParams::info() {
  static const BoundInfo i{"sgd.nonconvex_tuned.grad2_mean",
                           "SGD, non-convex, tuned step, mean squared gradient (R4)",
                           "sgdcheck R4; Stich, Mohtashami & Jaggi (2021) arXiv:2103.02351",
                           Label::kDerived,
                           Guarantee::kUpper,
                           "grad2_mean"};
  return i;
}

std::optional<std::string> hypotheses_violated(const SgdNonconvexTunedParams& p) {
  return first_of([&] { return positive("L", p.L); },
                  [&] { return detail::noise_ok(p.noise); },
                  [&] { return gradient_norm_form(p.noise); },
                  [&] { return detail::theta_in_range(p.theta_b); },
                  [&] { return nonnegative("F0", p.F0); },
                  [&] { return horizon_ok(p.T); });
}

double sgd_nonconvex_tuned_step(const SgdNonconvexTunedParams& p) {
  detail::require(p);
  const double step_max = 1.0 / (p.L * (1.0 + p.theta_b * p.noise.M));
  const double noise = p.L * p.theta_b * p.noise.sigma2 * static_cast<double>(p.T);
  if (noise == 0.0 || p.F0 == 0.0) return step_max;
  return std::min(step_max, std::sqrt(2.0 * p.F0 / noise));
}

double sgd_nonconvex_tuned_bound(const SgdNonconvexTunedParams& p) {
  detail::require(p);
  const double T = static_cast<double>(p.T);
  return 2.0 * p.L * (1.0 + p.theta_b * p.noise.M) * p.F0 / T +
         2.0 * std::sqrt(2.0 * p.L * p.F0 * p.theta_b * p.noise.sigma2 / T);
}

}  // namespace sgdcheck::bounds
