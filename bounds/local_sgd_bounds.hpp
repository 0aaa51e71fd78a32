#pragma once
/// \file Rates and communication counts of local SGD (Patel & Dieuleveut 2019; sgdcheck spec
/// `papers/patel2019_localsgd.md` §4.1–§4.2). Only the abstract of the paper is confirmed: §4.1 is
/// paper-stated as an *order* (no constant, no baseline), §4.2 is derived. The exact least-squares
/// oracle is in local_sgd_oracle.hpp.
#include <cstdint>
#include <optional>
#include <string>

#include "bounds/bound.hpp"
#include "core/types.hpp"

namespace sgdcheck::bounds {

// ---------------------------------------------------------------------------------------------
// §4.1 [paper]

/// True iff 1/2 < α < 1, the step exponents of the paper's analysis (γ_t = c·t^(−α)).
bool alpha_admissible(double alpha);

/// γ_t = c·t^(−α) for t >= 1 (γ_1 = c), the step of local step t in spec §2.
double local_sgd_step(double c, double alpha, std::int64_t t);

/// Inputs of the communication counts: T = P·N gradients over all workers, P workers, exponent α.
struct LocalSgdCommParams {
  double total_gradients = 0.0;  ///< T = P·N
  double workers = 1.0;          ///< P >= 1
  double alpha = 0.75;           ///< step exponent of γ_t = c·t^(−α)
};

/// The first violated hypothesis (T >= P >= 1 finite, 1/2 < α < 1), or nullopt. For α outside
/// (1/2, 1) the message reads "alpha = 0.3 violates 1/2 < alpha < 1 (…)".
std::optional<std::string> hypotheses_violated(const LocalSgdCommParams& p);

/// \brief Factor by which local SGD cuts communication relative to its baseline, as an order.
/// **Setting.** Smooth strongly convex objectives (assumptions unverified), P workers, T gradients in
/// total, steps γ_t = c·t^(−α), α ∈ (1/2, 1).
/// **Algorithm.** Local SGD with an adaptive (increasing-gap) communication schedule.
/// **Guarantee.** Paper-stated, order only: \f[ \sqrt{T} / P^{3/2}. \f] Neither the constant nor the
/// baseline is known; a factor, not a round count (see rounds_local_pred).
/// **References.** [1] Dieuleveut & Patel (2019), arXiv:1904.11325, abstract.
/// Throws HypothesisViolated when hypotheses_violated(p) is set.
double comm_reduction_factor(const LocalSgdCommParams& p);
/// √T / P^1.5 without the hypothesis check.
double comm_reduction_factor(double total_gradients, double workers);

// ---------------------------------------------------------------------------------------------
// §4.2 [derived]

/// Rounds of mini-batch averaging over N local steps: N.
std::int64_t rounds_mba(std::int64_t local_steps);
/// Rounds of one-shot averaging: 1.
std::int64_t rounds_osa();

/// \brief Sufficient number of communication rounds for local SGD to match mini-batch averaging.
/// **Setting.** As comm_reduction_factor.
/// **Algorithm.** Local SGD, N = T/P local steps per worker.
/// **Guarantee.** Derived, one-sided (an upper bound on the round threshold C*):
/// \f[ C \le \frac{N}{\sqrt{T}/P^{3/2}} = \sqrt{PT} = P\sqrt{N}, \f]
/// the §4.1 factor applied to MBA's N rounds (MBA as the baseline is unverified). Mean gap √N/P; a
/// saving only if P³ < T (P² < N). Checks must be one-sided: measured C* <= P√N.
/// **References.** [1] Dieuleveut & Patel (2019), arXiv:1904.11325, abstract; sgdcheck spec §4.2.
/// Throws HypothesisViolated when hypotheses_violated(p) is set.
double rounds_local_pred(const LocalSgdCommParams& p);
/// √(P·T) without the hypothesis check.
double rounds_local_pred(double total_gradients, double workers);

/// Inputs of the least-squares floor: eigenvalues h of H (all > 0), noise s2, T = P·N.
struct LsFloorParams {
  Vec h;
  double s2 = 0.0;
  double total_gradients = 0.0;
};

/// The first violated hypothesis (h non-empty, all h_i > 0, s2 >= 0, T > 0), or nullopt.
std::optional<std::string> hypotheses_violated(const LsFloorParams& p);

/// \brief Asymptotic Polyak–Ruppert error of every schedule on least squares, E‖w̃ − w*‖².
/// **Setting.** Random-design least squares with E[xxᵀ] = H ≻ 0, noise variance s2 (spec §3 model).
/// **Algorithm.** Local SGD with any communication set, PR average over t = 1..N, T = P·N gradients.
/// **Guarantee.** Derived (Polyak–Juditsky): \f[ s2\,\mathrm{tr}(H^{-1}) / T, \f] the limit of
/// error·T as T → ∞. Reported as `lower`: every oracle ratio error/floor in spec §4.2 is >= 1 and
/// falls to 1, but a finite-T lower bound is not proven; compare ratios rather than gate on it.
/// **References.** [1] Polyak & Juditsky (1992), SIAM J. Control Optim. 30(4); sgdcheck spec §4.2.
double ls_floor(const LsFloorParams& p);
/// \brief The same floor for the excess risk: \f$ s2\,d / (2T) \f$ (derived, as ls_floor).
double ls_floor_risk(const LsFloorParams& p);

/// H* = E[σ′(⟨w*, x⟩)·xxᵀ] for x ~ N(0, I_d): by rotation invariance it has the eigenvalue `along`
/// = E[σ′(r z) z²] in the direction of w* and `across` = E[σ′(r z)] (multiplicity d − 1), z ~ N(0,1),
/// r = ‖w*‖.
struct LogisticGaussianHessian {
  double along = 0.0;
  double across = 0.0;
};
/// Computes both eigenvalues by adaptive Gauss–Kronrod quadrature (Boost.Math) on [0, ∞), relative
/// accuracy ~1e-12. For r = 2: along = H* = 0.060528 (spec §4.2, d = 1).
LogisticGaussianHessian logistic_gaussian_hessian(double w_norm);

/// Inputs of the logistic floor: d, ‖w*‖ of the well-specified model P(y = 1 | x) = σ(⟨w*, x⟩),
/// x ~ N(0, I_d), and T = P·N.
struct LogisticFloorParams {
  std::int64_t dim = 1;
  double w_norm = 0.0;
  double total_gradients = 0.0;
};

/// The first violated hypothesis (d >= 1, ‖w*‖ finite and >= 0, T > 0), or nullopt.
std::optional<std::string> hypotheses_violated(const LogisticFloorParams& p);

/// \brief Asymptotic PR error E‖w̃ − w*‖² of local SGD on well-specified Gaussian logistic regression.
/// **Setting.** P(y = 1 | x) = σ(⟨w*, x⟩), x ~ N(0, I_d): the gradient covariance at w* equals the
/// Hessian H* = E[σ′(⟨w*,x⟩)xxᵀ] and the minimiser is the generating w*.
/// **Algorithm.** Local SGD with any communication set, PR average, T = P·N gradients.
/// **Guarantee.** Derived: \f[ \mathrm{tr}(H^{\star -1}) / T = (1/a + (d-1)/b)/T \f] with a, b from
/// logistic_gaussian_hessian; asymptotic in the same sense as ls_floor (reported as `lower`).
/// **References.** [1] Polyak & Juditsky (1992); [2] Dieuleveut & Patel (2019), arXiv:1904.11325;
/// sgdcheck spec §4.2.
double logistic_floor(const LogisticFloorParams& p);

/// Which quantity, for local_sgd_bound_info.
enum class LocalSgdBound { kCommReductionFactor, kRoundsLocalPred, kLsFloor, kLsFloorRisk, kLogisticFloor };
/// id, reference, label and guarantee of each function above.
BoundInfo local_sgd_bound_info(LocalSgdBound which);

}  // namespace sgdcheck::bounds
