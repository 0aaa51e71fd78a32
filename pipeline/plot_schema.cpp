#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "pipeline/components.hpp"
#include "pipeline/plot_schema.hpp"

namespace sgdcheck::pipeline {

const Schema& plot_schema() {
  static const Schema s{
      "plot",
      "one figure: the empirical mean of a metric per cell with a band over seeds, bounds overlaid",
      {
          string_field("name", std::nullopt, "file stem: plots/<name>.{png,svg,pdf,gp,dat}; a plain file name (letters, "
                       "digits, '-', '_', '.'; not starting with '.'; at most 100 characters), unique in the experiment"),
          string_field("title", "", "figure title (default: experiment name, paper and figure)"),
          string_field("x",
                       "iter",
                       "x-axis: iter, samples, rounds or vtime (curves), or a sweep key such as runner.batch "
                       "(one point per cell, y then names a per-cell quantity)"),
          string_field("y", "dist2", "recorded metric (dist2, subopt, grad2, step, …) or, against a sweep key, a per-cell "
                       "quantity: iterations_to_target, speedup T(x0)/T(x) or efficiency x0·T(x0)/(x·T(x)) (x0: "
                       "smallest swept value of the series), a metric's last value, or a constant of constants.csv (M_grad, …)"),
          choice_field("scale", "loglog", {"loglog", "semilogy", "semilogx", "linear"}, "axis scales"),
          bool_field("bounds", true, "overlay every applicable bound / oracle of the same metric (dashed)"),
          bool_field("band", true, "shade mean ± 2 standard errors over seeds"),
          string_field("metric", "dist2", "metric of the per-cell quantity iterations_to_target"),
          real_field("target", 1e-4, 0.0, kInf, "ε of per-cell quantity iterations_to_target (relative to r0 "
                     "when target_relative)", true),
          bool_field("target_relative", true, "iterations_to_target measures metric / metric(iter 0) <= target"),
          string_field("ylabel", "", "y-axis label (default: a description of y)"),
          string_field("marks", "", "sweep-key plots: comma-separated constants (e.g. M_curv,M_grad) drawn as "
                       "labelled vertical lines at their value (taken from the first cell)"),
          string_field("xlabel", "", "x-axis label (default: what the axis counts for this runner, or what the sweep key means and its name)"),
          string_field("where", "", "only cells matching key=value[, key=value] of sweep keys (empty: every cell)"),
          int_field("bootstrap", 200, 0, 1e6, "sweep-key plots of iterations_to_target / speedup / efficiency: "
                    "bootstrap resamples over seeds for 95% error bars (0: none)"),
      }};
  return s;
}

std::vector<std::string> plot_per_run_metrics(const Params& plot) {
  // Sweep-key plots of iterations_to_target / speedup / efficiency bootstrap T over seeds
  // (plots/plot_writer.cpp); curves against iter/samples/rounds/vtime use the statistics only.
  const std::string x = plot.get_string("x"), y = plot.get_string("y");
  const bool curve = x == "iter" || x == "samples" || x == "rounds" || x == "vtime";
  const bool to_target = y == "iterations_to_target" || y == "speedup" || y == "efficiency";
  if (curve || !to_target || plot.get_int("bootstrap") <= 0) return {};
  return {plot.get_string("metric")};
}

}  // namespace sgdcheck::pipeline

// ---- plan-time validation of plot entries (pipeline/plot_schema.hpp) ----

