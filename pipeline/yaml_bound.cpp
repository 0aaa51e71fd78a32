#include "pipeline/yaml_bound.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "analysis/expression.hpp"
#include "core/errors.hpp"
#include "core/trace.hpp"
#include "runners/run_spec.hpp"

namespace sgdcheck::pipeline {

const std::vector<std::string>& yaml_bound_axis_names() {
  static const std::vector<std::string> kNames = {"t", "samples", "rounds", "vtime"};
  return kNames;
}

namespace {

bool is_axis(const std::string& n) {
  const auto& a = yaml_bound_axis_names();
  return std::find(a.begin(), a.end(), n) != a.end();
}

bounds::Guarantee guarantee_of(const config::YamlBound& b) {
  if (b.guarantee == "upper") return bounds::Guarantee::kUpper;
  if (b.guarantee == "lower") return bounds::Guarantee::kLower;
  if (b.guarantee == "exact") return bounds::Guarantee::kExact;
  if (b.guarantee == "prediction") return bounds::Guarantee::kPrediction;
  throw ConfigError(b.guarantee_loc, "bounds[" + b.id + "].guarantee = " + b.guarantee +
                                         ": expected upper, lower, exact or prediction");
}

bounds::Label label_of(const config::YamlBound& b) {
  for (auto l : {bounds::Label::kPaperStated, bounds::Label::kLiterature, bounds::Label::kDerived,
                 bounds::Label::kChecked, bounds::Label::kUnverified})
    if (b.label == bounds::to_string(l)) return l;
  throw ConfigError(b.label_loc, "bounds[" + b.id + "].label = " + b.label +
                                     ": expected paper-stated, literature, derived, checked or unverified");
}

analysis::Expression parse_at(const std::string& text, const SourceLoc& loc, const std::string& what) {
  try {
    return analysis::parse_expression(text, what);
  } catch (const ConfigError& e) {
    throw ConfigError(loc, e.what());
  }
}

/// Every name of `expr` is an axis variable (when `axis_ok`) or known in every cell; else exit 2 at `loc`.
void require_known(const analysis::Expression& expr, const std::vector<std::map<std::string, double>>& cells,
                   bool axis_ok, const SourceLoc& loc, const std::string& what) {
  std::set<std::string> all;
  for (const auto& c : cells)
    for (const auto& [n, v] : c) all.insert(n);
  std::vector<std::string> candidates(all.begin(), all.end());
  if (axis_ok) candidates.insert(candidates.end(), yaml_bound_axis_names().begin(), yaml_bound_axis_names().end());
  for (const auto& n : expr.names()) {
    if (axis_ok && is_axis(n)) continue;
    if (!axis_ok && is_axis(n))
      throw ConfigError(loc, what + " = \"" + expr.text() + "\": " + n +
                                 " is an axis variable; `when:` is decided once per cell, from constants and sweep values");
    const bool everywhere = !cells.empty() && std::all_of(cells.begin(), cells.end(), [&](auto& c) { return c.count(n) != 0; });
    if (everywhere) continue;
    if (all.count(n))
      throw ConfigError(loc, what + " = \"" + expr.text() + "\": " + n +
                                 " is not known in every cell (a constant that some problems of the sweep lack)");
    const std::string near = analysis::nearest_name(n, candidates);
    throw ConfigError(loc, what + " = \"" + expr.text() + "\": unknown name " + n +
                               (near.empty() ? "" : " (did you mean " + near + "?)") +
                               "; names: t, samples, rounds, vtime, the constants of constants.csv (L, mu, sigma2, "
                               "M_grad, r0, F0, gamma, batch, tau, …) and the sweep values");
  }
}

double lookup(const CellContext& ctx, const std::string& n) {
  if (!ctx.names) return NAN;
  const auto it = ctx.names->find(n);
  return it == ctx.names->end() ? NAN : it->second;
}

}  // namespace

std::shared_ptr<const BoundAdapter> make_yaml_bound(const config::YamlBound& b,
                                                    const std::vector<std::map<std::string, double>>& cell_names,
                                                    const std::vector<std::string>& metrics) {
  const std::string what = "bounds[" + b.id + "]";
  bool valid_id = !b.id.empty() && b.id.size() <= 100;
  for (char c : b.id) valid_id = valid_id && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  if (!valid_id)
    throw ConfigError(b.loc, "bounds[].id = " + b.id + ": expected letters, digits, '_', '.' or '-' (at most 100)");
  if (find_bound(b.id))
    throw ConfigError(b.loc, "bounds[].id = " + b.id + " is the id of a built-in bound; give yours a new id (e.g. draft." +
                                 b.id + ")");
  if (!metrics.empty() && std::find(metrics.begin(), metrics.end(), b.metric) == metrics.end()) {
    const std::string near = analysis::nearest_name(b.metric, metrics);
    throw ConfigError(b.metric_loc, what + ".metric = " + b.metric + ": expected a metric these runs record (" +
                                        fmt::format("{}", fmt::join(metrics, ", ")) + ")" +
                                        (near.empty() ? "" : "; did you mean " + near + "?"));
  }
  auto a = std::make_shared<BoundAdapter>();
  a->info.id = b.id;
  a->info.title = b.title.empty() ? b.id : b.title;
  a->info.reference = b.reference.empty() ? std::string("written in the experiment file") : b.reference;
  a->info.label = label_of(b);
  a->info.guarantee = guarantee_of(b);
  a->info.metric = b.metric;
  a->info.regime = "as its author states (a bound written in the experiment file: " + b.expr + ")";
  a->about = "any run (a bound written in the experiment file)";
  a->not_about = [](const runners::RunSpec&) -> std::optional<std::string> { return std::nullopt; };

  auto expr = std::make_shared<analysis::Expression>(parse_at(b.expr, b.expr_loc, what + ".expr"));
  require_known(*expr, cell_names, true, b.expr_loc, what + ".expr");
  std::shared_ptr<analysis::Expression> when;
  if (!b.when.empty()) {
    when = std::make_shared<analysis::Expression>(parse_at(b.when, b.when_loc, what + ".when"));
    require_known(*when, cell_names, false, b.when_loc, what + ".when");
  }

  a->not_applicable = [when, text = b.when](const CellContext& ctx) -> std::optional<std::string> {
    if (!when) return std::nullopt;
    const double v = when->eval([&](const std::string& n) { return lookup(ctx, n); });
    if (v != 0.0 && !std::isnan(v)) return std::nullopt;
    std::vector<std::string> parts;
    for (const auto& n : when->names()) parts.push_back(fmt::format("{} = {:g}", n, lookup(ctx, n)));
    return fmt::format("when: {} is false here ({})", text, fmt::join(parts, ", "));
  };
  a->evaluate = [expr](const CellContext& ctx) {
    // Index each name once: an axis variable (0..3) or a cell value.
    const auto& names = expr->names();
    std::vector<int> axis(names.size(), -1);
    std::vector<double> values(names.size(), NAN);
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto& ax = yaml_bound_axis_names();
      const auto it = std::find(ax.begin(), ax.end(), names[i]);
      if (it != ax.end()) axis[i] = static_cast<int>(it - ax.begin());
      else values[i] = lookup(ctx, names[i]);
    }
    std::vector<double> out;
    out.reserve(ctx.iters.size());
    for (const auto t : ctx.iters) {
      const Point p = runners::scheduled_point(ctx.spec, t);
      for (std::size_t i = 0; i < names.size(); ++i) {
        switch (axis[i]) {
          case 0: values[i] = static_cast<double>(p.iter); break;
          case 1: values[i] = static_cast<double>(p.samples); break;
          case 2: values[i] = static_cast<double>(p.rounds); break;
          case 3: values[i] = p.vtime; break;
          default: break;
        }
      }
      out.push_back(expr->eval(values));
    }
    return out;
  };
  return a;
}

}  // namespace sgdcheck::pipeline
