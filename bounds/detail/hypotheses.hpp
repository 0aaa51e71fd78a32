#pragma once
/// \file Internal helpers for hypothesis checks (not part of the public API).
#include <cmath>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "bounds/bound.hpp"
#include "bounds/noise_model.hpp"

namespace sgdcheck::bounds::detail {

using Why = std::optional<std::string>;

/// "name = value violates what" when !ok.
inline Why unless(bool ok, const char* name, double value, const char* what) {
  if (ok) return std::nullopt;
  return fmt::format("{} = {:g} violates {}", name, value, what);
}

inline Why positive(const char* name, double v) { return unless(std::isfinite(v) && v > 0.0, name, v, "> 0"); }
inline Why nonnegative(const char* name, double v) {
  return unless(std::isfinite(v) && v >= 0.0, name, v, ">= 0");
}
/// μ > 0 and μ <= L (a strong-convexity constant cannot exceed the smoothness constant).
inline Why mu_ok(double L, double mu) {
  if (Why w = positive("mu", mu)) return w;
  if (mu > L) return fmt::format("mu = {:g} > L = {:g}", mu, L);
  return std::nullopt;
}
inline Why theta_in_range(double theta_b) {
  return unless(std::isfinite(theta_b) && theta_b >= 0.0 && theta_b <= 1.0, "theta_b", theta_b, "0 <= θ_b <= 1");
}
inline Why noise_ok(const NoiseModel& n) {
  if (Why w = nonnegative("noise.M", n.M)) return w;
  return nonnegative("noise.sigma2", n.sigma2);
}

/// First non-empty reason, evaluated lazily left to right.
template <class... F>
Why first_of(F&&... checks) {
  Why out;
  ((out ? void() : void(out = checks())), ...);
  return out;
}

/// Throws HypothesisViolated("<bound id>: <why>") when a hypothesis fails.
template <class P>
void require(const P& p) {
  if (Why w = hypotheses_violated(p)) throw HypothesisViolated(P::info().id + ": " + *w);
}

}  // namespace sgdcheck::bounds::detail
