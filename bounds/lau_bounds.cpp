#include "bounds/lau_bounds.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/numbers.hpp"

namespace sgdcheck::bounds {

namespace {
/// 1/(5L(H−1)√(1+2η²)), +inf for H = 1.
double drift_cap(double L, double eta, std::int64_t H) {
  if (H <= 1) return kInf;
  return 1.0 / (5.0 * L * static_cast<double>(H - 1) * std::sqrt(1.0 + 2.0 * eta * eta));
}
}  // namespace

double lau_alpha_max_nonconvex(double L, double eta, std::int64_t P, std::int64_t H) {
  const double noise = eta > 0 ? static_cast<double>(P) / (4.0 * L * eta * eta) : kInf;
  return std::min({1.0 / L, noise, drift_cap(L, eta, H)});
}

double lau_bound_nonconvex(double Delta, double alpha, std::int64_t K, std::int64_t H) {
  return 8.0 * Delta / (alpha * static_cast<double>(K) * static_cast<double>(H));
}

double lau_rounds_to_eps_nonconvex(double Delta, double alpha, std::int64_t H, double eps) {
  return std::ceil(8.0 * Delta / (alpha * static_cast<double>(H) * eps));
}

double lau_rounds_to_eps_nonconvex_limit(double L, double eta, double Delta, double eps) {
  return 40.0 * L * std::sqrt(1.0 + 2.0 * eta * eta) * Delta / eps;
}

double lau_pl_round_factor(double alpha, double mu, std::int64_t H) {
  const double q = alpha * mu * static_cast<double>(H) / 4.0;
  return (1.0 + q) / (1.0 + 2.0 * q);
}

double lau_alpha_max_convex(double L, double eta, std::int64_t P, std::int64_t H) {
  return std::min(1.0 / (4.0 * L * (1.0 + eta * eta / static_cast<double>(P))), drift_cap(L, eta, H));
}

double lau_bound_convex(double D0, double alpha, std::int64_t K, std::int64_t H) {
  return 2.0 * D0 * D0 / (alpha * static_cast<double>(K) * static_cast<double>(H));
}

double lau_lsq_sigma2(const Vec& e, const Mat& Sigma, double s) {
  const Vec se = Sigma * e;
  const double tr = Sigma.trace();
  return e.dot(se) * tr + se.squaredNorm() + s * s * tr;
}

double lau_lsq_sigma2_diag(const Vec& e, const Vec& h, double s, double kurtosis) {
  const double tr = h.sum();
  const double ehe = (e.array().square() * h.array()).sum();
  const double he2 = (e.array() * h.array()).square().sum();
  return ehe * tr + (kurtosis - 2.0) * he2 + s * s * tr;
}

double lau_lsq_sigma2_iso(std::int64_t d, double lambda, double e2, double s) {
  const double dd = static_cast<double>(d);
  return lambda * lambda * (dd + 1.0) * e2 + lambda * dd * s * s;
}

double lau_oracle_batch(double sigma2, double grad2, double eta) {
  if (!(sigma2 > 0)) return 1.0;
  if (!(grad2 > 0)) return kInf;
  return std::ceil(sigma2 / (eta * eta * grad2));
}

}  // namespace sgdcheck::bounds
