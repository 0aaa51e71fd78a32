#include "cli/bound_command.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "analysis/expression.hpp"
#include "bounds/formula.hpp"
#include "core/errors.hpp"
#include "papers/registry.hpp"
#include "pipeline/bound_registry.hpp"

namespace sgdcheck::cli {

namespace {

/// A number written in full ("1e-3", "0.5", "inf" is refused: parameters are finite).
std::optional<double> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  double v = 0;
  const char* first = text.data();
  if (*first == '+') ++first;
  const auto [ptr, ec] = std::from_chars(first, text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}


std::map<std::string, double> parse_sets(const std::vector<std::string>& items) {
  std::map<std::string, double> out;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--set " + item + ": expected name=value, e.g. --set gamma=0.01");
    const std::string name = item.substr(0, eq);
    const auto v = parse_number(item.substr(eq + 1));
    if (!v) throw UsageError("--set " + item + ": expected a finite number after " + name + "=");
    if (out.count(name)) throw UsageError("--set " + name + " is given twice");
    out[name] = *v;
  }
  return out;
}

struct Point {
  std::optional<double> axis;  ///< the --at value (nullopt: no --at)
  bounds::FormulaResult result;
};

std::string guarantee_text(const bounds::Formula& f) {
  const std::string m = f.info.metric;
  switch (f.info.guarantee) {
    case bounds::Guarantee::kUpper: return "upper (E[" + m + "] <= value)";
    case bounds::Guarantee::kExact: return "exact (E[" + m + "] = value)";
    case bounds::Guarantee::kLower: return "lower (E[" + m + "] >= value)";
    case bounds::Guarantee::kPrediction: return "prediction (" + m + "; no inequality is claimed)";
  }
  return "";
}

std::string value_text(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : (v > 0 ? "inf" : "nan"); }

}  // namespace

CLI::App* add_bound_subcommand(CLI::App& app, BoundArgs& a) {
  auto* c = app.add_subcommand("bound",
                               "evaluate a closed-form bound or rate at a point: value(s), label, guarantee, reference, "
                               "parameters and whether its hypotheses hold");
  c->add_option("id", a.id, "bound id (`sgdcheck list bounds` shows the ids with parameters)")->required();
  c->add_option("--set", a.set, "a parameter value name=value (repeatable, or comma separated)")->delimiter(',');
  c->add_option("--at", a.at, "values of the axis variable (t, T, …), comma separated")->delimiter(',');
  c->add_flag("--json", a.json, "print one JSON object");
  return c;
}

