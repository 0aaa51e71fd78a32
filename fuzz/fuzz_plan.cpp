// libFuzzer target (slow): make_plan on small experiment files — schema validation of every grid
// point, problem construction (ground truth, generated data) and runner instantiation. make_plan
// reads a path, so the input goes to a file in a private temporary directory (removed at exit);
// a relative data.file resolves inside it. Inputs over 4 KiB are skipped (fuzz_experiment covers the
// reader at a high rate); sizes in a valid file can still make construction slow (use -timeout).
// ConfigError / DataError are the expected answer to bad input; anything else crashes.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/errors.hpp"
#include "pipeline/plan.hpp"

namespace {

const std::string& input_file() {
  static const std::string path = [] {
    std::string dir_template = (std::filesystem::temp_directory_path() / "sgdcheck-fuzz-plan.XXXXXX").string();
    if (!::mkdtemp(dir_template.data())) std::abort();
    static const std::string dir = dir_template;
    std::atexit([] { std::filesystem::remove_all(dir); });
    return dir + "/experiment.yaml";
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  const std::string& path = input_file();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) std::abort();  // the harness failed: not a finding about make_plan
  }
  for (bool quick : {true, false}) {
    try {
      sgdcheck::pipeline::PlanOptions options;
      options.quick = quick;
      (void)sgdcheck::pipeline::make_plan(path, options);
    } catch (const sgdcheck::ConfigError&) {  // DataError derives from it
    }
  }
  return 0;
}
