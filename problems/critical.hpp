#pragma once
/// \file Problem constants and the critical noise parameter M (Stich, Mohtashami & Jaggi 2021, §3).
///
/// Least squares f_i(x) = ½(a_iᵀx − y_i)², f = (1/n)Σ f_i. With A = (1/n)Σ a_ia_iᵀ and
/// B = (1/n)Σ ‖a_i‖² a_ia_iᵀ (both d×d; sparse rows are never densified):
/// \f[ M_{grad} + 1 = \lambda_{max}(\Lambda^{-1}V^\top B V\Lambda^{-1}),\qquad
///     M_{curv} + 1 = \lambda_{max}(\Lambda^{-1/2}V^\top B V\Lambda^{-1/2}) / L \f]
/// on range(A) (eigenpairs (V, Λ) of A with λ_k > 1e-10·λ_max). Dense path: cost O(nnz·d + d³), memory
/// O(d²); iterative path (problems/critical_iterative.hpp): matrix-free Lanczos and CG, memory O(nnz + d),
/// exact to a stated tolerance.
#include <cstdint>
#include <string>
#include <vector>

#include "problems/dataset.hpp"
#include "problems/problem.hpp"

namespace sgdcheck::problems {

/// Everything the bounds and `sgdcheck critical` need about a finite least-squares data set.
struct LeastSquaresConstants {
  Index n = 0;
  Index d = 0;
  Index rank = 0;        ///< numerical rank of A (eigenvalues > 1e-10·λ_max)
  double L = NAN;        ///< λ_max(A), exact
  double L_max = NAN;    ///< max_i ‖a_i‖²
  double mu = NAN;       ///< smallest eigenvalue of A on its range
  double M_grad = NAN;   ///< exact, gradient-norm form (realizable case)
  double M_curv = NAN;   ///< exact, function-value form (realizable case)
  double sigma2 = NAN;   ///< σ*² = (1/n)Σ r_i²‖a_i‖², r_i = a_iᵀx* − y_i
  double f_star = NAN;   ///< f(x*)
  double delta = NAN;    ///< Δ = max_j fraction of rows with a_ij ≠ 0 (M + 1 ≥ 1/Δ)
  Index zero_rows = 0;   ///< all-zero rows (allowed; they still count in n)
  Vec x_star;            ///< minimum-norm minimiser
  Vec worst_direction;   ///< unit e maximising eᵀBe / eᵀA²e: the worst-case start direction for M_grad
  Vec top_direction;     ///< unit eigenvector of λ_max(A) (init.kind top_eigenvector)
  std::string method;    ///< "exact (dense eigendecomposition)" or "iterative (Lanczos, tol …)"
  std::string work;      ///< iterative path: passes over the rows and CG iterations (empty for dense)
  bool iterative = false;
  std::vector<std::string> notes;  ///< rank deficiency, zero rows, non-realizability
};

/// How the constants are computed: dense eigendecomposition (exact, d ≤ kMaxGramDimension), matrix-free
/// iterative (Lanczos/CG to kIterativeEigTol, full-rank A only), or auto: dense for d ≤
/// kDenseAutoMaxDimension, else iterative, falling back to dense on rank deficiency when d allows it.
enum class ConstantsMethod { kAuto, kDense, kIterative };
/// "auto" | "dense" | "iterative" (anything else: std::logic_error; validate before).
ConstantsMethod parse_constants_method(const std::string& name);
std::string to_string(ConstantsMethod m);

/// Constants of (1/2n)‖Ax − y‖² with A = XᵀX/n. Dense: eigendecomposition of A (min-norm x* on rank
/// deficiency, refined by two residual-correction steps). Iterative: see critical_iterative.hpp.
/// Throws DataError if every row is zero, when d exceeds the limit of the method that applies, or when
/// the iterative path finds A rank-deficient and d is too large for the dense fallback.
LeastSquaresConstants least_squares_constants(const Dataset& data, ConstantsMethod method = ConstantsMethod::kAuto);

/// Centred local noise ratio of a finite sum at x, relative to a reference point x_ref (normally x*):
/// \f[ M_{loc}(x) = \frac{(1/n)\sum_i \|\delta_i - \bar\delta\|^2}{\|\nabla f(x)\|^2},\quad
///     \delta_i = \nabla f_i(x) - \nabla f_i(x_{ref}) \f]
/// When σ = 0 (∇f_i(x*) = 0 for all i) this is the local ratio (1/n)Σ‖∇f_i − ∇f‖²/‖∇f‖² of spec §3.3.
/// Centring on x_ref removes the σ²/‖∇f‖² term that makes the plain ratio blow up near x* on
/// non-realizable data; on least squares it equals eᵀ(B − A²)e / eᵀA²e ≤ M_grad for every x.
/// Returns NaN where ∇f(x) = 0. Cost O(n·d).
double local_noise_ratio(const Problem& problem, const Vec& x, const Vec& x_ref);

/// Centred function-value ratio at x (spec §3.3, function-value form):
/// \f[ M_{curv,loc}(x) = \frac{(1/n)\sum_i \|\nabla f_i(x) - \nabla f_i(x_{ref})\|^2}{2L\,(f(x) - f(x_{ref}))} - 1 \f]
/// On least squares this is eᵀBe / (L·eᵀAe) − 1 ≤ M_curv for every x. Returns NaN where f(x) ≤ f(x_ref).
double local_curvature_ratio(const Problem& problem, const Vec& x, const Vec& x_ref, double L);

/// Result of the local-ratio estimators.
struct MEstimate {
  double M_grad = NAN;  ///< max of local_noise_ratio over the probe points: a lower bound on M_grad
  double M_curv = NAN;  ///< max of local_curvature_ratio over the same points: a lower bound on M_curv
  Vec argmax;           ///< the point that attained M_grad
  int points = 0;       ///< number of probe points with a finite M_grad ratio
};

/// Max of the local ratios over random probes x_ref + r·u (u uniform directions, r ∈ R·{1e-3, …, 10},
/// R = max(1, ‖x0 − x_ref‖)) and over path points x_ref + 2^{−k}(x0 − x_ref), k = 0..19. Probes are drawn
/// from make_stream(seed, 0, StreamPurpose::kProbe). `L` is the smoothness constant used by the
/// function-value form. Estimates only: **lower bounds** on the exact M_grad and M_curv.
MEstimate estimate_m(const Problem& problem, const Vec& x_ref, const Vec& x0, double L, std::uint64_t seed, int probes);

}  // namespace sgdcheck::problems
