// Output safety of `sgdcheck run / check / plot`: results are replaced atomically and only with
// --force, nothing outside OUT/<name> is touched, concurrent runs of one name are excluded,
// SIGINT / SIGTERM stop cleanly (exit 130 / 143) without touching earlier results, figures that
// cannot be drawn never lose results (exit 3), write errors name the file (exit 2), and plot
// entries are validated before any run.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "../config/temp_files.hpp"
#include "cli_runner.hpp"
#include "../pipeline/experiment_text.hpp"

using Catch::Matchers::Contains;
using sgdcheck::pipeline::test::at;
using sgdcheck::pipeline::test::line_of;
using sgdcheck::pipeline::test::tiny_experiment;
using sgdcheck::test::count_lines;
using sgdcheck::test::read_text;
using sgdcheck::test::TempDir;
namespace fs = std::filesystem;

namespace {

using Outcome = sgdcheck::test::CliOutcome;
using sgdcheck::test::run_cli;

/// tiny_experiment with its plots replaced by `plots` (YAML list items).
std::string with_plots(const std::string& plots, std::map<std::string, std::string> more = {}) {
  more["+plots"] = "plots:\n" + plots;
  return tiny_experiment(more);
}

void require_exit2_one_line(const Outcome& r, const std::string& needle) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 2);
  REQUIRE(count_lines(r.err) == 1);
  REQUIRE_THAT(r.err, Contains(needle));
}

}  // namespace

// ---- plot entries are validated at plan time --------------------------------------------------

TEST_CASE("a plot name with a path separator exits 2 from validate and run before any run", "[cli]") {
  TempDir dir;
  const std::string text = with_plots("  - {name: ../../escaped, x: iter, y: dist2}");
  const std::string file = dir.write("exp.yaml", text);
  const auto out = dir.path() / "res";
  require_exit2_one_line(run_cli("validate " + file, dir), at(file, text, "escaped"));
  const auto r = run_cli("run " + file + " --out " + out.string(), dir);
  require_exit2_one_line(r, at(file, text, "escaped"));
  REQUIRE_THAT(r.err, Contains("plain file name"));
  REQUIRE_FALSE(fs::exists(out / "tiny"));
  REQUIRE_FALSE(fs::exists(dir.path() / "escaped.gp"));
}

TEST_CASE("two plots with the same name exit 2 at the second one's line", "[cli]") {
  TempDir dir;
  const std::string text = with_plots("  - {name: same, x: iter, y: dist2}\n  - {name: same, x: samples, y: dist2}");
  const std::string file = dir.write("exp.yaml", text);
  const auto r = run_cli("validate " + file, dir);
  require_exit2_one_line(r, at(file, text, "x: samples"));
  REQUIRE_THAT(r.err, Contains("unique"));
}

TEST_CASE("a plot metric no runner records exits 2 with a did-you-mean suggestion", "[cli]") {
  TempDir dir;
  const std::string text = with_plots("  - {name: p, x: iter, y: dsit2}");
  const std::string file = dir.write("exp.yaml", text);
  const auto out = dir.path() / "res";
  require_exit2_one_line(run_cli("validate " + file, dir), "did you mean dist2?");
  const auto r = run_cli("run " + file + " --out " + out.string(), dir);
  require_exit2_one_line(r, at(file, text, "dsit2"));
  REQUIRE_FALSE(fs::exists(out / "tiny"));
}

TEST_CASE("an unknown plot x axis exits 2 suggesting the sweep key, the short sweep key is accepted", "[cli]") {
  TempDir dir;
  const std::string text = with_plots("  - {name: p, x: btach, y: dist2}");
  const std::string file = dir.write("exp.yaml", text);
  require_exit2_one_line(run_cli("validate " + file, dir), "did you mean runner.batch?");
  const std::string ok = dir.write("ok.yaml", with_plots("  - {name: p, x: batch, y: dist2}"));
  REQUIRE(run_cli("validate " + ok, dir).code == 0);
}

TEST_CASE("an unknown marks constant exits 2 suggesting the constant", "[cli]") {
  TempDir dir;
  const std::string text = with_plots("  - {name: p, x: runner.batch, y: dist2, marks: M_crv}");
  const std::string file = dir.write("exp.yaml", text);
  require_exit2_one_line(run_cli("validate " + file, dir), "did you mean M_curv?");
}

