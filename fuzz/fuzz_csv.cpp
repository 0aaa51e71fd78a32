// libFuzzer target: the CSV readers (core::read_csv for results tables, problems::read_csv_dataset_text
// for data with a `label` column, what load_csv runs on a file's text) and the ±1 label mapping.
// DataError is the expected answer to bad input; any other exception or a sanitizer report crashes.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "core/csv.hpp"
#include "core/errors.hpp"
#include "problems/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    std::istringstream in(text);
    (void)sgdcheck::read_csv(in, "fuzz.csv");
  } catch (const sgdcheck::ConfigError&) {
  }
  try {
    const auto d = sgdcheck::problems::read_csv_dataset_text(text, "fuzz.csv", "label");
    (void)sgdcheck::problems::logistic_labels(d);
  } catch (const sgdcheck::ConfigError&) {
  }
  return 0;
}
