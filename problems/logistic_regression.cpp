#include "problems/logistic_regression.hpp"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>

#include "problems/critical.hpp"
#include "problems/logistic_math.hpp"
#include "problems/newton.hpp"

namespace sgdcheck::problems {

LogisticRegression::LogisticRegression(Dataset data, double lambda, const InitOptions& init, int probes)
    : data_(std::move(data)), lambda_(lambda) {
  if (!(lambda >= 0.0)) throw std::logic_error("LogisticRegression: lambda must be >= 0");
  data_.y = logistic_labels(data_);
  const Index d = dim();
  const Eigen::SelfAdjointEigenSolver<Mat> es(data_.weighted_gram());
  const double gram_max = es.eigenvalues()[d - 1];

  auto f = [this](const Vec& x) { return value(x); };
  auto grad = [this](const Vec& x, Vec& g) { gradient(x, g); };
  auto hess = [this](const Vec& x) { return hessian(x); };
  const NewtonResult nr = newton_minimise(f, grad, hess, Vec::Zero(d), 1e-12, 200);
  const double xnorm = nr.x.norm();
  double curvature = NAN;
  if (xnorm > 0.0) curvature = nr.x.dot(hessian(nr.x) * nr.x) / (xnorm * xnorm);
  const bool huge = !(xnorm < 1e8);
  const bool flat = lambda_ == 0.0 && xnorm > 0.0 && !(curvature > 1e-8 * (0.25 * gram_max));
  if (!(nr.grad_norm <= 1e-8) || huge || flat)
    throw NoMinimiserError(SourceLoc{data_.source, 0},
                           fmt::format("logistic with lambda = {}: no finite minimiser found (Newton: ||grad|| = "
                                       "{:.3g}, ||x|| = {:.3g}, curvature along x = {:.3g} after {} steps); the "
                                       "data look linearly separable: use lambda > 0 or more samples",
                                       lambda_, nr.grad_norm, xnorm, curvature, nr.iterations));
  auto& c = constants_;
  c.x_star = nr.x;
  c.f_star = value(c.x_star);
  c.L = 0.25 * gram_max + lambda_;
  c.L_max = 0.25 * data_.row_norms2().maxCoeff() + lambda_;
  c.mu = lambda_;
  c.convexity = lambda_ > 0.0 ? Convexity::kStronglyConvex : Convexity::kConvex;
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
  c.exact_L = false;
  c.exact_mu = false;
  c.exact_sigma2 = true;
  c.exact_M = false;
  c.ground_truth = fmt::format("Newton from 0, {} steps, ||grad f(x*)|| = {:.3g}", nr.iterations, nr.grad_norm);
  c.notes.push_back("L = lambda_max(A'A/n)/4 + lambda is an upper bound; mu = lambda is a lower bound");

  Vec direction;
  if (init.kind == InitKind::kTopEigenvector) direction = es.eigenvectors().col(d - 1);
  x0_ = make_initial_point(init, c.x_star, direction);
  const MEstimate m = estimate_m(*this, c.x_star, x0_, c.L, init.seed, probes);
  c.M_grad = m.M_grad;
  c.M_curv = m.M_curv;
  c.notes.push_back(fmt::format(
      "M_grad, M_curv: local-ratio estimate (lower bound) over {} points around x*", m.points));
}

double LogisticRegression::value(const Vec& x) const {
  double s = 0.0;
  for (Index i = 0; i < n(); ++i) s += log1p_exp(-data_.y[i] * data_.row_dot(i, x));
  return s / static_cast<double>(n()) + 0.5 * lambda_ * x.squaredNorm();
}

void LogisticRegression::gradient(const Vec& x, Vec& g) const {
  g.setZero();
  for (Index i = 0; i < n(); ++i) {
    const double yi = data_.y[i];
    data_.add_row(i, -yi * sigmoid(-yi * data_.row_dot(i, x)), g);
  }
  g /= static_cast<double>(n());
  g.noalias() += lambda_ * x;
}

void LogisticRegression::sample_gradient(Index i, const Vec& x, Vec& g) const {
  const double yi = data_.y[i];
  g = lambda_ * x;
  data_.add_row(i, -yi * sigmoid(-yi * data_.row_dot(i, x)), g);
}

void LogisticRegression::batch_gradient(std::span<const Index> idx, const Vec& x, Vec& g) const {
  g.setZero();
  for (Index i : idx) {
    const double yi = data_.y[i];
    data_.add_row(i, -yi * sigmoid(-yi * data_.row_dot(i, x)), g);
  }
  g /= static_cast<double>(idx.size());
  g.noalias() += lambda_ * x;
}

Mat LogisticRegression::hessian(const Vec& x) const {
  Vec w(n());
  for (Index i = 0; i < n(); ++i) {
    const double s = sigmoid(data_.y[i] * data_.row_dot(i, x));
    w[i] = s * (1.0 - s);
  }
  Mat H = data_.weighted_gram(w);
  H.diagonal().array() += lambda_;
  return H;
}

std::string LogisticRegression::describe() const {
  return fmt::format("logistic n={} d={} lambda={} {} ({})",
                     n(),
                     dim(),
                     lambda_,
                     data_.is_sparse ? "sparse" : "dense",
                     data_.source);
}

}  // namespace sgdcheck::problems
