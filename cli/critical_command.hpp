#pragma once
/// \file `sgdcheck critical`: the critical noise parameter M of a data set or a problem family, with
/// the constants around it, the gradient noise scale and the predicted critical batch, critical
/// delay and guideline step (Stich, Mohtashami & Jaggi 2021; spec papers/stich2021_critical.md §3).
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace sgdcheck::problems {
struct Dataset;
}

namespace sgdcheck::cli {

struct CriticalArgs {
  std::string problem;        ///< YAML flow map of a problem family, e.g. '{family: least_squares, n: 200}'
  std::string data;           ///< data file (LIBSVM or CSV)
  std::string format;         ///< libsvm | csv (default libsvm)
  std::string label_column;   ///< CSV label column (default "label")
  std::string objective;      ///< least_squares | logistic (default least_squares)
  std::optional<double> lambda;  ///< logistic L2 weight (default 1e-3)
  bool standardize = false;   ///< dense: centre and scale columns; sparse: scale only
  bool intercept = false;     ///< append a constant-1 feature
  std::string method;         ///< least squares constants: auto | dense | iterative (default auto)
  bool json = false;          ///< one JSON object instead of text
  std::uint64_t seed = 0;     ///< probes, SGD path and two-batch draws
  int jobs = 1;               ///< threads of the iterative least-squares row passes (same bits for any value)
  /// In-memory data instead of --data (the Python module's critical(X, y)); `source` names it.
  std::shared_ptr<const problems::Dataset> dataset;
  std::ostream* out = nullptr;  ///< where the report goes (nullptr: stdout)
};

/// Adds the `critical` subcommand with its options to `app`; `args` receives the values.
CLI::App* add_critical_subcommand(CLI::App& app, CriticalArgs& args);

/// Runs the command: prints the report to stdout and returns 0; bad input throws ConfigError /
/// DataError / UsageError (main prints one line and exits with 2).
int cmd_critical(const CriticalArgs& args);

}  // namespace sgdcheck::cli