namespace sgdcheck::pipeline {

namespace {

const std::vector<std::string> kCurveAxes{"iter", "samples", "rounds", "vtime"};
const std::vector<std::string> kPerCellQuantities{"iterations_to_target", "speedup", "efficiency"};

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

/// " (did you mean X?)" for the closest candidate; a qualified sweep key also matches by its short
/// form ("btach" → runner.batch).
std::string did_you_mean(const std::string& value, const std::vector<std::string>& candidates) {
  Schema names;
  std::map<std::string, std::string> full;
  for (const auto& c : candidates) {
    names.fields.push_back(string_field(c, "", ""));
    full[c] = c;
    const auto dot = c.find('.');
    if ((c.rfind("runner.", 0) == 0 || c.rfind("problem.", 0) == 0) && !full.count(c.substr(dot + 1))) {
      names.fields.push_back(string_field(c.substr(dot + 1), "", ""));
      full[c.substr(dot + 1)] = c;
    }
  }
  const std::string near = names.nearest(value);
  return near.empty() || near == value ? std::string() : " (did you mean " + full[near] + "?)";
}

std::string joined(const std::vector<std::string>& v) { return v.empty() ? "none" : fmt::format("{}", fmt::join(v, ", ")); }

[[noreturn]] void fail(const ComponentSpec& spec, const std::string& key, const std::string& value, const std::string& what) {
  const SourceLoc loc = spec.params.is_explicit(key) ? spec.params.where(key) : spec.loc;
  throw ConfigError(loc, "plots[]." + key + " = " + value + " violates " + what);
}

/// "batch" → "runner.batch" when it names exactly one sweep key (the rule sweeps and `where:` use).
std::string qualify(const std::string& key, const std::vector<std::string>& sweep_keys) {
  if (contains(sweep_keys, key)) return key;
  std::string found;
  for (const auto& k : sweep_keys)
    if (k.substr(k.find('.') + 1) == key) {
      if (!found.empty()) return "";  // ambiguous
      found = k;
    }
  return found;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t end = s.find(',', pos);
    if (end == std::string::npos) end = s.size();
    std::string t = s.substr(pos, end - pos);
    pos = end + 1;
    t.erase(0, t.find_first_not_of(' '));
    t.erase(t.find_last_not_of(' ') + 1);
    out.push_back(t);
  }
  return out;
}

void add_constants(std::vector<std::string>& out, const std::vector<std::string>& names) {
  for (const auto& n : names)
    if (!contains(out, n)) out.push_back(n);
}

}  // namespace

const std::vector<std::string>& problem_constant_names() {
  static const std::vector<std::string> names{"L", "L_max", "mu", "sigma2", "M_grad", "M_curv",
                                              "f_star", "dim", "n", "r0", "F0", "Delta"};
  return names;
}

