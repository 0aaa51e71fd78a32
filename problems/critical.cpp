#include "problems/critical.hpp"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <cmath>

#include "core/errors.hpp"
#include "core/rng.hpp"
#include "problems/critical_iterative.hpp"

namespace sgdcheck::problems {

ConstantsMethod parse_constants_method(const std::string& name) {
  if (name == "auto") return ConstantsMethod::kAuto;
  if (name == "dense") return ConstantsMethod::kDense;
  if (name == "iterative") return ConstantsMethod::kIterative;
  throw std::logic_error("parse_constants_method: unknown method '" + name + "'");
}

std::string to_string(ConstantsMethod m) {
  switch (m) {
    case ConstantsMethod::kAuto: return "auto";
    case ConstantsMethod::kDense: return "dense";
    case ConstantsMethod::kIterative: return "iterative";
  }
  return "?";
}

namespace {

/// The dense path: c.n, c.d, c.L_max set by the caller.
void dense_constants(const Dataset& data, const Vec& norms2, LeastSquaresConstants& c) {
  const SourceLoc where{data.source, 0};
  check_gram_dimension(data);
  const Mat A = data.weighted_gram();
  const Mat B = data.weighted_gram(norms2);
  if (!A.allFinite() || !B.allFinite())
    throw DataError(where, "the Gram matrix or its second moment overflows (not finite): expected smaller values");
  const Eigen::SelfAdjointEigenSolver<Mat> es(A);
  if (es.info() != Eigen::Success) throw DataError(where, "the eigendecomposition of A'A/n did not converge");
  const Vec& lam = es.eigenvalues();  // ascending
  c.L = lam[c.d - 1];
  if (!std::isfinite(c.L) || !(c.L > 0.0))
    throw DataError(where, fmt::format("lambda_max(A'A/n) = {} is not a positive finite number", c.L));
  const double cut = 1e-10 * c.L;
  Index first = 0;
  while (first < c.d && !(lam[first] > cut)) ++first;
  if (first >= c.d) throw DataError(where, "A'A/n has no eigenvalue above 1e-10 lambda_max: expected nonzero data");
  c.rank = c.d - first;
  c.mu = lam[first];
  const Mat V = es.eigenvectors().rightCols(c.rank);
  const Vec lr = lam.tail(c.rank);

  // Minimum-norm solution of the normal equations A x = Aᵀy/n on range(A), plus residual correction.
  const Vec b = data.transpose_times(data.y) / static_cast<double>(c.n);
  auto pinv_apply = [&](const Vec& v) -> Vec { return V * (V.transpose() * v).cwiseQuotient(lr); };
  c.x_star = pinv_apply(b);
  for (int k = 0; k < 2; ++k) {
    const Vec grad = data.transpose_times(data.times(c.x_star) - data.y) / static_cast<double>(c.n);
    c.x_star -= pinv_apply(grad);
  }
  const Vec r = data.times(c.x_star) - data.y;
  c.f_star = 0.5 * r.squaredNorm() / static_cast<double>(c.n);
  c.sigma2 = r.cwiseAbs2().cwiseProduct(norms2).sum() / static_cast<double>(c.n);

  // Critical parameters: C_p = Λ^{-p} Vᵀ B V Λ^{-p}.
  const Mat VtBV = V.transpose() * B * V;
  const Vec inv1 = lr.cwiseInverse();
  const Vec inv_half = lr.cwiseSqrt().cwiseInverse();
  const Mat C1 = inv1.asDiagonal() * VtBV * inv1.asDiagonal();
  const Mat Ch = inv_half.asDiagonal() * VtBV * inv_half.asDiagonal();
  if (!C1.allFinite() || !Ch.allFinite())
    throw DataError(where, "the critical-parameter matrices overflow (not finite): expected smaller or better "
                           "conditioned values");
  const Eigen::SelfAdjointEigenSolver<Mat> e1(C1);
  const Eigen::SelfAdjointEigenSolver<Mat> eh(Ch, Eigen::EigenvaluesOnly);
  if (e1.info() != Eigen::Success || eh.info() != Eigen::Success || e1.eigenvalues().size() != c.rank ||
      eh.eigenvalues().size() != c.rank)
    throw DataError(where, "the eigendecomposition of the critical-parameter matrix did not converge");
  c.M_grad = e1.eigenvalues()[c.rank - 1] - 1.0;
  c.M_curv = eh.eigenvalues()[c.rank - 1] / c.L - 1.0;
  c.worst_direction = V * inv1.cwiseProduct(e1.eigenvectors().col(c.rank - 1));
  c.worst_direction.normalize();
  c.top_direction = es.eigenvectors().col(c.d - 1);
  c.method = "exact (dense eigendecomposition)";
}

}  // namespace

LeastSquaresConstants least_squares_constants(const Dataset& data, ConstantsMethod method) {
  LeastSquaresConstants c;
  c.n = data.rows();
  c.d = data.cols();
  const SourceLoc where{data.source, 0};
  if (c.n < 1 || c.d < 1) throw DataError(where, "no samples or no features: expected a non-empty data set");
  const bool dense_first = method == ConstantsMethod::kDense ||
                           (method == ConstantsMethod::kAuto && c.d <= kDenseAutoMaxDimension);
  if (dense_first) check_gram_dimension(data);  // before anything of size d x d
  if (!dense_first && c.d > kMaxIterativeDimension)
    throw DataError(where, fmt::format("d = {} features exceeds the limit d <= {} of the iterative constants",
                                       c.d, kMaxIterativeDimension));
  const Vec norms2 = data.row_norms2();
  c.L_max = norms2.maxCoeff();
  if (!std::isfinite(c.L_max) || !norms2.allFinite() || !data.y.allFinite())
    throw DataError(where, "a squared row norm is not finite: expected values whose squares and sums stay finite");
  if (!(c.L_max > 0.0)) throw DataError(where, "every row is zero: expected at least one nonzero feature");
  if (dense_first) {
    dense_constants(data, norms2, c);
  } else {
    std::string why;
    if (least_squares_constants_iterative(data, norms2, c, why) == IterativeStatus::kOk) {
      c.iterative = true;
    } else if (method == ConstantsMethod::kAuto && c.d <= kMaxGramDimension) {
      c = LeastSquaresConstants{};
      c.n = data.rows();
      c.d = data.cols();
      c.L_max = norms2.maxCoeff();
      dense_constants(data, norms2, c);
      c.notes.push_back("the iterative path found A'A/n rank-deficient or too ill-conditioned (" + why +
                        "): constants from the dense eigendecomposition instead");
    } else {
      throw DataError(where, fmt::format("the iterative constants need a full-rank, well-conditioned A'A/n, but {}; "
                                         "the dense fallback needs d <= {} (d = {})",
                                         why, kMaxGramDimension, c.d));
    }
  }

  for (const auto& [name, value] : {std::pair<const char*, double>{"L", c.L}, {"L_max", c.L_max}, {"mu", c.mu},
                                     {"M_grad", c.M_grad}, {"M_curv", c.M_curv}, {"sigma2", c.sigma2},
                                     {"f_star", c.f_star}})
    if (!std::isfinite(value))
      throw DataError(where, fmt::format("{} = {} is not finite: expected data whose constants are finite numbers "
                                         "(values too large or too ill-conditioned)", name, value));
  if (!c.x_star.allFinite()) throw DataError(where, "x* is not finite: expected better conditioned data");
  c.delta = data.max_column_density();
  c.zero_rows = data.zero_rows();
  if (c.rank < c.d)
    c.notes.push_back(fmt::format("rank-deficient: rank {} < d = {}; mu and M are on range(A)", c.rank, c.d));
  if (c.zero_rows > 0)
    c.notes.push_back(fmt::format("{} all-zero rows: they contribute zero gradients but count in n", c.zero_rows));
  const double scale = data.y.cwiseAbs2().cwiseProduct(norms2).sum() / static_cast<double>(c.n);
  if (c.sigma2 > 1e-20 + 1e-12 * scale)
    c.notes.push_back(
        "non-realizable (sigma2 > 0): M_grad, M_curv are the realizable-case constants; "
        "(2 M_grad, 2 sigma2) is always a valid (M, sigma2) pair (Stich et al. 2021)");
  return c;
}

double local_noise_ratio(const Problem& problem, const Vec& x, const Vec& x_ref) {
  const Index n = problem.n(), d = problem.dim();
  if (n <= 0) throw std::logic_error("local_noise_ratio: needs a finite-sum problem");
  Vec gi(d), gr(d), delta(d), mean = Vec::Zero(d);
  double second = 0.0;
  for (Index i = 0; i < n; ++i) {
    problem.sample_gradient(i, x, gi);
    problem.sample_gradient(i, x_ref, gr);
    delta = gi - gr;
    mean += delta;
    second += delta.squaredNorm();
  }
  mean /= static_cast<double>(n);
  const double var = std::max(0.0, second / static_cast<double>(n) - mean.squaredNorm());
  problem.gradient(x, gi);
  const double g2 = gi.squaredNorm();
  if (!(g2 > 0.0)) return NAN;
  return var / g2;
}

double local_curvature_ratio(const Problem& problem, const Vec& x, const Vec& x_ref, double L) {
  const Index n = problem.n(), d = problem.dim();
  if (n <= 0) throw std::logic_error("local_curvature_ratio: needs a finite-sum problem");
  const double gap = problem.value(x) - problem.value(x_ref);
  if (!(gap > 0.0)) return NAN;
  Vec gi(d), gr(d);
  double second = 0.0;
  for (Index i = 0; i < n; ++i) {
    problem.sample_gradient(i, x, gi);
    problem.sample_gradient(i, x_ref, gr);
    second += (gi - gr).squaredNorm();
  }
  return second / static_cast<double>(n) / (2.0 * L * gap) - 1.0;
}

MEstimate estimate_m(const Problem& problem, const Vec& x_ref, const Vec& x0, double L, std::uint64_t seed, int probes) {
  MEstimate out;
  const Index d = problem.dim();
  Rng rng = make_stream(seed, 0, StreamPurpose::kProbe);
  const double R = std::max(1.0, (x0 - x_ref).norm());
  const double f_ref = problem.value(x_ref);
  auto consider = [&](const Vec& x) {
    const double m = local_noise_ratio(problem, x, x_ref);
    if (std::isfinite(m)) {
      ++out.points;
      if (!(m <= out.M_grad)) {  // also replaces the initial NaN
        out.M_grad = m;
        out.argmax = x;
      }
    }
    // Skip points where f − f(x_ref) is lost in rounding (the ratio would be noise).
    if (problem.value(x) - f_ref > 1e-10 * (1.0 + std::abs(f_ref))) {
      const double c = local_curvature_ratio(problem, x, x_ref, L);
      if (std::isfinite(c) && !(c <= out.M_curv)) out.M_curv = c;
    }
  };
  for (int k = 0; k < 20; ++k) consider(x_ref + std::ldexp(1.0, -k) * (x0 - x_ref));
  Vec u(d);
  for (int p = 0; p < probes; ++p) {
    for (Index j = 0; j < d; ++j) u[j] = rng.normal();
    u.normalize();
    for (double r : {1e-3, 1e-2, 1e-1, 1.0, 10.0}) consider(x_ref + (r * R) * u);
  }
  return out;
}

}  // namespace sgdcheck::problems