TEST_CASE("a plot where: naming no sweep key or an unswept value exits 2", "[cli]") {
  TempDir dir;
  const std::string a = dir.write("a.yaml", with_plots("  - {name: p, x: iter, y: dist2, where: \"btach=1\"}"));
  require_exit2_one_line(run_cli("validate " + a, dir), "did you mean runner.batch?");
  const std::string b = dir.write("b.yaml", with_plots("  - {name: p, x: iter, y: dist2, where: \"batch=3\"}"));
  require_exit2_one_line(run_cli("validate " + b, dir), "one of the swept values (1, 4)");
}

TEST_CASE("a check series naming an unlisted bound exits 2 with a suggestion", "[cli]") {
  TempDir dir;
  const std::string text = tiny_experiment(
      {{"  - bound_holds: {bound: sgd.strongly_convex.dist2}", "  - bound_holds: {bound: sgd.strongly_convex.dits2}"}});
  const std::string file = dir.write("exp.yaml", text);
  require_exit2_one_line(run_cli("validate " + file, dir), "did you mean sgd.strongly_convex.dist2?");
}

// ---- gnuplot never executes text from the experiment file ------------------------------------

TEST_CASE("backticks and system() in figure, title and labels are drawn as text, never executed", "[cli][plots]") {
  TempDir dir;
  const fs::path pwned = dir.path() / "pwned";
  const std::string cmd = "touch " + pwned.string();
  const std::string text = with_plots(
      "  - {name: p, x: iter, y: dist2, title: \"a `" + cmd + "` b\", xlabel: \"system('" + cmd +
          "')\", ylabel: \"$(" + cmd + ") ' \\\" end\"}\n  - {name: q, x: samples, y: dist2}",
      {{"seed: 3", "seed: 3\nfigure: \"fig `" + cmd + "`\"\npaper: \"x'\\ny\""}});
  const std::string file = dir.write("exp.yaml", text);
  const auto out = dir.path() / "res";
  const auto r = run_cli("run " + file + " --format png --out " + out.string(), dir);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  REQUIRE(fs::file_size(out / "tiny" / "plots" / "p.png") > 0);
  REQUIRE(fs::file_size(out / "tiny" / "plots" / "q.png") > 0);  // title from figure: and paper:
  REQUIRE_FALSE(fs::exists(pwned));
}

// ---- atomic replace, --force, files in the way, locks ----------------------------------------

TEST_CASE("rerunning over complete results exits 2 suggesting --force, --force replaces them", "[cli]") {
  TempDir dir;
  const std::string file = dir.write("exp.yaml", tiny_experiment());
  const auto out = dir.path() / "res";
  REQUIRE(run_cli("run " + file + " --no-plots --out " + out.string(), dir).code == 0);
  const std::string before = read_text(out / "tiny" / "summary.csv");  // results.csv holds no per-run values here (none needed): compare the statistics
  const auto r = run_cli("run " + file + " --no-plots --seed 99 --out " + out.string(), dir);
  require_exit2_one_line(r, (out / "tiny").string());
  REQUIRE_THAT(r.err, Contains("--force") && Contains("--resume"));
  REQUIRE(read_text(out / "tiny" / "summary.csv") == before);
  const auto f = run_cli("run " + file + " --no-plots --seed 99 --force --out " + out.string(), dir);
  INFO(f.err);
  REQUIRE(f.code == 0);
  REQUIRE(read_text(out / "tiny" / "summary.csv") != before);
  // Only the results and the lock file remain: no staging folder, no backup.
  for (const auto& e : fs::directory_iterator(out)) {
    const auto n = e.path().filename().string();
    REQUIRE((n == "tiny" || n == ".tiny.lock"));
  }
}

TEST_CASE("a regular file or a symlink at OUT/<name> exits 2 and is never deleted", "[cli]") {
  TempDir dir;
  const std::string file = dir.write("exp.yaml", tiny_experiment());
  const auto out = dir.path() / "res";
  fs::create_directories(out);
  dir.write("res/tiny", "precious\n");
  auto r = run_cli("run " + file + " --no-plots --force --out " + out.string(), dir);
  require_exit2_one_line(r, (out / "tiny").string());
  REQUIRE(read_text(out / "tiny") == "precious\n");
  fs::remove(out / "tiny");
  fs::create_directories(dir.path() / "elsewhere");
  dir.write("elsewhere/keep.txt", "keep\n");
  fs::create_directory_symlink(dir.path() / "elsewhere", out / "tiny");
  r = run_cli("run " + file + " --no-plots --force --out " + out.string(), dir);
  require_exit2_one_line(r, (out / "tiny").string());
  REQUIRE(fs::is_symlink(out / "tiny"));
  REQUIRE(read_text(dir.path() / "elsewhere" / "keep.txt") == "keep\n");
}

