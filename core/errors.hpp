#pragma once
/// \file Error types. Bad input throws before any work starts and the CLI maps it to exit code 2;
/// numerical outcomes (divergence, NaN iterates) are results, never exceptions.
#include <stdexcept>
#include <string>

namespace sgdcheck {

/// Where a value came from: a file and a 1-based line (0 = unknown line, empty file = not from a file).
struct SourceLoc {
  std::string file;
  int line = 0;
  /// "file:line: " or "file: " or "" — ready to prefix a message.
  std::string prefix() const;
};

/// Bad input in an experiment file, the command line or a data file. `what()` is one line:
/// `experiments/fig2.yaml:14: runner.batch = 0 violates batch >= 1 (mini-batch size b)`.
class ConfigError : public std::invalid_argument {
 public:
  explicit ConfigError(const std::string& message) : std::invalid_argument(message) {}
  ConfigError(const SourceLoc& where, const std::string& message)
      : std::invalid_argument(where.prefix() + message) {}
};

/// Bad input in a data file (LIBSVM / CSV): same contract as ConfigError.
class DataError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

/// Bad command-line usage or an output location that cannot be written: exit code 2 as well.
class UsageError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

}  // namespace sgdcheck
