#pragma once
/// \file Exact expected error of local SGD on random-design least squares (Patel & Dieuleveut 2019,
/// sgdcheck spec `papers/patel2019_localsgd.md` §3). Two implementations of the same recursion:
/// the diagonal O(d)-per-step form in the design basis and the full-matrix form (O(d³) per step in a
/// general basis); tests hold them to 1e-12 of each other and to the spec's reference values.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bounds/bound.hpp"
#include "core/types.hpp"

namespace sgdcheck::bounds {

/// Everything the oracle depends on. The design is x = Q(√h ⊙ z), z_i i.i.d. with mean 0, variance 1
/// and E z⁴ = kurtosis (Gaussian 3, Rademacher 1), so H = E[xxᵀ] = Q diag(h) Qᵀ; y = ⟨w*, x⟩ + ε with
/// E ε = 0, E ε² = s2, ε independent of x. Every vector (eta0, the iterates) is in the original basis.
struct LocalSgdOracleParams {
  Vec h;                 ///< eigenvalues of H (>= 0), d = h.size()
  Mat basis;             ///< Q (orthogonal, d×d); empty = identity (H diagonal)
  double kurtosis = 3.0; ///< E z⁴ >= 1: Gaussian 3 (then Q does not matter), Rademacher 1
  double s2 = 0.0;       ///< noise variance E ε²
  std::int64_t workers = 1;      ///< P >= 1
  std::int64_t local_steps = 1;  ///< N >= 1: local steps per worker (the horizon)
  std::int64_t batch = 1;        ///< b >= 1: per-worker mini-batch (mean of b i.i.d. samples)
  double c = 0.1;                ///< γ_t = c·t^(−α), t = 1..N (γ_1 = c)
  double alpha = 0.0;
  Vec eta0;                      ///< w₀ − w* (all workers start at w₀)
  std::vector<std::int64_t> comm;  ///< S: local steps after which workers average, strictly increasing in [1, N]

  /// Sets h and basis from a symmetric PSD covariance H (eigendecomposition, O(d³)).
  void set_covariance(const Mat& H);
};

/// The oracle's curves, index t − 1 for t = 1..N. `last_*` is the virtual average w̄_t, `pr_*` the
/// Polyak–Ruppert average (1/t)Σ_{s=1..t} w̄_s (w₀ not included). `dist2` is E‖· − w*‖², `risk` the
/// excess risk E[F(·)] − F* = ½E[(· − w*)ᵀH(· − w*)]. A value that overflows is +inf from that t on.
struct LocalSgdOracleCurve {
  std::vector<double> last_dist2;
  std::vector<double> last_risk;
  std::vector<double> pr_dist2;
  std::vector<double> pr_risk;
  std::int64_t diverged_at = 0;  ///< first t whose state overflowed (0: finite throughout)

