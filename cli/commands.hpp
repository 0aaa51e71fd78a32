#pragma once
/// \file The sgdcheck subcommands. Each returns the process exit code:
///   0 ok;
///   1 a check failed (takes precedence over 3);
///   2 bad input or an output location that cannot be written (thrown as ConfigError / UsageError,
///     one line, reported by main) — including I/O errors such as a full disk, which name the file;
///   3 results, checks and manifest complete but some figures could not be drawn (warnings name them);
///   4 internal error (an exception that is not a ConfigError, caught in main);
///   130 / 143 interrupted by SIGINT / SIGTERM (finished work kept in OUT/.NAME.partial).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sgdcheck::pipeline {
class Scheduler;
}

namespace sgdcheck::cli {

constexpr int kExitOk = 0;
constexpr int kExitCheckFailed = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitFiguresMissing = 3;
constexpr int kExitInternal = 4;
constexpr int kExitSignalBase = 128;  ///< + signal number: 130 SIGINT, 143 SIGTERM

std::string version_string();

struct RunArgs {
  std::vector<std::string> files;
  bool quick = false;
  int jobs = 1;
  std::string out = "results";
  std::optional<std::uint64_t> seed;
  std::vector<std::string> formats{"png", "svg", "pdf"};
  bool no_plots = false;
  bool force = false;  ///< replace complete results at OUT/<name> (else exit 2)
  bool traces = false;  ///< --traces: every metric of every run in results.csv
  bool resume = false;  ///< --resume: take finished cells of an interrupted run from its checkpoints
  std::string junit;    ///< --junit FILE: the checks of every experiment as JUnit XML (empty: none)
  std::string shard;   ///< --shard i/N: run every N-th work item and write a shard file (pipeline/shard.hpp)
  /// Who runs the work items (an MPI session, pipeline/mpi_run.hpp); empty: this process's threads.
  pipeline::Scheduler* scheduler = nullptr;
  /// An MPI worker rank: plans and runs items for rank 0, writes nothing and prints nothing.
  bool worker = false;
  int ranks = 1;  ///< MPI ranks (for the messages)
  bool profile = false;  ///< --profile: print wall and CPU time per phase and the parallel share
};

struct MergeArgs {
  std::vector<std::string> shards;  ///< shard files or directories holding them
  int jobs = 1;
  std::string out = "results";
  std::vector<std::string> formats{"png", "svg", "pdf"};
  bool no_plots = false;
  bool force = false;
};

int cmd_run(const RunArgs& args);
/// `merge DIR...`: the results of the shards of one `run FILE --shard i/N` series, as one run writes them.
int cmd_merge(const MergeArgs& args);
int cmd_validate(const std::vector<std::string>& files, bool quick, bool changed_only);
/// `junit`: also write the checks as JUnit XML to that file (empty: none).
int cmd_check(const std::string& dir, const std::string& junit = "");
int cmd_plot(const std::string& dir, const std::vector<std::string>& formats);
int cmd_list(const std::string& what);
/// The experiment-file reference as Markdown (docs/reference.md is this output).
int cmd_list_markdown();

}  // namespace sgdcheck::cli
