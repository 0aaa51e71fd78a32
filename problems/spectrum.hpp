#pragma once
/// \file Covariance spectra of the synthetic generators.
#include <string>

#include "core/types.hpp"

namespace sgdcheck::problems {

/// Shape of the eigenvalues h_1 ≥ … ≥ h_d of a generated covariance H = diag(h).
enum class SpectrumKind {
  kIdentity,   ///< h_k = scale for every k (cond must be 1)
  kGeometric,  ///< h_k = scale · cond^{−(k−1)/(d−1)}: log-equally spaced from scale down to scale/cond
  kLinear,     ///< h_k = scale · (1 − (1 − 1/cond)(k−1)/(d−1)): equally spaced from scale down to scale/cond
};

/// "identity" | "geometric" | "linear" (logic_error otherwise; the schema has checked the choice).
SpectrumKind parse_spectrum_kind(const std::string& name);
std::string to_string(SpectrumKind kind);

/// The d eigenvalues, decreasing, between scale/cond and scale (so κ(H) = cond exactly when d ≥ 2).
/// Requires d ≥ 1, cond ≥ 1, scale > 0.
Vec make_spectrum(SpectrumKind kind, Index d, double cond, double scale = 1.0);

}  // namespace sgdcheck::problems
