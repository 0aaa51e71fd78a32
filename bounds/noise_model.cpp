#include "bounds/noise_model.hpp"

#include <fmt/format.h>

namespace sgdcheck::bounds {

std::string to_string(NoiseModel::Form f) {
  switch (f) {
    case NoiseModel::kGradientNorm: return "gradient_norm";
    case NoiseModel::kFunctionValue: return "function_value";
  }
  return "unknown";
}

NoisePair least_squares_noise_pair(double M_grad, double sigma2, bool realizable) {
  if (realizable)
    return {M_grad, 0.0, fmt::format("(M_grad, 0) = ({:.6g}, 0): realizable least squares, exact", M_grad)};
  return {2.0 * M_grad, 2.0 * sigma2,
          fmt::format("(2 M_grad, 2 sigma2) = ({:.6g}, {:.6g}): least squares, Young's inequality on the linear term "
                      "(M_grad = lambda_max(H^-1 Q H^-1), sigma2 at x*, both exact)",
                      2.0 * M_grad, 2.0 * sigma2)};
}

NoisePair independent_noise_pair(double M_grad, double sigma2) {
  return {M_grad, sigma2,
          fmt::format("(M_grad, sigma2) = ({:.6g}, {:.6g}): random-design least squares, noise independent of the "
                      "design (no linear term), exact",
                      M_grad, sigma2)};
}

NoisePair bounded_variance_noise_pair(double v, const std::string& what) {
  return {0.0, v, fmt::format("(0, {:.6g}): bounded gradient variance, {}", v, what)};
}

}  // namespace sgdcheck::bounds
