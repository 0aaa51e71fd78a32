#pragma once
// Runs the real `sgdcheck` executable (SGDCHECK_EXE) for the CLI tests: one helper for every test
// file, so all of them capture output and judge exit codes the same way.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "../config/temp_files.hpp"

namespace sgdcheck::test {

struct CliOutcome {
  int code = -1;         ///< exit code (124: killed by the timeout)
  std::string out, err;  ///< captured stdout and stderr
  double seconds = 0.0;  ///< wall time of the whole command
};

/// Runs `[env] sgdcheck ARGS` through the shell with stdout / stderr captured in files of `dir`.
/// `timeout_seconds` > 0 runs it under coreutils `timeout`, so a hang is exit 124, not a stuck test.
inline CliOutcome run_cli(const std::string& args,
                          const TempDir& dir,
                          const std::string& env = "",
                          int timeout_seconds = 0) {
  static int counter = 0;  // several calls may share one directory
  const std::string n = std::to_string(counter++);
  const std::filesystem::path out = dir.path() / ("stdout-" + n + ".txt");
  const std::filesystem::path err = dir.path() / ("stderr-" + n + ".txt");
  std::string cmd = env + (env.empty() ? "" : " ");
  if (timeout_seconds > 0) cmd += "timeout " + std::to_string(timeout_seconds) + " ";
  cmd += std::string("'") + SGDCHECK_EXE + "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "'";
  const auto start = std::chrono::steady_clock::now();
  const int status = std::system(cmd.c_str());
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  REQUIRE(status != -1);
  REQUIRE(WIFEXITED(status));
  CliOutcome o{WEXITSTATUS(status), read_text(out), read_text(err), took.count()};
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return o;
}

}  // namespace sgdcheck::test
