// libFuzzer target: the experiment reader (config::read_experiment_text: YAML -> config::Experiment),
// with and without the quick form, then the component validation (check / plot / tune schemas,
// filters, expressions) and the sweep expansion. Builds no problem and runs nothing, so it runs at a
// high rate; fuzz_plan covers make_plan on small inputs.
// ConfigError is the expected answer to bad input; any other exception or a sanitizer report crashes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/experiment.hpp"
#include "core/errors.hpp"
#include "pipeline/plan.hpp"

namespace {

void read_one(const std::string& text, bool quick) {
  try {
    const auto e = sgdcheck::config::read_experiment_text(text, "fuzz.yaml", quick);
    (void)sgdcheck::pipeline::validate_components(e);
    // The cross product can be huge for a valid file; plan time (not this reader) limits it.
    std::size_t cells = 1;
    for (const auto& d : e.sweep) {
      cells *= d.values.empty() ? 1 : d.values.size();
      if (cells > 4096) return;
    }
    (void)sgdcheck::config::expand_grid(e);
  } catch (const sgdcheck::ConfigError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  read_one(text, false);
  read_one(text, true);
  return 0;
}
