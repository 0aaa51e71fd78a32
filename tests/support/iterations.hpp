#pragma once
// Iteration lists shared by the tests.
#include <cstdint>
#include <vector>

namespace sgdcheck::test {

/// τ, 2τ, 3τ, … up to n: the ends of the communication rounds of period τ.
inline std::vector<std::int64_t> every(std::int64_t tau, std::int64_t n) {
  std::vector<std::int64_t> s;
  for (std::int64_t t = tau; t <= n; t += tau) s.push_back(t);
  return s;
}

}  // namespace sgdcheck::test