bool is_plain_file_name(const std::string& name) {
  if (name.empty() || name.size() > 100 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

std::vector<std::string> recorded_metrics(const Plan& plan) {
  const auto* kind = runners::find_runner_kind(plan.experiment.runner.kind);
  if (!kind) return {};
  // The conditions of runners/recorder.cpp (test_loss), runners/sgd_loop.hpp (avg_*) and the runners'
  // extra metrics (delay_* with a delay model); every other metric of the kind is always recorded.
  bool test = false, running = false, delay = false;
  for (const auto& c : plan.cells) {
    const auto& p = plan.problem_of(c);
    test = test || p.test_value(Vec::Zero(p.dim())).has_value();
    if (!c.runner) continue;
    running = running || c.runner->spec().running_metrics;
    delay = delay || c.runner->spec().has_delay_model();
  }
  std::vector<std::string> out;
  for (const auto& m : kind->metrics) {
    if (m == "test_loss" && !test) continue;
    if ((m == "avg_subopt" || m == "avg_grad2") && !running) continue;
    if ((m == "delay_max" || m == "delay_mean") && !delay) continue;
    if (m == "avg_subopt_read" && !(running && delay)) continue;
    out.push_back(m);
  }
  return out;
}

PlotContext plot_context(const Plan& plan) {
  PlotContext ctx;
  ctx.sweep_keys = plan.sweep_keys;
  for (const auto& c : plan.cells)
    for (std::size_t k = 0; k < plan.sweep_keys.size() && k < c.sweep_values.size(); ++k) {
      auto& vals = ctx.sweep_values[plan.sweep_keys[k]];
      if (!contains(vals, c.sweep_values[k])) vals.push_back(c.sweep_values[k]);
    }
  ctx.metrics = recorded_metrics(plan);
  add_constants(ctx.constants, problem_constant_names());
  for (const auto& c : plan.cells) {
    if (!c.runner) continue;
    std::vector<std::string> names;
    for (const auto& [n, v] : c.runner->derived_constants()) names.push_back(n);
    add_constants(ctx.constants, names);
  }
  return ctx;
}

PlotContext plot_context(const ResultSet& rs) {
  PlotContext ctx;
  ctx.sweep_keys = rs.sweep_keys;
  for (const auto& c : rs.cells) {
    for (std::size_t k = 0; k < rs.sweep_keys.size() && k < c.sweep_values.size(); ++k) {
      auto& vals = ctx.sweep_values[rs.sweep_keys[k]];
      if (!contains(vals, c.sweep_values[k])) vals.push_back(c.sweep_values[k]);
    }
    for (const auto& [m, s] : c.metrics)
      if (!contains(ctx.metrics, m)) ctx.metrics.push_back(m);
    std::vector<std::string> names;
    for (const auto& [n, v] : c.constants) names.push_back(n);
    add_constants(ctx.constants, names);
  }
  add_constants(ctx.constants, problem_constant_names());
  return ctx;
}

void validate_plots(std::vector<ComponentSpec>& plots, const PlotContext& ctx) {
  std::set<std::string> names;
  for (auto& spec : plots) {
    auto& p = spec.params;
    const std::string name = p.get_string("name");
    if (!is_plain_file_name(name))
      fail(spec, "name", name, "name is a plain file name (letters, digits, '-', '_', '.'; not starting with '.'; "
                               "at most 100 characters)");
    if (!names.insert(name).second) fail(spec, "name", name, "name is unique among this experiment's plots");

    // x: a curve axis or a sweep key (qualified the way sweeps and where: accept it).
    const std::string x = p.get_string("x");
    const bool curve = contains(kCurveAxes, x);
    if (!curve) {
      const std::string q = qualify(x, ctx.sweep_keys);
      if (q.empty()) {
        std::vector<std::string> cands = kCurveAxes;
        for (const auto& k : ctx.sweep_keys) cands.push_back(k);
        fail(spec, "x", x, "x is iter, samples, rounds, vtime or a sweep key of this experiment (" +
                               joined(ctx.sweep_keys) + ")" + did_you_mean(x, cands));
      }
      p.set("x", q, p.where("x"));
    }

    // y and metric.
    const std::string y = p.get_string("y");
    if (!ctx.metrics.empty()) {
      if (curve) {
        if (!contains(ctx.metrics, y))
          fail(spec, "y", y, "y is a metric the runner records (" + joined(ctx.metrics) + ")" + did_you_mean(y, ctx.metrics));
      } else {
        std::vector<std::string> cands = kPerCellQuantities;
        add_constants(cands, ctx.metrics);
        add_constants(cands, ctx.constants);
        const bool known = contains(kPerCellQuantities, y) || contains(ctx.metrics, y) || ctx.constants.empty() ||
                           contains(ctx.constants, y);
        if (!known)
          fail(spec, "y", y, "y is a recorded metric, iterations_to_target, speedup, efficiency or a constant of "
                             "constants.csv" + did_you_mean(y, cands));
        if (contains(kPerCellQuantities, y) && !contains(ctx.metrics, p.get_string("metric")))
          fail(spec, "metric", p.get_string("metric"), "metric is a metric the runner records (" + joined(ctx.metrics) +
                                                           ")" + did_you_mean(p.get_string("metric"), ctx.metrics));
      }
    }

    // marks: constants drawn as vertical lines (sweep-key plots).
    const std::string marks = p.get_string("marks");
    if (!marks.empty()) {
      if (curve) fail(spec, "marks", marks, "marks is only used with a sweep key on x");
      for (const auto& m : split_list(marks))
        if (m.empty() || (!ctx.constants.empty() && !contains(ctx.constants, m)))
          fail(spec, "marks", marks, "each mark is a constant of constants.csv (" + joined(ctx.constants) + ")" +
                                         did_you_mean(m, ctx.constants));
    }

    // where: key=value terms over sweep keys, each value one of the swept values.
    const std::string where = p.get_string("where");
    if (!where.empty()) {
      for (const auto& term : split_list(where)) {
        const auto eq = term.find('=');
        if (eq == std::string::npos) fail(spec, "where", where, "where is key=value[, key=value] over sweep keys");
        std::string key = term.substr(0, eq), value = term.substr(eq + 1);
        key.erase(key.find_last_not_of(' ') + 1);
        value.erase(0, value.find_first_not_of(' '));
        const std::string q = qualify(key, ctx.sweep_keys);
        if (q.empty())
          fail(spec, "where", where, key + " is a sweep key of this experiment (" + joined(ctx.sweep_keys) + ")" +
                                         did_you_mean(key, ctx.sweep_keys));
        const auto it = ctx.sweep_values.find(q);
        if (it != ctx.sweep_values.end() && !contains(it->second, value))
          fail(spec, "where", where, key + " = " + value + " is one of the swept values (" + joined(it->second) + ")");
      }
    }
  }
}

}  // namespace sgdcheck::pipeline
