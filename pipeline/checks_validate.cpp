// Validation of everything check options refer to, before any run: cell filters (where, reference),
// expressions and their names, sweep keys (over, along, sweep; along / sweep must be numeric), series
// ids, metrics (every option named `metric`, against what the runs record). The same code runs on a plan (make_plan, also on the quick form) and on loaded results
// (run_checks), so `validate`, `run` and `check DIR` reject the same mistakes with exit code 2.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "analysis/analysis.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/plot_schema.hpp"

namespace sgdcheck::pipeline {

namespace {

std::string unscoped(const std::string& k) {
  const auto dot = k.find('.');
  return dot == std::string::npos ? k : k.substr(dot + 1);
}

[[noreturn]] void rethrow_at(const ComponentSpec& s, const std::string& key, const ConfigError& e) {
  throw ConfigError(s.params.where(key).file.empty() ? s.loc : s.params.where(key), e.what());
}

}  // namespace

CheckContext check_context(const ResultSet& rs) {
  CheckContext ctx;
  ctx.sweep_keys = rs.sweep_keys;
  std::set<std::string> names, series;
  for (const auto& c : rs.cells) {
    ctx.grid.push_back(c.sweep_values);
    for (const auto& [k, v] : c.constants) names.insert(k);
    for (const auto& [k, v] : c.options) {
      names.insert(k);
      names.insert(unscoped(k));
    }
    for (const auto& b : c.bounds) series.insert(b.id);
  }
  // A constant may be absent from constants.csv (NaN values are not written): every problem constant counts.
  for (const auto& n : problem_constant_names()) names.insert(n);
  ctx.metrics = plot_context(rs).metrics;  // the metrics present, the list `plot DIR` validates against
  ctx.names.assign(names.begin(), names.end());
  ctx.series.assign(series.begin(), series.end());
  return ctx;
}

void validate_metric_option(const ComponentSpec& spec, const std::string& key, const std::string& what,
                            const std::vector<std::string>& metrics) {
  if (metrics.empty() || !spec.params.has(key)) return;
  const std::string& m = spec.params.get_string(key);
  if (std::find(metrics.begin(), metrics.end(), m) != metrics.end()) return;
  const std::string near = analysis::nearest_name(m, metrics);
  const SourceLoc loc = spec.params.where(key).file.empty() ? spec.loc : spec.params.where(key);
  throw ConfigError(loc, fmt::format("{} = {}: expected a metric this runner records ({}){}", what, m,
                                     fmt::join(metrics, ", "), near.empty() ? "" : " (did you mean " + near + "?)"));
}

void validate_check_references(const std::vector<ComponentSpec>& specs, const CheckContext& ctx) {
  const analysis::SweepKeys keys(ctx.sweep_keys);
  auto numeric = [&](std::size_t k) {
    return std::all_of(ctx.grid.begin(), ctx.grid.end(),
                       [&](const auto& row) { return k < row.size() && analysis::parse_number(row[k]).has_value(); });
  };
  std::vector<std::string> candidates = ctx.names;
  for (const auto& s : keys.spellings()) candidates.push_back(s);
  candidates.push_back("T_eps");
  for (const auto& id : ctx.series) candidates.push_back("T." + id);

  for (const auto& spec : specs) {
    const CheckKind* kind = find_check_kind(spec.kind);
    if (!kind) throw ConfigError(spec.loc, "unknown check kind " + spec.kind);
    if (kind->check_options) kind->check_options(spec.params);
    std::vector<std::string> kind_candidates = candidates;
    for (const auto& n : kind->extra_names) kind_candidates.push_back(n);
    auto known = [&](const std::string& n) {
      return std::find(kind_candidates.begin(), kind_candidates.end(), n) != kind_candidates.end();
    };
    for (const auto& [key, role] : kind->roles) {
      if (!spec.params.has(key)) continue;
      if (role == OptionRole::kMetric) {
        validate_metric_option(spec, key, "checks." + spec.kind + "." + key, ctx.metrics);
        continue;
      }
      const std::string& text = spec.params.get_string(key);
      const std::string what = "checks." + spec.kind + "." + key;
      try {
        switch (role) {
          case OptionRole::kFilter:
            analysis::parse_filter(text, keys, what, &ctx.grid);
            break;
          case OptionRole::kExpression: {
            if (text.empty()) break;
            const auto e = analysis::parse_expression(text, what);
            if (ctx.check_names) e.require_names(known, kind_candidates, what);
            break;
          }
          case OptionRole::kSweepKey:
          case OptionRole::kNumericSweepKey: {
            const std::size_t k = keys.resolve(text, what);
            if (role == OptionRole::kNumericSweepKey && !numeric(k)) {
              std::string vals;
              for (const auto& row : ctx.grid)
                if (k < row.size() && vals.find(row[k]) == std::string::npos) vals += (vals.empty() ? "" : ", ") + row[k];
              throw ConfigError(what + " = " + text + ": expected a numeric sweep key; " + ctx.sweep_keys[k] +
                                " has the values {" + vals + "}");
            }
            break;
          }
          case OptionRole::kMetric: break;  // above
          case OptionRole::kSeriesId:
            if (!text.empty() && std::find(ctx.series.begin(), ctx.series.end(), text) == ctx.series.end()) {
              const std::string near = analysis::nearest_name(text, ctx.series);
              throw ConfigError(what + " = " + text + ": expected a bound id listed under bounds: of this experiment" +
                                (near.empty() ? "" : " (did you mean " + near + "?)"));
            }
            break;
        }
      } catch (const ConfigError& e) {
        rethrow_at(spec, key, e);
      }
    }
  }
}

}  // namespace sgdcheck::pipeline

#include "problems/registry.hpp"
#include "runners/runner.hpp"

namespace sgdcheck::pipeline {

CheckContext check_context(const config::Experiment& e, const std::vector<std::string>& extra_constants,
                           const std::string& tuned_key) {
  CheckContext ctx;
  std::size_t tuned = e.sweep.size();
  for (std::size_t k = 0; k < e.sweep.size(); ++k) {
    if (e.sweep[k].key == tuned_key) tuned = k;
    else ctx.sweep_keys.push_back(e.sweep[k].key);
  }
  for (const auto& c : config::expand_grid(e)) {
    std::vector<std::string> row;
    for (std::size_t k = 0; k < c.sweep_values.size(); ++k)
      if (k != tuned) row.push_back(c.sweep_values[k]);
    ctx.grid.push_back(std::move(row));
  }
  std::set<std::string> names(problem_constant_names().begin(), problem_constant_names().end());
  for (const auto& n : extra_constants) names.insert(n);
  if (!tuned_key.empty()) names.insert("tuned." + tuned_key);
  auto add_schema = [&](const Schema* s, const std::string& scope) {
    if (!s) return;
    for (const auto& f : s->fields) {
      names.insert(scope + "." + f.name);
      names.insert(f.name);
    }
  };
  if (const auto* f = problems::find_problem_family(e.problem.kind)) add_schema(&f->schema, "problem");
  if (const auto* k = runners::find_runner_kind(e.runner.kind)) add_schema(&k->schema, "runner");
  ctx.names.assign(names.begin(), names.end());
  for (const auto& b : e.bounds) ctx.series.push_back(b.name);
  return ctx;
}

}  // namespace sgdcheck::pipeline
