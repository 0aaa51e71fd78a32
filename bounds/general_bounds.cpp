#include "bounds/general_bounds.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace sgdcheck::bounds {

namespace {

bool finite_pos(double v) { return std::isfinite(v) && v > 0.0; }
bool finite_nonneg(double v) { return std::isfinite(v) && v >= 0.0; }

std::optional<std::string> check_common(double L, double gamma, double A, double C) {
  if (!finite_pos(L)) return fmt::format("L = {} violates L > 0", L);
  if (!finite_pos(gamma)) return fmt::format("gamma = {} violates gamma > 0", gamma);
  if (!finite_nonneg(A)) return fmt::format("noise A = {} violates A >= 0", A);
  if (!finite_nonneg(C)) return fmt::format("noise C = {} violates C >= 0", C);
  return std::nullopt;
}

void require(const std::optional<std::string>& why, const char* what) {
  if (why) throw HypothesisViolated(std::string(what) + ": " + *why);
}

double dbl(std::int64_t v) { return static_cast<double>(v); }

}  // namespace

ConvexNoise convex_noise_from_smoothness(double Lmax, double sigma2, double b) {
  return {.A = 2.0 * Lmax / b, .C = 2.0 * sigma2 / b};
}

ConvexNoise convex_noise_from_m(double L, double M, double sigmaM2, double b) {
  return {.A = L * M / b, .C = sigmaM2 / b};
}

NonconvexNoise nonconvex_noise(double M, double sigmaM2, double b) { return {.m = M / b, .s2 = sigmaM2 / b}; }

