#pragma once
/// \file Adaptive batch-size tests of Lau et al. (2024), as pure functions (sgdcheck spec
/// lau2024_adaptive_batch.md §3.3–3.4; test definitions are prior art: Byrd, Chin, Nocedal & Wu 2012;
/// Bollapragada, Byrd & Nocedal 2018).
///
/// Every test turns a batch of b per-sample gradients ∇f_i (the rows of a matrix) into a *proposal*
/// for the next batch size; `next_batch` turns the proposal into the new size
///   b_new = min(b_max, max(b, ceil(prop))),
/// comparing in floating point before any integer conversion, so +inf / NaN-free huge proposals clamp
/// to b_max without overflow, and b is kept when ‖g‖² is (numerically) zero or b == b_max.
/// - norm:          s² = (1/(b−1)) Σ‖∇f_i − g‖²,               prop = s²/(η²‖g‖²)
/// - inner product: v = Bessel variance of ∇f_iᵀg,              prop = v/(η²‖g‖⁴)
/// - orthogonality: r_i = ∇f_i − (∇f_iᵀg/‖g‖²) g, v = (1/(b−1)) Σ‖r_i‖², prop = v/(η²‖g‖²)
/// - augmented:     max(inner product, orthogonality)
/// - oracle:        exact σ²(x)/(η²‖∇F(x)‖²) (norm test with the exact covariance trace)
/// [derived]: under the norm test b_new == b  ⇔  s² ≤ b η² ‖g‖² (for b < b_max, ‖g‖² > 0).
#include <cstdint>
#include <span>
#include <string>

#include "core/types.hpp"

namespace sgdcheck::bounds {

enum class BatchTestKind { kNorm, kInnerProduct, kOrthogonality, kAugmented };
/// "norm", "inner_product", "orthogonality", "augmented".
std::string to_string(BatchTestKind k);

/// ‖g‖² below this times the scale (mean per-sample squared gradient norm) counts as zero: keep b.
constexpr double kZeroGradRel = 1e-12;

/// A block of per-sample gradients: rows [0, rows) of `grads` (row i is ∇f_i), so a worker's
/// preallocated b_max × d matrix is passed without copying.
struct GradBlock {
  const RowMat* grads = nullptr;
  Index rows = 0;
};

/// The statistics of a (possibly pooled) batch, from which every proposal follows.
struct BatchStats {
  Index count = 0;      ///< b (pooled: N = Σ b_m)
  double grad2 = 0;     ///< ‖g‖² of the batch mean g
  double s2 = 0;        ///< (1/(b−1)) Σ‖∇f_i − g‖² (norm test)
  double var_ip = 0;    ///< Bessel variance of ∇f_iᵀg (inner-product test)
  double var_orth = 0;  ///< (1/(b−1)) Σ‖r_i‖² (orthogonality test)
  double scale = 0;     ///< (1/b) Σ‖∇f_i‖² (the scale of the zero-gradient guard)
};

/// Two-pass statistics of the concatenation of `blocks` (the pooled, "global" batch when several):
/// g = mean of all rows, then the three spreads around it. Needs a total of at least 2 rows.
/// `g` receives the mean (no allocation when it already has size d).
BatchStats batch_stats(std::span<const GradBlock> blocks, Vec& g);
/// One block.
BatchStats batch_stats(const RowMat& grads, Index rows, Vec& g);

/// One-pass s² from the running sums of one batch: b, Σ‖∇f_i‖² and the mean g:
/// s² = (Σ‖∇f_i‖² − b‖g‖²)/(b−1). Equal to the two-pass value up to rounding when the spread is not
/// tiny against ‖g‖ (cancellation otherwise).
double s2_one_pass(Index b, double sum_sq_norms, const Vec& mean);

/// [derived] pooled s² of P worker batches from what they communicate (b_m, g_m, s²_m):
/// N = Σb_m, ḡ = Σb_m g_m / N, s²_pool = (Σ(b_m−1)s²_m + Σ b_m‖g_m − ḡ‖²)/(N−1).
/// Equals the s² of the concatenated batch. `mean_out` receives ḡ (size d).
double pooled_s2(std::span<const Index> counts,
                 std::span<const Vec> means,
                 std::span<const double> s2,
                 Vec& mean_out);

/// The proposal of test `kind` with parameter η (η = θ = ν) from `stats`; +inf when ‖g‖² == 0.
double proposal(BatchTestKind kind, const BatchStats& stats, double eta);

/// Oracle proposal σ²/(η²‖∇F‖²) (+inf when ‖∇F‖² == 0 and σ² > 0; 0 when σ² == 0).
double oracle_proposal(double sigma2, double grad_norm2, double eta);

/// b_new = min(b_max, max(b, ceil(prop))); keeps b when `keep` (zero gradient) or b >= b_max, and
/// for a NaN proposal. Overflow-free for any double proposal (compared with b_max as a double first).
std::int64_t next_batch(std::int64_t b, double prop, std::int64_t b_max, bool keep = false);

/// true when ‖g‖² is numerically zero against the batch's scale (the guard of next_batch).
bool zero_gradient(const BatchStats& stats);

/// The whole rule of one test: next_batch(b, proposal(kind, stats, eta), b_max, zero_gradient(stats)).
std::int64_t test_next_batch(
    BatchTestKind kind, const BatchStats& stats, double eta, std::int64_t b, std::int64_t b_max);

}  // namespace sgdcheck::bounds
