#pragma once
/// \file Closed forms for adaptive-batch local SGD (Lau et al. 2024; sgdcheck spec
/// lau2024_adaptive_batch.md §4). All of them are **derived** for sgdcheck (technique: one-step
/// descent of the virtual average x̄_t with the drift V_t = (1/P)Σ‖x_t^m − x̄_t‖² bounded over a
/// round), not the paper's theorems. Assumptions: F L-smooth, F ≥ F_inf; unbiased gradients,
/// independent across workers; plain local SGD with constant α; the *exact* norm test
/// E‖g − ∇F‖² ≤ η²‖∇F‖² holds at every local step (the oracle_step variant). T = K·H; the (H − 1)
/// terms vanish for H = 1.
#include <cstdint>

#include "core/types.hpp"

namespace sgdcheck::bounds {

/// min{1/L, P/(4Lη²), 1/(5L(H−1)√(1+2η²))} (the last term absent for H = 1).
double lau_alpha_max_nonconvex(double L, double eta, std::int64_t P, std::int64_t H);
/// (1/T) Σ_{t<T} E‖∇F(x̄_t)‖² ≤ 8Δ/(αKH), Δ = F(x0) − F_inf, for α ≤ alpha_max_nonconvex.
double lau_bound_nonconvex(double Delta, double alpha, std::int64_t K, std::int64_t H);
/// Rounds K with 8Δ/(αKH) ≤ ε: ceil(8Δ/(αHε)) (a double: may exceed any integer type).
double lau_rounds_to_eps_nonconvex(double Delta, double alpha, std::int64_t H, double eps);
/// The large-H limit of the rounds at α = alpha_max_nonconvex when its drift term binds:
/// 40 L √(1+2η²) Δ / ε, flat in H.
double lau_rounds_to_eps_nonconvex_limit(double L, double eta, double Delta, double eps);
/// μ-PL: r_{k+1} ≤ ρ r_k per round with ρ = (1+q)/(1+2q), q = αμH/4 (r_k = E F(x̄_{kH}) − F*).
double lau_pl_round_factor(double alpha, double mu, std::int64_t H);
/// min{1/(4L(1+η²/P)), 1/(5L(H−1)√(1+2η²))}.
double lau_alpha_max_convex(double L, double eta, std::int64_t P, std::int64_t H);
/// Convex F: F(x̂) − F* ≤ 2 D0²/(αKH), D0 = ‖x0 − x*‖, x̂ = (1/T)Σ_{t<T} x̄_t.
double lau_bound_convex(double D0, double alpha, std::int64_t K, std::int64_t H);
/// Gaussian design a ~ N(0, Σ), y = aᵀx* + N(0, s²), e = x − x*: the single-sample gradient
/// covariance trace σ²(x) = (eᵀΣe) trΣ + ‖Σe‖² + s² trΣ.
double lau_lsq_sigma2(const Vec& e, const Mat& Sigma, double s);
/// Diagonal Σ = diag(h), a = √h ⊙ z with i.i.d. standardised z of fourth moment κ (Gaussian κ = 3):
/// σ²(x) = (eᵀΣe) trΣ + (κ − 2)‖Σe‖² + s² trΣ (κ = 3 gives lau_lsq_sigma2).
double lau_lsq_sigma2_diag(const Vec& e, const Vec& h, double s, double kurtosis);
/// Σ = λ I_d, ‖e‖² = e2: σ² = λ²(d + 1) e2 + λ d s² (Gaussian).
double lau_lsq_sigma2_iso(std::int64_t d, double lambda, double e2, double s);
/// The exact norm test's batch ceil(σ²/(η²‖∇F‖²)) as a double (+inf when ‖∇F‖² = 0 < σ²).
double lau_oracle_batch(double sigma2, double grad2, double eta);

}  // namespace sgdcheck::bounds
