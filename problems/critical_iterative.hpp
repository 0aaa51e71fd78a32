#pragma once
/// \file Matrix-free (iterative) constants of finite least squares, for large sparse d.
///
/// Same quantities as least_squares_constants() (problems/critical.hpp), computed without any d×d
/// matrix: A v = Xᵀ(Xv)/n and B v = Xᵀ(w ⊙ Xv)/n, w_i = ‖a_i‖², each one pass over the rows.
/// - L and μ: Lanczos on A (Spectra SymEigsSolver, both ends of the spectrum);
/// - x*: Jacobi-preconditioned CG on A x = Xᵀy/n, then two residual-correction steps as the dense path;
/// - M_grad + 1 = λ_max(A⁻¹BA⁻¹): Lanczos on that operator, each application two CG solves with A;
/// - M_curv + 1 = λ_max(B, A)/L: generalized Lanczos on B v = λ A v (SymGEigsSolver, RegularInverse
///   mode: one B product and one CG solve with A per step).
/// Tolerances (stated in the result label): a Ritz pair (θ, v) is accepted when its residual
/// ‖Cv − θv‖ ≤ kIterativeEigTol·|θ|, so some eigenvalue lies within that relative distance of θ
/// (Lanczos from a random start finds the extreme one); CG solves stop at relative residual kIterativeCgTol.
/// Memory: the rows, O(ncv·d) Lanczos vectors (ncv ≤ 30) and a few vectors of size n and d.
/// Only full-rank A is handled (μ > 0): rank deficiency is detected and reported to the caller.
#include <string>

#include "problems/critical.hpp"
#include "problems/dataset.hpp"

namespace sgdcheck::problems {

/// Relative residual tolerance of every Ritz pair of the iterative path (derived choice, not from a paper).
constexpr double kIterativeEigTol = 1e-8;
/// Relative residual ‖b − Au‖/‖b‖ at which the CG solves with A stop.
constexpr double kIterativeCgTol = 1e-10;

/// Outcome of the iterative path.
enum class IterativeStatus { kOk, kRankDeficient };

/// Fills every field of `c` that least_squares_constants() fills (n, d, L_max, … are expected set by the
/// caller: n, d, L_max and `norms2` = row squared norms). Returns kRankDeficient (with `why`) when A is
/// singular or too ill-conditioned for the stated tolerances (μ ≤ 1e-10·L or a CG solve not converging),
/// leaving `c` partially filled. Throws DataError when an eigensolver does not converge.
IterativeStatus least_squares_constants_iterative(const Dataset& data, const Vec& norms2, LeastSquaresConstants& c,
                                                  std::string& why);

/// The label the iterative path puts on its results (text of `sgdcheck critical`, ground_truth).
std::string iterative_method_label();

/// y = Xᵀ(w ⊙ Xv)/n (w empty: unweighted), one pass over the rows; no allocation (sparse) or one n-vector
/// (dense, `tmp`). Exposed for tests.
void weighted_gram_apply(const Dataset& data, const Vec& w, const double* v, double* y, Vec& tmp);

}  // namespace sgdcheck::problems
