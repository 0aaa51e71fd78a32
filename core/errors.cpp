#include "core/errors.hpp"

namespace sgdcheck {

std::string SourceLoc::prefix() const {
  if (file.empty()) return line > 0 ? "line " + std::to_string(line) + ": " : std::string{};
  if (line <= 0) return file + ": ";
  return file + ":" + std::to_string(line) + ": ";
}

}  // namespace sgdcheck
