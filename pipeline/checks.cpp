#include "pipeline/checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis/analysis.hpp"
#include "core/text_file.hpp"
#include "core/thread_pool.hpp"
#include "papers/registry.hpp"
#include "pipeline/components.hpp"
#include "pipeline/json_real.hpp"

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
    // Every option named `metric` names a recorded metric (T_eps fields, slope, paired, …).
    const bool has_role = std::any_of(k.roles.begin(), k.roles.end(), [](const auto& r) { return r.first == "metric"; });
    if (k.schema.find("metric") && !has_role) k.roles.emplace_back("metric", OptionRole::kMetric);
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

std::vector<CheckOutcome> run_checks(const std::vector<ComponentSpec>& specs, const ResultSet& results, int jobs) {
  // The plan validated every reference already; the results may differ (`check DIR` on edited
  // tables, tune), so structure is validated again here, still before any check runs.
  validate_check_references(specs, check_context(results));
  std::vector<const CheckKind*> kinds;
  for (const auto& s : specs) {
    const CheckKind* k = find_check_kind(s.kind);
    if (!k) throw std::logic_error("run_checks: unknown kind " + s.kind);
    kinds.push_back(k);
  }
  // Each check reads the results and writes only its own slot; an error is kept in the slot too, and
  // the first one in check order is thrown, so outcomes and errors are the same for any `jobs`.
  std::vector<CheckOutcome> out(specs.size());
  std::vector<std::exception_ptr> errors(specs.size());
  parallel_for(specs.size(), jobs, [&](std::size_t i) {
    try {
      CheckOutcome o = kinds[i]->run(specs[i].params, results);
      if (!o.status_set) o.status = o.passed ? CheckStatus::kPass : CheckStatus::kFail;
      o.passed = o.status == CheckStatus::kPass;
      out[i] = std::move(o);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  });
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return out;
}

namespace {

/// Counts per CheckStatus (index = the enum value).
std::array<std::size_t, 4> status_counts(const std::vector<CheckOutcome>& outcomes) {
  std::array<std::size_t, 4> n{};
  for (const auto& o : outcomes) ++n[static_cast<std::size_t>(o.status)];
  return n;
}

}  // namespace

std::string format_checks(const std::vector<CheckOutcome>& outcomes) {
  // Each state has its own tag, and a report-only or skipped row says why on the next line; only
  // PASS counts as passed in the summary line, which names every state even when its count is 0.
  static const char* const tags[] = {"[PASS]", "[FAIL]", "[REPORT]", "[SKIPPED]"};
  std::string out;
  for (const auto& o : outcomes) {
    out += fmt::format("{} {} {}\n      {}\n", tags[static_cast<int>(o.status)], o.check, o.subject, o.summary);
    if (!o.reason.empty()) out += fmt::format("      ({}: {})\n", status_name(o.status), o.reason);
    for (const auto& d : o.details) out += "      - " + d + "\n";
  }
  const auto n = status_counts(outcomes);
  out += fmt::format("{} checks: {} passed, {} failed, {} report, {} skipped\n", outcomes.size(), n[0], n[1], n[2], n[3]);
  return out;
}

nlohmann::json write_checks(const std::vector<CheckOutcome>& outcomes, const std::vector<BoundSummary>& bounds,
                            const std::string& dir) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& o : outcomes) {
    nlohmann::json values = nlohmann::json::object();
    for (const auto& [name, v] : o.values) {
      nlohmann::json x = json_real(v);
      // A name given once per cell / group becomes an array in that order.
      if (!values.contains(name)) values[name] = std::move(x);
      else if (values[name].is_array()) values[name].push_back(std::move(x));
      else values[name] = nlohmann::json::array({values[name], std::move(x)});
    }
    nlohmann::json e = {{"check", o.check}, {"subject", o.subject}, {"status", status_name(o.status)},
                        {"passed", o.status == CheckStatus::kPass}, {"values", values}, {"summary", o.summary},
                        {"details", o.details}};
    if (!o.reason.empty()) e["reason"] = o.reason;
    if (!o.cells.empty()) {
      // Per-cell verdicts with their numbers as fields of their own (observed, bound, ratio, se, k, …).
      nlohmann::json cells = nlohmann::json::array();
      for (const auto& c : o.cells) {
        nlohmann::json jc = {{"cell", c.cell}, {"status", status_name(c.status)}, {"message", c.message}};
        for (const auto& [name, v] : c.values) jc[name] = json_real(v);
        cells.push_back(std::move(jc));
      }
      e["cells"] = std::move(cells);
    }
    checks.push_back(std::move(e));
  }
  const auto n = status_counts(outcomes);
  nlohmann::json summary = {{"checks", outcomes.size()}, {"passed", n[0]}, {"failed", n[1]}, {"report", n[2]},
                            {"skipped", n[3]}};
  nlohmann::json bj = nlohmann::json::array();
  for (const auto& b : bounds) {
    nlohmann::json e = {{"bound", b.id},
                        {"cells", b.cells},
                        {"applicable", b.applicable - b.vacuous},
                        {"vacuous", b.vacuous},
                        {"not_applicable", b.not_applicable}};
    if (!b.first_reason.empty()) e["first_reason"] = b.first_reason;
    bj.push_back(std::move(e));
  }
  const nlohmann::json j = {{"summary", std::move(summary)}, {"bounds", std::move(bj)}, {"checks", std::move(checks)}};
  // Checked writes: a full disk is an error naming the file (exit 2), never an empty checks.json.
  write_text_file(std::filesystem::path(dir) / "checks.json", j.dump(2) + "\n");
  write_text_file(std::filesystem::path(dir) / "checks.txt", format_checks(outcomes));
  return j;
}

}  // namespace sgdcheck::pipeline
