#pragma once
// Test support: bit-identity of doubles (determinism tests compare bits, not values).
#include <cstring>

namespace sgdcheck::test {

/// a and b have the same 64 bits (so 0.0 and -0.0 differ, and a NaN equals only the same NaN).
inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace sgdcheck::test
