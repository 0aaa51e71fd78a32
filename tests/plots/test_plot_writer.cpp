// plots/: gnuplot scripts are inert (no text from an experiment file is interpreted by gnuplot),
// figures with nothing finite to draw still render with a note, and bounds that are not drawn are
// said on the figure. Rendering tests run the real gnuplot.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <filesystem>
#include <string>
#include <vector>

#include "../config/temp_files.hpp"
#include "../pipeline/synthetic.hpp"
#include "core/params.hpp"
#include "pipeline/components.hpp"
#include "pipeline/plot_schema.hpp"
#include "plots/plot_writer.hpp"

using Catch::Matchers::Contains;
using sgdcheck::Params;
using sgdcheck::RawParams;
using sgdcheck::RawValue;
using sgdcheck::pipeline::ComponentSpec;
using sgdcheck::pipeline::ResultSet;
using sgdcheck::pipeline::test::bound_series;
using sgdcheck::pipeline::test::not_applicable;
using sgdcheck::pipeline::test::one_metric_results;
using sgdcheck::pipeline::test::two_rep_series;
using sgdcheck::test::read_text;
using sgdcheck::test::TempDir;
namespace fs = std::filesystem;

namespace {

ComponentSpec plot_spec(const std::map<std::string, std::string>& kv) {
  RawParams raw;
  for (const auto& [k, v] : kv) {
    RawValue r;
    r.scalar = v;
    r.loc = {"exp.yaml", 7};
    raw[k] = r;
  }
  return {"plot", sgdcheck::validate(sgdcheck::pipeline::plot_schema(), raw, "plots[]"), {"exp.yaml", 7}};
}

const std::vector<std::int64_t> kIters{0, 1, 10, 100};

ResultSet two_cells() {
  return one_metric_results({two_rep_series(kIters, {1.0, 0.5, 0.1, 0.01}, {0.01, 0.01, 0.01, 0.001}),
                             two_rep_series(kIters, {1.0, 0.4, 0.05, 0.005}, {0.01, 0.01, 0.01, 0.001})},
                            {{bound_series("b.upper", "dist2", kIters, {2.0, 1.0, 0.5, 0.1})},
                             {bound_series("b.upper", "dist2", kIters, {2.0, 1.0, 0.4, 0.05})}});
}

/// The figure's single-quoted strings must contain the hostile text verbatim (quotes doubled).
const std::string kHostile =
    "t `touch /tmp/sgdcheck-gp-pwned` system(\"touch /tmp/sgdcheck-gp-pwned\") $(touch /tmp/sgdcheck-gp-pwned) "
    "@STEM ' \" \\ end";

}  // namespace

TEST_CASE("gnuplot strings are single-quoted with quotes doubled and control characters removed", "[plots]") {
  REQUIRE(sgdcheck::plots::gp_string("plain") == "'plain'");
  REQUIRE(sgdcheck::plots::gp_string("it's") == "'it''s'");
  REQUIRE(sgdcheck::plots::gp_string("a\nb\tc\rd\x1b") == "'a b c d '");
  REQUIRE(sgdcheck::plots::gp_string("`cmd` \\n \"q\"") == "'`cmd` \\n \"q\"'");
}

