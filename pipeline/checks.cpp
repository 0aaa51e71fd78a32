#include "pipeline/checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis/analysis.hpp"
#include "core/text_file.hpp"
#include "papers/registry.hpp"
#include "pipeline/components.hpp"

namespace sgdcheck::pipeline {

std::string status_name(CheckStatus s) {
  switch (s) {
    case CheckStatus::kPass: return "pass";
    case CheckStatus::kFail: return "fail";
    case CheckStatus::kReport: return "report";
    case CheckStatus::kSkipped: return "skipped";
  }
  return "fail";
}

bool selected(const ResultSet& rs, const CellResult& c, const std::string& where) {
  if (where.empty()) return true;
  return analysis::parse_filter(where, analysis::SweepKeys(rs.sweep_keys), "where").matches(c.sweep_values);
}

double ols_slope(const std::vector<double>& x, const std::vector<double>& y) { return analysis::ols_slope(x, y); }

namespace {

std::vector<CheckKind> make_kinds() {
  std::vector<CheckKind> kinds = papers::registry().checks();
  for (auto& k : kinds) {
    if (!k.schema.find("where"))
      k.schema.fields.push_back(string_field("where", "", "only cells matching key=value[, key=value] of sweep keys "
                                                          "(empty: every cell)"));
    k.roles.emplace_back("where", OptionRole::kFilter);
  }
  return kinds;
}

}  // namespace

const std::vector<CheckKind>& check_kinds() {
  static const std::vector<CheckKind> kinds = make_kinds();
  return kinds;
}

const CheckKind* find_check_kind(const std::string& kind) {
  for (const auto& k : check_kinds())
    if (k.schema.name == kind) return &k;
  return nullptr;
}

const std::vector<Schema>& check_schemas() {
  static const std::vector<Schema> schemas = [] {
    std::vector<Schema> out;
    for (const auto& k : check_kinds()) out.push_back(k.schema);
    return out;
  }();
  return schemas;
}

const Schema* find_check_schema(const std::string& kind) {
  for (const auto& s : check_schemas())
    if (s.name == kind) return &s;
  return nullptr;
}

std::vector<CheckOutcome> run_checks(const std::vector<ComponentSpec>& specs, const ResultSet& results) {
  // The plan validated every reference already; the results may differ (`check DIR` on edited
  // tables, tune), so structure is validated again here, still before any check runs.
  validate_check_references(specs, check_context(results));
  std::vector<CheckOutcome> out;
  for (const auto& s : specs) {
    const CheckKind* k = find_check_kind(s.kind);
    if (!k) throw std::logic_error("run_checks: unknown kind " + s.kind);
    CheckOutcome o = k->run(s.params, results);
    if (!o.status_set) o.status = o.passed ? CheckStatus::kPass : CheckStatus::kFail;
    o.passed = o.status == CheckStatus::kPass;
    out.push_back(std::move(o));
  }
  return out;
}

std::string format_checks(const std::vector<CheckOutcome>& outcomes) {
  std::string out;
  int n[4] = {0, 0, 0, 0};
  for (const auto& o : outcomes) {
    static const char* const tags[] = {"PASS", "FAIL", "REPORT", "SKIPPED"};
    out += fmt::format("[{}] {} {}\n      {}\n", tags[static_cast<int>(o.status)], o.check, o.subject, o.summary);
    if (!o.reason.empty()) out += fmt::format("      ({}: {})\n", status_name(o.status), o.reason);
    for (const auto& d : o.details) out += "      - " + d + "\n";
    ++n[static_cast<int>(o.status)];
  }
  out += fmt::format("{} checks: {} passed, {} failed", outcomes.size(), n[0], n[1]);
  if (n[2]) out += fmt::format(", {} report only", n[2]);
  if (n[3]) out += fmt::format(", {} skipped", n[3]);
  out += "\n";
  return out;
}

void write_checks(const std::vector<CheckOutcome>& outcomes, const std::string& dir) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& o : outcomes) {
    nlohmann::json values = nlohmann::json::object();
    for (const auto& [name, v] : o.values) {
      // JSON has no inf / NaN: they are written as the strings "inf", "-inf", "nan".
      nlohmann::json x = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
      // A name given once per cell / group becomes an array in that order.
      if (!values.contains(name)) values[name] = std::move(x);
      else if (values[name].is_array()) values[name].push_back(std::move(x));
      else values[name] = nlohmann::json::array({values[name], std::move(x)});
    }
    nlohmann::json e = {{"check", o.check}, {"subject", o.subject}, {"status", status_name(o.status)},
                        {"passed", o.status == CheckStatus::kPass}, {"values", values}, {"summary", o.summary},
                        {"details", o.details}};
    if (!o.reason.empty()) e["reason"] = o.reason;
    j.push_back(std::move(e));
  }
  // Checked writes: a full disk is an error naming the file (exit 2), never an empty checks.json.
  write_text_file(std::filesystem::path(dir) / "checks.json", j.dump(2) + "\n");
  write_text_file(std::filesystem::path(dir) / "checks.txt", format_checks(outcomes));
}

}  // namespace sgdcheck::pipeline
