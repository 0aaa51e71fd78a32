#pragma once
/// \file Experiment files: reading YAML into raw, located options, applying the quick form, and
/// expanding the sweep into grid cells. Validation of component options happens in the pipeline,
/// which knows the schemas (problem families, runner kinds, checks, plots).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/params.hpp"

namespace sgdcheck::config {

/// A component given as `{kind-or-family: NAME, key: value, …}` (problem, runner) or as a
/// single-key map `{check_kind: {…}}` (checks) or a plain map (plots).
struct RawComponent {
  std::string kind;  ///< family / runner kind / check kind / "" for plots
  SourceLoc kind_loc;
  RawParams params;  ///< nested maps flattened to dotted keys
  SourceLoc loc;     ///< where the component starts
};

/// One sweep dimension: qualified key (`runner.batch`, `problem.d`) and its values.
struct SweepDim {
  std::string key;  ///< qualified: "problem.<key>" or "runner.<key>"
  std::vector<RawValue> values;
  SourceLoc loc;
};

/// A named reference to something (e.g. a bound id) with its location.
struct LocatedName {
  std::string name;
  SourceLoc loc;
};

/// A bound written in the experiment file: `bounds: [{id: draft.eq7, expr: "…", metric: dist2, …}]`.
/// The pipeline parses `expr` and `when` (analysis::parse_expression) and resolves their names against
/// the axis variable (t, samples, rounds, vtime), the constants of constants.csv, the runner's derived
/// constants and the sweep values, before any run.
struct YamlBound {
  std::string id;                        ///< a new id (not a registered bound's)
  std::string expr;                      ///< the bound's value as an expression of the names above
  std::string metric;                    ///< the recorded metric it is about (dist2, subopt, …)
  std::string guarantee = "upper";       ///< upper | lower | exact | prediction
  std::string label = "unverified";      ///< paper-stated | literature | derived | checked | unverified
  std::string reference;                 ///< where it comes from ("our draft, eq. 7")
  std::string title;                     ///< legend text (default: the id)
  std::string when;                      ///< optional condition on constants / sweep values; empty: always
  SourceLoc loc, expr_loc, metric_loc, guarantee_loc, label_loc, when_loc;
};

/// The `quick:` block as written (read and checked even when it is not applied).
struct QuickForm {
  bool present = false;
  std::optional<std::int64_t> seeds;
  std::vector<SweepDim> sweep;  ///< keys as written (not yet qualified)
  RawParams problem;            ///< overrides of problem keys
  RawParams runner;             ///< overrides of runner keys
  SourceLoc loc;
};

/// Limits of an experiment (each a ConfigError naming the line when exceeded).
constexpr std::int64_t kMaxSeeds = 1'000'000;       ///< seeds (repetitions per cell)
constexpr std::size_t kMaxCells = 100'000;          ///< grid cells (product of the sweep lengths)
constexpr std::size_t kMaxRuns = 10'000'000;        ///< cells × seeds
constexpr std::size_t kMaxNameLength = 100;         ///< characters of `name:`

struct Experiment {
  std::string file;  ///< path as given
  std::string name;
  std::string description;
  std::string paper;
  std::string figure;
  std::uint64_t seed = 0;
  std::int64_t seeds = 1;  ///< repetitions per cell
  bool quick = false;      ///< the quick form was applied
  QuickForm quick_form;    ///< the quick block as written (applied to the fields here when quick)
  RawComponent problem;
  RawComponent runner;
  std::vector<SweepDim> sweep;
  std::vector<LocatedName> bounds;  ///< every id under `bounds:`, registered or written in the file
  std::vector<YamlBound> yaml_bounds;  ///< the entries of `bounds:` written as maps (their ids are in `bounds` too)
  std::vector<RawComponent> checks;
  std::vector<RawComponent> plots;
  bool traces = false;  ///< `outputs: {traces: true}`: write every metric of every run to results.csv
  bool has_tune = false;
  RawComponent tune;  ///< `tune:` (best cell over one sweep key), valid when has_tune
};

/// Reads and structurally checks an experiment file (YAML syntax, top-level keys, types of the
/// top-level values), applying the `quick:` overrides when `quick` is true. Sweep keys stay as
/// written; the pipeline qualifies them against the schemas (qualify_sweep_key) before expanding.
/// Throws ConfigError with file:line on any problem.
Experiment read_experiment(const std::string& path, bool quick);

/// The same from the file's text (what read_experiment calls after reading the file; fuzz targets and
/// tests call it directly). `name_for_messages` is the file name used in every message and as
/// Experiment::file. Never runs anything, never touches the file system; throws only ConfigError.
Experiment read_experiment_text(const std::string& text, const std::string& name_for_messages, bool quick);

/// Largest experiment file read (bytes): experiment files are short; data belong in data files.
constexpr std::size_t kMaxExperimentBytes = std::size_t{1} << 20;

/// Top-level keys of an experiment file with their meaning (for docs and `sgdcheck list`).
struct TopLevelKey {
  std::string key;
  std::string type;
  std::string default_value;
  std::string meaning;
};
const std::vector<TopLevelKey>& top_level_keys();

/// A grid cell: the raw options of problem and runner with this cell's sweep values substituted.
struct Cell {
  std::size_t id = 0;
  RawParams problem;
  RawParams runner;
  std::vector<std::string> sweep_values;  ///< one per sweep dimension, as written in the file
};

/// The cross product of the sweep (first dimension slowest). No sweep → one cell.
std::vector<Cell> expand_grid(const Experiment& e);

}  // namespace sgdcheck::config
