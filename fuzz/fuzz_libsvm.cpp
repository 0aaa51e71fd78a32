// libFuzzer target: the LIBSVM reader (problems::load_libsvm) and the ±1 label mapping.
// DataError is the expected answer to bad input; any other exception or a sanitizer report crashes.
#include <cstddef>
#include <cstdint>

#include "core/errors.hpp"
#include "fuzz/fuzz_support.hpp"
#include "problems/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& path = sgdcheck::fuzz::write_input(data, size, ".libsvm");
  try {
    const auto d = sgdcheck::problems::load_libsvm(path);
    (void)sgdcheck::problems::logistic_labels(d);
  } catch (const sgdcheck::ConfigError&) {  // DataError derives from it
  }
  return 0;
}
