// `sgdcheck run` checks the results it holds in memory; `sgdcheck check DIR` rebuilds them from the
// tables. Both must give the same checks.json, number for number, also for checks that read per-run
// values (bootstrap over seeds, paired comparisons), and --resume after an interruption must give
// byte-identical tables.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "../config/temp_files.hpp"

using Catch::Matchers::Contains;
using sgdcheck::test::read_text;
using sgdcheck::test::TempDir;
namespace fs = std::filesystem;

namespace {

int sgdcheck_exit(const std::string& args, const TempDir& dir) {
  const std::string cmd = std::string("'") + SGDCHECK_EXE + "' " + args + " >'" + (dir.path() / "out.txt").string() +
                          "' 2>'" + (dir.path() / "err.txt").string() + "'";
  const int status = std::system(cmd.c_str());
  REQUIRE(status != -1);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

std::string experiment(const char* name) { return (fs::path(SGDCHECK_SOURCE_DIR) / "experiments" / name).string(); }

}  // namespace

TEST_CASE("run and check DIR give identical checks.json on quickstart, a Stich and a Patel experiment", "[cli]") {
  // stich_e3: saturation and fit_rate with a bootstrap of T_eps over seeds; patel_e2: paired identities.
  for (const char* file : {"quickstart.yaml", "stich_e3_delay_iso.yaml", "patel_e2_identities.yaml"}) {
    INFO(file);
    TempDir dir;
    const int rc = sgdcheck_exit("run '" + experiment(file) + "' --quick --jobs 2 --no-plots --out '" +
                                     dir.path().string() + "'",
                                 dir);
    INFO(read_text(dir.path() / "err.txt"));
    REQUIRE(rc == 0);
    fs::path out;
    for (const auto& e : fs::directory_iterator(dir.path()))
      if (e.is_directory()) out = e.path();
    REQUIRE(fs::exists(out / "checks.json"));
    REQUIRE_FALSE(fs::exists(out / "checkpoints"));
    const std::string from_run = read_text(out / "checks.json");
    REQUIRE(sgdcheck_exit("check '" + out.string() + "'", dir) == 0);
    const std::string from_tables = read_text(out / "checks.json");
    REQUIRE(from_run == from_tables);
  }
}

TEST_CASE("run --resume after an interruption writes the tables of an uninterrupted run", "[cli]") {
  TempDir dir;
  const std::string file = experiment("stich_e3_delay_iso.yaml");
  const std::string out = (dir.path() / "out").string();
  REQUIRE(sgdcheck_exit("run '" + file + "' --quick --jobs 2 --no-plots --out '" + out + "'", dir) == 0);
  const fs::path done = fs::path(out) / "stich_e3_delay_iso";
  const fs::path keep = dir.path() / "uninterrupted";
  fs::rename(done, keep);

  // An interrupted run: stop a real run with SIGKILL once two cells are checkpointed; its staging
  // folder stays behind with their checkpoints.
  const std::string cmd = std::string("'") + SGDCHECK_EXE + "' run '" + file + "' --quick --jobs 1 --no-plots --out '" +
                          out + "' >/dev/null 2>&1 & pid=$!; for i in $(seq 1 600); do n=$(ls '" + out +
                          "'/.stich_e3_delay_iso.partial*/checkpoints 2>/dev/null | grep -c '\\.ckpt$'); "
                          "[ \"$n\" -ge 2 ] && break; sleep 0.05; done; kill -9 $pid; wait $pid 2>/dev/null; true";
  REQUIRE(std::system(cmd.c_str()) == 0);
  // The kill comes after 2 of the 36 cells: a run that finished anyway means the wait above never
  // saw the checkpoints (e.g. their file names changed), and resume would go untested.
  INFO("the run finished before it was interrupted, so --resume would not be exercised");
  REQUIRE_FALSE(fs::exists(done));
  REQUIRE(fs::exists(fs::path(out) / ".stich_e3_delay_iso.partial" / "checkpoints"));
  REQUIRE(sgdcheck_exit("run '" + file + "' --quick --jobs 2 --no-plots --resume --out '" + out + "'", dir) == 0);
  REQUIRE_THAT(read_text(dir.path() / "out.txt"), Contains("resumed"));
  for (const char* f : {"results.csv", "summary.csv", "runs.csv", "run_scalars.csv", "scalar_summary.csv",
                        "constants.csv", "bounds.csv", "cells.csv", "checks.json"}) {
    INFO(f);
    REQUIRE(read_text(keep / f) == read_text(done / f));
  }
}
