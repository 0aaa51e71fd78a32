// sgdcheck: run experiments, check claims, draw figures. Exit codes (cli/commands.hpp, README "Exit
// codes"): 0 ok, 1 a check failed, 2 bad input / unwritable output / out of memory, 3 some figures
// missing, 4 internal error, 130/143 SIGINT/SIGTERM. No exception leaves main.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <iostream>
#include <new>
#include <string>

#include "cli/bound_command.hpp"
#include "cli/commands.hpp"
#include "cli/compare_command.hpp"
#include "cli/critical_command.hpp"
#include "cli/runtime_command.hpp"
#include "core/errors.hpp"
#include "core/interrupt.hpp"
#if SGDCHECK_HAVE_MPI
#include "pipeline/mpi_run.hpp"
#endif

namespace {

/// The message as one printable line: control characters (a newline or CR in a data token) become blanks.
std::string one_line(const char* what) {
  std::string s = what ? what : "";
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  return s;
}
/// Runs `body`; an exception becomes its exit code and one line in `error` (README "Exit codes").
int guarded(const std::function<int()>& body, std::string& error) {
  using namespace sgdcheck::cli;
  try {
    return body();
  } catch (const sgdcheck::Interrupted&) {
    // A stop polled outside the places that report it themselves (cmd_run does): still 130 / 143.
    error = "sgdcheck: interrupted\n";
    return kExitSignalBase + sgdcheck::interrupt_signal();
  } catch (const sgdcheck::ConfigError& e) {
    error = "sgdcheck: error: " + one_line(e.what()) + "\n";
    return kExitBadInput;
  } catch (const std::bad_alloc&) {
    error = "sgdcheck: error: out of memory: the experiment or data need more memory than this machine has "
            "(fewer seeds, a smaller grid, d or n)\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    error = "sgdcheck: internal error: " + one_line(e.what()) + "\n";
    return kExitInternal;
  } catch (...) {
    error = "sgdcheck: internal error: unknown exception\n";
    return kExitInternal;
  }
}
}  // namespace

int main(int argc, char** argv) {
  using namespace sgdcheck::cli;
  CLI::App app{"sgdcheck: puts the theory of distributed SGD on trial.\n"
               "Runs YAML experiments, evaluates bounds for the same settings, checks claims, plots."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("sgdcheck ") + version_string());

  RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "run experiment files; write results, checks and plots");
  run_cmd->add_option("files", run.files, "experiment YAML files")->required()->check(CLI::ExistingFile);
  run_cmd->add_flag("--quick", run.quick, "use each file's `quick:` form (what CI runs)");
  run_cmd->add_option("--jobs,-j", run.jobs, "threads (results are identical for any value)")->check(CLI::Range(1, 1024));
  run_cmd->add_option("--out,-o", run.out, "output directory; results go to OUT/<experiment name>/")->capture_default_str();
  run_cmd->add_option("--seed", run.seed, "override the experiment seed (an integer >= 0)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            std::uint64_t v = 0;
            const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
            if (text.empty() || text.front() == '-' || ec != std::errc{} || ptr != text.data() + text.size())
              return "--seed = " + text + ": expected an integer between 0 and 18446744073709551615";
            return {};
          },
          "SEED >= 0", "non-negative seed"));
  run_cmd->add_option("--format", run.formats, "plot formats, comma separated: png,svg,pdf")->delimiter(',')->capture_default_str();
  run_cmd->add_flag("--no-plots", run.no_plots, "skip rendering plots");
  run_cmd->add_flag("--force", run.force, "replace complete results already at OUT/<experiment name>/");
  run_cmd->add_flag("--traces", run.traces, "write every metric of every run to results.csv (outputs: {traces: true})");
  run_cmd->add_flag("--resume", run.resume,
                    "skip cells that an interrupted run of the same experiment, options, seed and code already "
                    "finished (checkpoints in OUT/.<name>.partial/checkpoints)");
  run_cmd->add_option("--junit", run.junit,
                      "also write the checks as JUnit XML to FILE (one testcase per check, or per cell), for CI");

  run_cmd->add_flag("--profile", run.profile,
                    "print wall and CPU time per phase (plan, runs, describe, tables, checks, plots, report, ...), the "
                    "share of CPU in parallel tasks p and the predicted speed-up on 2 cores (also in manifest.json "
                    "\"phases\")");
  run_cmd->add_option("--shard", run.shard,
                      "i/N: run shard i (0-based) of N for a job array and write OUT/<name>.shards/shard-i-of-N.sgdshard; "
                      "`sgdcheck merge` combines the N shards into the results of one run");

  MergeArgs merge;
  auto* merge_cmd = app.add_subcommand("merge", "combine the shard files of `run FILE --shard i/N` into the results of one run");
  merge_cmd->add_option("shards", merge.shards, "shard files, or directories holding them (e.g. results/NAME.shards)")->required();
  merge_cmd->add_option("--jobs,-j", merge.jobs, "threads")->check(CLI::Range(1, 1024));
  merge_cmd->add_option("--out,-o", merge.out, "output directory; results go to OUT/<experiment name>/")->capture_default_str();
  merge_cmd->add_option("--format", merge.formats, "plot formats, comma separated: png,svg,pdf")->delimiter(',')->capture_default_str();
  merge_cmd->add_flag("--no-plots", merge.no_plots, "skip rendering plots");
  merge_cmd->add_flag("--force", merge.force, "replace complete results already at OUT/<experiment name>/");

  std::vector<std::string> validate_files;
  bool changed_only = false;
  bool validate_quick = false;
  auto* val_cmd = app.add_subcommand("validate", "check experiment files and print the resolved configuration");
  val_cmd->add_option("files", validate_files, "experiment YAML files")->required()->check(CLI::ExistingFile);
  val_cmd->add_flag("--quick", validate_quick, "validate the quick form");
  val_cmd->add_flag("--changed-only", changed_only, "print only options that differ from their defaults");

  std::string check_dir;
  auto* check_cmd = app.add_subcommand("check", "re-evaluate the checks of a results directory (no rerun)");
  check_cmd->add_option("dir", check_dir, "results directory, e.g. results/quickstart")->required();
  std::string check_junit;
  check_cmd->add_option("--junit", check_junit, "also write the checks as JUnit XML to FILE");

  std::string plot_dir;
  std::vector<std::string> plot_formats{"png", "svg", "pdf"};
  auto* plot_cmd = app.add_subcommand("plot", "redraw the plots of a results directory (no rerun)");
  plot_cmd->add_option("dir", plot_dir, "results directory")->required();
  plot_cmd->add_option("--format", plot_formats, "formats: png,svg,pdf")->delimiter(',')->capture_default_str();

  std::string what = "all";
  bool markdown = false;
  auto* list_cmd = app.add_subcommand("list", "list problems, runners, bounds, checks, plots or experiment keys");
  list_cmd->add_option("what", what, "problems | runners | bounds | checks | plots | tune | experiment | all")
      ->check(CLI::IsMember({"problems", "runners", "bounds", "checks", "plots", "tune", "experiment", "all"}));
  list_cmd->add_flag("--markdown", markdown, "print the whole reference as Markdown (docs/reference.md)");

  CriticalArgs critical;
  auto* critical_cmd = add_critical_subcommand(app, critical);

  CompareArgs compare;
  auto* compare_cmd = add_compare_subcommand(app, compare);
  BoundArgs bound;
  auto* bound_cmd = add_bound_subcommand(app, bound);

  RuntimeArgs runtime;
  auto* runtime_cmd = add_runtime_subcommand(app, runtime);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // Under mpirun every rank parses the same line: rank 0 alone says what is wrong.
    const char* mpi_rank = std::getenv("OMPI_COMM_WORLD_RANK");
    if (!mpi_rank || std::string(mpi_rank) == "0")
      std::fprintf(stderr, "sgdcheck: error: %s (sgdcheck --help shows the options)\n", one_line(e.what()).c_str());
    return kExitBadInput;
  }

  std::string error;
