#pragma once
/// \file The output of the exact expected-error oracles: whole curves at requested iterations.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sgdcheck::bounds {

/// E‖x_t − x*‖² and E f(x_t) − f* at the requested iterations t (index i ↔ iterations[i]). Once the
/// recursion overflows, every later value is +inf (never NaN) and `diverged_at` holds the first t
/// whose state was not finite.
struct OracleCurve {
  std::vector<std::int64_t> iterations;  ///< as requested: sorted, >= 0
  std::vector<double> dist2;             ///< E‖x_t − x*‖²
  std::vector<double> subopt;            ///< E f(x_t) − f*
  std::optional<std::int64_t> diverged_at;
};

/// Why `iterations` is not a valid request (empty is fine; negative or unsorted is not), or nullopt.
std::optional<std::string> iterations_invalid(std::span<const std::int64_t> iterations);

}  // namespace sgdcheck::bounds
