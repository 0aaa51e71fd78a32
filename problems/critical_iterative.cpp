#include "problems/critical_iterative.hpp"

#include <fmt/format.h>

#include <Spectra/SymEigsSolver.h>
#include <Spectra/SymGEigsSolver.h>
#include <algorithm>
#include <cmath>
#include <optional>

#include "core/errors.hpp"

namespace sgdcheck::problems {

void weighted_gram_apply(const Dataset& data, const Vec& w, const double* v, double* y, Vec& tmp) {
  const Index n = data.rows(), d = data.cols();
  const double inv_n = 1.0 / static_cast<double>(n);
  const bool weighted = w.size() != 0;
  if (!data.is_sparse) {
    const Eigen::Map<const Vec> vm(v, d);
    Eigen::Map<Vec> ym(y, d);
    tmp.resize(n);
    tmp.noalias() = data.dense * vm;
    if (weighted) tmp.array() *= w.array();
    ym.noalias() = data.dense.transpose() * tmp;
    ym *= inv_n;
    return;
  }
  std::fill(y, y + d, 0.0);
  const SpMat& X = data.sparse;
  if (X.isCompressed()) {
    // One pass: row i is read once, its dot product and its scatter share the cache lines.
    const auto* outer = X.outerIndexPtr();
    const auto* inner = X.innerIndexPtr();
    const double* val = X.valuePtr();
    for (Index i = 0; i < n; ++i) {
      const auto b = outer[i], e = outer[i + 1];
      double t = 0.0;
      for (auto k = b; k < e; ++k) t += val[k] * v[inner[k]];
      t *= weighted ? w[i] * inv_n : inv_n;
      for (auto k = b; k < e; ++k) y[inner[k]] += t * val[k];
    }
    return;
  }
  for (Index i = 0; i < n; ++i) {
    double t = 0.0;
    for (SpMat::InnerIterator it(X, i); it; ++it) t += it.value() * v[it.index()];
    t *= weighted ? w[i] * inv_n : inv_n;
    for (SpMat::InnerIterator it(X, i); it; ++it) y[it.index()] += t * it.value();
  }
}

std::string iterative_method_label() {
  return fmt::format("iterative (Lanczos, tol {:g} relative residual of each eigenpair; CG relative residual {:g})",
                     kIterativeEigTol, kIterativeCgTol);
}

namespace {

/// Shared state of the operators: the data, the weights of B, the Jacobi preconditioner, counters.
struct Engine {
  const Dataset& data;
  const Vec& norms2;
  Vec diag_inv;                 ///< 1 / diag(A)
  mutable Vec tmp;              ///< dense data: X v
  mutable long long passes = 0; ///< passes over the rows (products with A or B)
  mutable long long cg_iterations = 0;
  mutable bool cg_failed = false;
  int cg_maxit = 0;

  void apply_A(const double* v, double* y) const {
    weighted_gram_apply(data, Vec(), v, y, tmp);
    ++passes;
  }
  void apply_B(const double* v, double* y) const {
    weighted_gram_apply(data, norms2, v, y, tmp);
    ++passes;
  }

