// libFuzzer target: the delay-file reader (runners::DelaySequence::parse, what load runs on a file's
// text) and a few cursor steps.
// DataError is the expected answer to bad input; any other exception or a sanitizer report crashes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/errors.hpp"
#include "runners/delay_source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto seq = sgdcheck::runners::DelaySequence::parse(text, "fuzz.txt");
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