TEST_CASE("a second run of the same name while the lock is held exits 2 and writes nothing", "[cli]") {
  TempDir dir;
  const std::string file = dir.write("exp.yaml", tiny_experiment());
  const auto out = dir.path() / "res";
  fs::create_directories(out);
  const int fd = ::open((out / ".tiny.lock").c_str(), O_RDWR | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  const auto r = run_cli("run " + file + " --no-plots --out " + out.string(), dir);
  ::close(fd);
  require_exit2_one_line(r, "another sgdcheck run");
  REQUIRE_FALSE(fs::exists(out / "tiny"));
  // Released: the same command now succeeds.
  REQUIRE(run_cli("run " + file + " --no-plots --out " + out.string(), dir).code == 0);
}

TEST_CASE("a stale staging folder of a dead run is cleaned before a new run", "[cli]") {
  TempDir dir;
  const std::string file = dir.write("exp.yaml", tiny_experiment());
  const auto out = dir.path() / "res";
  dir.write("res/.tiny.partial/junk.csv", "half-written\n");
  const auto r = run_cli("run " + file + " --no-plots --out " + out.string(), dir);
  INFO(r.err);
  REQUIRE(r.code == 0);
  REQUIRE_FALSE(fs::exists(out / ".tiny.partial"));
  REQUIRE_FALSE(fs::exists(out / "tiny" / "junk.csv"));
}

// ---- SIGINT / SIGTERM --------------------------------------------------------------------------

namespace {

/// Starts sgdcheck ARGS as a child (stdout/stderr to files), sends `sig` once it printed its start
/// line (or, with `wait_for` empty, after 0.5 s), and returns the exit status. `signalled_at` gets
/// the time the signal was sent.
Outcome interrupt_run(const std::vector<std::string>& args, int sig, const TempDir& dir,
                      const std::string& wait_for = "runs on",
                      std::chrono::steady_clock::time_point* signalled_at = nullptr) {
  const fs::path out = dir.path() / "int_stdout.txt", err = dir.path() / "int_stderr.txt";
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(o, STDOUT_FILENO);
    ::dup2(e, STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(SGDCHECK_EXE)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(SGDCHECK_EXE, argv.data());
    ::_exit(127);
  }
  // Wait until the runs have started ("tiny: N cells x ..."), then a little longer.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!wait_for.empty() && read_text(out).find(wait_for) == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(wait_for.empty() ? 500 : 300));
  if (signalled_at) *signalled_at = std::chrono::steady_clock::now();
  ::kill(pid, sig);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return {WEXITSTATUS(status), read_text(out), read_text(err)};
}

/// tiny_experiment made to take many seconds (2 cells x 400 seeds x 200000 iterations).
std::string long_experiment() {
  return tiny_experiment({{"seeds: 100", "seeds: 400"}, {"  iterations: 200", "  iterations: 200000"}});
}

}  // namespace

TEST_CASE("SIGINT stops a run with exit 130, one line, earlier results intact and partial work kept", "[cli]") {
  TempDir dir;
  const auto out = dir.path() / "res";
  const std::string quick = dir.write("quick.yaml", tiny_experiment());
  REQUIRE(run_cli("run " + quick + " --no-plots --out " + out.string(), dir).code == 0);
  const std::string before = read_text(out / "tiny" / "results.csv");
  const std::string file = dir.write("long.yaml", long_experiment());
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = interrupt_run({"run", file, "--no-plots", "--force", "--jobs", "2", "--out", out.string()}, SIGINT, dir);
  INFO(r.out << r.err);
  REQUIRE(r.code == 130);
  REQUIRE(count_lines(r.err) == 1);
  REQUIRE_THAT(r.err, Contains("sgdcheck: interrupted by SIGINT; partial results kept in " +
                               (out / ".tiny.partial").string() + " (use --resume)"));
  // It stopped between runs, long before the whole experiment could have finished.
  REQUIRE(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60));
  REQUIRE(read_text(out / "tiny" / "results.csv") == before);
  REQUIRE(fs::exists(out / ".tiny.partial" / "experiment.yaml"));
  REQUIRE_FALSE(fs::exists(out / ".tiny.partial" / "manifest.json"));
}