TEST_CASE("a title with backticks, system(), $(...), quotes and newlines renders without running anything",
          "[plots]") {
  if (!sgdcheck::plots::gnuplot_available()) {
    WARN("gnuplot not installed");
    return;
  }
  const fs::path pwned = "/tmp/sgdcheck-gp-pwned";
  fs::remove(pwned);
  TempDir dir;
  ResultSet rs = two_cells();
  rs.cells[0].bounds[0].title = kHostile;  // bound titles reach the legend
  const auto spec = plot_spec({{"name", "hostile"},
                               {"title", kHostile + "\nset output '/tmp/sgdcheck-gp-pwned'"},
                               {"xlabel", kHostile},
                               {"ylabel", "y `touch /tmp/sgdcheck-gp-pwned`"}});
  const auto report = sgdcheck::plots::write_plots(rs, {spec}, dir.path(), {{"png"}, kHostile});
  INFO((report.failures.empty() ? std::string() : report.failures.front().reason));
  REQUIRE(report.failures.empty());
  REQUIRE(fs::file_size(dir.path() / "plots" / "hostile.png") > 0);
  REQUIRE_FALSE(fs::exists(pwned));
  // The script holds the text as one inert line: the injected `set output` is part of the title string.
  const std::string gp = read_text(dir.path() / "plots" / "hostile.gp");
  REQUIRE_THAT(gp, Contains("set title 't `touch /tmp/sgdcheck-gp-pwned`"));
  REQUIRE_THAT(gp, Contains("'' \" \\ end set output ''/tmp/sgdcheck-gp-pwned'''"));
}

TEST_CASE("a figure whose every run diverged renders with a no-finite-data note instead of failing", "[plots]") {
  if (!sgdcheck::plots::gnuplot_available()) {
    WARN("gnuplot not installed");
    return;
  }
  TempDir dir;
  const double inf = INFINITY;
  ResultSet rs = one_metric_results({two_rep_series(kIters, {1.0, inf, inf, inf}, {0.0, 0.0, 0.0, 0.0})},
                                    {{bound_series("b.upper", "dist2", kIters, {NAN, NAN, NAN, NAN})}});
  rs.cells[0].metrics["dist2"].values = {{NAN, inf, inf, inf}, {inf, inf, inf, inf}};
  rs.cells[0].metrics["dist2"].compute_stats();
  const auto report = sgdcheck::plots::write_plots(rs, {plot_spec({{"name", "diverged"}, {"scale", "loglog"}})},
                                                   dir.path(), {{"png"}, ""});
  INFO((report.failures.empty() ? std::string() : report.failures.front().reason));
  REQUIRE(report.failures.empty());
  REQUIRE(fs::file_size(dir.path() / "plots" / "diverged.png") > 0);
  const std::string gp = read_text(dir.path() / "plots" / "diverged.gp");
  REQUIRE_THAT(gp, Contains("no finite data"));
  REQUIRE_THAT(gp, Contains("set xrange [1:10]"));
}

TEST_CASE("a bound that applies to no cell is said on the figure with its reason", "[plots]") {
  ResultSet rs = two_cells();
  for (auto& c : rs.cells) c.bounds.push_back(not_applicable("b.na", "dist2", "needs mu > 0"));
  rs.cells[0].bounds.back().title = "NA bound";
  rs.cells[1].bounds.back().title = "NA bound";
  std::string data;
  const std::string gp = sgdcheck::plots::plot_script(rs, plot_spec({{"name", "p"}}).params, "p", "", data);
  REQUIRE_THAT(gp, Contains("bound NA bound: not applicable (needs mu > 0)"));
  // The applicable bound is drawn and gets exactly one key entry.
  REQUIRE_THAT(gp, Contains("test bound [upper bound, derived] (dashed, in each cell''s colour)"));
}

TEST_CASE("a bound applicable to only some cells says how many it skips", "[plots]") {
  ResultSet rs = two_cells();
  rs.cells[1].bounds[0] = not_applicable("b.upper", "dist2", "batch too large");
  rs.cells[1].bounds[0].title = "test bound";
  std::string data;
  const std::string gp = sgdcheck::plots::plot_script(rs, plot_spec({{"name", "p"}}).params, "p", "", data);
  REQUIRE_THAT(gp, Contains("bound test bound: not applicable to 1 of 2 cells (batch too large)"));
  // Drawn for one cell only: its key entry is in that cell's colour (the first colour).
  REQUIRE_THAT(gp, Contains("lc rgb '#1f77b4' title 'test bound [upper bound, derived]'"));
}

