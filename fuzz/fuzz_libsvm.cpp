// libFuzzer target: the LIBSVM reader (problems::read_libsvm_text, what load_libsvm runs on a file's
// text) and the ±1 label mapping.
// DataError is the expected answer to bad input; any other exception or a sanitizer report crashes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/errors.hpp"
#include "problems/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto d = sgdcheck::problems::read_libsvm_text(text, "fuzz.libsvm");
    (void)sgdcheck::problems::logistic_labels(d);
  } catch (const sgdcheck::ConfigError&) {  // DataError derives from it
  }
  return 0;
}
