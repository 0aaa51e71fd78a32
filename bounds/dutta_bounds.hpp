#pragma once
/// \file Error bounds and the exact oracle of Dutta et al. 2018 (spec papers/dutta2018_slow_stale.md
/// §4), as pure functions of scalar parameters:
/// - K-sync / K-batch-sync error bound (derived from Bottou, Curtis & Nocedal Thm 4.6 with
///   M = σ²/(Km), M_V = M_G/(Km); the paper's statement unverified);
/// - K-async / K-batch-async bound (unverified; γ′ = 1 − γ + p₀/2): report-only;
/// - nonconvex bound (derived from Bottou et al. Thm 4.8);
/// - the NoisyQuadratic exact oracle (derived) and its floor;
/// - error against virtual time (plug-in J = t/E[T]) and time to reach ε (derived).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bounds/bound.hpp"

namespace sgdcheck::bounds {

/// Inputs of the strongly convex bounds: F L-smooth, c-strongly convex (2c(F−F*) <= ‖∇F‖²),
/// E‖g − ∇F‖² <= σ²/m + (M_G/m)‖∇F‖² per learner gradient of a batch of m.
struct DuttaScParams {
  double L = 1.0;
  double c = 1.0;
  double sigma2 = 0.0;
  double M_G = 0.0;
  std::int64_t K = 1;
  std::int64_t m = 1;
  double eta = 0.1;
  double F0 = 1.0;  ///< F(w₀) − F*
};

/// η <= 1/(L(M_G/(Km) + 1)); the reason otherwise.
std::optional<std::string> ksync_hypotheses(const DuttaScParams& p);
/// ηLσ²/(2cKm).
double ksync_floor(const DuttaScParams& p);
/// E[F(w_J)] − F* <= floor + (1−ηc)^J (F0 − floor). Throws HypothesisViolated when the η condition fails.
double ksync_error_bound(const DuttaScParams& p, double J);
BoundInfo ksync_error_bound_info();

/// The async form: for η <= 1/(2L(M_G/(Km) + 1/K)), floor ηLσ²/(2cγ′Km) and factor (1 − ηγ′c)^J,
/// γ′ = 1 − γ + p₀/2. Unverified constants; report-only (γ and p₀ are not measurable as bounds).
std::optional<std::string> kasync_hypotheses(const DuttaScParams& p, double gamma, double p0);
double kasync_error_bound(const DuttaScParams& p, double gamma, double p0, double J);
BoundInfo kasync_error_bound_info();

/// Nonconvex: (1/J)Σ_{j<J} E‖∇F(w_j)‖² <= ηLσ²/(Km) + 2(F0 − F_inf)/(Jη), same η condition as K-sync
/// (p.F0 is F(w₀) − F_inf here).
double nonconvex_bound(const DuttaScParams& p, double J);
BoundInfo nonconvex_bound_info();

/// NoisyQuadratic exact oracle for fresh gradients averaged over K learners of batch m:
/// E[F(w_J)] − F* = Σ_i (λ_i/2)[ρ_i^J e_i² + (1 − ρ_i^J)·ησ²/(dKmλ_i(2 − ηλ_i))], ρ_i = (1 − ηλ_i)².
/// Requires 0 < ηλ_i < 2 (a stable step) for every i; +inf otherwise.
double noisy_quadratic_error(const std::vector<double>& lambda, const std::vector<double>& e0, double eta, double sigma2,
                             std::int64_t K, std::int64_t m, double J);
/// The floor (ησ²/(2Km))·(1/d)Σ 1/(2 − ηλ_i).
double noisy_quadratic_floor(const std::vector<double>& lambda, double eta, double sigma2, std::int64_t K, std::int64_t m);
/// λ_i evenly spaced on [lambda_min, lambda_max] (d of them; d = 1: lambda_min).
std::vector<double> even_spectrum(std::int64_t d, double lambda_min, double lambda_max);
BoundInfo noisy_quadratic_oracle_info();

/// Error-vs-time plug-in floor + (1 − ηc_V)^{t/E[T]}(F0 − floor) (derived; the true mean curve lies
/// slightly above it, by Jensen).
double error_vs_time(double floor, double F0, double eta_c, double expected_time, double t);
/// E[T]·ln((F0 − floor)/(ε − floor))/(−ln(1 − ηc)); +inf when ε <= floor; 0 when ε >= F0.
double time_to_epsilon(double floor, double F0, double eta_c, double expected_time, double eps);

}  // namespace sgdcheck::bounds
