#include "problems/critical_iterative.hpp"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <Spectra/SymEigsSolver.h>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>

#include "core/errors.hpp"
#include "core/rng.hpp"
#include "core/thread_pool.hpp"

namespace sgdcheck::problems {

namespace {

std::atomic<int> g_iterative_jobs{1};

/// Rows [first, last) of a CSR matrix into out (zeroed here): out += Σ_i t_i a_i, t_i = s_i·a_iᵀv.
/// Row i is read once, its dot product and its scatter share the cache lines.
void row_range_pass(const SpMat& X, const Vec& w, double inv_n, const double* v, Index first, Index last, double* out,
                    Index d) {
  std::fill(out, out + d, 0.0);
  const bool weighted = w.size() != 0;
  if (X.isCompressed()) {
    const auto* outer = X.outerIndexPtr();
    const auto* inner = X.innerIndexPtr();
    const double* val = X.valuePtr();
    for (Index i = first; i < last; ++i) {
      const auto b = outer[i], e = outer[i + 1];
      double t = 0.0;
      for (auto k = b; k < e; ++k) t += val[k] * v[inner[k]];
      t *= weighted ? w[i] * inv_n : inv_n;
      for (auto k = b; k < e; ++k) out[inner[k]] += t * val[k];
    }
    return;
  }
  for (Index i = first; i < last; ++i) {  // same arithmetic in the same order as above
    double t = 0.0;
    for (SpMat::InnerIterator it(X, i); it; ++it) t += it.value() * v[it.index()];
    t *= weighted ? w[i] * inv_n : inv_n;
    for (SpMat::InnerIterator it(X, i); it; ++it) out[it.index()] += t * it.value();
  }
}

}  // namespace

void set_iterative_jobs(int jobs) { g_iterative_jobs.store(std::max(1, jobs)); }
int iterative_jobs() { return g_iterative_jobs.load(); }

void weighted_gram_apply(const Dataset& data, const Vec& w, const double* v, double* y, Vec& tmp, int jobs) {
  const Index n = data.rows(), d = data.cols();
  const double inv_n = 1.0 / static_cast<double>(n);
  if (!data.is_sparse) {
    const Eigen::Map<const Vec> vm(v, d);
    Eigen::Map<Vec> ym(y, d);
    tmp.resize(n);
    tmp.noalias() = data.dense * vm;
    if (w.size() != 0) tmp.array() *= w.array();
    ym.noalias() = data.dense.transpose() * tmp;
    ym *= inv_n;
    return;
  }
  // Fixed row ranges (they depend on n only): range 0 accumulates into y, range b > 0 into slot b − 1
  // of tmp; then y += slot 0, slot 1, … in that order for every j, split over column chunks.
  const Index blocks = std::max<Index>(1, std::min<Index>(kRowBlocks, n));
  tmp.resize((blocks - 1) * d);
  double* partial = tmp.data();
  const SpMat& X = data.sparse;
  parallel_for(static_cast<std::size_t>(blocks), jobs, [&](std::size_t b) {
    const Index bi = static_cast<Index>(b);
    double* out = bi == 0 ? y : partial + (bi - 1) * d;
    row_range_pass(X, w, inv_n, v, n * bi / blocks, n * (bi + 1) / blocks, out, d);
  });
  if (blocks == 1) return;
  constexpr Index kChunk = 4096;
  const Index chunks = (d + kChunk - 1) / kChunk;
  parallel_for(static_cast<std::size_t>(chunks), chunks >= 8 ? jobs : 1, [&](std::size_t c) {
    const Index j0 = static_cast<Index>(c) * kChunk, j1 = std::min(d, j0 + kChunk);
    for (Index b = 0; b + 1 < blocks; ++b) {
      const double* p = partial + b * d;
      for (Index j = j0; j < j1; ++j) y[j] += p[j];
    }
  });
}

std::string iterative_method_label() {
  return fmt::format("iterative (Lanczos, tol {:g} relative residual of each eigenpair; CG relative residual {:g}, "
                     "inner CG of the M runs relaxed up to {:g} and each M eigenpair's residual rechecked at {:g})",
                     kIterativeEigTol, kIterativeCgTol, kMaxRelaxedCgTol, kIterativeCgTol);
}

namespace {

/// Shared state of the operators: the data, the weights of B, the Jacobi preconditioner, counters.
struct Engine {
  const Dataset& data;
  const Vec& norms2;
  int jobs = 1;
  Vec diag_inv;                 ///< 1 / diag(A)
  mutable Vec tmp;              ///< workspace of weighted_gram_apply
  mutable long long passes = 0; ///< passes over the rows (products with A or B)
  mutable long long cg_iterations = 0;
  mutable long long cg_solves = 0;
  mutable bool cg_failed = false;
  int cg_maxit = 0;