  std::int64_t size() const { return static_cast<std::int64_t>(last_dist2.size()); }
  /// Value at local step t (1 <= t <= N) of one of the four curves.
  double last_dist2_at(std::int64_t t) const { return last_dist2[static_cast<std::size_t>(t - 1)]; }
  double last_risk_at(std::int64_t t) const { return last_risk[static_cast<std::size_t>(t - 1)]; }
  double pr_dist2_at(std::int64_t t) const { return pr_dist2[static_cast<std::size_t>(t - 1)]; }
  double pr_risk_at(std::int64_t t) const { return pr_risk[static_cast<std::size_t>(t - 1)]; }
};

/// Which of the four curves.
enum class LocalSgdOracleOutput { kLastDist2, kLastRisk, kPrDist2, kPrRisk };

/// The first violated hypothesis (sizes, ranges, S sorted and within [1, N]), or nullopt.
std::optional<std::string> hypotheses_violated(const LocalSgdOracleParams& p);

/// \brief Exact \f$\mathbb{E}\|\bar w_t - w^\star\|^2\f$, excess risk and their Polyak–Ruppert
/// versions for local SGD on random-design least squares, t = 1..N: diagonal form.
/// **Setting.** Streaming least squares, x = Q(√h ⊙ z) with independent standardised coordinates of
/// kurtosis κ, noise ε independent of x with variance s2; P workers, N local steps, per-worker batch b,
/// communication set S.
/// **Algorithm.** Spec §2: every worker takes \f$w \leftarrow w - \gamma_t g\f$ with
/// \f$\gamma_t = c\,t^{-\alpha}\f$; after the local step t ∈ S all workers are set to the average
/// \f$\bar w_t\f$; the recorded iterate is \f$\bar w_t\f$ (virtual average) or its PR average.
/// **Guarantee.** Exact, derived (spec §3). In the basis Q only the diagonals of
/// \f$M_t = \mathbb{E}\eta^p\eta^{p\top}\f$ and \f$K_t = \mathbb{E}\eta^p\eta^{q\top}\f$ matter:
/// \f[ m_i \leftarrow (1 - 2\gamma h_i + \gamma^2 h_i^2[(\kappa-1)/b + 1 - 1/b])\,m_i
///     + \gamma^2 h_i (\textstyle\sum_j h_j m_j + s2)/b, \qquad k_i \leftarrow (1-\gamma h_i)^2 k_i, \f]
/// averaging sets \f$m = k = m/P + (1-1/P)k\f$, \f$a_t = m/P + (1-1/P)k\f$,
/// \f$b_t = (1-\gamma_t h)(b_{t-1} + a_{t-1})\f$, PR: \f$n^{-2}\sum_{t\le n}(a_t + 2b_t)\f$.
/// O(d) per step.
/// **References.** [1] Dieuleveut & Patel (2019), arXiv:1904.11325 (algorithm; the oracle is ours);
/// sgdcheck spec §3.
LocalSgdOracleCurve local_sgd_oracle_diagonal(const LocalSgdOracleParams& p);

/// \brief The same curves as local_sgd_oracle_diagonal, from the full second-moment matrices.
/// **Setting.** As local_sgd_oracle_diagonal, in the original basis (H = Q diag(h) Qᵀ).
/// **Algorithm.** As local_sgd_oracle_diagonal.
/// **Guarantee.** Exact, derived (spec §3):
/// \f[ M \leftarrow M - \gamma(HM + MH) + \gamma^2[\mathcal M(M)/b + (1 - 1/b)HMH] + \gamma^2 s2 H/b,
///     \qquad K \leftarrow (I-\gamma H)K(I-\gamma H), \f]
/// \f$\mathcal M(M) = 2HMH + \mathrm{tr}(HM)H + (\kappa-3)\sum_i h_i^2 (q_i^\top M q_i) q_i q_i^\top\f$;
/// at t ∈ S: \f$M = K = M/P + (1-1/P)K\f$; \f$A_t = M/P + (1-1/P)K\f$;
/// \f$B_t = (I-\gamma_t H)(B_{t-1} + A_{t-1})\f$, \f$B_1 = 0\f$; PR \f$n^{-2}\sum_{t\le n}\mathrm{tr}(A_t + 2B_t)\f$,
/// excess risk with ½tr(H·) in place of tr. O(d³) per step.
/// **References.** As local_sgd_oracle_diagonal.
LocalSgdOracleCurve local_sgd_oracle_full(const LocalSgdOracleParams& p);

/// Values of one curve at the requested local steps (each in [1, N]); diagonal form.
std::vector<double> local_sgd_oracle_at(const LocalSgdOracleParams& p,
                                        LocalSgdOracleOutput output,
                                        std::span<const std::int64_t> ts);

/// id, reference, label (derived) and guarantee (exact) of the oracle for `output`.
BoundInfo local_sgd_oracle_info(LocalSgdOracleOutput output);

}  // namespace sgdcheck::bounds
