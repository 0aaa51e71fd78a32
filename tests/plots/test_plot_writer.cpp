// plots/: gnuplot scripts are inert (no text from an experiment file is interpreted by gnuplot),
// figures with nothing finite to draw still render with a note, and bounds that are not drawn are
// said on the figure. Rendering tests run the real gnuplot.
#include <unistd.h>

#include <catch2/catch.hpp>
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

TEST_CASE("a log x axis says how many points at x <= 0 it does not draw", "[plots]") {
  ResultSet rs = two_cells();
  std::string data;
  const std::string gp =
      sgdcheck::plots::plot_script(rs, plot_spec({{"name", "p"}, {"scale", "loglog"}}).params, "p", "", data);
  // Each of the two cells has one point at iter = 0.
  REQUIRE_THAT(gp, Contains("log x axis: 2 point(s) at iter <= 0 not drawn"));
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
