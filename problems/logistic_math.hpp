#pragma once
/// \file Numerically stable scalar pieces of the logistic loss ℓ(m) = log(1 + e^{−m}).
#include <cmath>

namespace sgdcheck::problems {

/// log(1 + e^t) without overflow: t + log1p(e^{−t}) for t > 0, log1p(e^t) otherwise.
inline double log1p_exp(double t) { return t > 0.0 ? t + std::log1p(std::exp(-t)) : std::log1p(std::exp(t)); }

/// σ(t) = 1/(1 + e^{−t}) without overflow.
inline double sigmoid(double t) {
  if (t >= 0.0) return 1.0 / (1.0 + std::exp(-t));
  const double e = std::exp(t);
  return e / (1.0 + e);
}

}  // namespace sgdcheck::problems
