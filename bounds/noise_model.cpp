#include "bounds/noise_model.hpp"

namespace sgdcheck::bounds {

std::string to_string(NoiseModel::Form f) {
  switch (f) {
    case NoiseModel::kGradientNorm: return "gradient_norm";
    case NoiseModel::kFunctionValue: return "function_value";
  }
  return "unknown";
}

}  // namespace sgdcheck::bounds