TEST_CASE("SIGINT while planning a slow grid exits 130 promptly and writes nothing", "[cli]") {
  TempDir dir;
  const auto out = dir.path() / "res";
  // 40 distinct least-squares problems of n = 4000, d = 300: building them (the ground truth of
  // each) takes several seconds in all; the signal arrives during the first ones.
  std::string noises;
  for (int k = 1; k <= 40; ++k) noises += (k > 1 ? ", " : "") + std::to_string(k) + "e-2";
  const std::string file = dir.write(
      "slow.yaml", tiny_experiment({{"  n: 40", "  n: 4000"},
                                    {"  d: 4", "  d: 300"},
                                    {"  batch: [1, 4]", "  problem.noise: [" + noises + "]"}}));
  std::chrono::steady_clock::time_point sent;
  const auto r = interrupt_run({"run", file, "--no-plots", "--out", out.string()}, SIGINT, dir, "", &sent);
  const double after = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  INFO(r.out << r.err);
  REQUIRE(r.code == 130);
  REQUIRE(count_lines(r.err) == 1);
  REQUIRE_THAT(r.err, Contains("sgdcheck: interrupted by SIGINT while planning; nothing was written"));
  REQUIRE_THAT(r.out, !Contains("runs on"));
  REQUIRE_FALSE(fs::exists(out));
  // It stopped at the next problem (one build is ~0.3 s here), not after planning all 40 (~13 s).
  REQUIRE(after < 5.0);
}

TEST_CASE("SIGTERM stops a run with exit 143 and leaves no results directory", "[cli]") {
  TempDir dir;
  const auto out = dir.path() / "res";
  const std::string file = dir.write("long.yaml", long_experiment());
  const auto r = interrupt_run({"run", file, "--no-plots", "--out", out.string()}, SIGTERM, dir);
  INFO(r.out << r.err);
  REQUIRE(r.code == 143);
  REQUIRE_THAT(r.err, Contains("interrupted by SIGTERM"));
  REQUIRE_FALSE(fs::exists(out / "tiny"));
  REQUIRE(fs::is_directory(out / ".tiny.partial"));
}

// ---- figures that cannot be drawn never lose results ------------------------------------------

TEST_CASE("every run diverging with plots on still commits results and draws the figure with its notes", "[cli]") {
  TempDir dir;
  const std::string text = with_plots("  - {name: d2, x: iter, y: dist2, scale: loglog}",
                                      {{"  step: {rule: critical, scale: 0.25, m: grad}", "  step: {rule: constant, gamma: 50}"},
                                       {"checks:", ""},
                                       {"  - bound_holds: {bound: sgd.strongly_convex.dist2}", ""}});
  const std::string file = dir.write("exp.yaml", text);
  const auto out = dir.path() / "res";
  const auto r = run_cli("run " + file + " --format png --out " + out.string(), dir);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  REQUIRE_THAT(r.out, Contains("diverged"));
  REQUIRE(fs::exists(out / "tiny" / "manifest.json"));
  REQUIRE(fs::file_size(out / "tiny" / "plots" / "d2.png") > 0);
  // The step violates R1's hypothesis: the bound is said to be not applicable, not silently dropped.
  REQUIRE_THAT(read_text(out / "tiny" / "plots" / "d2.gp"), Contains("not applicable (step 50 >"));
}

TEST_CASE("every run diverging at the first step warns once, keeps results and draws a no-finite-data figure",
          "[cli]") {
  TempDir dir;
  // gamma = 1e200: ||x_1 - x*||^2 overflows to inf, so no run records a finite value after iter 0.
  const std::string text = with_plots("  - {name: d2, x: iter, y: dist2, scale: loglog}",
                                      {{"  step: {rule: critical, scale: 0.25, m: grad}", "  step: {rule: constant, gamma: 1e200}"},
                                       {"checks:", ""},
                                       {"  - bound_holds: {bound: sgd.strongly_convex.dist2}", ""}});
  const std::string file = dir.write("exp.yaml", text);
  const auto out = dir.path() / "res";
  const auto r = run_cli("run " + file + " --format png --out " + out.string(), dir);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);  // no check failed and every figure was drawn
  REQUIRE(count_lines(r.err) == 1);
  REQUIRE_THAT(r.err, Contains("sgdcheck: warning: every run of tiny diverged (200 of 200"));
  REQUIRE(fs::exists(out / "tiny" / "manifest.json"));
  REQUIRE_THAT(read_text(out / "tiny" / "runs.csv"), Contains("diverged"));
  REQUIRE(fs::file_size(out / "tiny" / "plots" / "d2.png") > 0);
  REQUIRE_THAT(read_text(out / "tiny" / "plots" / "d2.gp"),
               Contains("no finite data to draw: every run diverged (200 of 200, see runs.csv)"));
  REQUIRE_FALSE(fs::exists(out / "tiny" / "plots" / "d2.log"));
}

