#include "bounds/oracle_curve.hpp"

#include <fmt/format.h>

namespace sgdcheck::bounds {

std::optional<std::string> iterations_invalid(std::span<const std::int64_t> iterations) {
  for (std::size_t i = 0; i < iterations.size(); ++i) {
    if (iterations[i] < 0) return fmt::format("iterations[{}] = {} violates t >= 0", i, iterations[i]);
    if (i > 0 && iterations[i] < iterations[i - 1]) {
      return fmt::format("iterations must be sorted: iterations[{}] = {} < iterations[{}] = {}",
                         i, iterations[i], i - 1, iterations[i - 1]);
    }
  }
  return std::nullopt;
}

}  // namespace sgdcheck::bounds
