#pragma once
/// \file Algorithmic-stability bounds for (delayed) SGD used to check Regatti et al. (2019),
/// "Distributed SGD Generalizes Well Under Asynchrony" (arXiv:1909.13391).
///
/// Setting: f(·; z) is L-Lipschitz and β-smooth (γ-strongly convex where stated) on the iterates'
/// domain, n training samples, S and S′ differ in one sample, batch b = 1 unless noted. Each bound
/// returns dist (a bound on E‖x_T − x′_T‖) and eps = L·dist (a bound on the uniform stability,
/// hence on |E gap|), whether its hypotheses hold (admissible, with the reason otherwise) and
/// whether it is vacuous (eps ≥ sup f, or not finite).
///
/// Algorithm: x_{t+1} = Π(x_t − α_t ∇f(x_{t−τ_t}; z_{i_t})), 0 ≤ τ_t ≤ τ, delays independent of
/// the data and the sampled indices; t = 0, 1, … counts server updates.
///
/// Guarantees and labels (none of them is a theorem of Regatti et al., whose constants are unknown):
///  - hrs_cvx   convex, τ = 0, α_t ≤ 2/β:        dist ≤ (2L/n) Σ α_t                  literature (HRS Thm 3.8)
///  - hrs_sc    γ-s.c., τ = 0, α ≤ 1/β, proj.:   dist ≤ (2L/(γn))(1 − (1−αγ)^T)       literature (limit; finite T derived)
///  - hrs_nc    loss in [0,1], α_t ≤ c/(t+1):    eps ≤ (1+1/q)/(n−1)(2cL²)^{1/(q+1)} T^{q/(q+1)}, q = βc
///                                                                                     literature shape (HRS Thm 3.12)
///  - nc_numeric same setting:                   eps ≤ min_{t0} t0·sup f/n + L·Δ_T(t0)  derived
///  - d1_delay  any data-independent delays:     dist ≤ M_T, M_{t+1} = (1+(1−1/n)α_tβ)M_t + 2α_tL/n   derived
///  - d1_nc_delay nonconvex, any delays:         min(hrs_nc, nc_numeric)               derived
///  - d2_delay  convex, delay ≤ τ, α ≤ 2/((2τ+1)β), no projection:
///                                               dist ≤ 4αLT/n + 2αL√((2τ+1)T/n)        derived
///
/// References: Hardt, Recht & Singer (2016), "Train faster, generalize better", ICML, arXiv:1509.01240
/// (HRS); Regatti et al. (2019), arXiv:1909.13391 (direction of the claims only). The derived forms
/// follow the HRS technique (growth recursion, the t0 lemma, co-coercivity and Young's inequality for
/// the delayed terms); spec regatti2019_async_generalization.md §4.
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "bounds/bound.hpp"

namespace sgdcheck::bounds::regatti {

/// Constants of the problem and the run a stability bound needs.
struct StabilitySetting {
  double L = 1.0;       ///< Lipschitz constant of f(·; z)
  double beta = 1.0;    ///< smoothness of f(·; z)
  double gamma = 0.0;   ///< strong convexity (0: none)
  double n = 100.0;     ///< training samples
  double tau = 0.0;     ///< maximal delay
  double sup_f = std::numeric_limits<double>::infinity();  ///< sup of the loss (inf: unbounded)
  bool convex = true;
  bool projected = false;
};

/// α_t of update t = 0, 1, …, T−1 (0-based; HRS's c/t with t from 1 is c/(t+1) here).
using StepFn = std::function<double(std::int64_t t)>;

/// One evaluation of a stability bound.
struct StabilityBound {
  double dist = NAN;  ///< bound on E‖x_T − x′_T‖ (NaN where only eps is bounded: hrs_nc, nc_numeric)
  double eps = NAN;   ///< bound on the uniform stability ε (= L·dist where dist is known)
  std::optional<std::string> inadmissible;  ///< the hypothesis that fails (then dist/eps are NaN)
  bool vacuous = false;                     ///< admissible but eps ≥ sup f or not finite
  Label label = Label::kDerived;
  bool admissible() const { return !inadmissible.has_value(); }
};

/// (2L/n) Σ_{t<T} α_t; hypotheses: convex, τ = 0, every α_t ≤ 2/β.
StabilityBound hrs_cvx(const StabilitySetting& s, const StepFn& alpha, std::int64_t T);
/// (2L/(γn))(1 − (1−αγ)^T); hypotheses: γ > 0, τ = 0, constant α ≤ 1/β, projected or not.
StabilityBound hrs_sc(const StabilitySetting& s, double alpha, std::int64_t T);
/// The HRS nonconvex form with q = βc; hypotheses: sup f ≤ 1, n ≥ 2, α_t ≤ c/(t+1) (checked by
/// the caller through `alpha`, nullptr: the steps are exactly c/(t+1)), τ = 0.
StabilityBound hrs_nc(const StabilitySetting& s, double c, std::int64_t T, const StepFn* alpha = nullptr);
/// min over integer t0 in [0, T] of t0·sup f/n + L·Δ_T(t0); Δ_{t0} = 0,
/// Δ_{t+1} = (1 + (1−1/n)α_tβ)Δ_t + 2α_tL/n. Needs a finite sup f; τ = 0.
StabilityBound nc_numeric(const StabilitySetting& s, const StepFn& alpha, std::int64_t T);
/// M_T of M_{t+1} = (1 + (1−1/n)α_tβ)M_t + 2α_tL/n, M_0 = 0: any data-independent delays, convex or
/// not, projected or not.
StabilityBound d1_delay(const StabilitySetting& s, const StepFn& alpha, std::int64_t T);
/// The closed form (2L/(nβ))((1+αβ)^T − 1) ≥ d1_delay at a constant α.
double d1_delay_closed(const StabilitySetting& s, double alpha, std::int64_t T);
/// min(hrs_nc, nc_numeric) with any data-independent delays (nonconvex).
StabilityBound d1_nc_delay(const StabilitySetting& s, double c, const StepFn& alpha, std::int64_t T);
/// 4αLT/n + 2αL√((2τ+1)T/n); hypotheses: convex, unprojected, constant α ≤ 2/((2τ+1)β).
StabilityBound d2_delay(const StabilitySetting& s, double alpha, std::int64_t T);
/// The D2 step cap 2/((2τ+1)β).
double d2_cap(double beta, double tau);

/// The ids of the bounds above, in the order `sgdcheck list` shows them.
const std::vector<std::string>& stability_bound_ids();

}  // namespace sgdcheck::bounds::regatti