TEST_CASE("a log x axis names the x values <= 0 it does not draw", "[plots]") {
  ResultSet rs = two_cells();
  std::string data;
  const std::string gp =
      sgdcheck::plots::plot_script(rs, plot_spec({{"name", "p"}, {"scale", "loglog"}}).params, "p", "", data);
  // Each of the two cells has one point at iter = 0.
  REQUIRE_THAT(gp, Contains("log x axis: iter = 0 not drawn"));
  const std::string lin =
      sgdcheck::plots::plot_script(rs, plot_spec({{"name", "p"}, {"scale", "semilogy"}}).params, "p", "", data);
  REQUIRE_THAT(lin, !Contains("log x axis"));
}

TEST_CASE("a figure gnuplot fails on is reported with its log kept, not thrown", "[plots]") {
  // A stand-in gnuplot that always fails, found first on PATH.
  TempDir dir;
  const fs::path bin = dir.path() / "bin";
  fs::create_directories(bin);
  dir.write("bin/gnuplot", "#!/bin/sh\necho 'line 1: x range is invalid' >&2\nexit 1\n");
  fs::permissions(bin / "gnuplot", fs::perms::owner_all);
  const std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", (bin.string() + ":" + old_path).c_str(), 1);
  const auto report =
      sgdcheck::plots::write_plots(two_cells(), {plot_spec({{"name", "p"}})}, dir.path() / "out", {{"png"}, ""});
  setenv("PATH", old_path.c_str(), 1);
  REQUIRE(report.failures.size() == 1);
  REQUIRE(report.failures[0].name == "p");
  REQUIRE_THAT(report.failures[0].reason, Contains("gnuplot failed to render png"));
  REQUIRE(report.failures[0].log == dir.path() / "out" / "plots" / "p.log");
  REQUIRE_THAT(read_text(report.failures[0].log), Contains("x range is invalid"));
  REQUIRE(fs::exists(dir.path() / "out" / "plots" / "p.gp"));
  REQUIRE(fs::exists(dir.path() / "out" / "plots" / "p.dat"));
  REQUIRE_FALSE(fs::exists(dir.path() / "out" / "plots" / "p.png"));
}

TEST_CASE("plot names are plain file names", "[plots]") {
  using sgdcheck::pipeline::is_plain_file_name;
  REQUIRE(is_plain_file_name("dist2_vs_iter-1.b"));
  REQUIRE_FALSE(is_plain_file_name(""));
  REQUIRE_FALSE(is_plain_file_name(".hidden"));
  REQUIRE_FALSE(is_plain_file_name("../x"));
  REQUIRE_FALSE(is_plain_file_name("a/b"));
  REQUIRE_FALSE(is_plain_file_name("a b"));
  REQUIRE_FALSE(is_plain_file_name("a'b"));
  REQUIRE_FALSE(is_plain_file_name(std::string(101, 'a')));
  REQUIRE(is_plain_file_name(std::string(100, 'a')));
}

TEST_CASE("a sweep plot on a log x axis says which swept values <= 0 it does not draw", "[plots]") {
  ResultSet rs = one_metric_results({two_rep_series(kIters, {1.0, 0.5, 0.1, 0.01}, {0.01, 0.01, 0.01, 0.001}),
                                     two_rep_series(kIters, {1.0, 0.4, 0.05, 0.02}, {0.01, 0.01, 0.01, 0.001}),
                                     two_rep_series(kIters, {1.0, 0.6, 0.2, 0.04}, {0.01, 0.01, 0.01, 0.001})},
                                    {{}, {}, {}});
  rs.sweep_keys = {"runner.delay.tau"};
  rs.cells[0].sweep_values = {"0"};
  rs.cells[1].sweep_values = {"2"};
  rs.cells[2].sweep_values = {"8"};
  std::string data;
  const auto spec = plot_spec({{"name", "p"}, {"x", "runner.delay.tau"}, {"y", "dist2"}, {"scale", "loglog"}});
  const std::string gp = sgdcheck::plots::plot_script(rs, spec.params, "p", "", data);
  REQUIRE_THAT(gp, Contains("log x axis: runner.delay.tau = 0 not drawn"));
  // The two positive values are drawn at their last means.
  REQUIRE_THAT(data, Contains("2 0.02\n") && Contains("8 0.04\n"));
  REQUIRE_THAT(data, !Contains("\n0 0.01"));
}

