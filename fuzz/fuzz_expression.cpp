// libFuzzer target: the checks' expression language (analysis::parse_expression), then evaluation
// with every name bound to 1.5 and through a lookup callback, and the unknown-name check.
// ConfigError is the expected answer to bad input; any other exception or a sanitizer report crashes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/expression.hpp"
#include "core/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto e = sgdcheck::analysis::parse_expression(text, "fuzz");
    (void)e.eval(std::vector<double>(e.names().size(), 1.5));
    (void)e.eval([](const std::string& name) { return name == "T_eps" ? 1234.0 : 0.0; });
    e.require_names([](const std::string& name) { return name.find("unknown") == std::string::npos; },
                    {"T_eps", "L", "mu", "sigma2"}, "fuzz");
  } catch (const sgdcheck::ConfigError&) {
  }
  return 0;
}
