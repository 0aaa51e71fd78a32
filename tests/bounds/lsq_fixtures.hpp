#pragma once
// Small least-squares instances and an independent Monte Carlo reference for the oracle tests.
// Deliberately free of problems/ classes: the simulation below is the independent check.
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/QR>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/rng.hpp"

namespace bounds_test {

/// n×d matrix of standard normals.
inline Eigen::MatrixXd normal_matrix(Eigen::Index n, Eigen::Index d, std::uint64_t seed) {
  sgdcheck::Rng rng(seed);
  Eigen::MatrixXd X(n, d);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < d; ++j) X(i, j) = rng.normal();
  return X;
}

/// Finite-sum least squares with its minimiser and residuals r_i = a_iᵀx* − y_i.
struct LsqInstance {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
  Eigen::VectorXd x_star;
  Eigen::VectorXd residuals;
};

inline LsqInstance make_instance(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
  LsqInstance p{X, y, Eigen::VectorXd(), Eigen::VectorXd()};
  p.x_star = (X.transpose() * X).ldlt().solve(X.transpose() * y);
  p.residuals = X * p.x_star - y;
  return p;
}

/// d×d orthogonal matrix (Q of a Gaussian matrix).
inline Eigen::MatrixXd random_orthogonal(Eigen::Index d, std::uint64_t seed) {
  const Eigen::MatrixXd G = normal_matrix(d, d, seed);
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(G);
  return qr.householderQ() * Eigen::MatrixXd::Identity(d, d);
}

/// Batch indices of size b from [0, n).
inline void draw_batch(sgdcheck::Rng& rng, int n, int b, bool with_replacement, std::vector<int>& out) {
  out.clear();
  if (with_replacement) {
    for (int k = 0; k < b; ++k) out.push_back(static_cast<int>(rng.below(static_cast<std::uint64_t>(n))));
    return;
  }
  std::vector<int> perm(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = i;
  for (int k = 0; k < b; ++k) {  // partial Fisher–Yates
    const int j = k + static_cast<int>(rng.below(static_cast<std::uint64_t>(n - k)));
    std::swap(perm[static_cast<std::size_t>(k)], perm[static_cast<std::size_t>(j)]);
    out.push_back(perm[static_cast<std::size_t>(k)]);
  }
}

/// Sample means and standard errors of ‖x_t − x*‖² and f(x_t) − f* at the recorded iterations.
struct McCurve {
  std::vector<double> dist2, dist2_se, subopt, subopt_se;
};

/// Simulates x_{t+1} = x_t − γ·(1/b)Σ_{i∈B_t} a_i(a_iᵀx_{t−τ} − y_i), x_s = x_0 for s < 0, R times.
inline McCurve simulate_sgd(const LsqInstance& p, const Eigen::VectorXd& x0, double step, int b, bool with_replacement,
                            int tau, const std::vector<std::int64_t>& record, int runs, std::uint64_t seed) {
  const int n = static_cast<int>(p.X.rows());
  const std::size_t K = record.size();
  std::vector<double> s1(K, 0.0), s2(K, 0.0), f1(K, 0.0), f2(K, 0.0);
  const std::int64_t T = record.back();
  std::vector<int> batch;
  std::vector<Eigen::VectorXd> hist(static_cast<std::size_t>(tau + 1));  // x_s at slot s mod (τ+1)
  Eigen::VectorXd g(p.X.cols());
  for (int run = 0; run < runs; ++run) {
    sgdcheck::Rng rng = sgdcheck::make_stream(seed, static_cast<std::uint64_t>(run), sgdcheck::StreamPurpose::kAlgorithm);
    for (auto& h : hist) h = x0;
    Eigen::VectorXd x = x0;
    std::size_t k = 0;
    for (std::int64_t t = 0; t <= T; ++t) {
      while (k < K && record[k] == t) {
        const Eigen::VectorXd e = x - p.x_star;
        const double d2 = e.squaredNorm();
        const double sub = 0.5 * (p.X * e).squaredNorm() / n;
        s1[k] += d2;
        s2[k] += d2 * d2;
        f1[k] += sub;
        f2[k] += sub * sub;
        ++k;
      }
      if (t == T) break;
      const Eigen::VectorXd& stale = hist[static_cast<std::size_t>((t - tau >= 0 ? t - tau : 0) % (tau + 1))];
      draw_batch(rng, n, b, with_replacement, batch);
      g.setZero();
      for (const int i : batch) g += p.X.row(i).transpose() * (p.X.row(i).dot(stale) - p.y(i));
      g /= b;
      x -= step * g;
      hist[static_cast<std::size_t>((t + 1) % (tau + 1))] = x;
    }
  }
  McCurve out;
  const auto mean_se = [&](double a, double a2, std::vector<double>& m, std::vector<double>& se) {
    const double mu = a / runs;
    m.push_back(mu);
    se.push_back(std::sqrt(std::max(0.0, a2 / runs - mu * mu) / (runs - 1)));
  };
  for (std::size_t i = 0; i < K; ++i) {
    mean_se(s1[i], s2[i], out.dist2, out.dist2_se);
    mean_se(f1[i], f2[i], out.subopt, out.subopt_se);
  }
  return out;
}

}  // namespace bounds_test