// ---- readable figures -------------------------------------------------------------------------

namespace {

/// The numbers in the `set ytics ('label' value, ...)` line of a script (empty if there is none).
std::vector<double> explicit_ytics(const std::string& gp) {
  std::vector<double> out;
  const auto pos = gp.find("set ytics (");
  if (pos == std::string::npos) return out;
  const std::string line = gp.substr(pos, gp.find('\n', pos) - pos);
  for (std::size_t q = line.find('\''); q != std::string::npos; q = line.find('\'', q)) {
    const std::size_t close = line.find('\'', q + 1);
    out.push_back(std::stod(line.substr(close + 1)));
    q = line.find(',', close);
    if (q == std::string::npos) break;
  }
  return out;
}

}  // namespace

TEST_CASE("on a log y axis exact-oracle lines far below the measured curves do not set the y range", "[plots]") {
  // Measured means reach 0.003 (cell 2: (0.005 + 0.001) / 2); the oracle falls to 1e-300.
  ResultSet rs = one_metric_results({two_rep_series(kIters, {1.0, 0.5, 0.1, 0.0055}, {0.01, 0.01, 0.01, 0.0045}),
                                     two_rep_series(kIters, {1.0, 0.4, 0.05, 0.003}, {0.01, 0.01, 0.01, 0.002})},
                                    {{bound_series("o.exact", "dist2", kIters, {1.0, 1e-10, 1e-100, 1e-300})},
                                     {bound_series("o.exact", "dist2", kIters, {1.0, 1e-10, 1e-100, 1e-300})}});
  for (auto& c : rs.cells) c.bounds[0].guarantee = "exact";
  std::string data;
  const std::string gp =
      sgdcheck::plots::plot_script(rs, plot_spec({{"name", "p"}, {"scale", "semilogy"}}).params, "p", "", data);
  // 3 decades below the decade of 0.003 (1e-3): 1e-6.
  REQUIRE_THAT(gp, Contains("set yrange [1e-06:*]"));
  REQUIRE_THAT(gp, Contains("y range from the empirical curves: bound / oracle lines below 1e-06 are cut off"));
  // The oracle's values stay in the data file (gnuplot clips them), nothing is dropped.
  REQUIRE_THAT(data, Contains("1e-300"));
  // An oracle exploding to 1e300 above measured means that stop at 1e12 (runs diverged) is cut above:
  // 3 decades over the decade of 1e12.
  ResultSet up = one_metric_results({two_rep_series(kIters, {1.0, 1e4, 1e12, NAN}, {0, 0, 0, 0})},
                                    {{bound_series("o.exact", "dist2", kIters, {1.0, 1e4, 1e12, 1e300})}});
  up.cells[0].bounds[0].guarantee = "exact";
  std::string data_up;
  const std::string gp_up =
      sgdcheck::plots::plot_script(up, plot_spec({{"name", "p"}, {"scale", "semilogy"}}).params, "p", "", data_up);
  REQUIRE_THAT(gp_up, Contains("set yrange [*:1000000000000000]"));
  REQUIRE_THAT(gp_up, Contains("bound / oracle lines above 1e+15 are cut off"));
  // Bounds within the range leave autoscaling alone.
  std::string data2;
  const std::string plain =
      sgdcheck::plots::plot_script(two_cells(), plot_spec({{"name", "p"}, {"scale", "semilogy"}}).params, "p", "", data2);
  REQUIRE_THAT(plain, !Contains("cut off"));
  REQUIRE_THAT(plain, !Contains("set yrange"));
}