int cmd_bound(const BoundArgs& a) {
  const bounds::Formula& f = find_formula(a.id);
  const auto given = parse_sets(a.set);
  std::vector<double> at;
  for (const auto& s : a.at) {
    const auto v = parse_number(s);
    if (!v) throw UsageError("--at " + s + ": expected a finite number (a value of " + (f.axis.empty() ? "the axis" : f.axis) + ")");
    at.push_back(*v);
  }
  // Unknown, missing and out-of-range parameters are exit 2 naming the parameter.
  const bounds::FormulaArgs args = bounds::validate_formula_args(f, given, !at.empty());
  const std::vector<bounds::FormulaArgs> per_point = formula_points(f, given, at);
  // Hypotheses (step-size condition, regime) at every point; the first failure is the reason.
  std::optional<std::string> reason;
  for (const auto& p : per_point) {
    if (!f.hypotheses) break;
    if ((reason = f.hypotheses(p))) break;
  }
  std::vector<Point> points;
  if (!reason)
    for (std::size_t i = 0; i < per_point.size(); ++i)
      points.push_back({at.empty() ? std::nullopt : std::optional<double>(at[i]), f.evaluate(per_point[i])});

  if (a.json) {
    nlohmann::ordered_json j;
    j["id"] = f.info.id;
    j["title"] = f.info.title;
    j["paper"] = f.paper;
    j["label"] = bounds::to_string(f.info.label);
    j["guarantee"] = bounds::to_string(f.info.guarantee);
    j["metric"] = f.info.metric;
    j["reference"] = f.info.reference;
    j["regime"] = f.info.regime;
    j["axis"] = f.axis;
    auto params = nlohmann::ordered_json::array();
    for (const auto& p : f.params) {
      nlohmann::ordered_json q;
      q["name"] = p.name;
      q["meaning"] = p.meaning;
      if (args.has(p.name)) q["value"] = args.get(p.name);
      else q["value"] = nullptr;  // the axis, given by --at
      q["set"] = given.count(p.name) != 0;
      params.push_back(q);
    }
    j["parameters"] = params;
    j["hypotheses_hold"] = !reason.has_value();
    j["reason"] = reason ? nlohmann::ordered_json(*reason) : nlohmann::ordered_json(nullptr);
    auto pts = nlohmann::ordered_json::array();
    for (const auto& pt : points) {
      nlohmann::ordered_json q;
      if (pt.axis) q[f.axis] = *pt.axis;
      // Non-finite values are written as strings ("inf"): JSON has no infinity.
      auto out = nlohmann::ordered_json::object();
      for (const auto& o : pt.result.outputs)
        out[o.name] = std::isfinite(o.value) ? nlohmann::ordered_json(o.value) : nlohmann::ordered_json(value_text(o.value));
      q["value"] = out;
      q["vacuous"] = pt.result.vacuous ? nlohmann::ordered_json(*pt.result.vacuous) : nlohmann::ordered_json(nullptr);
      pts.push_back(q);
    }
    j["points"] = pts;
    fmt::print("{}\n", j.dump(2));
    return reason ? 1 : 0;
  }

  fmt::print("{} — {}\n", f.info.id, f.info.title);
  fmt::print("  label:      {}\n", bounds::to_string(f.info.label));
  fmt::print("  guarantee:  {}\n", guarantee_text(f));
  fmt::print("  reference:  {}\n", f.info.reference);
  if (!f.info.regime.empty()) fmt::print("  regime:     {}\n", f.info.regime);
  fmt::print("  parameters:\n");
  for (const auto& p : f.params) {
    std::string v;
    if (!at.empty() && p.name == f.axis) v = "(--at)";
    else v = value_text(args.get(p.name)) + (given.count(p.name) ? "" : " (default)");
    fmt::print("    {:<8} = {:<16} {}\n", p.name, v, p.meaning);
  }
  if (reason) {
    fmt::print("  hypotheses: do not hold: {}\n", *reason);
    fmt::print("  value:      not evaluated (the bound promises nothing here)\n");
    return 1;
  }
  fmt::print("  hypotheses: hold\n");
  for (const auto& pt : points) {
    std::string line = pt.axis ? fmt::format("  {} = {:<10}", f.axis, value_text(*pt.axis)) : std::string("  value:     ");
    for (std::size_t i = 0; i < pt.result.outputs.size(); ++i)
      line += fmt::format("{}{} {}", i ? ";  " : " ", pt.result.outputs[i].name, value_text(pt.result.outputs[i].value));
    if (pt.result.vacuous) line += "  [vacuous: " + *pt.result.vacuous + "]";
    fmt::print("{}\n", line);
  }
  return 0;
}

const bounds::Formula& find_formula(const std::string& id) {
  const auto& all = papers::registry().formulas();
  for (const auto& f : all)
    if (f.info.id == id) return f;
  if (pipeline::find_bound(id))
    throw UsageError("bound " + id +
                     " is evaluated per cell of an experiment (it needs the problem's data or the run's schedule); "
                     "`sgdcheck bound` evaluates closed forms: `sgdcheck list bounds` marks them with parameters");
  std::vector<std::string> ids;
  for (const auto& f : all) ids.push_back(f.info.id);
  const std::string near = analysis::nearest_name(id, ids);
  throw UsageError("unknown bound " + id + (near.empty() ? "" : " (did you mean " + near + "?)") +
                   "; `sgdcheck list bounds` shows every bound and its parameters");
}

std::vector<bounds::FormulaArgs> formula_points(const bounds::Formula& f, const std::map<std::string, double>& given,
                                                const std::vector<double>& at) {
  if (at.empty()) return {bounds::validate_formula_args(f, given, false)};
  if (f.axis.empty())
    throw UsageError("bound " + f.info.id + " has no axis variable: --at is not allowed (set every parameter with --set)");
  if (given.count(f.axis))
    throw UsageError("bound " + f.info.id + ": " + f.axis + " is given by both --set and --at; use one");
  bounds::validate_formula_args(f, given, true);  // names the unknown or missing parameter first
  std::vector<bounds::FormulaArgs> out;
  for (double v : at) {
    auto with = given;
    with[f.axis] = v;
    out.push_back(bounds::validate_formula_args(f, with, false));
  }
  return out;
}

}  // namespace sgdcheck::cli
