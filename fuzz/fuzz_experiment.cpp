// libFuzzer target: the experiment reader (YAML -> config::Experiment), with and without the quick
// form, then the component validation (check / plot / tune schemas) and the sweep expansion.
// ConfigError is the expected answer to bad input; any other exception or a sanitizer report crashes.
#include <cstddef>
#include <cstdint>

#include "config/experiment.hpp"
#include "core/errors.hpp"
#include "fuzz/fuzz_support.hpp"
#include "pipeline/plan.hpp"

namespace {

void read_one(const std::string& path, bool quick) {
  try {
    const auto e = sgdcheck::config::read_experiment(path, quick);
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
  const std::string path = sgdcheck::fuzz::write_input(data, size, ".yaml").string();
  read_one(path, false);
  read_one(path, true);
  return 0;
}