double largest_admissible_step(const std::function<bool(double)>& admissible, double start) {
  if (!(start > 0.0) || !std::isfinite(start)) start = 1.0;
  double lo = start;
  double hi = start;
  if (admissible(start)) {
    hi = 2.0 * start;
    for (int i = 0; i < 2000 && admissible(hi); ++i) {
      lo = hi;
      hi *= 2.0;
      if (!std::isfinite(hi)) return lo;
    }
  } else {
    lo = 0.5 * start;
    for (int i = 0; i < 2000 && !admissible(lo); ++i) {
      hi = lo;
      lo *= 0.5;
      if (!(lo > 1e-300)) return 0.0;
    }
  }
  // Invariant: admissible(lo), !admissible(hi), hi = 2 lo at the start.
  for (int i = 0; i < 200 && (hi - lo) > 1e-15 * lo; ++i) {
    const double mid = 0.5 * (lo + hi);
    (admissible(mid) ? lo : hi) = mid;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------------
// Delayed SGD (spec §1)

std::optional<std::string> delayed_convex_step_violated(double L, double mu, double A, std::int64_t tau,
                                                        double gamma) {
  if (auto why = check_common(L, gamma, A, 0.0)) return why;
  if (!finite_nonneg(mu)) return fmt::format("mu = {} violates mu >= 0", mu);
  if (tau < 0) return fmt::format("tau = {} violates tau >= 0", tau);
  const double s1 = 2.0 * gamma * (L + A);
  if (!(s1 <= 0.25))
    return fmt::format("S1: 2 gamma (L + A) = {:.6g} > 1/4 (gamma = {:.6g}, largest admissible {:.6g})", s1, gamma,
                       delayed_convex_step_max(L, mu, A, tau));
  const double q = 1.0 - 0.5 * gamma * mu;
  const double t = dbl(tau);
  const double s2 = tau == 0 ? 0.0 : 4.0 * gamma * gamma * (2.0 * L + mu) * (L * t + A) * t * std::pow(q, -t);
  if (!(q > 0.0) || !(s2 <= 0.25))
    return fmt::format("S2: 4 gamma^2 (2L + mu)(L tau + A) tau (1 - gamma mu/2)^-tau = {:.6g} > 1/4 (gamma = {:.6g}, "
                       "largest admissible {:.6g})",
                       s2, gamma, delayed_convex_step_max(L, mu, A, tau));
  return std::nullopt;
}

double delayed_convex_step_sufficient(double L, double A, std::int64_t tau) {
  return 1.0 / (10.0 * (L + A) * (dbl(tau) + 1.0));
}

double delayed_convex_step_max(double L, double mu, double A, std::int64_t tau) {
  auto ok = [&](double g) {
    const double q = 1.0 - 0.5 * g * mu;
    const double t = dbl(tau);
    if (!(2.0 * g * (L + A) <= 0.25) || !(q > 0.0)) return false;
    return tau == 0 || 4.0 * g * g * (2.0 * L + mu) * (L * t + A) * t * std::pow(q, -t) <= 0.25;
  };
  return largest_admissible_step(ok, delayed_convex_step_sufficient(L, A, tau));
}

std::optional<std::string> delayed_sc_violated(const DelayedSgdParams& p) {
  if (auto why = check_common(p.L, p.gamma, p.noise.A, p.noise.C)) return why;
  if (!finite_pos(p.mu)) return fmt::format("mu = {} violates mu > 0 (strongly convex)", p.mu);
  if (!(p.mu <= p.L)) return fmt::format("mu = {} violates mu <= L = {}", p.mu, p.L);
  if (!finite_nonneg(p.r0)) return fmt::format("r0 = {} violates r0 >= 0", p.r0);
  return delayed_convex_step_violated(p.L, p.mu, p.noise.A, p.tau, p.gamma);
}

// D1, spec §1 steps (1)–(7): weights w_t = q^-(t+1), telescoping gives
// w_{T-1} r_T <= r0 + γ²C(1 + 2γ(2L+μ)τ) Σ_{t<T} w_t and Σ w_t / w_{T-1} = (1 − q^T)/(1 − q).
double delayed_sc_dist2_bound(const DelayedSgdParams& p, std::int64_t t) {
  require(delayed_sc_violated(p), "delayed_sc_dist2_bound");
  const double q = 1.0 - 0.5 * p.gamma * p.mu;
  const double qt = std::pow(q, dbl(t));
  return qt * p.r0 + (1.0 - qt) * (2.0 * p.gamma * p.noise.C / p.mu) *
                         (1.0 + 2.0 * p.gamma * (2.0 * p.L + p.mu) * dbl(p.tau));
}

std::optional<std::string> delayed_convex_violated(const DelayedSgdParams& p) {
  if (auto why = check_common(p.L, p.gamma, p.noise.A, p.noise.C)) return why;
  if (!finite_nonneg(p.r0)) return fmt::format("r0 = {} violates r0 >= 0", p.r0);
  return delayed_convex_step_violated(p.L, 0.0, p.noise.A, p.tau, p.gamma);
}

// D2: step (7) of D1 with μ = 0, q = 1, r_T >= 0 dropped, divided by γT/2.
double delayed_convex_avg_subopt_bound(const DelayedSgdParams& p, std::int64_t T) {
  require(delayed_convex_violated(p), "delayed_convex_avg_subopt_bound");
  if (T < 1) throw std::invalid_argument(fmt::format("delayed_convex_avg_subopt_bound: T = {} violates T >= 1", T));
  return 2.0 * p.r0 / (p.gamma * dbl(T)) + 2.0 * p.gamma * p.noise.C * (1.0 + 4.0 * p.gamma * p.L * dbl(p.tau));
}

std::optional<std::string> delayed_nonconvex_step_violated(double L, double m, std::int64_t tau, double gamma) {
  if (auto why = check_common(L, gamma, m, 0.0)) return why;
  if (tau < 0) return fmt::format("tau = {} violates tau >= 0", tau);
  const double t = dbl(tau);
  const double v = L * gamma * (1.0 + m) + 2.0 * gamma * gamma * L * L * t * (t + m);
  if (!(v <= 1.0))
    return fmt::format("L gamma (1 + m) + 2 gamma^2 L^2 tau (tau + m) = {:.6g} > 1 (gamma = {:.6g}, largest admissible "
                       "{:.6g})",
                       v, gamma, delayed_nonconvex_step_max(L, m, tau));
  return std::nullopt;
}

double delayed_nonconvex_step_sufficient(double L, double m, std::int64_t tau) {
  return 1.0 / (2.0 * L * (1.0 + m) * (dbl(tau) + 1.0));
}

double delayed_nonconvex_step_max(double L, double m, std::int64_t tau) {
  const double t = dbl(tau);
  auto ok = [&](double g) { return L * g * (1.0 + m) + 2.0 * g * g * L * L * t * (t + m) <= 1.0; };
  return largest_admissible_step(ok, delayed_nonconvex_step_sufficient(L, m, tau));
}

std::optional<std::string> delayed_nonconvex_violated(const DelayedNonconvexParams& p) {
  if (auto why = check_common(p.L, p.gamma, p.noise.m, p.noise.s2)) return why;
  if (!finite_nonneg(p.F0)) return fmt::format("F0 = {} violates F0 = f(x0) - f_inf >= 0", p.F0);
  return delayed_nonconvex_step_violated(p.L, p.noise.m, p.tau, p.gamma);
}

// D3, spec §1 steps (1)–(6).
double delayed_nonconvex_avg_grad2_bound(const DelayedNonconvexParams& p, std::int64_t T) {
  require(delayed_nonconvex_violated(p), "delayed_nonconvex_avg_grad2_bound");
  if (T < 1) throw std::invalid_argument(fmt::format("delayed_nonconvex_avg_grad2_bound: T = {} violates T >= 1", T));
  return 2.0 * p.F0 / (p.gamma * dbl(T)) + p.gamma * p.L * p.noise.s2 * (1.0 + 2.0 * p.gamma * p.L * dbl(p.tau));
}

// ---------------------------------------------------------------------------------------------
// Local SGD (spec §2)

std::optional<std::string> local_convex_step_violated(double L, double mu, double A, std::int64_t P,
                                                      std::int64_t H, double gamma) {
  if (auto why = check_common(L, gamma, A, 0.0)) return why;
  if (!finite_nonneg(mu)) return fmt::format("mu = {} violates mu >= 0", mu);
  if (P < 1) return fmt::format("P = {} violates P >= 1", P);
  if (H < 1) return fmt::format("H = {} violates H >= 1", H);
  const double s1 = 2.0 * gamma * (L + A / dbl(P));
  if (!(s1 <= 0.25))
    return fmt::format("L-S1: 2 gamma (L + A/P) = {:.6g} > 1/4 (gamma = {:.6g}, largest admissible {:.6g})", s1, gamma,
                       local_convex_step_max(L, mu, A, P, H));
  const double q = 1.0 - gamma * mu;
  const double h1 = dbl(H - 1);
  const double s2 = H == 1 ? 0.0 : 8.0 * gamma * gamma * L * (L * h1 + (1.0 - 1.0 / dbl(P)) * A) * h1 * std::pow(q, -h1);
  if (!(q > 0.0) || !(s2 <= 0.25))
    return fmt::format("L-S2: 8 gamma^2 L (L(H-1) + (1-1/P) A)(H-1)(1 - gamma mu)^-(H-1) = {:.6g} > 1/4 (gamma = "
                       "{:.6g}, largest admissible {:.6g})",
                       s2, gamma, local_convex_step_max(L, mu, A, P, H));
  return std::nullopt;
}

double local_convex_step_sufficient(double L, double A, std::int64_t H) { return 1.0 / (8.0 * (L + A) * dbl(H)); }

double local_convex_step_max(double L, double mu, double A, std::int64_t P, std::int64_t H) {
  auto ok = [&](double g) {
    const double q = 1.0 - g * mu;
    const double h1 = dbl(H - 1);
    if (!(2.0 * g * (L + A / dbl(P)) <= 0.25) || !(q > 0.0)) return false;
    return H == 1 || 8.0 * g * g * L * (L * h1 + (1.0 - 1.0 / dbl(P)) * A) * h1 * std::pow(q, -h1) <= 0.25;
  };
  return largest_admissible_step(ok, local_convex_step_sufficient(L, A, H));
}

namespace {
std::optional<std::string> local_common(const LocalSgdParams& p) {
  if (auto why = check_common(p.L, p.gamma, p.noise.A, p.noise.C)) return why;
  if (!finite_nonneg(p.r0)) return fmt::format("r0 = {} violates r0 >= 0", p.r0);
  return std::nullopt;
}
/// 1/P + 4γL(1 − 1/P)(H − 1): the variance factor of L1 and L2.
double local_variance_factor(const LocalSgdParams& p) {
  const double P = dbl(p.P);
  return 1.0 / P + 4.0 * p.gamma * p.L * (1.0 - 1.0 / P) * dbl(p.H - 1);
}
}  // namespace

std::optional<std::string> local_sc_violated(const LocalSgdParams& p) {
  if (auto why = local_common(p)) return why;
  if (!finite_pos(p.mu)) return fmt::format("mu = {} violates mu > 0 (strongly convex)", p.mu);
  if (!(p.mu <= p.L)) return fmt::format("mu = {} violates mu <= L = {}", p.mu, p.L);
  return local_convex_step_violated(p.L, p.mu, p.noise.A, p.P, p.H, p.gamma);
}

// L1, spec §2 steps (1)–(6).
double local_sc_dist2_bound(const LocalSgdParams& p, std::int64_t t) {
  require(local_sc_violated(p), "local_sc_dist2_bound");
  const double q = 1.0 - p.gamma * p.mu;
  const double qt = std::pow(q, dbl(t));
  return qt * p.r0 + (1.0 - qt) * (p.gamma * p.noise.C / p.mu) * local_variance_factor(p);
}

std::optional<std::string> local_convex_violated(const LocalSgdParams& p) {
  if (auto why = local_common(p)) return why;
  return local_convex_step_violated(p.L, 0.0, p.noise.A, p.P, p.H, p.gamma);
}

double local_convex_avg_subopt_bound(const LocalSgdParams& p, std::int64_t T) {
  require(local_convex_violated(p), "local_convex_avg_subopt_bound");
  if (T < 1) throw std::invalid_argument(fmt::format("local_convex_avg_subopt_bound: T = {} violates T >= 1", T));
  return 2.0 * p.r0 / (p.gamma * dbl(T)) + 2.0 * p.gamma * p.noise.C * local_variance_factor(p);
}

namespace {
/// Left side of N3.
double local_n3(double L, double m, std::int64_t P, std::int64_t H, double g) {
  const double h1 = dbl(H - 1);
  const double beta = 2.0 * h1 + 2.0 * (1.0 - 1.0 / dbl(P)) * m;
  const double a = 2.0 * L * g * m / dbl(P);
  return a + (1.0 + a) * 4.0 * g * g * L * L * h1 * beta;
}
}  // namespace

std::optional<std::string> local_nonconvex_step_violated(double L, double m, std::int64_t P, std::int64_t H,
                                                         double gamma) {
  if (auto why = check_common(L, gamma, m, 0.0)) return why;
  if (P < 1) return fmt::format("P = {} violates P >= 1", P);
  if (H < 1) return fmt::format("H = {} violates H >= 1", H);
  if (!(L * gamma <= 1.0))
    return fmt::format("N1: L gamma = {:.6g} > 1 (largest admissible {:.6g})", L * gamma,
                       local_nonconvex_step_max(L, m, P, H));
  const double n3 = local_n3(L, m, P, H, gamma);
  if (!(n3 <= 0.5))
    return fmt::format("N3: 2 L gamma m/P + (1 + 2 L gamma m/P) 4 gamma^2 L^2 (H-1) beta = {:.6g} > 1/2 (gamma = "
                       "{:.6g}, largest admissible {:.6g})",
                       n3, gamma, local_nonconvex_step_max(L, m, P, H));
  return std::nullopt;
}

double local_nonconvex_step_sufficient(double L, double m, std::int64_t H) {
  return 1.0 / (4.0 * L * dbl(H) * (1.0 + m));
}

double local_nonconvex_step_max(double L, double m, std::int64_t P, std::int64_t H) {
  auto ok = [&](double g) { return L * g <= 1.0 && local_n3(L, m, P, H, g) <= 0.5; };
  return largest_admissible_step(ok, local_nonconvex_step_sufficient(L, m, H));
}

std::optional<std::string> local_nonconvex_violated(const LocalNonconvexParams& p) {
  if (auto why = check_common(p.L, p.gamma, p.noise.m, p.noise.s2)) return why;
  if (!finite_nonneg(p.F0)) return fmt::format("F0 = {} violates F0 = f(x0) - f_inf >= 0", p.F0);
  return local_nonconvex_step_violated(p.L, p.noise.m, p.P, p.H, p.gamma);
}

// L3, spec §2 steps (1)–(5).
double local_nonconvex_avg_grad2_bound(const LocalNonconvexParams& p, std::int64_t T) {
  require(local_nonconvex_violated(p), "local_nonconvex_avg_grad2_bound");
  if (T < 1) throw std::invalid_argument(fmt::format("local_nonconvex_avg_grad2_bound: T = {} violates T >= 1", T));
  const double P = dbl(p.P);
  const double g = p.gamma;
  const double L = p.L;
  return 4.0 * p.F0 / (g * dbl(T)) + 2.0 * L * g * p.noise.s2 / P +
         8.0 * g * g * g * L * L * (1.0 + 2.0 * L * g * p.noise.m / P) * dbl(p.H - 1) * (1.0 - 1.0 / P) * p.noise.s2;
}

// ---------------------------------------------------------------------------------------------

const BoundInfo& general_bound_info(GeneralBound which) {
  static const BoundInfo infos[] = {
      {"delayed_sgd.strongly_convex.dist2", "delayed SGD strongly convex bound (derived)",
       "derived (our constants); technique of Mania et al. 2017 (perturbed iterates) and Stich & Karimireddy 2020 "
       "(delay analysis, w_t weighting)",
       Label::kDerived, Guarantee::kUpper, "dist2"},
      {"delayed_sgd.convex.avg_subopt_read", "delayed SGD convex bound (derived)",
       "derived (our constants); technique of Mania et al. 2017 and Stich & Karimireddy 2020",
       Label::kDerived, Guarantee::kUpper, "avg_subopt_read"},
      {"delayed_sgd.nonconvex.avg_grad2", "delayed SGD nonconvex bound (derived)",
       "derived (our constants); technique of Mania et al. 2017, Stich & Karimireddy 2020 and Lian et al. 2015",
       Label::kDerived, Guarantee::kUpper, "avg_grad2"},
      {"local_sgd.strongly_convex.dist2", "local SGD strongly convex bound (derived)",
       "derived (our constants); technique of Stich 2019 (virtual average) and Khaled, Mishchenko & Richtarik 2020",
       Label::kDerived, Guarantee::kUpper, "dist2"},
      {"local_sgd.convex.avg_subopt", "local SGD convex bound (derived)",
       "derived (our constants); technique of Stich 2019 and Khaled, Mishchenko & Richtarik 2020",
       Label::kDerived, Guarantee::kUpper, "avg_subopt"},
      {"local_sgd.nonconvex.avg_grad2", "local SGD nonconvex bound (derived)",
       "derived (our constants); technique of Stich 2019, Khaled et al. 2020 and Koloskova et al. 2020",
       Label::kDerived, Guarantee::kUpper, "avg_grad2"},
  };
  return infos[static_cast<int>(which)];
}

}  // namespace sgdcheck::bounds
