#include "cli/commands.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "config/experiment.hpp"
#include "core/interrupt.hpp"
#include "core/text_file.hpp"
#include "papers/registry.hpp"
#include "pipeline/bound_registry.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/components.hpp"
#include "pipeline/distribute.hpp"
#include "pipeline/execute.hpp"
#include "pipeline/junit.hpp"
#include "pipeline/outputs.hpp"
#include "pipeline/plan.hpp"
#include "pipeline/plot_schema.hpp"
#include "pipeline/report_html.hpp"
#include "pipeline/result_set.hpp"
#include "pipeline/shard.hpp"
#include "pipeline/tune.hpp"
#include "plots/plot_writer.hpp"
#include "problems/registry.hpp"
#include "runners/runner.hpp"

#ifndef SGDCHECK_VERSION
#define SGDCHECK_VERSION "0"
#endif
#ifndef SGDCHECK_GIT_COMMIT
#define SGDCHECK_GIT_COMMIT "unknown"
#endif

namespace sgdcheck::cli {

namespace fs = std::filesystem;

std::string version_string() { return std::string(SGDCHECK_VERSION) + " (" + SGDCHECK_GIT_COMMIT + ")"; }

namespace {

/// "\r[name] 12/40 runs (30%), 3.1 s elapsed, ETA 7 s" on a terminal; nothing otherwise.
class Progress {
 public:
  explicit Progress(std::string name) : name_(std::move(name)), tty_(isatty(STDERR_FILENO) != 0) {}
  /// Under mpirun (stderr is a pipe to mpirun, often a log file): one line every 10 s instead.
  void lines() { lines_ = true; }
  void operator()(std::size_t done, std::size_t total) {
    if (!tty_ && !lines_) return;
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (done < total && el - last_ < (lines_ ? 10.0 : 0.2)) return;
    last_ = el;
    const double eta = done > 0 ? el * static_cast<double>(total - done) / static_cast<double>(done) : 0.0;
    const std::string cells = cells_total_ > 0 ? fmt::format(", {}/{} cells", cells_done_, cells_total_) : std::string();
    std::fprintf(stderr, "%s[%s] %zu/%zu runs (%3.0f%%)%s, %.1f s elapsed, ETA %.0f s%s", lines_ ? "" : "\r",
                 name_.c_str(), done, total, 100.0 * static_cast<double>(done) / static_cast<double>(total),
                 cells.c_str(), el, eta, lines_ ? "\n" : "   ");
    if (done == total && !lines_) std::fprintf(stderr, "\n");
  }
  /// Cells finished (shown with the runs when the run is spread over MPI ranks).
  void cells(std::size_t done, std::size_t total) {
    cells_done_ = done;
    cells_total_ = total;
  }