#if SGDCHECK_HAVE_MPI
  // `mpirun -n K sgdcheck run ...`: every rank plans, rank 0 hands out work items, reduces and writes.
  std::unique_ptr<sgdcheck::pipeline::MpiSession> mpi;
  if (*run_cmd && sgdcheck::pipeline::launched_by_mpi()) {
    const int rc = guarded([&] {
      mpi = std::make_unique<sgdcheck::pipeline::MpiSession>(argc, argv);
      return 0;
    }, error);
    if (rc != 0) {
      std::fputs(error.c_str(), stderr);
      return rc;
    }
    run.scheduler = mpi.get();
    run.worker = mpi->rank() != 0;
    run.ranks = mpi->size();
  }
#else
  if (*run_cmd && std::getenv("OMPI_COMM_WORLD_SIZE") && std::string(std::getenv("OMPI_COMM_WORLD_SIZE")) != "1") {
    const char* mpi_rank = std::getenv("OMPI_COMM_WORLD_RANK");
    if (!mpi_rank || std::string(mpi_rank) == "0")
      std::fprintf(stderr, "sgdcheck: error: this sgdcheck was built without MPI, so each rank would run the whole "
                           "experiment: install libopenmpi-dev and rebuild, or use --shard i/N\n");
    return kExitBadInput;
  }
#endif
  // Every exception ends as one line on stderr and an exit code; none reaches std::terminate.
  int rc = guarded([&]() -> int {
    // `run` and `merge` stop cleanly between runs on SIGINT / SIGTERM (exit 130 / 143); the other
    // commands are short and keep the default behaviour.
    if (*run_cmd || *merge_cmd) sgdcheck::install_interrupt_handlers();
    if (*run_cmd) return cmd_run(run);
    if (*merge_cmd) return cmd_merge(merge);
    if (*val_cmd) return cmd_validate(validate_files, validate_quick, changed_only);
    if (*check_cmd) return cmd_check(check_dir, check_junit);
    if (*plot_cmd) return cmd_plot(plot_dir, plot_formats);
    if (*list_cmd) return markdown ? cmd_list_markdown() : cmd_list(what);
    if (*critical_cmd) return cmd_critical(critical);
    if (*compare_cmd) return cmd_compare(compare);
    if (*bound_cmd) return cmd_bound(bound);
    if (*runtime_cmd) return cmd_runtime(runtime);
    return 0;
  }, error);
#if SGDCHECK_HAVE_MPI
  if (mpi) {
    if (mpi->rank() != 0) {  // a worker prints nothing: rank 0 reports its failure and sets the exit code
      std::string line = error;
      while (!line.empty() && line.back() == '\n') line.pop_back();
      return guarded([&] { return mpi->finish(rc, line.substr(std::min(line.find(": ") + 2, line.size()))); }, error);
    }
    std::fputs(error.c_str(), stderr);
    std::fflush(stderr);
    return mpi->finish(rc, error);
  }
#endif
  std::fputs(error.c_str(), stderr);
  return rc;
}
