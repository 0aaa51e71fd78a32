#include "pipeline/checks_support.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "pipeline/derived.hpp"

namespace sgdcheck::pipeline::checks {

analysis::SweepKeys keys_of(const ResultSet& rs) { return analysis::SweepKeys(rs.sweep_keys); }

std::vector<const std::vector<std::string>*> values_of(const std::vector<const CellResult*>& cells) {
  std::vector<const std::vector<std::string>*> out;
  for (const auto* c : cells) out.push_back(&c->sweep_values);
  return out;
}

namespace {
std::string qualified(const Params& p, const std::string& key) {
  return p.scope().empty() ? key : p.scope() + "." + key;
}
}  // namespace

analysis::CellFilter filter_of(const ResultSet& rs, const Params& p, const std::string& key) {
  try {
    return analysis::parse_filter(p.get_string(key), keys_of(rs), qualified(p, key));
  } catch (const ConfigError& e) {
    throw ConfigError(p.where(key), e.what());
  }
}

std::vector<const CellResult*> cells_where(const ResultSet& rs, const Params& p, const std::string& key) {
  const auto f = filter_of(rs, p, key);
  std::vector<const CellResult*> out;
  for (const auto& c : rs.cells)
    if (f.matches(c.sweep_values)) out.push_back(&c);
  return out;
}

const MetricSeries* metric_of(const CellResult& c, const std::string& metric) {
  auto it = c.metrics.find(metric);
  return it == c.metrics.end() ? nullptr : &it->second;
}

TargetSpec target_of(const Params& p) { return {p.get_string("metric"), p.get_real("target"), p.get_bool("relative")}; }

std::vector<Field> target_fields() {
  return {string_field("metric", "dist2", "metric of T_eps (iterations until the seed-mean curve reaches the target)"),
          real_field("target", 1e-4, 0.0, kInf, "target ε of T_eps", true),
          bool_field("relative", true, "T_eps measures metric / metric(iter 0) <= target")};
}

Field when_field() {
  return string_field("when", "",
                      "only cells where this expression is nonzero, e.g. runner.batch <= M_curv (empty: every cell)");
}

std::vector<std::string> bootstrapped_metric(const Params& p) {
  if (p.get_int("bootstrap") > 0) return {p.get_string("metric")};
  return {};
}

double cell_T(const CellResult& c, const TargetSpec& t) {
  const MetricSeries* m = metric_of(c, t.metric);
  return m ? iterations_to_target(*m, t.target, t.relative) : NAN;
}

double name_value(const ResultSet& rs, const CellResult& c, const TargetSpec& t, const std::string& name) {
  if (name == "T_eps") return cell_T(c, t);
  if (name.rfind("T.", 0) == 0) {
    const BoundSeries* b = c.bound(name.substr(2));
    if (!b || !b->applicable) return NAN;
    return iterations_to_target(b->iters, b->values, t.target, t.relative);
  }
  auto k = c.constants.find(name);
  if (k != c.constants.end()) return k->second.first;
  if (auto i = keys_of(rs).find(name); i && *i < c.sweep_values.size())
    return analysis::parse_number(c.sweep_values[*i]).value_or(NAN);
  for (const std::string& full : {name, "problem." + name, "runner." + name}) {
    auto o = c.options.find(full);
    if (o != c.options.end()) return analysis::parse_number(o->second).value_or(NAN);
  }
  return NAN;
}

analysis::Expression expression_of(const Params& p, const std::string& key) {
  try {
    return analysis::parse_expression(p.get_string(key), qualified(p, key));
  } catch (const ConfigError& e) {
    throw ConfigError(p.where(key), e.what());
  }
}

double eval_in_cell(const analysis::Expression& e, const ResultSet& rs, const CellResult& c, const TargetSpec& t,
                    const std::string& extra_name, double extra_value) {
  return e.eval([&](const std::string& name) {
    if (!extra_name.empty() && name == extra_name) return extra_value;
    return name_value(rs, c, t, name);
  });
}

std::vector<const CellResult*> chosen_cells(const ResultSet& rs, const Params& p, const TargetSpec& t) {
  auto cells = cells_where(rs, p);
  if (!p.has("when") || p.get_string("when").empty()) return cells;
  const auto when = expression_of(p, "when");
  std::vector<const CellResult*> out;
  for (const auto* c : cells)
    if (eval_in_cell(when, rs, *c, t) != 0) out.push_back(c);
  return out;
}

std::vector<SweepGroup> groups_along(const ResultSet& rs, const std::vector<const CellResult*>& cells,
                                     const std::string& sweep) {
  const auto keys = keys_of(rs);
  const std::size_t pos = keys.resolve(sweep, "checks: sweep");
  std::vector<bool> ignore(keys.size(), false);
  ignore[pos] = true;
  std::vector<SweepGroup> out;
  for (const auto& g : analysis::group_cells(keys, values_of(cells), ignore)) {
    std::vector<std::pair<double, const CellResult*>> xs;
    for (auto i : g.members) {
      const auto v = analysis::parse_number(cells[i]->sweep_values[pos]);
      if (!v) throw ConfigError("checks: sweep " + sweep + " has a non-numeric value " + cells[i]->sweep_values[pos]);
      xs.emplace_back(*v, cells[i]);
    }
    std::stable_sort(xs.begin(), xs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    SweepGroup s{g.label, {}, {}};
    for (const auto& [x, c] : xs) {
      s.x.push_back(x);
      s.cells.push_back(c);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<double> bootstrap_T(const SweepGroup& g, const TargetSpec& t, std::int64_t B,
                                const std::function<double(const std::vector<double>&)>& stat) {
  std::vector<double> out;
  std::vector<const MetricSeries*> ms;
  std::size_t R = SIZE_MAX;
  for (const CellResult* c : g.cells) {
    const MetricSeries* m = metric_of(*c, t.metric);
    if (!m) return out;
    ms.push_back(m);
    R = std::min(R, m->values.size());
  }
  if (R < 2 || g.cells.empty()) return out;
  Rng rng = analysis::bootstrap_stream(g.cells.front()->id);
  std::vector<std::size_t> reps(R);
  std::vector<double> T(ms.size());
  for (std::int64_t b = 0; b < B; ++b) {
    analysis::draw_resample(rng, reps);
    for (std::size_t i = 0; i < ms.size(); ++i) T[i] = iterations_to_target_resampled(*ms[i], reps, t.target, t.relative);
    const double s = stat(T);
    if (!std::isnan(s)) out.push_back(s);
  }
  return out;
}

std::string fmt_list(const std::vector<double>& v) {
  std::string s;
  for (double x : v) {
    if (!s.empty()) s += ' ';  // (not "" + string: GCC 12 reports a false -Wrestrict there)
    s += fmt::format("{:.4g}", x);
  }
  return s;
}

double rel_diff(double a, double b) {
  if (a == b) return 0.0;
  const double s = std::max(std::abs(a), std::abs(b));
  if (!std::isfinite(s)) return INFINITY;
  return std::abs(a - b) / (s > 0 ? s : 1.0);
}

double option_real(const CellResult& c, const std::string& key) {
  auto it = c.options.find(key);
  if (it == c.options.end()) return NAN;
  return analysis::parse_number(it->second).value_or(NAN);
}

std::string non_finite(const MetricSeries& m, std::size_t i) {
  if (std::isfinite(m.mean[i]) && std::isfinite(m.se[i])) return "";
  return fmt::format("mean {} / SE {} at iter {} is not finite (diverged or missing runs): cannot be compared",
                     m.mean[i], m.se[i], m.points[i].iter);
}

}  // namespace sgdcheck::pipeline::checks
