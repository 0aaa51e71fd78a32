// libFuzzer target: the delay-file reader (runners::DelaySequence::load) and a few cursor steps.
// DataError is the expected answer to bad input; any other exception or a sanitizer report crashes.
#include <cstddef>
#include <cstdint>

#include "core/errors.hpp"
#include "fuzz/fuzz_support.hpp"
#include "runners/delay_source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& path = sgdcheck::fuzz::write_input(data, size, ".txt");
  try {
    const auto seq = sgdcheck::runners::DelaySequence::load(path);
    (void)seq.describe();
    auto cursor = seq.start(sgdcheck::runners::RunKey{});
    for (int i = 0; i < 64; ++i) {
      const std::int64_t tau = cursor->next();
      if (tau < 0 || tau > seq.max_delay()) __builtin_trap();  // the documented range
    }
  } catch (const sgdcheck::ConfigError&) {
  }
  return 0;
}
