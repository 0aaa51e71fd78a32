#pragma once
// A real number as a JSON value (manifest.json, checks.json).
#include <cmath>
#include <nlohmann/json.hpp>

namespace sgdcheck::pipeline {

/// Finite values are JSON numbers; JSON has no NaN or infinity, so those are the strings "nan",
/// "inf" and "-inf".
inline nlohmann::json json_real(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
}

}  // namespace sgdcheck::pipeline