  void apply_A(const double* v, double* y) const {
    weighted_gram_apply(data, Vec(), v, y, tmp, jobs);
    ++passes;
  }
  void apply_B(const double* v, double* y) const {
    weighted_gram_apply(data, norms2, v, y, tmp, jobs);
    ++passes;
  }

  /// Jacobi-preconditioned CG for A x = b from x = 0; true when ‖b − Ax‖ ≤ tol‖b‖.
  bool solve(const Vec& b, Vec& x, Vec& r, Vec& z, Vec& p, Vec& q, double tol) const {
    x.setZero(b.size());
    r = b;
    return solve_from(b, x, r, z, p, q, tol);
  }

  /// The same from the initial guess x, with r = b − Ax given (computed without a pass by the caller).
  bool solve_from(const Vec& b, Vec& x, Vec& r, Vec& z, Vec& p, Vec& q, double tol) const {
    const Index d = b.size();
    ++cg_solves;
    const double bn = b.norm();
    if (bn == 0.0) {
      x.setZero(d);
      return true;
    }
    if (r.norm() <= tol * bn) return true;
    z = r.cwiseProduct(diag_inv);
    p = z;
    double rz = r.dot(z);
    q.resize(d);
    for (int it = 0; it < cg_maxit; ++it) {
      apply_A(p.data(), q.data());
      ++cg_iterations;
      const double pq = p.dot(q);
      if (!(pq > 0.0)) return false;  // A not positive definite along p: singular or round-off
      const double alpha = rz / pq;
      x.noalias() += alpha * p;
      r.noalias() -= alpha * q;
      if (r.norm() <= tol * bn) return true;
      z = r.cwiseProduct(diag_inv);
      const double rz_new = r.dot(z);
      p = z + (rz_new / rz) * p;
      rz = rz_new;
    }
    return false;
  }
};

/// Workspace of one solve.
struct SolveSpace {
  Vec b, x, r, z, p, q;
};

/// A as a Spectra operator (L and μ).
class GramOp {
 public:
  using Scalar = double;
  explicit GramOp(const Engine& e) : e_(e) {}
  Index rows() const { return e_.data.cols(); }
  Index cols() const { return e_.data.cols(); }
  void perform_op(const double* x, double* y) const { e_.apply_A(x, y); }

