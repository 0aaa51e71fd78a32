#pragma once
/// \file Matrix-free (iterative) constants of finite least squares, for large sparse d.
///
/// Same quantities as least_squares_constants() (problems/critical.hpp), computed without any d×d
/// matrix: A v = Xᵀ(Xv)/n and B v = Xᵀ(w ⊙ Xv)/n, w_i = ‖a_i‖², each one pass over the rows.
/// - L and μ: Lanczos on A (Spectra SymEigsSolver, both ends of the spectrum);
/// - x*: Jacobi-preconditioned CG on A x = Xᵀy/n, then two residual-correction steps as the dense path;
/// - M_grad + 1 = λ_max(A⁻¹BA⁻¹): Lanczos on that operator, each step two CG solves with A and one B;
/// - M_curv + 1 = λ_max(B, A)/L: Lanczos on A⁻¹B, self-adjoint in the B inner product ⟨u, v⟩_B = uᵀBv
///   (each step one CG solve with A and one B product).
/// The two M runs use our own Lanczos (full reorthogonalization, the Ritz residual tested after every
/// step; Spectra tests it once per restart cycle, which cost up to ncv/2 extra steps of 41 passes).
/// Tolerances (stated in the result label): a Ritz pair (θ, v) is accepted when its residual
/// ‖Cv − θv‖ ≤ kIterativeEigTol·|θ| (M_curv: in the B-norm, where C is self-adjoint), so some eigenvalue
/// lies within that relative distance of θ (Lanczos from a random start finds the extreme one); CG
/// solves stop at relative residual kIterativeCgTol. For M the inner solves are relaxed while the Ritz
/// residual is large (up to kMaxRelaxedCgTol), and the residual of the accepted pair is recomputed with
/// kIterativeCgTol solves (Rayleigh quotient θ = vᵀCv, true residual): the stated test is on that.
/// Memory: the rows, O(m·d) Lanczos vectors (m ≤ 200, fewer for large d) and a few vectors of size n and
/// d, plus 15 partial results of size d for the blocked row pass.
/// Only full-rank A is handled (μ > 0): rank deficiency is detected and reported to the caller.
#include <string>

#include "problems/critical.hpp"
#include "problems/dataset.hpp"

namespace sgdcheck::problems {

/// Relative residual tolerance of every Ritz pair of the iterative path (derived choice, not from a paper).
constexpr double kIterativeEigTol = 1e-8;
/// Relative residual ‖b − Au‖/‖b‖ at which the CG solves with A stop (x*, the L/μ-independent parts, and
/// the strict check of every accepted M eigenpair).
constexpr double kIterativeCgTol = 1e-10;
/// Loosest CG tolerance of the relaxed inner solves of the M Lanczos runs (they tighten to kIterativeCgTol
/// at the start of a run; every accepted pair is checked with kIterativeCgTol solves).
constexpr double kMaxRelaxedCgTol = 1e-3;
/// The row pass splits the rows into this many equal ranges whatever the thread count: each range has
/// its own partial result, summed in range order, so the bits do not depend on the number of threads.
constexpr Index kRowBlocks = 16;

/// Outcome of the iterative path.
enum class IterativeStatus { kOk, kRankDeficient };

/// Threads of the row passes of the iterative path when a call does not name them (`sgdcheck critical
/// --jobs`; default 1). Process-wide, because the constants are computed inside the LeastSquares
/// problem's constructor. Values below 1 mean 1. The results are bit-identical for every value.
void set_iterative_jobs(int jobs);
int iterative_jobs();

/// Fills every field of `c` that least_squares_constants() fills (n, d, L_max, … are expected set by the
/// caller: n, d, L_max and `norms2` = row squared norms). Returns kRankDeficient (with `why`) when A is
/// singular or too ill-conditioned for the stated tolerances (μ ≤ 1e-10·L or a CG solve not converging),
/// leaving `c` partially filled. Throws DataError when an eigensolver does not converge. `jobs` threads
/// for the row passes (0: iterative_jobs()); bit-identical results for any value.
IterativeStatus least_squares_constants_iterative(const Dataset& data, const Vec& norms2, LeastSquaresConstants& c,
                                                  std::string& why, int jobs = 0);

/// The label the iterative path puts on its results (text of `sgdcheck critical`, ground_truth).
std::string iterative_method_label();

/// y = Xᵀ(w ⊙ Xv)/n (w empty: unweighted), one pass over the rows. Sparse: the rows in kRowBlocks equal
/// ranges on `jobs` threads, range b > 0 accumulating into its slot of `tmp` (resized to (kRowBlocks − 1)·d),
/// the partial results added in range order: the same bits for any `jobs`. Dense: one Eigen product
/// through `tmp` (n-vector), serial. Exposed for tests.
void weighted_gram_apply(const Dataset& data, const Vec& w, const double* v, double* y, Vec& tmp, int jobs = 1);

}  // namespace sgdcheck::problems
