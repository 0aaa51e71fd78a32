#include "pipeline/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "core/interrupt.hpp"
#include "core/trace.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/components.hpp"
#include "pipeline/execute.hpp"
#include "pipeline/plot_schema.hpp"
#include "pipeline/yaml_bound.hpp"
#include "problems/registry.hpp"

namespace sgdcheck::pipeline {

namespace {

std::string choices_of_families() {
  std::string out;
  for (const auto& f : problems::problem_families()) out += (out.empty() ? "" : ", ") + f.schema.name;
  return out;
}

std::string choices_of_runners() {
  std::string out;
  for (const auto& k : runners::runner_kinds()) out += (out.empty() ? "" : ", ") + k.schema.name;
  return out;
}

std::string canonical(const Params& p) {
  std::string out;
  for (const auto& [k, v] : p.values()) out += k + "=" + to_string(v) + ";";
  return out;
}

/// The field a qualified sweep key ("runner.batch") names.
const Field& sweep_field(const std::string& qualified, const Schema& problem, const Schema& runner) {
  const auto dot = qualified.find('.');
  const Schema& s = qualified.substr(0, dot) == "problem" ? problem : runner;
  const Field* f = s.find(qualified.substr(dot + 1));
  if (!f) throw std::logic_error("sweep_field: " + qualified + " was not qualified");
  return *f;
}

/// Sweep values that parse to the same value (`[1, 1.0]`) would be the same grid point twice.
void check_distinct_values(const config::SweepDim& d, const std::string& qualified, const Field& f) {
  std::map<std::string, std::string> seen;
  for (const auto& v : d.values) {
    auto [it, inserted] = seen.emplace(to_string(parse_value(f, v, "sweep." + d.key)), v.scalar);
    if (!inserted)
      throw ConfigError(d.loc, "sweep." + d.key + ": values " + it->second + " and " + v.scalar + " of " + qualified +
                                   " are the same value, expected distinct values");
  }
}

}  // namespace

/// Keys and values of the `quick:` block against the schemas, also when it is not applied (a typo
/// there must not wait for CI's --quick run).
void check_quick_form(const config::QuickForm& q, const Schema& problem, const Schema& runner) {
  if (!q.present) return;
  auto check = [](const Schema& s, const RawParams& raw, const std::string& scope) {
    for (const auto& [k, v] : raw) {
      const Field* f = s.find(k);
      if (!f) {
        const std::string near = s.nearest(k);
        throw ConfigError(v.loc, "unknown key " + scope + "." + k + " for " + s.name +
                                     (near.empty() ? "" : " (did you mean " + scope + "." + near + "?)"));
      }
      parse_value(*f, v, scope + "." + k);
    }
  };
  check(problem, q.problem, "quick.problem");
  check(runner, q.runner, "quick.runner");
  for (const auto& d : q.sweep) {
    const std::string key = qualify_sweep_key(d.key, problem, runner, d.loc);
    check_distinct_values(d, key, sweep_field(key, problem, runner));
  }
}

std::string qualify_sweep_key(const std::string& key,
                              const Schema& problem,
                              const Schema& runner,
                              const SourceLoc& loc) {
  auto starts = [&](const char* prefix) { return key.rfind(prefix, 0) == 0; };
  if (starts("problem.")) {
    const std::string k = key.substr(8);
    if (!problem.find(k)) {
      const auto near = problem.nearest(k);
      throw ConfigError(loc, "sweep: unknown key " + key + " for " + problem.name +
                                 (near.empty() ? "" : " (did you mean problem." + near + "?)"));
    }
    return key;
  }
  if (starts("runner.")) {
    const std::string k = key.substr(7);
    if (!runner.find(k)) {
      const auto near = runner.nearest(k);
      throw ConfigError(loc, "sweep: unknown key " + key + " for " + runner.name +
                                 (near.empty() ? "" : " (did you mean runner." + near + "?)"));
    }
    return key;
  }
  const bool in_p = problem.find(key) != nullptr;
  const bool in_r = runner.find(key) != nullptr;
  if (in_p && in_r)
    throw ConfigError(loc, "sweep: key " + key + " is ambiguous: write problem." + key + " or runner." + key);
  if (in_p) return "problem." + key;
  if (in_r) return "runner." + key;
  std::string near = runner.nearest(key);
  std::string scope = "runner.";
  if (near.empty()) {
    near = problem.nearest(key);
    scope = "problem.";
  }
  throw ConfigError(loc, "sweep: unknown key " + key + " (not a key of " + problem.name + " or " + runner.name +
                             (near.empty() ? ")" : "; did you mean " + scope + near + "?)"));
}

ComponentSpecs validate_components(const config::Experiment& e,
                                   const std::optional<std::vector<std::string>>& extra_constants,
                                   const std::vector<std::string>& metrics) {
  ComponentSpecs out;
  for (const auto& c : e.checks) {
    const Schema* s = find_check_schema(c.kind);
    if (!s) {
      Schema names;
      for (const auto& x : check_schemas()) names.fields.push_back(string_field(x.name, "", ""));
      const auto near = names.nearest(c.kind);
      throw ConfigError(c.kind_loc, "unknown check kind " + c.kind + (near.empty() ? "" : " (did you mean " + near + "?)") +
                                        "; `sgdcheck list checks` shows every check");
    }
    ComponentSpec spec{c.kind, validate(*s, c.params, "checks." + c.kind), c.loc};
    for (const char* ref : {"bound", "oracle", "series", "divide_by"}) {
      if (!spec.params.has(ref)) continue;
      const auto& id = spec.params.get_string(ref);
      if (id.empty() && std::string(ref) != "bound" && std::string(ref) != "oracle") continue;  // optional refs
      const bool listed = std::any_of(e.bounds.begin(), e.bounds.end(), [&](const auto& b) { return b.name == id; });
      if (!listed) {
        Schema names;
        for (const auto& b : e.bounds) names.fields.push_back(string_field(b.name, "", ""));
        const auto near = names.nearest(id);
        spec.params.fail(ref, "the bound is listed under `bounds:` of this experiment" +
                                  (near.empty() ? std::string() : " (did you mean " + near + "?)"));
      }
    }
    out.checks.push_back(std::move(spec));
  }
  for (const auto& p : e.plots) out.plots.push_back({"plot", validate(plot_schema(), p.params, "plots[]"), p.loc});
  if (e.has_tune) {
    ComponentSpec t{"tune", validate(tune_schema(), e.tune.params, "tune"), e.tune.loc};
    const std::string over = t.params.get_string("over");
    std::string qualified;
    for (const auto& d : e.sweep) {
      const std::string& k = d.key;
      if (k == over || k.substr(k.find('.') + 1) == over) qualified = k;
    }
    if (qualified.empty()) t.params.fail("over", "over names a key of this experiment's sweep:");
    t.params.set("over", qualified, t.params.where("over"));
    out.tune = std::move(t);
  }
  // Everything the checks refer to, before any run. Sweep keys are qualified in make_plan; from
  // `check DIR` (experiment.yaml as written) they are qualified here.
  config::Experiment q = e;
  const auto* family = problems::find_problem_family(e.problem.kind);
  const auto* kind = runners::find_runner_kind(e.runner.kind);
  if (family && kind)
    for (auto& d : q.sweep) d.key = qualify_sweep_key(d.key, family->schema, kind->schema, d.loc);
  std::string tuned;
  if (out.tune)
    for (const auto& d : q.sweep) {
      const std::string& over = out.tune->params.get_string("over");
      if (d.key == over || d.key.substr(d.key.find('.') + 1) == over) tuned = d.key;
    }
  auto ctx = check_context(q, extra_constants.value_or(std::vector<std::string>{}), tuned);
  ctx.check_names = extra_constants.has_value();  // without the runners, names are resolved on the results
  ctx.metrics = metrics;
  validate_check_references(out.checks, ctx);
  if (out.tune) validate_metric_option(*out.tune, "metric", "tune.metric", metrics);
  return out;
}

Plan make_plan(const std::string& file, const PlanOptions& options) {
  Plan plan;
  plan.experiment = config::read_experiment(file, options.quick);
  const auto& e = plan.experiment;
  plan.seed = options.seed.value_or(e.seed);

  const auto* family = problems::find_problem_family(e.problem.kind);
  if (!family)
    throw ConfigError(e.problem.kind_loc,
                      "problem.family = " + e.problem.kind + " violates family is one of {" + choices_of_families() + "}");
  const auto* kind = runners::find_runner_kind(e.runner.kind);
  if (!kind)
    throw ConfigError(e.runner.kind_loc,
                      "runner.kind = " + e.runner.kind + " violates kind is one of {" + choices_of_runners() + "}");

  for (auto& d : plan.experiment.sweep) {
    d.key = qualify_sweep_key(d.key, family->schema, kind->schema, d.loc);
    plan.sweep_keys.push_back(d.key);
  }
  for (std::size_t i = 0; i < plan.sweep_keys.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (plan.sweep_keys[i] == plan.sweep_keys[j])
        throw ConfigError(e.sweep[i].loc, "sweep: key " + plan.sweep_keys[i] + " appears twice");
  for (const auto& d : plan.experiment.sweep)
    check_distinct_values(d, d.key, sweep_field(d.key, family->schema, kind->schema));
  if (!options.quick) check_quick_form(e.quick_form, family->schema, kind->schema);

  // Validate every grid point before building anything.
  const auto cells = config::expand_grid(plan.experiment);
  problems::BuildContext ctx;
  ctx.config_file = file;
  ctx.base_dir = std::filesystem::path(file).parent_path().string();
  std::map<std::string, std::size_t> problem_ids;
  for (const auto& c : cells) {
    throw_if_interrupted();  // SIGINT while planning a large grid: stop before any run, nothing written
    CellPlan cp;
    cp.id = c.id;
    cp.sweep_values = c.sweep_values;
    cp.problem_params = validate(family->schema, c.problem, "problem");
    cp.runner_params = validate(kind->schema, c.runner, "runner");
    const std::string key = canonical(cp.problem_params);
    auto [it, inserted] = problem_ids.emplace(key, problem_ids.size());
    cp.problem_index = it->second;
    plan.cells.push_back(std::move(cp));
  }

  // Build each distinct problem once (ground truth is computed here).
  plan.problems.resize(problem_ids.size());
  for (auto& cp : plan.cells) {
    auto& slot = plan.problems[cp.problem_index];
    if (slot) continue;
    throw_if_interrupted();  // building a problem (data file, ground truth) can take seconds
    // A data file that does not exist is an error in the experiment file: name its line and key
    // (the loaders can only name the data path, which says nothing about where it was written).
    if (cp.problem_params.has("data.file") && !cp.problem_params.get_string("data.file").empty()) {
      std::filesystem::path path = cp.problem_params.get_string("data.file");
      if (path.is_relative() && !ctx.base_dir.empty()) path = std::filesystem::path(ctx.base_dir) / path;
      if (!std::filesystem::is_regular_file(path))
        cp.problem_params.fail("data.file", "data.file names an existing file (looked for " + path.string() + ")");
    }
    slot = family->build(cp.problem_params, ctx);
  }

  for (auto& cp : plan.cells) {
    throw_if_interrupted();
    const auto& problem = plan.problem_of(cp);
    kind->validate(cp.runner_params, problem);
    cp.runner = kind->make(cp.runner_params, problem);
    cp.record_iters = runners::record_iterations(cp.runner->spec());
  }

  // What bounds written in YAML may name, per cell: constants.csv and the numeric sweep values.
  for (auto& cp : plan.cells) {
    for (const auto& [name, v] : cell_constants(plan.problem_of(cp), *cp.runner)) cp.names[name] = v.first;
    for (std::size_t k = 0; k < plan.sweep_keys.size() && k < cp.sweep_values.size(); ++k) {
      const std::string& text = cp.sweep_values[k];
      char* end = nullptr;
      const double v = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) continue;
      const std::string& key = plan.sweep_keys[k];
      cp.names[key] = v;
      const std::string short_key = key.substr(key.find('.') + 1);
      if (!cp.names.count(short_key)) cp.names[short_key] = v;
    }
  }
  std::vector<std::map<std::string, double>> cell_names;
  if (!e.yaml_bounds.empty())
    for (const auto& cp : plan.cells) cell_names.push_back(cp.names);

  std::set<std::string> seen_bounds;
  for (const auto& b : e.bounds) {
    if (!seen_bounds.insert(b.name).second)
      throw ConfigError(b.loc, "bound " + b.name + " is listed twice under bounds:");
    const auto yb = std::find_if(e.yaml_bounds.begin(), e.yaml_bounds.end(),
                                 [&](const config::YamlBound& y) { return y.id == b.name && y.loc.line == b.loc.line; });
    if (yb != e.yaml_bounds.end()) {
      plan.owned_bounds.push_back(make_yaml_bound(*yb, cell_names, recorded_metrics(plan)));
      plan.bounds.push_back(plan.owned_bounds.back().get());
      continue;
    }
    const BoundAdapter* a = find_bound(b.name);
    if (!a) {
      Schema names;
      for (const auto& x : bound_adapters()) names.fields.push_back(string_field(x.info.id, "", ""));
      const auto near = names.nearest(b.name);
      throw ConfigError(b.loc, "unknown bound " + b.name + (near.empty() ? "" : " (did you mean " + near + "?)") +
                                   "; `sgdcheck list bounds` shows every bound");
    }
    // Whether the bound's algorithm model describes the run follows from each cell's resolved spec
    // (delay model, communication schedule, …), not from the runner kind's name.
    for (const auto& cp : plan.cells)
      if (auto why = a->not_about(cp.runner->spec()))
        throw ConfigError(b.loc, "bound " + b.name + " is about " + a->about + " (runner kinds {" +
                                     fmt::format("{}", fmt::join(a->runners, ", ")) + "}), not this " + e.runner.kind +
                                     " run: " + *why);
    plan.bounds.push_back(a);
  }

  std::vector<std::string> derived;
  for (const auto& cp : plan.cells)
    for (const auto& [name, v] : cp.runner->derived_constants())
      if (std::find(derived.begin(), derived.end(), name) == derived.end()) derived.push_back(name);
  auto specs = validate_components(e, derived, recorded_metrics(plan));
  // The quick form is validated too (its sweep may differ), so `validate FILE` catches its mistakes.
  // Its cells are not built: its metrics are checked against every metric the runner kind can record.
  if (!options.quick) {
    auto quick = config::read_experiment(file, true);
    for (auto& d : quick.sweep) d.key = qualify_sweep_key(d.key, family->schema, kind->schema, d.loc);
    validate_components(quick, derived, kind->metrics);
  }
  plan.checks = std::move(specs.checks);
  plan.plots = std::move(specs.plots);
  plan.tune = std::move(specs.tune);
  validate_plots(plan.plots, plot_context(plan));  // names and references, before any run
  plan.per_run_metrics = per_run_metrics_of(plan.checks, plan.plots);
  // bound_holds and matches_exact report heavy tails at their worst point: the bound's metric is
  // reduced to tail statistics as runs arrive (CellAccumulator), unless it is kept per run anyway.
  for (const auto& c : plan.checks) {
    const char* ref = c.kind == "bound_holds" ? "bound" : c.kind == "matches_exact" ? "oracle" : nullptr;
    if (!ref || !c.params.has(ref)) continue;
    for (const BoundAdapter* b : plan.bounds)
      if (b->info.id == c.params.get_string(ref) && !plan.per_run_metrics.count(b->info.metric))
        plan.tail_metrics.insert(b->info.metric);
  }
  plan.traces = e.traces;
  return plan;
}

namespace {

/// The predicted constant-step floor of `metric` in cell `cp` (NaN when none is predicted).
double noise_floor(const CellPlan& cp, const std::string& metric) {
  const auto& spec = cp.runner->spec();
  if (!spec.step.is_constant() || !spec.step.ignores_delay() || spec.iterate != runners::IterateKind::kLast ||
      spec.is_local())
    return NAN;
  auto get = [&](const char* n) {
    const auto it = cp.names.find(n);
    return it == cp.names.end() ? NAN : it->second;
  };
  const double gamma = get("gamma"), theta = get("theta_b"), sigma2 = get("sigma2"), L = get("L");
  if (!(gamma > 0) || !(theta >= 0) || !(sigma2 > 0) || !(L > 0)) return NAN;
  if (metric == "dist2") return gamma * theta * sigma2 / (2 * L);
  if (metric == "subopt") return gamma * theta * sigma2 / 4;
  return NAN;
}

}  // namespace

std::vector<std::string> noise_floor_warnings(const Plan& plan) {
  struct Target {
    std::string who, metric;
    double target;
    bool relative;
  };
  std::vector<Target> targets;
  for (const auto& c : plan.checks)
    if (c.params.has("metric") && c.params.has("target") && c.params.has("relative"))
      targets.push_back({"check " + c.kind, c.params.get_string("metric"), c.params.get_real("target"),
                         c.params.get_bool("relative")});
  if (!plan.cells.empty() && plan.cells.front().runner->spec().target_metric != runners::TargetMetric::kNone) {
    const auto& spec = plan.cells.front().runner->spec();
    targets.push_back({"runner target", runners::to_string(spec.target_metric), spec.target_value, false});
  }
  std::vector<std::string> out;
  for (const auto& t : targets) {
    std::size_t below = 0;
    std::string first;
    for (const auto& cp : plan.cells) {
      const double floor = noise_floor(cp, t.metric);
      if (!std::isfinite(floor)) continue;
      const auto init = cp.names.find(t.metric == "dist2" ? "r0" : "F0");
      if (t.relative && init == cp.names.end()) continue;
      const double eps = t.relative ? t.target * init->second : t.target;
      if (!(eps < floor)) continue;
      if (++below == 1) {
        std::string where;
        for (std::size_t k = 0; k < plan.sweep_keys.size() && k < cp.sweep_values.size(); ++k)
          where += (where.empty() ? "" : ", ") + plan.sweep_keys[k] + "=" + cp.sweep_values[k];
        first = fmt::format("{}{} = {:.4g} < floor {:.4g}", where.empty() ? "" : where + ": ",
                            t.relative ? "target x initial" : "target", eps, floor);
      }
    }
    if (below > 0)
      out.push_back(fmt::format(
          "warning: {}: target {} {} {:g} is below the predicted constant-step noise floor of {} ({}) in {} of {} "
          "cells (first: {}); T_eps will be inf there and the check fails: raise the target or lower the step",
          t.who, t.metric, t.relative ? "/ initial <=" : "<=", t.target, t.metric,
          t.metric == "dist2" ? "gamma theta_b sigma2 / (2L)" : "gamma theta_b sigma2 / 4", below, plan.cells.size(),
          first));
  }
  return out;
}

std::set<std::string> per_run_metrics_of(const std::vector<ComponentSpec>& checks,
                                         const std::vector<ComponentSpec>& plots) {
  std::set<std::string> out;
  for (const auto& spec : checks)
    for (const auto& k : check_kinds())
      if (k.schema.name == spec.kind && k.per_run_metrics)
        for (auto& m : k.per_run_metrics(spec.params)) out.insert(std::move(m));
  for (const auto& spec : plots)
    for (auto& m : plot_per_run_metrics(spec.params)) out.insert(std::move(m));
  return out;
}

}  // namespace sgdcheck::pipeline
