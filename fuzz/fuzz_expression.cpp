// libFuzzer target: the checks' expression language. Names resolve to fixed values except those
// containing `unknown`, so both the evaluation and the unknown-name error paths are reached.
// ConfigError is the expected answer to bad input; any other exception or a sanitizer report crashes.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/errors.hpp"
#include "pipeline/expression.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto resolve = [](const std::string& name) -> std::optional<double> {
    if (name.find("unknown") != std::string::npos) return std::nullopt;
    if (name == "T_eps") return 1234.0;
    if (name == "nan") return NAN;
    return static_cast<double>(name.size()) + 0.5;
  };
  try {
    (void)sgdcheck::pipeline::evaluate_expression(text, resolve, "fuzz");
  } catch (const sgdcheck::ConfigError&) {
  }
  return 0;
}