TEST_CASE("a log y axis spanning about one decade gets 1-2-3-5 tick labels inside the data range", "[plots]") {
  // Means from 0.15 to 0.9, no bounds: log10(0.9 / 0.15) = 0.78 decades.
  ResultSet rs = one_metric_results({two_rep_series(kIters, {0.9, 0.5, 0.3, 0.15}, {0.01, 0.01, 0.01, 0.01})}, {{}});
  std::string data;
  const std::string gp =
      sgdcheck::plots::plot_script(rs, plot_spec({{"name", "p"}, {"scale", "semilogy"}}).params, "p", "", data);
  const auto tics = explicit_ytics(gp);
  // Range [0.15 / 1.25, 0.92 * 1.25] = [0.12, 1.15] (0.92: top of the first point's band, mean + 2 SE):
  // 0.2, 0.3, 0.5, 1.
  REQUIRE(tics.size() == 4);
  REQUIRE_THAT(tics[0], Catch::Matchers::WithinRel(0.2, 1e-12));
  REQUIRE_THAT(tics[1], Catch::Matchers::WithinRel(0.3, 1e-12));
  REQUIRE_THAT(tics[2], Catch::Matchers::WithinRel(0.5, 1e-12));
  REQUIRE_THAT(tics[3], Catch::Matchers::WithinRel(1.0, 1e-12));
  REQUIRE_THAT(gp, Contains("set yrange [0.12:1.15"));
  // Several decades keep gnuplot's decade labels.
  std::string data2;
  const std::string wide = sgdcheck::plots::plot_script(
      one_metric_results({two_rep_series(kIters, {1.0, 0.1, 0.001, 1e-5}, {0, 0, 0, 0})}, {{}}),
      plot_spec({{"name", "p"}, {"scale", "semilogy"}}).params, "p", "", data2);
  REQUIRE(explicit_ytics(wide).empty());
}

TEST_CASE("the iteration axis of local SGD says local steps, of mini-batch SGD server updates", "[plots]") {
  ResultSet rs = two_cells();
  for (auto& c : rs.cells) c.options["runner.kind"] = "local_sgd";
  std::string data;
  std::string gp = sgdcheck::plots::plot_script(rs, plot_spec({{"name", "p"}}).params, "p", "", data);
  REQUIRE_THAT(gp, Contains("set xlabel 'local steps per worker'"));
  REQUIRE_THAT(gp, !Contains("server updates"));
  for (auto& c : rs.cells) c.options["runner.kind"] = "minibatch_sgd";
  gp = sgdcheck::plots::plot_script(rs, plot_spec({{"name", "p"}}).params, "p", "", data);
  REQUIRE_THAT(gp, Contains("set xlabel 'iterations (server updates)'"));
}

TEST_CASE("sweep plot series follow the sweep order and constants are not labelled empirical", "[plots]") {
  ResultSet rs;
  rs.name = "synthetic";
  rs.sweep_keys = {"runner.batch", "runner.workers"};
  for (const char* w : {"4", "16", "64"})
    for (const char* b : {"1", "2"}) {
      sgdcheck::pipeline::CellResult c;
      c.id = rs.cells.size();
      c.sweep_values = {b, w};
      c.metrics["dist2"] = two_rep_series(kIters, {1.0, 0.5, 0.1, 0.01}, {0.01, 0.01, 0.01, 0.001});
      c.constants["M_grad"] = {3.0 * std::stod(b), true};
      rs.cells.push_back(std::move(c));
    }
  std::string data;
  const std::string gp = sgdcheck::plots::plot_script(
      rs, plot_spec({{"name", "p"}, {"x", "runner.batch"}, {"y", "dist2"}}).params, "p", "", data);
  const auto w4 = gp.find("title 'workers=4'"), w16 = gp.find("title 'workers=16'"), w64 = gp.find("title 'workers=64'");
  REQUIRE(w4 != std::string::npos);
  REQUIRE(w16 != std::string::npos);
  REQUIRE(w64 != std::string::npos);
  REQUIRE(w4 < w16);
  REQUIRE(w16 < w64);
  // The x label says what the swept key is, and names it.
  REQUIRE_THAT(gp, Contains("set xlabel 'batch size b (runner.batch)'"));
  // A constant of constants.csv, one series (where: fixes workers).
  const std::string c = sgdcheck::plots::plot_script(
      rs, plot_spec({{"name", "p"}, {"x", "runner.batch"}, {"y", "M_grad"}, {"where", "workers=4"}}).params, "p", "",
      data);
  REQUIRE_THAT(c, Contains("title 'M_grad per cell (constants.csv)'"));
  REQUIRE_THAT(c, !Contains("empirical"));
}

