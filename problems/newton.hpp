#pragma once
/// \file Modified Newton method for the ground truth of smooth finite-dimensional objectives.
#include <functional>

#include "core/types.hpp"

namespace sgdcheck::problems {

/// Outcome of newton_minimise (numerical trouble is a status, not an exception).
struct NewtonResult {
  Vec x;
  double grad_norm = NAN;  ///< ‖∇f(x)‖ at the returned point
  int iterations = 0;
  bool converged = false;  ///< grad_norm ≤ tol
};

/// Minimises f from x0 by Newton steps with Armijo backtracking. If the Hessian is not positive definite
/// (nonconvex f), the step uses H + δI with δ doubled until the LDLT factor is positive, so every step is
/// a descent direction and the iterates approach a local minimiser (a stationary point). Near the
/// solution, when f can no longer resolve a decrease, a full step is accepted if it reduces ‖∇f‖.
/// Stops at ‖∇f‖ ≤ tol, after max_iter steps, or when no step makes progress.
NewtonResult newton_minimise(const std::function<double(const Vec&)>& f,
                             const std::function<void(const Vec&, Vec&)>& gradient,
                             const std::function<Mat(const Vec&)>& hessian,
                             Vec x0,
                             double tol,
                             int max_iter);

}  // namespace sgdcheck::problems
