#pragma once
/// \file `sgdcheck runtime`: simulates one straggler variant (Dutta et al. 2018) in virtual time and
/// prints the runtime formulas beside the simulation: E[T] per update with its guarantee, the mean
/// staleness, their batch-means standard errors.
#include <cstdint>
#include <string>

namespace CLI {
class App;
}

namespace sgdcheck::cli {

struct RuntimeArgs {
  std::string variant;          ///< k_sync | k_batch_sync | k_async | k_batch_async
  std::int64_t workers = 8;     ///< P
  std::int64_t k = 1;           ///< K
  std::string delay;            ///< YAML flow map, e.g. '{kind: shifted_exp, shift: 0.5, rate: 2}'
  std::int64_t iterations = 200000;
  std::int64_t burn_in = 1000;
  std::uint64_t seed = 0;
  bool json = false;
};

CLI::App* add_runtime_subcommand(CLI::App& app, RuntimeArgs& args);

/// Prints the report; bad input throws ConfigError (main prints one line, exit 2).
int cmd_runtime(const RuntimeArgs& args);

}  // namespace sgdcheck::cli
