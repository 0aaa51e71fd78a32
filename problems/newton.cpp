#include "problems/newton.hpp"

#include <Eigen/Cholesky>
#include <cmath>

namespace sgdcheck::problems {

namespace {

/// Solves (H + δI) p = −g with the smallest δ ∈ {0, δ₀, 2δ₀, …} that gives a positive LDLT factor.
Vec newton_direction(const Mat& H, const Vec& g) {
  const Index d = H.rows();
  const double scale = std::max(H.diagonal().cwiseAbs().maxCoeff(), 1e-300);
  double delta = 0.0;
  for (int k = 0; k < 80; ++k) {
    const Mat Hs = H + delta * Mat::Identity(d, d);
    const Eigen::LDLT<Mat> ldlt(Hs);
    if (ldlt.info() == Eigen::Success && ldlt.isPositive() && (ldlt.vectorD().array() > 1e-14 * scale).all()) {
      Vec p = -ldlt.solve(g);
      if (p.allFinite() && p.dot(g) < 0.0) return p;
    }
    delta = delta == 0.0 ? 1e-10 * scale : 2.0 * delta;
  }
  return -g;
}

}  // namespace

NewtonResult newton_minimise(const std::function<double(const Vec&)>& f,
                             const std::function<void(const Vec&, Vec&)>& gradient,
                             const std::function<Mat(const Vec&)>& hessian,
                             Vec x0,
                             double tol,
                             int max_iter) {
  NewtonResult r;
  r.x = std::move(x0);
  const Index d = r.x.size();
  Vec g(d), g_new(d), x_new(d);
  gradient(r.x, g);
  double fx = f(r.x);
  int stalls = 0;
  for (r.iterations = 0; r.iterations < max_iter; ++r.iterations) {
    const double gn = g.norm();
    if (gn <= tol || !std::isfinite(gn)) break;
    const Vec p = newton_direction(hessian(r.x), g);
    const double slope = g.dot(p);
    // Full step first: accept on Armijo decrease, or (near the solution) when ‖∇f‖ shrinks.
    bool accepted = false;
    double t = 1.0;
    for (int k = 0; k < 60 && !accepted; ++k, t *= 0.5) {
      x_new = r.x + t * p;
      const double f_new = f(x_new);
      if (!std::isfinite(f_new)) continue;
      if (f_new <= fx + 1e-4 * t * slope) {
        accepted = true;
      } else if (k == 0) {
        gradient(x_new, g_new);
        accepted = g_new.norm() < 0.5 * gn && f_new <= fx + 1e-10 * std::abs(fx) + 1e-300;
      }
      if (accepted) {
        r.x = x_new;
        fx = f_new;
      }
    }
    if (!accepted) {
      if (++stalls >= 2) break;
      continue;
    }
    const double old = gn;
    gradient(r.x, g);
    stalls = g.norm() < old ? 0 : stalls + 1;
    if (stalls >= 5) break;
  }
  r.grad_norm = g.norm();
  r.converged = r.grad_norm <= tol;
  return r;
}

}  // namespace sgdcheck::problems
