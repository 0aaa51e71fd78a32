// sgdcheck: run experiments, check claims, draw figures. Exit codes (cli/commands.hpp, README "Exit
// codes"): 0 ok, 1 a check failed, 2 bad input / unwritable output / out of memory, 3 some figures
// missing, 4 internal error, 130/143 SIGINT/SIGTERM. No exception leaves main.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <new>
#include <string>

#include "cli/commands.hpp"
#include "cli/critical_command.hpp"
#include "cli/runtime_command.hpp"
#include "core/errors.hpp"
#include "core/interrupt.hpp"

namespace {

/// The message as one printable line: control characters (a newline or CR in a data token) become blanks.
std::string one_line(const char* what) {
  std::string s = what ? what : "";
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  return s;
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

  RuntimeArgs runtime;
  auto* runtime_cmd = add_runtime_subcommand(app, runtime);

  // Every exception ends here as one line on stderr and an exit code; none reaches std::terminate.
  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
      std::fprintf(stderr, "sgdcheck: error: %s (sgdcheck --help shows the options)\n", one_line(e.what()).c_str());
      return kExitBadInput;
    }
    // `run` stops cleanly between runs on SIGINT / SIGTERM (exit 130 / 143); the other commands are
    // short and keep the default behaviour.
    if (*run_cmd) sgdcheck::install_interrupt_handlers();
    if (*run_cmd) return cmd_run(run);
    if (*val_cmd) return cmd_validate(validate_files, validate_quick, changed_only);
    if (*check_cmd) return cmd_check(check_dir);
    if (*plot_cmd) return cmd_plot(plot_dir, plot_formats);
    if (*list_cmd) return markdown ? cmd_list_markdown() : cmd_list(what);
    if (*critical_cmd) return cmd_critical(critical);
    if (*runtime_cmd) return cmd_runtime(runtime);
  } catch (const sgdcheck::Interrupted&) {
    // A stop polled outside the places that report it themselves (cmd_run does): still 130 / 143.
    std::fprintf(stderr, "sgdcheck: interrupted\n");
    return kExitSignalBase + sgdcheck::interrupt_signal();
  } catch (const sgdcheck::ConfigError& e) {
    std::fprintf(stderr, "sgdcheck: error: %s\n", one_line(e.what()).c_str());
    return kExitBadInput;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr,
                 "sgdcheck: error: out of memory: the experiment or data need more memory than this machine has "
                 "(fewer seeds, a smaller grid, d or n)\n");
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sgdcheck: internal error: %s\n", one_line(e.what()).c_str());
    return kExitInternal;
  } catch (...) {
    std::fprintf(stderr, "sgdcheck: internal error: unknown exception\n");
    return kExitInternal;
  }
  return 0;
}
