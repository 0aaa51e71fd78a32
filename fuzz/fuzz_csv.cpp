// libFuzzer target: the CSV readers (core::read_csv for results tables, problems::load_csv for data
// with a `label` column) and the ±1 label mapping.
// DataError is the expected answer to bad input; any other exception or a sanitizer report crashes.
#include <cstddef>
#include <cstdint>

#include "core/csv.hpp"
#include "core/errors.hpp"
#include "fuzz/fuzz_support.hpp"
#include "problems/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& path = sgdcheck::fuzz::write_input(data, size, ".csv");
  try {
    (void)sgdcheck::read_csv(path);
  } catch (const sgdcheck::ConfigError&) {
  }
  try {
    const auto d = sgdcheck::problems::load_csv(path, "label");
    (void)sgdcheck::problems::logistic_labels(d);
  } catch (const sgdcheck::ConfigError&) {
  }
  return 0;
}