 private:
  std::string name_;
  bool tty_;
  bool lines_ = false;
  std::size_t cells_done_ = 0, cells_total_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  double last_ = -1.0;
};

std::string title_prefix(const config::Experiment& e) {
  std::string t = e.name;
  if (!e.paper.empty()) t += " — " + e.paper;
  if (!e.figure.empty()) t += ", " + e.figure;
  return t;
}

/// Plot options of an experiment: formats, title, and a note on every figure when a sweep key was
/// tuned (each curve / point is then the winning cell of its group, not every swept value).
plots::PlotOptions plot_options(const config::Experiment& e,
                                const std::vector<std::string>& formats,
                                const std::optional<pipeline::ComponentSpec>& tune) {
  plots::PlotOptions po;
  po.formats = formats;
  po.title_prefix = title_prefix(e);
  if (tune)
    po.notes.push_back(fmt::format("{} tuned per setting: {} (winners in tuned.csv)", tune->params.get_string("over"),
                                   tune->params.get_string("criterion")));
  return po;
}

/// The copy of the experiment file inside a results directory, plus the quick flag from the manifest.
config::Experiment experiment_of(const fs::path& dir) {
  const fs::path manifest = dir / "manifest.json";
  if (!fs::exists(manifest))
    throw UsageError(SourceLoc{dir.string(), 0},
                     "not a complete results directory (no manifest.json); expected the output of `sgdcheck run`");
  nlohmann::json j;
  try {
    std::ifstream(manifest) >> j;
  } catch (const std::exception& e) {
    throw DataError(SourceLoc{manifest.string(), 0}, std::string("malformed JSON: ") + e.what());
  }
  return config::read_experiment((dir / "experiment.yaml").string(), j.value("quick", false));
}

/// The results that checks and plots see: the tuned winners when the experiment has `tune:`.
pipeline::ResultSet checked_results(pipeline::ResultSet rs,
                                    const std::optional<pipeline::ComponentSpec>& tune,
                                    const fs::path& dir) {
  if (!tune) return rs;
  // The plan checked tune.metric before any run; `check DIR` / `plot DIR` check it on the tables.
  pipeline::validate_metric_option(*tune, "metric", "tune.metric", pipeline::plot_context(rs).metrics);
  std::vector<pipeline::TuneChoice> choices;
  auto tuned = pipeline::apply_tune(rs, tune->params, &choices);
  pipeline::write_tune_choices(choices, tune->params.get_string("over"), dir.string());
  return tuned;
}

int report_checks(const std::vector<pipeline::CheckOutcome>& outcomes) {
  std::fputs(pipeline::format_checks(outcomes).c_str(), stdout);
  for (const auto& o : outcomes)
    if (o.failed()) return kExitCheckFailed;  // report-only and skipped checks do not gate
  return kExitOk;
}

std::string md_escape(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

/// The closed form registered under `id` (sgdcheck bound evaluates it), or nullptr.
const bounds::Formula* formula_of(const std::string& id) {
  for (const auto& f : papers::registry().formulas())
    if (f.info.id == id) return &f;
  return nullptr;
}

/// Where a bound is valid: its own regime text, else that of its closed form, else read off the id.
std::string regime_of(const bounds::BoundInfo& info) {
  if (!info.regime.empty()) return info.regime;
  if (const auto* f = formula_of(info.id); f && !f->info.regime.empty()) return f->info.regime;
  const std::string& id = info.id;
  auto has = [&](const char* w) { return id.find(w) != std::string::npos; };
  if (id.rfind("oracle.", 0) == 0) return "exact oracle: least squares, every constant exact (computed from the data)";
  if (has("strongly_convex")) return "strongly convex (L upper, mu lower bound)";
  if (has("nonconvex")) return "nonconvex, L-smooth (L upper bound)";
  if (has("convex")) return "convex, L-smooth (L upper bound)";
  if (has("lsq") || has("ls_floor")) return "least squares (exact constants)";
  return "as its reference states";
}

/// The parameters a bound needs: those of its closed form (names as `sgdcheck bound --set`), or, for
/// an adapter without one, what it reads from the cell.
std::string params_of(const bounds::BoundInfo& info) {
  if (const auto* f = formula_of(info.id)) {
    std::vector<std::string> names;
    for (const auto& p : f->params) names.push_back(p.name);
    return fmt::format("{}", fmt::join(names, ", "));
  }
  return "from the cell (problem data and constants, runner options); no closed form";
}

void print_schema_markdown(const Schema& s, const std::string& heading) {
  fmt::print("{} `{}`\n\n{}\n\n", heading, s.name, md_escape(s.description));
  fmt::print("| key | type | default | constraint | meaning |\n|---|---|---|---|---|\n");
  for (const auto& f : s.fields) {
    const std::string def = f.default_value ? to_string(*f.default_value) : std::string("(required)");
    fmt::print("| `{}` | {} | `{}` | {} | {} |\n", f.name, f.type_name(), md_escape(def.empty() ? "\"\"" : def),
               md_escape(f.constraint()), md_escape(f.description));
  }
  fmt::print("\n");
}

void print_schema(const Schema& s, const std::string& prefix) {
  fmt::print("{}{} — {}\n", prefix, s.name, s.description);
  for (const auto& f : s.fields) {
    const std::string def = f.default_value ? to_string(*f.default_value) : std::string("(required)");
    fmt::print("    {:<22} {:<8} default {:<18} {}\n", f.name, f.type_name(), def, f.constraint());
    fmt::print("    {:<22} {}\n", "", f.description);
  }
}

}  // namespace

namespace {

void check_formats(const std::vector<std::string>& formats) {
  for (const auto& fmt_name : formats)
    if (fmt_name != "png" && fmt_name != "svg" && fmt_name != "pdf")
      throw UsageError("--format " + fmt_name + ": expected png, svg or pdf");
}

/// One warning line per figure that could not be drawn; returns kExitFiguresMissing if any.
int report_figures(const plots::PlotReport& report, const fs::path& final_dir) {
  for (const auto& f : report.failures) {
    std::string where = (final_dir / "plots" / (f.name + ".gp")).string();
    if (!f.log.empty()) where += ", log " + (final_dir / "plots" / f.log.filename()).string();
    std::fprintf(stderr, "sgdcheck: warning: figure %s not drawn: %s (kept: %s)\n", f.name.c_str(), f.reason.c_str(),
                 where.c_str());
  }
  return report.failures.empty() ? kExitOk : kExitFiguresMissing;
}

/// 1 (a check failed) wins over 3 (figures missing), which wins over 0.
int combine(int a, int b) {
  if (a == kExitCheckFailed || b == kExitCheckFailed) return kExitCheckFailed;
  return std::max(a, b);
}

int interrupted_exit(const fs::path& staging) {
  const int sig = interrupt_signal();
  const char* name = sig == SIGTERM ? "SIGTERM" : "SIGINT";
  std::error_code ec;
  if (fs::is_directory(staging, ec)) {
    std::fprintf(stderr, "sgdcheck: interrupted by %s; partial results kept in %s (use --resume)\n", name,
                 staging.string().c_str());
  } else {
    std::string exp = staging.filename().string();  // ".NAME.partial" → "NAME"
    exp = exp.substr(1, exp.size() - std::string(".partial").size() - 1);
    std::fprintf(stderr, "sgdcheck: interrupted by %s before %s started; nothing of it was written\n", name,
                 exp.c_str());
  }
  return kExitSignalBase + sig;
}

/// `run FILE --shard i/N`: this shard's work items into OUT/<name>.shards/shard-i-of-N.sgdshard.
int run_shards(std::vector<pipeline::Plan>& plans, const RunArgs& args) {
  const pipeline::ShardSpec spec = pipeline::parse_shard(args.shard);
  if (args.resume) throw UsageError("--shard with --resume: rerun the shard instead (a shard file is written whole or not at all)");
  for (auto& plan : plans) {
    const auto& e = plan.experiment;
    const std::string fingerprint = pipeline::config_fingerprint(plan, SGDCHECK_GIT_COMMIT);
    const fs::path file = pipeline::shard_file(args.out, e.name, spec);
    pipeline::ShardRunner runner(plan, spec);
    Progress progress(e.name);
    pipeline::ExecuteOptions xo;
    xo.jobs = args.jobs;
    xo.progress = [&](std::size_t d, std::size_t t) { progress(d, t); };
    xo.scheduler = &runner;
    const auto t0 = std::chrono::steady_clock::now();
    pipeline::execute(plan, xo);
    if (interrupted()) {
      const int sig = interrupt_signal();
      std::fprintf(stderr, "sgdcheck: interrupted by %s; shard %zu/%zu of %s not written\n", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                   spec.index, spec.count, e.name.c_str());
      return kExitSignalBase + sig;
    }
    runner.write(file, fingerprint);
    fmt::print("{}: shard {}/{}: {} work items in {:.2f} s on {} thread(s){}\nshard: {}  (combine all {} with `sgdcheck merge {}`)\n",
               e.name, spec.index, spec.count, runner.items_run(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), args.jobs,
               e.quick ? " (quick form)" : "", file.string(), spec.count, file.parent_path().string());
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace

int cmd_run(const RunArgs& args) {
  // Validate every file before running any, so bad input never costs a long run.
  std::vector<pipeline::Plan> plans;
  std::vector<PhaseClock> clocks(args.files.size());  // per experiment: plan, runs, …, commit
  try {
    for (std::size_t i = 0; i < args.files.size(); ++i) {
      clocks[i].start("plan");
      plans.push_back(pipeline::make_plan(args.files[i], {args.quick, args.seed}));
      clocks[i].stop();
      if (args.traces) plans.back().traces = true;
    }
  } catch (const Interrupted&) {
    // Planning (problem builds, data files) polls the stop flag; nothing has been written yet.
    const int sig = interrupt_signal();
    std::fprintf(stderr, "sgdcheck: interrupted by %s while planning; nothing was written\n",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
    return kExitSignalBase + sig;
  }
  if (!args.shard.empty() && args.scheduler)
    throw UsageError("--shard = " + args.shard + " under mpirun: use MPI ranks or job-array shards, not both");
  if (!args.shard.empty()) return run_shards(plans, args);
  if (args.worker) {  // an MPI worker rank: runs the items rank 0 hands out; rank 0 writes everything
    for (auto& plan : plans) {
      pipeline::ExecuteOptions xo;
      xo.jobs = args.jobs;
      xo.scheduler = args.scheduler;
      pipeline::execute(plan, xo);
      if (interrupted()) return kExitSignalBase + interrupt_signal();
    }
    return kExitOk;
  }
  check_formats(args.formats);
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const auto& e = plans[i].experiment;
    for (std::size_t k = 0; k < i; ++k)
      if (plans[k].experiment.name == e.name)
        throw UsageError(SourceLoc{e.file, 0}, "name = " + e.name + " is also the name of " + plans[k].experiment.file +
                                                   " in this run (both would write " + (fs::path(args.out) / e.name).string() + ")");
    // --resume replaces complete results like --force: it finishes a newer run of the same name.
    pipeline::check_output_target(args.out, e.name, args.force || args.resume);
  }
  const bool want_plots = !args.no_plots && std::any_of(plans.begin(), plans.end(), [](auto& p) { return !p.plots.empty(); });
  if (want_plots && !plots::gnuplot_available())
    throw UsageError("gnuplot not found: install it with scripts/install-deps.sh (package gnuplot-nox) or pass --no-plots");

  int rc = kExitOk;
  std::vector<pipeline::JunitSuite> suites;  // --junit: written once every experiment has finished
  for (std::size_t pi = 0; pi < plans.size(); ++pi) {
    auto& plan = plans[pi];
    PhaseClock& clock = clocks[pi];
    if (interrupted()) return interrupted_exit(pipeline::staging_path(args.out, plan.experiment.name));
    const auto& e = plan.experiment;
    clock.start("setup");  // the staging folder, the inputs' copies, the bound applicability lines
    pipeline::StagingDir staging = pipeline::StagingDir::acquire(args.out, e.name, /*keep_existing=*/args.resume);
    const fs::path& sdir = staging.path();
    try {
      const std::string started = pipeline::utc_now();
      // The inputs first: an interrupted staging folder says what it was running.
      copy_text_file(e.file, sdir / "experiment.yaml");
      const std::string resolved = pipeline::resolved_yaml(plan);
      write_text_file(sdir / "resolved.yaml", resolved);
      fmt::print("{}: {} cells x {} seeds = {} runs on {}{} thread(s){}\n", e.name, plan.cells.size(), e.seeds,
                 plan.runs(), args.ranks > 1 ? fmt::format("{} ranks x ", args.ranks) : std::string(), args.jobs,
                 e.quick ? " (quick form)" : "");
      const std::vector<std::string> planned_bounds = pipeline::bound_applicability(plan);
      for (const auto& line : planned_bounds) fmt::print("  {}\n", line);
      std::fflush(stdout);
      for (const auto& line : pipeline::noise_floor_warnings(plan)) std::fprintf(stderr, "sgdcheck: %s\n", line.c_str());
      Progress progress(e.name);
      pipeline::ExecuteOptions xo;
      xo.jobs = args.jobs;
      xo.progress = [&](std::size_t d, std::size_t t) { progress(d, t); };
      xo.scheduler = args.scheduler;  // MPI ranks or merged shards; empty: this process's threads
      xo.phases = &clock;
      if (args.scheduler && args.ranks > 1) {  // MPI: cells and runs across the ranks, as log lines
        progress.lines();
        xo.cell_progress = [&](std::size_t d, std::size_t t) { progress.cells(d, t); };
      }
      // Each finished cell is checkpointed in the staging folder; --resume keeps the folder of an
      // interrupted run of the same name and takes the cells whose checkpoint matches (same options,
      // seed and code version) from there.
      pipeline::CheckpointOptions ck;
      ck.checkpoint_dir = sdir / "checkpoints";
      ck.code_version = SGDCHECK_GIT_COMMIT;
      fs::create_directories(ck.checkpoint_dir);
      if (args.resume) ck.resume_from = {ck.checkpoint_dir};
      const pipeline::Execution ex = pipeline::execute(plan, xo, ck);
      if (interrupted()) return interrupted_exit(sdir);
      if (ex.resumed_cells > 0)
        fmt::print("{}: resumed {} of {} cells from checkpoints\n", e.name, ex.resumed_cells, plan.cells.size());

      // The figures read the results in memory, as the tables and checks do; gnuplot's renders are the
      // longest serial piece of a short run, so with more than one job they are drawn while the tables
      // are written and the checks run (each writes only its own files). With --jobs 1, or a tune:
      // section (whose figures show the tuned results), they are drawn after the checks.
      auto draw = [&](const pipeline::ResultSet& shown) {
        auto po = plot_options(e, args.formats, plan.tune);
        po.jobs = args.jobs;
        return plots::write_plots(shown, plan.plots, sdir, po);
      };
      const bool draw_alongside = !args.no_plots && !plan.tune && args.jobs > 1;
      std::future<plots::PlotReport> drawing;
      if (draw_alongside) drawing = std::async(std::launch::async, draw, std::cref(ex.results));

      clock.start("tables");
      ex.results.write(sdir, args.jobs);
      pipeline::write_timings(plan, ex, sdir);

      // Checks and plots use the results in memory; `sgdcheck check/plot DIR` rebuild the same
      // ResultSet from the tables (statistics from summary.csv, per-run values from results.csv).
      pipeline::ResultSet tuned;
      if (plan.tune) {
        clock.start("tune");
        tuned = checked_results(ex.results, plan.tune, sdir);
      }
      const pipeline::ResultSet& rs = plan.tune ? tuned : ex.results;  // no copy without tune:
      clock.start("checks");
      const auto outcomes = pipeline::run_checks(plan.checks, rs, args.jobs);
      const nlohmann::json checks = pipeline::write_checks(outcomes, pipeline::bound_summaries(rs), sdir.string());
      // A figure gnuplot cannot draw is reported, never fatal: tables, checks and manifest still commit.
      plots::PlotReport figures;
      if (!args.no_plots) {
        clock.start("plots");  // drawn alongside: the wait for the renders still running
        figures = draw_alongside ? drawing.get() : draw(rs);
      }
      if (interrupted()) return interrupted_exit(sdir);

      clock.start("manifest");
      pipeline::ManifestInfo mi;
      mi.jobs = args.jobs;
      mi.wall_seconds = ex.total_wall_seconds;
      mi.started = started;
      mi.finished = pipeline::utc_now();
      mi.all_checks_passed = std::none_of(outcomes.begin(), outcomes.end(), [](auto& o) { return o.failed(); });
      for (const auto& f : figures.failures) mi.figures_missing.push_back(f.name + ": " + f.reason);
      fs::remove_all(sdir / "checkpoints");  // complete: the tables are the result
      // The report is drawn from the manifest, checks and resolved configuration in memory (the
      // files just written are never read back); manifest.json, written last, carries the timings of
      // every phase up to the report.
      nlohmann::json manifest = pipeline::manifest_json(plan, ex, mi);
      clock.start("report");
      pipeline::write_report_html(rs, plan.plots, sdir, {&manifest, &checks, &resolved, {"manifest.json"}});
      clock.stop();
      manifest["phases"] = pipeline::phases_json(clock);
      clock.start("commit");
      write_text_file(sdir / "manifest.json", manifest.dump(2) + "\n");
      if (!args.junit.empty()) suites.push_back({e.name, outcomes, ex.total_wall_seconds, started});
      const fs::path final_dir = staging.commit();
      clock.stop();

      std::size_t diverged = 0;
      for (const auto& c : rs.cells)
        for (const auto& r : c.runs) diverged += r.termination == "diverged";
      fmt::print("{}: {} runs in {:.2f} s{}\n", e.name, plan.runs(), ex.total_wall_seconds,
                 diverged ? fmt::format(" ({} diverged: recorded in runs.csv)", diverged) : std::string());
      fmt::print("results: {}/  (results.csv, summary.csv, bounds.csv, constants.csv, manifest.json)\n", final_dir.string());
      fmt::print("report: {}\n", (final_dir / "report.html").string());
      if (!figures.images.empty()) {
        fmt::print("plots:\n");
        for (const auto& img : figures.images)
          if (img.extension() == ".png") fmt::print("  {}\n", (final_dir / "plots" / img.filename()).string());
      }
      {
        // After the run only the lines that say more than the plan's (vacuous series): repeating the
        // same "applies to" lines under "plots:" read as if they were plot files.
        std::vector<std::string> changed;
        for (const auto& line : pipeline::bound_states(rs))
          if (std::find(planned_bounds.begin(), planned_bounds.end(), line) == planned_bounds.end())
            changed.push_back(line);
        if (!changed.empty()) fmt::print("bounds after the run:\n");
        for (const auto& line : changed) fmt::print("  {}\n", line);
      }
      if (!outcomes.empty()) {
        fmt::print("checks ({}/checks.txt):\n", final_dir.string());
        rc = combine(rc, report_checks(outcomes));
      }
      std::fflush(stdout);
      if (diverged > 0 && diverged == plan.runs())
        std::fprintf(stderr, "sgdcheck: warning: every run of %s diverged (%zu of %zu; why: runs.csv); the results "
                             "describe divergence only\n", e.name.c_str(), diverged, static_cast<std::size_t>(plan.runs()));
      rc = combine(rc, report_figures(figures, final_dir));
      if (args.profile) std::fprintf(stderr, "%s: time per phase (--profile)\n%s", e.name.c_str(), clock.format().c_str());
    } catch (...) {
      if (interrupted()) return interrupted_exit(sdir);  // keep finished work for --resume
      staging.discard();  // never leave a half-written directory behind
      throw;
    }
  }
  if (!args.junit.empty()) write_text_file(args.junit, pipeline::junit_xml(suites));
  return rc;
}

int cmd_merge(const MergeArgs& args) {
  // The shards' headers first (one line for a duplicate, a missing shard, another configuration);
  // the merger compares the fingerprint with the re-planned experiment before taking any block.
  const auto shards = pipeline::read_shard_headers(args.shards);
  const pipeline::ShardHeader& h = shards.front();
  pipeline::ShardMerger merger(shards, SGDCHECK_GIT_COMMIT);
  RunArgs ra;
  ra.files = {h.experiment};
  ra.quick = h.quick;
  ra.seed = h.seed;
  ra.traces = h.traces;
  ra.jobs = args.jobs;
  ra.out = args.out;
  ra.formats = args.formats;
  ra.no_plots = args.no_plots;
  ra.force = args.force;
  ra.scheduler = &merger;
  fmt::print("merging {} shards of {}\n", shards.size(), h.experiment);
  return cmd_run(ra);
}

int cmd_validate(const std::vector<std::string>& files, bool quick, bool changed_only) {
  for (const auto& f : files) {
    const auto plan = pipeline::make_plan(f, {quick, std::nullopt});
    fmt::print("# {}: valid — {} cells x {} seeds = {} runs\n", f, plan.cells.size(), plan.experiment.seeds, plan.runs());
    for (const auto& line : pipeline::bound_applicability(plan)) fmt::print("# {}\n", line);
    for (const auto& line : pipeline::noise_floor_warnings(plan)) fmt::print("# {}\n", line);
    for (std::size_t i = 0; i < plan.problems.size(); ++i) {
      const auto& p = *plan.problems[i];
      for (const auto& note : p.constants().notes) fmt::print("# note: {}: {}\n", p.describe(), note);
    }
    fmt::print("{}", pipeline::resolved_yaml(plan, changed_only));
  }
  return kExitOk;
}

int cmd_check(const std::string& dir, const std::string& junit) {
  const auto e = experiment_of(dir);
  const auto specs = pipeline::validate_components(e);
  const auto rs = checked_results(pipeline::ResultSet::load(dir), specs.tune, dir);
  const auto outcomes = pipeline::run_checks(specs.checks, rs);
  pipeline::write_checks(outcomes, pipeline::bound_summaries(rs), dir);  // checked: a full disk is exit 2 naming the file
  pipeline::write_report_html(rs, specs.plots, dir);
  if (!junit.empty()) write_text_file(junit, pipeline::junit_xml({{e.name, outcomes, 0.0, pipeline::utc_now()}}));
  for (const auto& line : pipeline::bound_states(rs)) fmt::print("  {}\n", line);  // as `run` prints them
  return report_checks(outcomes);
}

int cmd_plot(const std::string& dir, const std::vector<std::string>& formats) {
  check_formats(formats);
  const auto e = experiment_of(dir);
  auto specs = pipeline::validate_components(e);
  const auto rs = checked_results(pipeline::ResultSet::load(dir), specs.tune, dir);
  pipeline::validate_plots(specs.plots, pipeline::plot_context(rs));
  if (!specs.plots.empty() && !plots::gnuplot_available())
    throw UsageError("gnuplot not found: install it with scripts/install-deps.sh (package gnuplot-nox)");
  const auto report = plots::write_plots(rs, specs.plots, dir, plot_options(e, formats, specs.tune));
  pipeline::write_report_html(rs, specs.plots, dir);
  for (const auto& img : report.images) fmt::print("{}\n", img.string());
  return report_figures(report, dir);
}

int cmd_list_markdown() {
  fmt::print("# sgdcheck experiment-file reference\n\n");
  fmt::print("Generated by `sgdcheck list --markdown` from the same schema tables that parse and validate\n"
             "experiment files; a test fails when this file is out of date.\n\n");
  fmt::print("## Top-level keys\n\n| key | type | default | meaning |\n|---|---|---|---|\n");
  for (const auto& k : config::top_level_keys())
    fmt::print("| `{}` | {} | {} | {} |\n", k.key, md_escape(k.type), md_escape(k.default_value), md_escape(k.meaning));
  fmt::print("\n## Problems (`problem: {{family: NAME, ...}}`)\n\n");
  for (const auto& f : problems::problem_families()) print_schema_markdown(f.schema, "###");
  fmt::print("## Runners (`runner: {{kind: NAME, ...}}`)\n\n");
  for (const auto& k : runners::runner_kinds()) print_schema_markdown(k.schema, "###");
  fmt::print("## Bounds and exact oracles (`bounds: [ID, ...]`)\n\n");
  fmt::print("A bound is *about* a run when the run is of the kind its model describes (column `about`; naming\n"
             "it for another run is an error at plan time); it then applies, or says why not, cell by cell.\n\n");
  fmt::print("| id | guarantee | label | metric | about (what a run must be) | runners today | regime | parameters | title | reference |\n"
             "|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& b : pipeline::bound_adapters())
    fmt::print("| `{}` | {} | {} | `{}` | {} | {} | {} | {} | {} | {} |\n", b.info.id, bounds::to_string(b.info.guarantee),
               bounds::to_string(b.info.label), b.info.metric, md_escape(b.about), fmt::join(b.runners, ", "),
               md_escape(regime_of(b.info)), md_escape(params_of(b.info)), md_escape(b.info.title),
               md_escape(b.info.reference));
  fmt::print("\n### Closed forms (`sgdcheck bound ID --set name=value --at t1,t2`)\n\n"
             "Every closed-form bound or rate, evaluable without an experiment. A parameter in parentheses has a\n"
             "default; the axis variable is the one `--at` sweeps.\n\n"
             "| id | guarantee | label | metric | regime | parameters | axis | title |\n|---|---|---|---|---|---|---|---|\n");
  for (const auto& f : papers::registry().formulas()) {
    std::vector<std::string> ps;
    for (const auto& p : f.params)
      ps.push_back(p.default_value ? fmt::format("({}={:g})", p.name, *p.default_value) : p.name);
    fmt::print("| `{}` | {} | {} | `{}` | {} | {} | {} | {} |\n", f.info.id, bounds::to_string(f.info.guarantee),
               bounds::to_string(f.info.label), f.info.metric, md_escape(regime_of(f.info)),
               md_escape(fmt::format("{}", fmt::join(ps, ", "))), f.axis.empty() ? "—" : "`" + f.axis + "`",
               md_escape(f.info.title));
  }
  fmt::print("\n## Checks (`checks: [{{KIND: {{...}}}}, ...]`)\n\n");
  for (const auto& s : pipeline::check_schemas()) print_schema_markdown(s, "###");
  fmt::print("## Plots (`plots: [{{...}}, ...]`)\n\n");
  print_schema_markdown(pipeline::plot_schema(), "###");
  fmt::print("## Tuning (`tune: {{...}}`)\n\n");
  print_schema_markdown(pipeline::tune_schema(), "###");
  return kExitOk;
}

int cmd_list(const std::string& what) {
  const bool all = what == "all";
  if (all || what == "experiment") {
    fmt::print("EXPERIMENT FILE KEYS\n");
    for (const auto& k : config::top_level_keys())
      fmt::print("    {:<12} {:<16} default {:<12} {}\n", k.key, k.type, k.default_value, k.meaning);
    fmt::print("\n");
  }
  if (all || what == "problems") {
    fmt::print("PROBLEMS (problem: {{family: NAME, ...}})\n");
    for (const auto& f : problems::problem_families()) print_schema(f.schema, "  ");
    fmt::print("\n");
  }
  if (all || what == "runners") {
    fmt::print("RUNNERS (runner: {{kind: NAME, ...}})\n");
    for (const auto& k : runners::runner_kinds()) print_schema(k.schema, "  ");
    fmt::print("\n");
  }
  if (all || what == "bounds") {
    fmt::print("BOUNDS AND ORACLES (bounds: [ID, ...])\n");
    for (const auto& b : pipeline::bound_adapters())
      fmt::print("  {:<36} {:<6} {:<13} metric {}\n      {} — {}\n      about: {} (runners today: {})\n"
                 "      regime: {}\n      parameters: {}\n",
                 b.info.id, bounds::to_string(b.info.guarantee), bounds::to_string(b.info.label), b.info.metric,
                 b.info.title, b.info.reference, b.about, fmt::join(b.runners, ", "), regime_of(b.info),
                 params_of(b.info));
    fmt::print("\nCLOSED FORMS (sgdcheck bound ID --set name=value [--at t1,t2,...]; (name=v): default)\n");
    for (const auto& f : papers::registry().formulas()) {
      std::vector<std::string> ps;
      for (const auto& p : f.params)
        ps.push_back(p.default_value ? fmt::format("({}={:g})", p.name, *p.default_value) : p.name);
      fmt::print("  {:<36} {:<6} {:<13} metric {}\n      {} — {}\n      regime: {}\n      parameters: {}{}\n",
                 f.info.id, bounds::to_string(f.info.guarantee), bounds::to_string(f.info.label), f.info.metric,
                 f.info.title, f.info.reference, regime_of(f.info), fmt::join(ps, ", "),
                 f.axis.empty() ? std::string() : "; axis (--at): " + f.axis);
    }
    fmt::print("\n");
  }
  if (all || what == "checks") {
    fmt::print("CHECKS (checks: [{{KIND: {{...}}}}, ...])\n");
    for (const auto& s : pipeline::check_schemas()) print_schema(s, "  ");
    fmt::print("\n");
  }
  if (all || what == "plots") {
    fmt::print("PLOTS (plots: [{{...}}, ...])\n");
    print_schema(pipeline::plot_schema(), "  ");
    fmt::print("\n");
  }
  if (all || what == "tune") {
    fmt::print("TUNE (tune: {{...}})\n");
    print_schema(pipeline::tune_schema(), "  ");
  }
  return kExitOk;
}

}  // namespace sgdcheck::cli