TEST_CASE("a figure note given in the plot options is said on the figure", "[plots]") {
  std::string data;
  const std::string gp = sgdcheck::plots::plot_script(two_cells(), plot_spec({{"name", "p"}}).params, "p", "", data,
                                                      {"runner.step.scale tuned per setting"});
  REQUIRE_THAT(gp, Contains("'[runner.step.scale tuned per setting]'"));
}

TEST_CASE("long legend entries are cut by characters, not bytes", "[plots]") {
  ResultSet rs = two_cells();
  // 70 two-byte characters: with " [upper bound, derived] (dashed, in each cell's colour)" 124
  // characters (178 bytes), within the 130-character limit, so kept whole.
  std::string tau;
  for (int i = 0; i < 70; ++i) tau += "\xcf\x84";
  for (auto& c : rs.cells) c.bounds[0].title = tau;
  std::string data;
  std::string gp = sgdcheck::plots::plot_script(rs, plot_spec({{"name", "p"}}).params, "p", "", data);
  REQUIRE_THAT(gp, Contains(tau + " [upper bound"));
  // 200 characters: cut to 127 and "...".
  std::string longer;
  for (int i = 0; i < 200; ++i) longer += "\xcf\x84";
  for (auto& c : rs.cells) c.bounds[0].title = longer;
  gp = sgdcheck::plots::plot_script(rs, plot_spec({{"name", "p"}}).params, "p", "", data);
  REQUIRE_THAT(gp, Contains("'" + longer.substr(0, 2 * 127) + "...'"));
  REQUIRE_THAT(gp, !Contains(longer.substr(0, 2 * 128)));
}

TEST_CASE("a gnuplot that does not finish within the timeout is killed and reported", "[plots]") {
  // A stand-in gnuplot that hangs (exec: the process killed is the sleeper itself).
  TempDir dir;
  const fs::path bin = dir.path() / "bin";
  fs::create_directories(bin);
  dir.write("bin/gnuplot", "#!/bin/sh\nexec sleep 60\n");
  fs::permissions(bin / "gnuplot", fs::perms::owner_all);
  const std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", (bin.string() + ":" + old_path).c_str(), 1);
  sgdcheck::plots::PlotOptions po;
  po.formats = {"png", "svg"};
  po.timeout_seconds = 0.5;
  const auto t0 = std::chrono::steady_clock::now();
  const auto report = sgdcheck::plots::write_plots(two_cells(), {plot_spec({{"name", "p"}})}, dir.path() / "out", po);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  setenv("PATH", old_path.c_str(), 1);
  REQUIRE(report.failures.size() == 1);
  REQUIRE_THAT(report.failures[0].reason, Contains("did not finish png within 0 s (killed)") ||
                                              Contains("did not finish png within 1 s (killed)"));
  // Killed after 0.5 s, and the second format is not attempted.
  REQUIRE(seconds >= 0.5);
  REQUIRE(seconds < 5.0);
  REQUIRE(report.images.empty());
  REQUIRE_FALSE(fs::exists(dir.path() / "out" / "plots" / "p.png"));
  REQUIRE(fs::exists(dir.path() / "out" / "plots" / "p.gp"));
}