 private:
  const Engine& e_;
};

/// Lanczos subspace size of the Spectra run for L and μ (convergence tested once per restart, so a
/// large subspace runs many steps past convergence; measured on n = 2e4, d = 2000: ncv = 20–30 best).
/// Number of basis vectors of size d that fit in ~25e6 doubles (200 MB), clamped to [10, cap].
Index vectors_in_memory(Index d, Index cap) {
  return std::clamp<Index>(static_cast<Index>(25'000'000 / std::max<Index>(d, 1)), 10, cap);
}

Index subspace_size(Index d, Index nev) { return std::min(d, std::max(vectors_in_memory(d, 30), 2 * nev + 1)); }

constexpr Index kMaxRestarts = 1000;
/// Safety factor of the relaxed inner tolerance (a tenth of the error the stated tolerance allows).
constexpr double kRelaxSafety = 0.1;

/// Basis size of our Lanczos runs: up to 200 vectors, at most ~25e6 doubles (200 MB) for V (and as much
/// again for BV in the B inner product).
Index lanczos_basis(Index d) { return std::min(d, vectors_in_memory(d, 200)); }

/// A deterministic start vector with no preferred direction (splitmix64, uniform in (−½, ½)).
Vec start_vector(Index d) {
  Vec v(d);
  for (Index j = 0; j < d; ++j) {
    const std::uint64_t z = splitmix64(0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(j + 1));
    v[j] = static_cast<double>(z >> 11) * 0x1.0p-53 - 0.5;
  }
  return v;
}

struct LanczosResult {
  double value = 0.0;
  Vec vector;  ///< G-unit eigenvector estimate
  bool converged = false;
  long long steps = 0;  ///< applications of the operator (the strict checks of candidates included)
};

/// out = C v with the inner CG solves stopped at relative residual `cg_tol`; Gv is v's G-image.
using LanczosApply = std::function<void(const Vec& v, const Vec& Gv, Vec& out, double cg_tol)>;
/// out = G u (empty function: G = I).
using LanczosGram = std::function<void(const Vec& u, Vec& out)>;

/// Largest eigenvalue of an operator C self-adjoint in the inner product ⟨u, v⟩_G = uᵀGv (G symmetric
/// positive definite). Lanczos with full reorthogonalization (classical Gram–Schmidt, twice) in the G
/// inner product; the top Ritz pair of T_k is a candidate once its estimated residual β_k|s_k| is
/// ≤ tol·θ, tested after every step (Spectra tests once per restart cycle).
///
/// Inner accuracy: while the Ritz residual is large the products need not be accurate (relaxed Krylov
/// methods, Simoncini 2005, SIAM J. Matrix Anal. Appl. 27(3)): step k uses CG tolerance
/// clamp(relax·θ/res_{k−1}, kIterativeCgTol, kMaxRelaxedCgTol), so the inner solves get looser as the pair
/// converges (relax = 0: kIterativeCgTol throughout). Every candidate is then CHECKED with strict solves:
/// z = C y at kIterativeCgTol, θ = ⟨y, z⟩_G (Rayleigh quotient) and the true residual ‖z − θy‖_G ≤ tol·θ
/// accepts it; a candidate that fails restarts a strict Lanczos from y. So the accepted pair meets the
/// stated tolerance with strict products whatever the relaxation did. A full basis restarts from the top
/// Ritz vector. Stops early (not converged) when `failed()` says an inner solve failed.
LanczosResult lanczos_largest(Index d, double tol, double relax, const LanczosApply& apply, const LanczosGram& gram,
                              const std::function<bool()>& failed) {
  LanczosResult res;
  const Index m = lanczos_basis(d);
  const bool g = static_cast<bool>(gram);
  Mat V(d, m), GV(g ? d : 0, g ? m : 0);
  Vec alpha(m), beta(m), w, gw, h, v = start_vector(d), gv, vk, gvk, z, gz;
  auto G = [&](const Vec& u, Vec& out) {
    if (g) gram(u, out);
    else out = u;
  };
  auto normalize = [](Vec& u, Vec& gu) {
    const double nu = std::sqrt(u.dot(gu));
    u /= nu;
    gu /= nu;
  };
  G(v, gv);
  normalize(v, gv);
  const double eps23 = std::pow(std::numeric_limits<double>::epsilon(), 2.0 / 3.0);
  for (Index cycle = 0; cycle < kMaxRestarts; ++cycle) {
    V.col(0) = v;
    if (g) GV.col(0) = gv;
    double cg_tol = kIterativeCgTol;
    for (Index k = 0;; ++k) {
      vk = V.col(k);
      if (g) gvk = GV.col(k);
      apply(vk, g ? gvk : vk, w, cg_tol);
      ++res.steps;
      if (failed()) return res;
      // w ⟂_G v_0 … v_k, twice; the coefficient on v_k is T's diagonal entry.
      alpha[k] = 0.0;
      for (int pass = 0; pass < 2; ++pass) {
        h.noalias() = (g ? GV : V).leftCols(k + 1).transpose() * w;
        w.noalias() -= V.leftCols(k + 1) * h;
        alpha[k] += h[k];
      }
      G(w, gw);
      const double b = std::sqrt(std::max(0.0, w.dot(gw)));
      beta[k] = b;
      Eigen::SelfAdjointEigenSolver<Mat> es;
      es.computeFromTridiagonal(alpha.head(k + 1), beta.head(k), Eigen::ComputeEigenvectors);
      if (es.info() != Eigen::Success) return res;
      const double theta = es.eigenvalues()[k];  // ascending: the last is the largest
      const Vec s = es.eigenvectors().col(k);
      const double est = b * std::abs(s[k]);
      const bool invariant = !(b > 0.0) || k + 1 == d;  // T_k is exact on a C-invariant subspace
      if (invariant || est <= tol * std::max(std::abs(theta), eps23)) {
        // The check with strict products: Rayleigh quotient and true residual of y.
        v = V.leftCols(k + 1) * s;
        gv = g ? Vec(GV.leftCols(k + 1) * s) : v;
        normalize(v, gv);
        apply(v, gv, z, kIterativeCgTol);
        ++res.steps;
        if (failed()) return res;
        G(z, gz);
        const double rq = v.dot(gz);
        const Vec r = z - rq * v, gr = gz - rq * gv;
        const double true_res = std::sqrt(std::max(0.0, r.dot(gr)));
        if (true_res <= tol * std::max(std::abs(rq), eps23)) {
          res.value = rq;
          res.vector = v;
          res.converged = true;
          return res;
        }
        relax = 0.0;  // the relaxed products were not good enough: strict from here, restarting from y
        break;
      }
      if (k + 1 == m) {  // full basis: restart from the top Ritz vector
        v = V * s;
        gv = g ? Vec(GV * s) : v;
        normalize(v, gv);
        break;
      }
      V.col(k + 1) = w / b;
      if (g) GV.col(k + 1) = gw / b;
      if (relax > 0.0 && est > 0.0)
        cg_tol = std::clamp(relax * std::abs(theta) / est, kIterativeCgTol, kMaxRelaxedCgTol);
    }
  }
  return res;
}

/// The largest eigenvalue of a Lanczos run whose operator solves with A by CG, or nullopt with `why`
/// set when an inner CG solve failed (A singular or very ill-conditioned). A run that does not converge
/// is a DataError naming `what`.
std::optional<LanczosResult> largest_eigenvalue(const Engine& e, const char* what, const SourceLoc& where,
                                                std::string& why, double relax, const LanczosApply& apply,
                                                const LanczosGram& gram) {
  LanczosResult r =
      lanczos_largest(e.data.cols(), kIterativeEigTol, relax, apply, gram, [&e] { return e.cg_failed; });
  if (e.cg_failed) {
    why = fmt::format("a CG solve inside the {} eigensolver did not converge (A is very ill-conditioned)", what);
    return std::nullopt;
  }
  if (!r.converged) throw DataError(where, fmt::format("the Lanczos iteration for {} did not converge", what));
  return r;
}

}  // namespace

IterativeStatus least_squares_constants_iterative(const Dataset& data, const Vec& norms2, LeastSquaresConstants& c,
                                                  std::string& why, int jobs) {
  const SourceLoc where{data.source, 0};
  const Index n = data.rows(), d = data.cols();
  if (n < d) {
    why = fmt::format("n = {} < d = {}: A'A/n has rank at most n", n, d);
    return IterativeStatus::kRankDeficient;
  }
  Engine e{data, norms2, jobs > 0 ? jobs : iterative_jobs(), Vec(), Vec(), 0, 0, 0, false, 0};
  // diag(A)_j = (1/n) sum_i a_ij^2.
  Vec diag = Vec::Zero(d);
  if (data.is_sparse) {
    for (Index i = 0; i < n; ++i)
      for (SpMat::InnerIterator it(data.sparse, i); it; ++it) diag[it.index()] += it.value() * it.value();
  } else {
    diag = data.dense.cwiseAbs2().colwise().sum().transpose();
  }
  diag /= static_cast<double>(n);
  for (Index j = 0; j < d; ++j)
    if (!(diag[j] > 0.0)) {
      why = fmt::format("feature {} is zero in every sample", j + 1);
      return IterativeStatus::kRankDeficient;
    }
  e.diag_inv = diag.cwiseInverse();
  e.cg_maxit = static_cast<int>(std::min<Index>(5000, 10 * d + 100));

  // L and mu: both ends of the spectrum of A.
  {
    GramOp A(e);
    const Index nev = std::min<Index>(2, d - 1);
    if (d < 3) {  // Spectra needs nev < ncv <= d; tiny problems go to the dense path
      why = "d < 3: too small for Lanczos";
      return IterativeStatus::kRankDeficient;
    }
    Spectra::SymEigsSolver<GramOp> eig(A, nev, subspace_size(d, nev));
    eig.init();
    eig.compute(Spectra::SortRule::BothEnds, kMaxRestarts, kIterativeEigTol);
    const Vec lam = eig.eigenvalues();
    if (eig.info() != Spectra::CompInfo::Successful || lam.size() != 2) {
      // A Ritz value near zero cannot meet a relative residual test: that is rank deficiency.
      why = "Lanczos on A'A/n did not converge (an eigenvalue at or near 0)";
      return IterativeStatus::kRankDeficient;
    }
    c.L = lam.maxCoeff();
    c.mu = lam.minCoeff();
    const Index top = lam[0] >= lam[1] ? 0 : 1;
    c.top_direction = eig.eigenvectors().col(top);
    if (!std::isfinite(c.L) || !(c.L > 0.0))
      throw DataError(where, fmt::format("lambda_max(A'A/n) = {} is not a positive finite number", c.L));
    if (!(c.mu > 1e-10 * c.L)) {
      why = fmt::format("smallest eigenvalue {:.3g} <= 1e-10 lambda_max", c.mu);
      return IterativeStatus::kRankDeficient;
    }
  }
  c.rank = d;
  const long long passes_eig = e.passes;

  // x*: CG on the normal equations, then two residual corrections (as the dense path).
  SolveSpace s;
  {
    Vec b = data.transpose_times(data.y) / static_cast<double>(n);
    if (!e.solve(b, s.x, s.r, s.z, s.p, s.q, kIterativeCgTol)) {
      why = fmt::format("CG on the normal equations did not reach relative residual {:g} in {} iterations (A is "
                        "singular or very ill-conditioned)", kIterativeCgTol, e.cg_maxit);
      return IterativeStatus::kRankDeficient;
    }
    c.x_star = s.x;
    for (int k = 0; k < 2; ++k) {
      const Vec grad = data.transpose_times(data.times(c.x_star) - data.y) / static_cast<double>(n);
      Vec delta;
      if (!e.solve(grad, delta, s.r, s.z, s.p, s.q, kIterativeCgTol)) break;  // already at round-off
      c.x_star -= delta;
    }
  }
  const Vec r = data.times(c.x_star) - data.y;
  c.f_star = 0.5 * r.squaredNorm() / static_cast<double>(n);
  c.sigma2 = r.cwiseAbs2().cwiseProduct(norms2).sum() / static_cast<double>(n);

  const long long passes_x = e.passes - passes_eig;
  const long long cg_before_m = e.cg_iterations, solves_before_m = e.cg_solves;
  // M_grad + 1 = lambda_max(A^-1 B A^-1); the worst direction is A^-1 u for its top eigenvector u.
  long long steps_grad = 0, steps_curv = 0;
  const double kappa = c.L / c.mu;
  {
    SolveSpace t;
    Vec mid, ax;
    // Two solves: a relative residual eta perturbs the product by about 2 kappa eta (kappa = L/mu).
    const auto top = largest_eigenvalue(
        e, "M_grad", where, why, kRelaxSafety * kIterativeEigTol / (2.0 * kappa),
        [&](const Vec& v, const Vec&, Vec& out, double cg_tol) {
          if (!e.solve(v, t.x, t.r, t.z, t.p, t.q, cg_tol)) e.cg_failed = true;
          mid.resize(d);
          e.apply_B(t.x.data(), mid.data());
          // Second solve A out = Bx from out = c x: Ax = v − r (r: the first solve's residual), and
          // c = xᵀBx / xᵀAx minimises the A-norm error over multiples of x, so never worse than 0.
          ax = v - t.r;
          const double xax = t.x.dot(ax);
          const double cx = xax > 0.0 ? t.x.dot(mid) / xax : 0.0;
          out = cx * t.x;
          t.r = mid - cx * ax;
          if (!e.solve_from(mid, out, t.r, t.z, t.p, t.q, cg_tol)) e.cg_failed = true;
        },
        {});
    if (!top) return IterativeStatus::kRankDeficient;
    c.M_grad = top->value - 1.0;
    steps_grad = top->steps;
    Vec ev;
    e.solve(top->vector, ev, s.r, s.z, s.p, s.q, kIterativeCgTol);
    c.worst_direction = ev.normalized();
  }
  const long long passes_mgrad = e.passes - passes_eig - passes_x;
  // M_curv + 1 = lambda_max of the pencil (B, A) / L = lambda_max(A^-1 B) / L; A^-1 B is self-adjoint in
  // the B inner product, and the B-image of each Lanczos vector is kept, so a step is one solve and one B.
  {
    SolveSpace t;
    const auto top = largest_eigenvalue(
        e, "M_curv", where, why, kRelaxSafety * kIterativeEigTol / kappa,
        [&](const Vec&, const Vec& bv, Vec& out, double cg_tol) {
          if (!e.solve(bv, out, t.r, t.z, t.p, t.q, cg_tol)) e.cg_failed = true;
        },
        [&](const Vec& u, Vec& out) {
          out.resize(d);
          e.apply_B(u.data(), out.data());
        });
    if (!top) return IterativeStatus::kRankDeficient;
    c.M_curv = top->value / c.L - 1.0;
    steps_curv = top->steps;
  }
  c.method = iterative_method_label();
  const long long m_solves = e.cg_solves - solves_before_m;
  c.work = fmt::format(
      "{} passes over the rows (L and mu {}, x* {}, M_grad {} in {} Lanczos steps, M_curv {} in {} steps; {} CG "
      "iterations, {:.1f} per solve in the M runs)",
      e.passes, passes_eig, passes_x, passes_mgrad, steps_grad, e.passes - passes_eig - passes_x - passes_mgrad,
      steps_curv, e.cg_iterations,
      m_solves > 0 ? static_cast<double>(e.cg_iterations - cg_before_m) / static_cast<double>(m_solves) : 0.0);
  return IterativeStatus::kOk;
}

}  // namespace sgdcheck::problems
