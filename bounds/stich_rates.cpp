// Stich et al. (2021) rates. R2 working: R1 at γ gives E‖e_T‖² <= (1−γμ)^T r0 + γθσ²/μ.
//   noise term <= ε/2  ⇔  γ <= εμ/(2θσ²);   (1−γμ)^T r0 <= e^{−γμT} r0 <= ε/2  ⇐  T >= ln(2r0/ε)/(γμ);
//   with γ = min(1/(2L(1+θM)), εμ/(2θσ²)):  1/(γμ) = max(2κ(1+θM), 2θσ²/(μ²ε)).
//   max(a, b) <= a + b gives 2κ(1 + θM + θσ²/(μLε)) = 2κ(1 + B_crit/b) for θ = 1/b, B_crit = M + σ²/(μLε).
// R5: ratio of R2's leading terms at σ = 0, 2κ(1+θ_1 M)/(2κ(1+θ_b M)) with θ_1 = 1.
// R8: T(τ) ∝ (M+τ+1) iterations; W workers do W iterations per unit of time, τ = W − 1:
//   time(W)/time(1) = ((M+W)/W)/(M+1)  ⇒  speedup W(M+1)/(M+W).
#include "bounds/stich_rates.hpp"

#include <algorithm>
#include <limits>

#include "bounds/detail/hypotheses.hpp"

