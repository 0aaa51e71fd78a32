#pragma once
/// \file The validated plan of an experiment: every grid cell with its problem instance, runner and
/// recording schedule, the bounds to evaluate, and the checks and plots to produce. Making a plan
/// validates everything (every grid point, every data file, every bound id, every check and plot)
/// before the first run, so bad input never leaves partial results behind.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/experiment.hpp"
#include "core/params.hpp"
#include "pipeline/bound_registry.hpp"
#include "problems/problem.hpp"
#include "runners/runner.hpp"

namespace sgdcheck::pipeline {

struct PlanOptions {
  bool quick = false;
  std::optional<std::uint64_t> seed;  ///< overrides the file's `seed:`
};

struct CellPlan {
  std::size_t id = 0;
  std::vector<std::string> sweep_values;  ///< one per sweep key, as written
  Params problem_params;
  Params runner_params;
  std::size_t problem_index = 0;  ///< into Plan::problems (identical problem options share an instance)
  std::unique_ptr<runners::Runner> runner;
  std::vector<std::int64_t> record_iters;
  /// constants.csv names and numeric sweep values of this cell (CellContext::names).
  std::map<std::string, double> names;
};

/// A validated `checks:` or `plots:` entry.
struct ComponentSpec {
  std::string kind;
  Params params;
  SourceLoc loc;
};

struct Plan {
  config::Experiment experiment;
  std::uint64_t seed = 0;
  std::vector<std::string> sweep_keys;  ///< qualified ("runner.batch")
  std::vector<std::unique_ptr<problems::Problem>> problems;
  std::vector<CellPlan> cells;
  std::vector<const BoundAdapter*> bounds;  // not owned: static registry entries or owned_bounds
  /// Bounds written in the experiment file (`bounds: [{id:, expr:, …}]`), pointed to by `bounds`.
  std::vector<std::shared_ptr<const BoundAdapter>> owned_bounds;
  std::vector<ComponentSpec> checks;
  std::vector<ComponentSpec> plots;
  std::optional<ComponentSpec> tune;
  /// Metrics whose per-run values some check or plot needs (CheckKind::per_run_metrics,
  /// plot_per_run_metrics); the others are reduced to statistics as runs finish.
  std::set<std::string> per_run_metrics;
  /// Metrics reduced to tail statistics for the heavy-tail report of bound_holds / matches_exact (no
  /// check or plot needs them per run; not in per_run_metrics): written as tails.csv, not per run.
  std::set<std::string> tail_metrics;
  bool traces = false;  ///< every metric per run (`outputs: {traces: true}`; cmd_run sets it for --traces)

  const problems::Problem& problem_of(const CellPlan& c) const { return *problems[c.problem_index]; }
  /// What a bound adapter sees of cell `c` (references into this plan: valid while it lives).
  CellContext context_of(const CellPlan& c) const {
    return {problem_of(c), c.record_iters, c.runner->spec(), &c.names};
  }
  std::size_t runs() const { return cells.size() * static_cast<std::size_t>(experiment.seeds); }
};

struct ComponentSpecs {
  std::vector<ComponentSpec> checks;
  std::vector<ComponentSpec> plots;
  std::optional<ComponentSpec> tune;  ///< `over` holds the qualified sweep key
};
/// Validates the `checks:` and `plots:` entries of an experiment (schemas, bound references, and
/// everything the checks refer to: filters, expressions, sweep keys, series) without building
/// anything — what `sgdcheck check DIR` and `plot DIR` need. `extra_constants`: constant names
/// beyond the problem constants (the runners' derived constants); nullopt: expression names are
/// resolved later, against the loaded results (run_checks). `metrics`: what the runs record
/// (recorded_metrics); every metric a check or tune: names must be one of them (empty: checked later,
/// against the loaded results).
ComponentSpecs validate_components(const config::Experiment& e,
                                   const std::optional<std::vector<std::string>>& extra_constants = std::nullopt,
                                   const std::vector<std::string>& metrics = {});

/// The union of the per-run metrics that the checks and plots of `specs` need.
std::set<std::string> per_run_metrics_of(const std::vector<ComponentSpec>& checks,
                                         const std::vector<ComponentSpec>& plots);

/// Targets ε below the predicted constant-step noise floor, one line per target (a check's
/// metric/target/relative or the runner's `target:`), before any run. The floor is the stationary
/// level of constant-step SGD on a quadratic, E‖x − x*‖² >= γθ_bσ²/(2L) and E f − f* >= γθ_bσ²/4
/// (σ² the gradient noise at x*; derived: the stationary covariance Σ = (I−γH)Σ(I−γH) + γ²θ_bC has
/// Σ_ii >= γθ_bC_ii/(2h_i)); a target below it is never reached, so T_eps = inf. Only for the last
/// iterate with a constant step and σ² > 0; elsewhere nothing is predicted.
std::vector<std::string> noise_floor_warnings(const Plan& plan);

/// Reads, validates and instantiates everything. Throws ConfigError / DataError (exit code 2).
Plan make_plan(const std::string& file, const PlanOptions& options);

/// Checks the keys and values of an experiment's `quick:` block against the schemas (make_plan does
/// it when the quick form is not applied). Throws ConfigError at the offending line.
void check_quick_form(const config::QuickForm& q, const Schema& problem, const Schema& runner);

/// Qualifies a sweep key ("batch" → "runner.batch") against the two schemas; throws ConfigError
/// for an unknown or ambiguous key.
std::string qualify_sweep_key(const std::string& key,
                              const Schema& problem,
                              const Schema& runner,
                              const SourceLoc& loc);

}  // namespace sgdcheck::pipeline