  /// Jacobi-preconditioned CG for A x = b from x = 0; true when ‖b − Ax‖ ≤ tol‖b‖.
  bool solve(const Vec& b, Vec& x, Vec& r, Vec& z, Vec& p, Vec& q, double tol) const {
    const Index d = b.size();
    x.setZero(d);
    const double bn = b.norm();
    if (bn == 0.0) return true;
    r = b;
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

/// Workspace of one solve (owned by an operator: Spectra calls perform_op on const objects).
struct SolveSpace {
  Vec b, x, r, z, p, q;
};

/// A or B as a Spectra operator.
class GramOp {
 public:
  using Scalar = double;
  GramOp(const Engine& e, bool weighted) : e_(e), weighted_(weighted) {}
  Index rows() const { return e_.data.cols(); }
  Index cols() const { return e_.data.cols(); }
  void perform_op(const double* x, double* y) const { weighted_ ? e_.apply_B(x, y) : e_.apply_A(x, y); }

 private:
  const Engine& e_;
  bool weighted_;
};

/// A with its inverse (CG), the "B" operator of Spectra's RegularInverse mode.
class AWithSolve {
 public:
  using Scalar = double;
  explicit AWithSolve(const Engine& e) : e_(e) {}
  Index rows() const { return e_.data.cols(); }
  Index cols() const { return e_.data.cols(); }
  void perform_op(const double* x, double* y) const { e_.apply_A(x, y); }
  void solve(const double* x, double* y) const {
    s_.b = Eigen::Map<const Vec>(x, rows());
    if (!e_.solve(s_.b, s_.x, s_.r, s_.z, s_.p, s_.q, kIterativeCgTol)) e_.cg_failed = true;
    Eigen::Map<Vec>(y, rows()) = s_.x;
  }

 private:
  const Engine& e_;
  mutable SolveSpace s_;
};

/// A⁻¹ B A⁻¹ (symmetric), two CG solves and one B product per application.
class InvBInvOp {
 public:
  using Scalar = double;
  explicit InvBInvOp(const Engine& e) : e_(e) {}
  Index rows() const { return e_.data.cols(); }
  Index cols() const { return e_.data.cols(); }
  void perform_op(const double* x, double* y) const {
    s_.b = Eigen::Map<const Vec>(x, rows());
    if (!e_.solve(s_.b, s_.x, s_.r, s_.z, s_.p, s_.q, kIterativeCgTol)) e_.cg_failed = true;
    mid_.resize(rows());
    e_.apply_B(s_.x.data(), mid_.data());
    if (!e_.solve(mid_, s_.x, s_.r, s_.z, s_.p, s_.q, kIterativeCgTol)) e_.cg_failed = true;
    Eigen::Map<Vec>(y, rows()) = s_.x;
  }

 private:
  const Engine& e_;
  mutable SolveSpace s_;
  mutable Vec mid_;
};

/// Lanczos subspace size. Spectra tests convergence once per restart, so a large subspace runs many
/// steps past convergence: measured on n = 2e4, d = 2000 sparse data, ncv = 20–30 needs 5950 passes,
/// ncv = 120 10100, ncv = 300 24700. Memory O(ncv·d), bounded by ~200 MB.
Index subspace_size(Index d, Index nev) {
  const Index by_memory = static_cast<Index>(25'000'000 / std::max<Index>(d, 1));
  const Index want = std::clamp<Index>(by_memory, 10, 30);
  return std::min(d, std::max(want, 2 * nev + 1));
}

constexpr Index kMaxRestarts = 1000;

/// The largest eigenvalue found by `eig` (one Lanczos run whose operator solves with A by CG), or
/// nullopt with `why` set when an inner CG solve failed (A singular or very ill-conditioned). A Lanczos
/// run that does not converge is a DataError naming `what`.
template <class Solver>
std::optional<double> largest_eigenvalue(Solver& eig, const Engine& e, const char* what, const SourceLoc& where,
                                         std::string& why) {
  eig.init();
  eig.compute(Spectra::SortRule::LargestAlge, kMaxRestarts, kIterativeEigTol);
  if (e.cg_failed) {
    why = fmt::format("a CG solve inside the {} eigensolver did not converge (A is very ill-conditioned)", what);
    return std::nullopt;
  }
  if (eig.info() != Spectra::CompInfo::Successful || eig.eigenvalues().size() != 1)
    throw DataError(where, fmt::format("the Lanczos iteration for {} did not converge", what));
  return eig.eigenvalues()[0];
}

}  // namespace

IterativeStatus least_squares_constants_iterative(const Dataset& data, const Vec& norms2, LeastSquaresConstants& c,
                                                  std::string& why) {
  const SourceLoc where{data.source, 0};
  const Index n = data.rows(), d = data.cols();
  if (n < d) {
    why = fmt::format("n = {} < d = {}: A'A/n has rank at most n", n, d);
    return IterativeStatus::kRankDeficient;
  }
  Engine e{data, norms2, Vec(), Vec(), 0, 0, false, 0};
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
    GramOp A(e, false);
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
  // M_grad + 1 = lambda_max(A^-1 B A^-1); the worst direction is A^-1 u for its top eigenvector u.
  {
    InvBInvOp op(e);
    Spectra::SymEigsSolver<InvBInvOp> eig(op, 1, subspace_size(d, 1));
    const auto top = largest_eigenvalue(eig, e, "M_grad", where, why);
    if (!top) return IterativeStatus::kRankDeficient;
    c.M_grad = *top - 1.0;
    const Vec u = eig.eigenvectors().col(0);
    Vec ev;
    e.solve(u, ev, s.r, s.z, s.p, s.q, kIterativeCgTol);
    c.worst_direction = ev.normalized();
  }
  const long long passes_mgrad = e.passes - passes_eig - passes_x;
  // M_curv + 1 = lambda_max of the pencil (B, A) / L.
  {
    GramOp B(e, true);
    AWithSolve A(e);
    Spectra::SymGEigsSolver<GramOp, AWithSolve, Spectra::GEigsMode::RegularInverse> eig(B, A, 1, subspace_size(d, 1));
    const auto top = largest_eigenvalue(eig, e, "M_curv", where, why);
    if (!top) return IterativeStatus::kRankDeficient;
    c.M_curv = *top / c.L - 1.0;
  }
  c.method = iterative_method_label();
  c.work = fmt::format("{} passes over the rows (L and mu {}, x* {}, M_grad {}, M_curv {}; {} CG iterations)",
                       e.passes, passes_eig, passes_x, passes_mgrad, e.passes - passes_eig - passes_x - passes_mgrad,
                       e.cg_iterations);
  return IterativeStatus::kOk;
}

}  // namespace sgdcheck::problems
