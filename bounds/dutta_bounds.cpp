#include "bounds/dutta_bounds.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "core/numbers.hpp"

namespace sgdcheck::bounds {

namespace {
double km(const DuttaScParams& p) { return static_cast<double>(p.K) * static_cast<double>(p.m); }
}  // namespace

std::optional<std::string> ksync_hypotheses(const DuttaScParams& p) {
  if (!(p.L > 0) || !(p.c > 0) || p.c > p.L) return fmt::format("needs 0 < c = {:.4g} <= L = {:.4g}", p.c, p.L);
  const double lim = 1.0 / (p.L * (p.M_G / km(p) + 1.0));
  if (!(p.eta > 0) || p.eta > lim) return fmt::format("eta = {:.4g} > 1/(L(M_G/(Km) + 1)) = {:.4g}", p.eta, lim);
  return std::nullopt;
}

double ksync_floor(const DuttaScParams& p) { return p.eta * p.L * p.sigma2 / (2.0 * p.c * km(p)); }

double ksync_error_bound(const DuttaScParams& p, double J) {
  if (auto why = ksync_hypotheses(p)) throw HypothesisViolated(*why);
  const double fl = ksync_floor(p);
  return fl + std::pow(1.0 - p.eta * p.c, J) * (p.F0 - fl);
}

BoundInfo ksync_error_bound_info() {
  return {"dutta.ksync.subopt", "K-sync error bound",
          "derived; technique of Bottou, Curtis & Nocedal 2018 Thm 4.6 with M = sigma2/(Km), M_V = M_G/(Km) (as Dutta et "
          "al. 2018's K-sync theorem: unverified)",
          Label::kDerived, Guarantee::kUpper, "subopt"};
}

std::optional<std::string> kasync_hypotheses(const DuttaScParams& p, double gamma, double p0) {
  if (!(p.L > 0) || !(p.c > 0)) return std::string("needs L > 0 and c > 0");
  if (!(gamma <= 1.0) || !(p0 >= 0.0 && p0 <= 1.0)) return fmt::format("needs gamma <= 1 and p0 in [0, 1] (gamma = {:.4g}, p0 = {:.4g})", gamma, p0);
  const double gp = 1.0 - gamma + p0 / 2.0;
  if (!(gp > 0)) return fmt::format("gamma' = 1 - gamma + p0/2 = {:.4g} <= 0", gp);
  const double lim = 1.0 / (2.0 * p.L * (p.M_G / km(p) + 1.0 / static_cast<double>(p.K)));
  if (!(p.eta > 0) || p.eta > lim) return fmt::format("eta = {:.4g} > 1/(2L(M_G/(Km) + 1/K)) = {:.4g}", p.eta, lim);
  if (p.eta * gp * p.c >= 1.0) return fmt::format("eta gamma' c = {:.4g} >= 1", p.eta * gp * p.c);
  return std::nullopt;
}

double kasync_error_bound(const DuttaScParams& p, double gamma, double p0, double J) {
  if (auto why = kasync_hypotheses(p, gamma, p0)) throw HypothesisViolated(*why);
  const double gp = 1.0 - gamma + p0 / 2.0;
  const double fl = p.eta * p.L * p.sigma2 / (2.0 * p.c * gp * km(p));
  return fl + std::pow(1.0 - p.eta * gp * p.c, J) * (p.F0 - fl);
}

BoundInfo kasync_error_bound_info() {
  return {"dutta.kasync.subopt", "K-async error bound (report-only)",
          "Dutta et al. 2018, async theorem as restated (constants unverified); gamma' = 1 - gamma + p0/2",
          Label::kUnverified, Guarantee::kUpper, "subopt"};
}

double nonconvex_bound(const DuttaScParams& p, double J) {
  const double lim = 1.0 / (p.L * (p.M_G / km(p) + 1.0));
  if (!(p.eta > 0) || p.eta > lim)
    throw HypothesisViolated(fmt::format("eta = {:.4g} > 1/(L(M_G/(Km) + 1)) = {:.4g}", p.eta, lim));
  if (!(J > 0)) return kInf;
  return p.eta * p.L * p.sigma2 / km(p) + 2.0 * p.F0 / (J * p.eta);
}

BoundInfo nonconvex_bound_info() {
  return {"dutta.nonconvex.avg_grad2", "K-sync nonconvex bound",
          "derived; technique of Bottou, Curtis & Nocedal 2018 Thm 4.8 (Dutta et al. 2018's nonconvex theorem: unverified)",
          Label::kDerived, Guarantee::kUpper, "avg_grad2"};
}

double noisy_quadratic_error(const std::vector<double>& lambda, const std::vector<double>& e0, double eta, double sigma2,
                             std::int64_t K, std::int64_t m, double J) {
  const double d = static_cast<double>(lambda.size());
  const double km_ = static_cast<double>(K) * static_cast<double>(m);
  double s = 0.0;
  for (std::size_t i = 0; i < lambda.size(); ++i) {
    const double l = lambda[i], h = eta * l;
    if (!(h > 0.0 && h < 2.0)) return kInf;
    const double rho = (1.0 - h) * (1.0 - h);
    const double rj = std::pow(rho, J);
    // Stationary variance of coordinate i: η²(σ²/(dKm)) / (1 − ρ) = ησ²/(dKmλ(2 − ηλ)).
    const double var = eta * sigma2 / (d * km_ * l * (2.0 - h));
    s += 0.5 * l * (rj * e0[i] * e0[i] + (1.0 - rj) * var);
  }
  return s;
}

double noisy_quadratic_floor(const std::vector<double>& lambda, double eta, double sigma2, std::int64_t K, std::int64_t m) {
  double s = 0.0;
  for (double l : lambda) s += 1.0 / (2.0 - eta * l);
  return eta * sigma2 / (2.0 * static_cast<double>(K) * static_cast<double>(m)) * s / static_cast<double>(lambda.size());
}

std::vector<double> even_spectrum(std::int64_t d, double lambda_min, double lambda_max) {
  std::vector<double> out(static_cast<std::size_t>(d));
  for (std::int64_t i = 0; i < d; ++i)
    out[static_cast<std::size_t>(i)] =
        d == 1 ? lambda_min : lambda_min + (lambda_max - lambda_min) * static_cast<double>(i) / static_cast<double>(d - 1);
  return out;
}

BoundInfo noisy_quadratic_oracle_info() {
  return {"dutta.noisy_quadratic.subopt", "NoisyQuadratic exact error (fresh gradients)",
          "derived; technique of the exact second-moment recursion of SGD on F = 1/2 sum lambda_i (w_i - w*_i)^2 with additive noise",
          Label::kDerived, Guarantee::kExact, "subopt"};
}

double error_vs_time(double floor, double F0, double eta_c, double expected_time, double t) {
  return floor + std::pow(1.0 - eta_c, t / expected_time) * (F0 - floor);
}

double time_to_epsilon(double floor, double F0, double eta_c, double expected_time, double eps) {
  if (eps <= floor) return kInf;
  if (eps >= F0) return 0.0;
  return expected_time * std::log((F0 - floor) / (eps - floor)) / (-std::log1p(-eta_c));
}

}  // namespace sgdcheck::bounds
