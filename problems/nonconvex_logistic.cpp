#include "problems/nonconvex_logistic.hpp"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>

#include "core/errors.hpp"
#include "problems/critical.hpp"
#include "problems/logistic_math.hpp"
#include "problems/newton.hpp"

namespace sgdcheck::problems {

NonconvexLogistic::NonconvexLogistic(Dataset data, double lambda, const InitOptions& init, int probes)
    : data_(std::move(data)), lambda_(lambda) {
  if (!(lambda >= 0.0)) throw std::logic_error("NonconvexLogistic: lambda must be >= 0");
  data_.y = logistic_labels(data_);
  const Index d = dim();
  const Eigen::SelfAdjointEigenSolver<Mat> es(data_.weighted_gram(), Eigen::EigenvaluesOnly);
  x0_ = make_initial_point(init, Vec::Zero(d), Vec());

  auto f = [this](const Vec& x) { return value(x); };
  auto grad = [this](const Vec& x, Vec& g) { gradient(x, g); };
  auto hess = [this](const Vec& x) { return hessian(x); };
  const NewtonResult nr = newton_minimise(f, grad, hess, x0_, 1e-12, 500);
  if (!(nr.grad_norm <= 1e-8) || !(nr.x.norm() < 1e8))
    throw ConfigError(SourceLoc{data_.source, 0},
                      fmt::format("nonconvex_logistic with lambda = {}: no stationary point found (modified Newton "
                                  "from x0: ||grad|| = {:.3g}, ||x|| = {:.3g} after {} steps); with lambda = 0 the "
                                  "data may be separable: use lambda > 0",
                                  lambda_, nr.grad_norm, nr.x.norm(), nr.iterations));
  auto& c = constants_;
  c.x_star = nr.x;
  c.f_star = value(c.x_star);
  c.L = 0.25 * es.eigenvalues()[d - 1] + 2.0 * lambda_;
  c.L_max = 0.25 * data_.row_norms2().maxCoeff() + 2.0 * lambda_;
  c.mu = 0.0;
  c.convexity = Convexity::kNonconvex;
  Vec gi(d);
  double s2 = 0.0;
  for (Index i = 0; i < n(); ++i) {
    sample_gradient(i, c.x_star, gi);
    s2 += gi.squaredNorm();
  }
  c.sigma2 = s2 / static_cast<double>(n());
  // ∇f_i − ∇f = c_i a_i − mean(c_j a_j) with |c_i| = σ(−m_i) ≤ 1 (the regulariser cancels), so the variance
  // is at most (1/n)Σ‖a_i‖² at every x.
  c.grad_variance_max = data_.row_norms2().mean();
  c.exact_L = c.exact_mu = c.exact_M = false;
  c.exact_sigma2 = true;
  c.ground_truth = fmt::format(
      "stationary point f_low from modified Newton started at x0 ({} steps, ||grad f|| = {:.3g}); "
      "nonconvex: not a global minimum",
      nr.iterations,
      nr.grad_norm);
  c.notes.push_back("L = lambda_max(A'A/n)/4 + 2 lambda is an upper bound; sigma2 and M are at the stationary point");
  const MEstimate m = estimate_m(*this, c.x_star, x0_, c.L, init.seed, probes);
  c.M_grad = m.M_grad;
  c.M_curv = m.M_curv;
  c.notes.push_back(fmt::format(
      "M_grad, M_curv: local-ratio estimate (lower bound) over {} points around the stationary point", m.points));
}

void NonconvexLogistic::add_regulariser_gradient(const Vec& x, Vec& g) const {
  for (Index j = 0; j < x.size(); ++j) {
    const double q = 1.0 + x[j] * x[j];
    g[j] += lambda_ * 2.0 * x[j] / (q * q);
  }
}

double NonconvexLogistic::value(const Vec& x) const {
  double s = 0.0;
  for (Index i = 0; i < n(); ++i) s += log1p_exp(-data_.y[i] * data_.row_dot(i, x));
  double r = 0.0;
  for (Index j = 0; j < x.size(); ++j) r += x[j] * x[j] / (1.0 + x[j] * x[j]);
  return s / static_cast<double>(n()) + lambda_ * r;
}

void NonconvexLogistic::gradient(const Vec& x, Vec& g) const {
  g.setZero();
  for (Index i = 0; i < n(); ++i) {
    const double yi = data_.y[i];
    data_.add_row(i, -yi * sigmoid(-yi * data_.row_dot(i, x)), g);
  }
  g /= static_cast<double>(n());
  add_regulariser_gradient(x, g);
}

void NonconvexLogistic::sample_gradient(Index i, const Vec& x, Vec& g) const {
  const double yi = data_.y[i];
  g.setZero();
  data_.add_row(i, -yi * sigmoid(-yi * data_.row_dot(i, x)), g);
  add_regulariser_gradient(x, g);
}

void NonconvexLogistic::batch_gradient(std::span<const Index> idx, const Vec& x, Vec& g) const {
  g.setZero();
  for (Index i : idx) {
    const double yi = data_.y[i];
    data_.add_row(i, -yi * sigmoid(-yi * data_.row_dot(i, x)), g);
  }
  g /= static_cast<double>(idx.size());
  add_regulariser_gradient(x, g);
}

Mat NonconvexLogistic::hessian(const Vec& x) const {
  Vec w(n());
  for (Index i = 0; i < n(); ++i) {
    const double s = sigmoid(data_.y[i] * data_.row_dot(i, x));
    w[i] = s * (1.0 - s);
  }
  Mat H = data_.weighted_gram(w);
  for (Index j = 0; j < x.size(); ++j) {
    const double q = 1.0 + x[j] * x[j];
    H(j, j) += lambda_ * (2.0 - 6.0 * x[j] * x[j]) / (q * q * q);
  }
  return H;
}

std::string NonconvexLogistic::describe() const {
  return fmt::format("nonconvex_logistic n={} d={} lambda={} {} ({})",
                     n(),
                     dim(),
                     lambda_,
                     data_.is_sparse ? "sparse" : "dense",
                     data_.source);
}

}  // namespace sgdcheck::problems