TEST_CASE("a figure gnuplot cannot draw exits 3 with a warning naming figure and kept log, results commit",
          "[cli]") {
  TempDir dir;
  dir.write("bin/gnuplot", "#!/bin/sh\necho 'x range is invalid' >&2\nexit 1\n");
  fs::permissions(dir.path() / "bin" / "gnuplot", fs::perms::owner_all);
  const std::string file = dir.write("exp.yaml", with_plots("  - {name: d2, x: iter, y: dist2}"));
  const auto out = dir.path() / "res";
  const auto r = run_cli("run " + file + " --format png --out " + out.string(), dir,
                         "PATH='" + (dir.path() / "bin").string() + "':\"$PATH\"");
  INFO(r.out << r.err);
  REQUIRE(r.code == 3);
  REQUIRE(count_lines(r.err) == 1);
  REQUIRE_THAT(r.err, Contains("warning: figure d2 not drawn") && Contains((out / "tiny" / "plots" / "d2.log").string()));
  REQUIRE_THAT(read_text(out / "tiny" / "plots" / "d2.log"), Contains("x range is invalid"));
  const auto manifest = nlohmann::json::parse(read_text(out / "tiny" / "manifest.json"));
  REQUIRE(manifest.at("complete") == true);
  REQUIRE(manifest.at("figures_missing").size() == 1);
  REQUIRE(fs::exists(out / "tiny" / "results.csv"));
  REQUIRE(fs::exists(out / "tiny" / "checks.json"));
}

TEST_CASE("a failed check (exit 1) takes precedence over a missing figure (exit 3)", "[cli]") {
  TempDir dir;
  // A plan-valid figure that gnuplot fails to draw (a metric no cell records, such as test_loss
  // without a test set, is exit 2 before any run now).
  dir.write("bin/gnuplot", "#!/bin/sh\necho 'x range is invalid' >&2\nexit 1\n");
  fs::permissions(dir.path() / "bin" / "gnuplot", fs::perms::owner_all);
  const std::string file = dir.write(
      "exp.yaml", with_plots("  - {name: tl, x: iter, y: dist2}",
                             {{"  - bound_holds: {bound: sgd.strongly_convex.dist2}",
                               "  - tightness: {bound: sgd.strongly_convex.dist2, max_ratio: 1}"}}));
  const auto out = dir.path() / "res";
  const auto r = run_cli("run " + file + " --format png --out " + out.string(), dir,
                         "PATH='" + (dir.path() / "bin").string() + "':\"$PATH\"");
  INFO(r.out << r.err);
  REQUIRE(r.code == 1);
  REQUIRE_THAT(r.err, Contains("figure tl not drawn"));
  REQUIRE(fs::exists(out / "tiny" / "manifest.json"));
}

// ---- write errors ------------------------------------------------------------------------------

TEST_CASE("check on a full disk exits 2 naming checks.json instead of writing an empty file", "[cli]") {
  if (!fs::exists("/dev/full")) {
    WARN("/dev/full not available");
    return;
  }
  TempDir dir;
  const std::string file = dir.write("exp.yaml", tiny_experiment());
  const auto out = dir.path() / "res";
  REQUIRE(run_cli("run " + file + " --no-plots --out " + out.string(), dir).code == 0);
  fs::remove(out / "tiny" / "checks.json");
  fs::create_symlink("/dev/full", out / "tiny" / "checks.json");
  const auto r = run_cli("check " + (out / "tiny").string(), dir);
  require_exit2_one_line(r, (out / "tiny" / "checks.json").string());
}

TEST_CASE("plot on a full disk exits 2 naming the script file", "[cli]") {
  if (!fs::exists("/dev/full")) {
    WARN("/dev/full not available");
    return;
  }
  TempDir dir;
  const std::string file = dir.write("exp.yaml", with_plots("  - {name: d2, x: iter, y: dist2}"));
  const auto out = dir.path() / "res";
  REQUIRE(run_cli("run " + file + " --no-plots --out " + out.string(), dir).code == 0);
  fs::create_directories(out / "tiny" / "plots");
  fs::create_symlink("/dev/full", out / "tiny" / "plots" / "d2.gp");
  const auto r = run_cli("plot " + (out / "tiny").string() + " --format png", dir);
  require_exit2_one_line(r, (out / "tiny" / "plots" / "d2.gp").string());
}