TEST_CASE("a step that is the same in every run is labelled as such, not as a seed mean", "[plots]") {
  // SE 0 at every point: the step is a setting of the runs (e.g. the tuned step of each cell).
  ResultSet rs = one_metric_results({two_rep_series(kIters, {0.1, 0.1, 0.1, 0.1}, {0, 0, 0, 0}),
                                     two_rep_series(kIters, {0.2, 0.2, 0.2, 0.2}, {0, 0, 0, 0})},
                                    {{}, {}}, "step");
  std::string data;
  const std::string sweep = sgdcheck::plots::plot_script(
      rs, plot_spec({{"name", "p"}, {"x", "runner.batch"}, {"y", "step"}, {"scale", "linear"}}).params, "p", "", data);
  REQUIRE_THAT(sweep, Contains("step size per cell (the same in every run)"));
  REQUIRE_THAT(sweep, !Contains("empirical (seed mean)"));
  // Measured values with spread keep the seed-mean label.
  ResultSet noisy = two_cells();
  const std::string measured = sgdcheck::plots::plot_script(
      noisy, plot_spec({{"name", "p"}, {"x", "runner.batch"}, {"y", "dist2"}, {"scale", "linear"}}).params, "p", "", data);
  REQUIRE_THAT(measured, Contains("empirical (seed mean)"));
}

TEST_CASE("a constant curve on a log y axis gets distinct tick labels around its value", "[plots]") {
  ResultSet rs = one_metric_results({two_rep_series(kIters, {0.14, 0.14, 0.14, 0.14}, {0, 0, 0, 0})}, {{}}, "step");
  std::string data;
  const std::string gp = sgdcheck::plots::plot_script(
      rs, plot_spec({{"name", "p"}, {"y", "step"}, {"scale", "semilogy"}}).params, "p", "", data);
  // Range [0.07, 0.28]: ticks 0.1, 0.2 (1-2-3-5 steps), never one decade label twice.
  REQUIRE_THAT(gp, Contains("set yrange [0.07:0.28]"));
  REQUIRE_THAT(gp, Contains("set ytics ('0.1' 0.1, '0.2' 0.2)"));
}

TEST_CASE("a figure with a single x value centres it with one tick", "[plots]") {
  ResultSet rs = one_metric_results({two_rep_series({0, 10}, {1.0, 0.5}, {0.1, 0.1})}, {{}});
  std::string data;
  const std::string gp =
      sgdcheck::plots::plot_script(rs, plot_spec({{"name", "p"}, {"scale", "loglog"}}).params, "p", "", data);
  // iter 0 is not drawn on the log x axis, which leaves x = 10 alone: range [5, 20], tick at 10.
  REQUIRE_THAT(gp, Contains("set xrange [5:20]\nset xtics ('10' 10)"));
  REQUIRE_THAT(gp, !Contains("set autoscale xfix"));
}

TEST_CASE("a long legend makes the canvas taller instead of being cut off", "[plots]") {
  std::vector<sgdcheck::pipeline::MetricSeries> series;
  std::vector<std::vector<sgdcheck::pipeline::BoundSeries>> bounds;
  for (int i = 0; i < 16; ++i) {
    series.push_back(two_rep_series(kIters, {1.0, 0.5, 0.1, 0.01}, {0.01, 0.01, 0.01, 0.001}));
    bounds.push_back({});
  }
  ResultSet many = one_metric_results(series, bounds);
  std::string data;
  const std::string tall =
      sgdcheck::plots::plot_script(many, plot_spec({{"name", "p"}, {"scale", "loglog"}}).params, "p", "", data);
  // 16 entries in 2 columns = 8 rows, 3 beyond the 5 the default canvas holds: 3 · 22 px more.
  REQUIRE_THAT(tall, Contains("set terminal pngcairo size 1000,866 "));
  ResultSet few = two_cells();
  const std::string normal =
      sgdcheck::plots::plot_script(few, plot_spec({{"name", "p"}, {"scale", "loglog"}}).params, "p", "", data);
  REQUIRE_THAT(normal, Contains("set terminal pngcairo size 1000,800 "));
}