namespace sgdcheck::bounds {

using detail::first_of;
using detail::mu_ok;
using detail::nonnegative;
using detail::positive;
using detail::Why;

namespace {

Why tau_ok(std::int64_t tau) {
  if (tau >= 0) return std::nullopt;
  return fmt::format("tau = {} violates tau >= 0", tau);
}

Why c_ok(double c) { return detail::unless(std::isfinite(c) && c > 0.0 && c <= 1.0, "c", c, "0 < c <= 1"); }

}  // namespace

// ---- R2 -------------------------------------------------------------------------------------------

const BoundInfo& StichIterationsParams::info() {
  static const BoundInfo i{"stich.minibatch.iterations_sc",
                           "iterations to E‖x−x*‖² <= ε, mini-batch SGD (R2)",
                           "sgdcheck R2; Stich, Mohtashami & Jaggi (2021) arXiv:2103.02351",
                           Label::kDerived,
                           Guarantee::kUpper,
                           "iterations_to_target"};
  return i;
}

std::optional<std::string> hypotheses_violated(const StichIterationsParams& p) {
  return first_of([&] { return positive("L", p.L); },
                  [&] { return mu_ok(p.L, p.mu); },
                  [&] { return detail::noise_ok(p.noise); },
                  [&] { return detail::theta_in_range(p.theta_b); },
                  [&] { return nonnegative("r0", p.r0); },
                  [&] { return positive("eps", p.eps); });
}

double stich_iterations_sc_step(const StichIterationsParams& p) {
  detail::require(p);
  const double step_max = 1.0 / (2.0 * p.L * (1.0 + p.theta_b * p.noise.M));
  const double noise = p.theta_b * p.noise.sigma2;
  if (noise == 0.0) return step_max;
  return std::min(step_max, p.eps * p.mu / (2.0 * noise));
}

double stich_iterations_sc(const StichIterationsParams& p) {
  detail::require(p);
  const double kappa = p.L / p.mu;
  const double rate = std::max(2.0 * kappa * (1.0 + p.theta_b * p.noise.M),
                               2.0 * p.theta_b * p.noise.sigma2 / (p.mu * p.mu * p.eps));
  const double log_term = std::log(2.0 * p.r0 / p.eps);
  if (!(log_term > 0.0)) return 0.0;
  return std::ceil(rate * log_term);
}

double stich_critical_batch(const StichIterationsParams& p) {
  detail::require(p);
  return p.noise.M + p.noise.sigma2 / (p.mu * p.L * p.eps);
}

// ---- R5 -------------------------------------------------------------------------------------------

const BoundInfo& StichBatchSpeedupParams::info() {
  static const BoundInfo i{"stich.minibatch.speedup",
                           "batch speedup b(M+1)/(M+b) (R5)",
                           "sgdcheck R5; Stich, Mohtashami & Jaggi (2021) arXiv:2103.02351",
                           Label::kDerived,
                           Guarantee::kPrediction,
                           "speedup"};
  return i;
}

std::optional<std::string> hypotheses_violated(const StichBatchSpeedupParams& p) {
  return first_of([&] { return nonnegative("M", p.M); }, [&] { return detail::theta_in_range(p.theta_b); });
}

double stich_batch_speedup(const StichBatchSpeedupParams& p) {
  detail::require(p);
  return (1.0 + p.M) / (1.0 + p.theta_b * p.M);
}

// ---- R7 / R6 --------------------------------------------------------------------------------------

const BoundInfo& StichDelayedIterationsParams::info() {
  static const BoundInfo i{"stich.delayed_minibatch.iterations_sc",
                           "iterations with batch and delay, (θM+τ+1)κ/c·ln + θσ²/(με) (R7)",
                           "sgdcheck R7 (form unverified); arXiv:2103.02351",
                           Label::kUnverified,
                           Guarantee::kPrediction,
                           "iterations_to_target"};
  return i;
}

std::optional<std::string> hypotheses_violated(const StichDelayedIterationsParams& p) {
  return first_of([&] { return positive("L", p.L); },
                  [&] { return mu_ok(p.L, p.mu); },
                  [&] { return detail::noise_ok(p.noise); },
                  [&] { return detail::theta_in_range(p.theta_b); },
                  [&] { return tau_ok(p.tau); },
                  [&] { return nonnegative("r0", p.r0); },
                  [&] { return positive("eps", p.eps); },
                  [&] { return c_ok(p.c); });
}

double stich_delayed_iterations(const StichDelayedIterationsParams& p) {
  detail::require(p);
  const double kappa = p.L / p.mu;
  const double log_term = std::max(0.0, std::log(p.r0 / p.eps));
  return (p.theta_b * p.noise.M + static_cast<double>(p.tau) + 1.0) * kappa * log_term / p.c +
         p.theta_b * p.noise.sigma2 / (p.mu * p.eps);
}

const BoundInfo& StichDelayIterationsParams::info() {
  static const BoundInfo i{"stich.delayed.iterations_sc",
                           "iterations with delay τ, (M+τ+1)κ/c·ln + σ²/(με) (R6)",
                           "sgdcheck R6 (form unverified); arXiv:2103.02351",
                           Label::kUnverified,
                           Guarantee::kPrediction,
                           "iterations_to_target"};
  return i;
}

namespace {
StichDelayedIterationsParams with_unit_batch(const StichDelayIterationsParams& p) {
  return {.L = p.L, .mu = p.mu, .noise = p.noise, .theta_b = 1.0, .tau = p.tau, .r0 = p.r0, .eps = p.eps, .c = p.c};
}
}  // namespace

std::optional<std::string> hypotheses_violated(const StichDelayIterationsParams& p) {
  return hypotheses_violated(with_unit_batch(p));
}

double stich_delay_iterations(const StichDelayIterationsParams& p) {
  detail::require(p);
  return stich_delayed_iterations(with_unit_batch(p));
}

// ---- R8 -------------------------------------------------------------------------------------------

const BoundInfo& StichAsyncSpeedupParams::info() {
  static const BoundInfo i{"stich.async.speedup",
                           "asynchronous wall-clock speedup W(M+1)/(M+W) (R8)",
                           "sgdcheck R8 (from R6's unverified form); arXiv:2103.02351",
                           Label::kUnverified,
                           Guarantee::kPrediction,
                           "speedup"};
  return i;
}

std::optional<std::string> hypotheses_violated(const StichAsyncSpeedupParams& p) {
  return first_of([&] { return nonnegative("M", p.M); },
                  [&]() -> Why {
                    if (p.workers >= 1) return std::nullopt;
                    return fmt::format("workers = {} violates workers >= 1", p.workers);
                  });
}

double stich_async_speedup(const StichAsyncSpeedupParams& p) {
  detail::require(p);
  const double W = static_cast<double>(p.workers);
  return W * (p.M + 1.0) / (p.M + W);
}

// ---- G --------------------------------------------------------------------------------------------

const BoundInfo& StichStepGuidelineParams::info() {
  static const BoundInfo i{"stich.step_guideline",
                           "step guideline c/(L(M/b+τ+1)) (G)",
                           "sgdcheck G; Stich, Mohtashami & Jaggi (2021) arXiv:2103.02351",
                           Label::kDerived,
                           Guarantee::kPrediction,
                           "step"};
  return i;
}

std::optional<std::string> hypotheses_violated(const StichStepGuidelineParams& p) {
  return first_of([&] { return positive("L", p.L); },
                  [&] { return nonnegative("M", p.M); },
                  [&] { return detail::theta_in_range(p.theta_b); },
                  [&] { return tau_ok(p.tau); },
                  [&] { return positive("c", p.c); });
}

double stich_step_guideline(const StichStepGuidelineParams& p) {
  detail::require(p);
  return p.c / (p.L * (p.theta_b * p.M + static_cast<double>(p.tau) + 1.0));
}

}  // namespace sgdcheck::bounds
