#pragma once
// Named floating-point constants shared across the libraries (one definition, so that unity builds,
// which put several .cpp files into one translation unit, see no duplicates).
#include <limits>

namespace sgdcheck {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

/// Largest value of a `seed` option: integer options are read exactly only below 9e18.
inline constexpr double kMaxSeed = 9.0e18;

}  // namespace sgdcheck
