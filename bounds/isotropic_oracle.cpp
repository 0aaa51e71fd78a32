#include "bounds/isotropic_oracle.hpp"

#include <limits>

#include "bounds/detail/hypotheses.hpp"
#include "core/numbers.hpp"

namespace sgdcheck::bounds {

using detail::first_of;
using detail::nonnegative;
using detail::positive;
using detail::Why;

namespace {

void push_inf(OracleCurve& out) {
  out.dist2.push_back(kInf);
  out.subopt.push_back(kInf);
}
}  // namespace

// ---- O3 -------------------------------------------------------------------------------------------

const BoundInfo& IsotropicOracleParams::info() {
  static const BoundInfo i{"stich.oracle.isotropic",
                           "exact mini-batch SGD on isotropic least squares (O3)",
                           "sgdcheck O3 (closed form)",
                           Label::kChecked,
                           Guarantee::kExact,
                           "dist2"};
  return i;
}

std::optional<std::string> hypotheses_violated(const IsotropicOracleParams& p) {
  return first_of([&] { return positive("L", p.L); },
                  [&] { return nonnegative("M", p.M); },
                  [&] { return nonnegative("sigma2", p.sigma2); },
                  [&] { return detail::theta_in_range(p.theta_b); },
                  [&] { return nonnegative("step", p.step); },
                  [&] { return nonnegative("r0", p.r0); },
                  [&] { return iterations_invalid(p.iterations); });
}

OracleCurve isotropic_oracle(const IsotropicOracleParams& p) {
  detail::require(p);
  const double gL = p.step * p.L;
  // ρ = (1 − γL)² + γ²L²θM >= 0 and 1 − ρ = γL(2 − γL(1+θM)), written to avoid cancellation.
  const double rho = (1.0 - gL) * (1.0 - gL) + gL * gL * p.theta_b * p.M;
  const double one_minus_rho = gL * (2.0 - gL * (1.0 + p.theta_b * p.M));
  const double noise = p.step * p.step * p.theta_b * p.sigma2;
  OracleCurve out;
  out.iterations = p.iterations;
  for (const std::int64_t t : p.iterations) {
    const double tt = static_cast<double>(t);
    double r = p.r0;
    if (t > 0) {
      // ρ^t r0 (0·inf guarded) + noise·(1 − ρ^t)/(1 − ρ) = noise·Σ_{k<t} ρ^k.
      const double rho_t = std::pow(rho, tt);
      r = p.r0 == 0.0 ? 0.0 : rho_t * p.r0;
      if (noise > 0.0) {
        double sum;
        if (one_minus_rho == 0.0) sum = tt;
        else if (rho == 0.0) sum = 1.0;
        else sum = -std::expm1(tt * std::log(rho)) / one_minus_rho;
        r += noise * sum;
      }
    }
    if (!std::isfinite(r)) {
      if (!out.diverged_at) out.diverged_at = t;
      push_inf(out);
      continue;
    }
    out.dist2.push_back(r);
    out.subopt.push_back(0.5 * p.L * r);
  }
  return out;
}

const BoundInfo& IsotropicOptimumParams::info() {
  static const BoundInfo i{"stich.oracle.isotropic_optimal_iterations",
                           "fewest iterations at the best step, isotropic, σ = 0 (O3)",
                           "sgdcheck O3",
                           Label::kChecked,
                           Guarantee::kExact,
                           "iterations_to_target"};
  return i;
}

std::optional<std::string> hypotheses_violated(const IsotropicOptimumParams& p) {
  return first_of([&] { return positive("L", p.L); },
                  [&] { return nonnegative("M", p.M); },
                  [&] { return detail::theta_in_range(p.theta_b); },
                  [&] { return positive("eps", p.eps); });
}

double isotropic_optimal_step(const IsotropicOptimumParams& p) {
  detail::require(p);
  return 1.0 / (p.L * (1.0 + p.theta_b * p.M));
}

double isotropic_optimal_iterations(const IsotropicOptimumParams& p) {
  detail::require(p);
  if (p.eps >= 1.0) return 0.0;
  const double tm = p.theta_b * p.M;
  if (tm == 0.0) return 1.0;  // ρ* = 0: one step reaches x*
  return std::ceil(std::log(1.0 / p.eps) / std::log1p(1.0 / tm));
}

// ---- O4 -------------------------------------------------------------------------------------------

const BoundInfo& IsotropicDelayedOracleParams::info() {
  static const BoundInfo i{"stich.oracle.isotropic_delayed",
                           "exact delayed mini-batch SGD on isotropic least squares (O4)",
                           "sgdcheck O4 (lag-covariance recursion)",
                           Label::kChecked,
                           Guarantee::kExact,
                           "dist2"};
  return i;
}

std::optional<std::string> hypotheses_violated(const IsotropicDelayedOracleParams& p) {
  return first_of([&] { return positive("L", p.L); },
                  [&] { return nonnegative("M", p.M); },
                  [&] { return nonnegative("sigma2", p.sigma2); },
                  [&] { return detail::theta_in_range(p.theta_b); },
                  [&]() -> Why {
                    if (p.tau >= 0) return std::nullopt;
                    return fmt::format("tau = {} violates tau >= 0", p.tau);
                  },
                  [&] { return nonnegative("r0", p.r0); },
                  [&] { return iterations_invalid(p.iterations); },
                  [&] { return p.step.invalid_for(p.iterations.empty() ? 0 : p.iterations.back()); });
}

OracleCurve isotropic_delayed_oracle(const IsotropicDelayedOracleParams& p) {
  detail::require(p);
  const std::int64_t tau = p.tau, K = tau + 1;
  const double L = p.L, second = L * L * (1.0 + p.theta_b * p.M), noise = p.theta_b * p.sigma2;
  // hist[slot(s)] = c_s(·) for s in [t−τ, t]; all equal to r0 for s <= 0.
  std::vector<std::vector<double>> hist(static_cast<std::size_t>(K), std::vector<double>(static_cast<std::size_t>(K), p.r0));
  const auto c = [&](std::int64_t s, std::int64_t m) -> double {
    return hist[static_cast<std::size_t>(((s % K) + K) % K)][static_cast<std::size_t>(m)];
  };
  std::vector<double> next(static_cast<std::size_t>(K));
  OracleCurve out;
  out.iterations = p.iterations;
  std::int64_t t = 0;
  for (const std::int64_t target : p.iterations) {
    while (t < target && !out.diverged_at) {
      const double g = p.step(t);
      next[0] = c(t, 0) - 2.0 * g * L * c(t, tau) + g * g * second * c(t - tau, 0) + g * g * noise;
      for (std::int64_t m = 1; m <= tau; ++m) {
        next[static_cast<std::size_t>(m)] = c(t, m - 1) - g * L * c(t + 1 - m, tau + 1 - m);
      }
      hist[static_cast<std::size_t>((t + 1) % K)] = next;  // replaces c_{t−τ}, no longer needed
      ++t;
      for (const double v : next) {
        if (!std::isfinite(v)) out.diverged_at = t;
      }
    }
    if (out.diverged_at) {
      push_inf(out);
    } else {
      out.dist2.push_back(c(t, 0));
      out.subopt.push_back(0.5 * L * c(t, 0));
    }
  }
  return out;
}

}  // namespace sgdcheck::bounds
