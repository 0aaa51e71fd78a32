#include "cli/compare_command.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "cli/commands.hpp"
#include "core/errors.hpp"
#include "pipeline/result_set.hpp"

namespace sgdcheck::cli {

namespace fs = std::filesystem;

namespace {

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw DataError(SourceLoc{p.string(), 0}, "cannot read");
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    return nlohmann::json::parse(ss.str());
  } catch (const std::exception& e) {
    throw DataError(SourceLoc{p.string(), 0}, std::string("malformed JSON: ") + e.what());
  }
}

std::string jstr(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

/// Verdicts of a results folder: key "check subject [cell]" (with "#n" for a repeated check) → status.
std::vector<std::pair<std::string, std::string>> verdicts(const fs::path& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  std::error_code ec;
  if (!fs::is_regular_file(dir / "checks.json", ec)) return out;  // an experiment without checks
  const nlohmann::json j = read_json(dir / "checks.json");
  if (!j.is_object() || !j.contains("checks") || !j["checks"].is_array())
    throw DataError(SourceLoc{(dir / "checks.json").string(), 0}, "expected an object with a \"checks\" list");
  std::map<std::string, int> seen;
  for (const auto& c : j["checks"]) {
    std::string key = jstr(c, "check") + " " + jstr(c, "subject");
    if (const int n = ++seen[key]; n > 1) key += fmt::format(" (#{})", n);
    out.emplace_back(key, jstr(c, "status"));
    if (c.is_object() && c.contains("cells") && c["cells"].is_array())
      for (const auto& cell : c["cells"]) out.emplace_back(key + " [" + jstr(cell, "cell") + "]", jstr(cell, "status"));
  }
  return out;
}

std::string upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

std::string commit_of(const fs::path& dir) {
  const nlohmann::json m = read_json(dir / "manifest.json");
  if (m.is_object() && m.contains("versions")) return jstr(m["versions"], "git_commit");
  return "";
}

/// bound / seed mean at the last point of the bound's metric where both are finite and positive.
double last_ratio(const pipeline::CellResult& c, const pipeline::BoundSeries& b) {
  const auto it = c.metrics.find(b.metric);
  if (it == c.metrics.end()) return NAN;
  const auto& m = it->second;
  for (std::size_t i = m.size(); i-- > 0;) {
    const double B = b.at(m.points[i].iter);
    if (std::isfinite(B) && B > 0 && std::isfinite(m.mean[i]) && m.mean[i] > 0) return B / m.mean[i];
  }
  return NAN;
}

const pipeline::CellResult* matching(const pipeline::ResultSet& rs, const std::string& label) {
  for (const auto& c : rs.cells)
    if (rs.cell_label(c) == label) return &c;
  return nullptr;
}

}  // namespace

CLI::App* add_compare_subcommand(CLI::App& app, CompareArgs& a) {
  auto* c = app.add_subcommand("compare",
                               "compare two results folders of the same experiment: changed verdicts, tightness "
                               "ratios that moved by more than a factor, largest seed-mean differences (exit 1 when "
                               "a verdict flipped)");
  c->add_option("dir_a", a.a, "results folder A (e.g. before a change)")->required();
  c->add_option("dir_b", a.b, "results folder B (after)")->required();
  c->add_option("--factor", a.factor, "list tightness ratios (bound / seed mean) that changed by more than this factor")
      ->check(CLI::Range(1.0, 1e300))
      ->capture_default_str();
  c->add_option("--top", a.top, "how many of the largest seed-mean differences to list")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  return c;
}

int cmd_compare(const CompareArgs& args) {
  const fs::path A = args.a, B = args.b;
  for (const auto& d : {A, B}) {
    std::error_code ec;
    if (!fs::is_regular_file(d / "manifest.json", ec))
      throw UsageError(SourceLoc{d.string(), 0},
                       "not a complete results directory (no manifest.json); expected the output of `sgdcheck run`");
  }
  const auto ra = pipeline::ResultSet::load(A);
  const auto rb = pipeline::ResultSet::load(B);
  fmt::print("compare {} (A, commit {}) with {} (B, commit {})\n", A.string(), commit_of(A), B.string(), commit_of(B));
  if (ra.name != rb.name) fmt::print("note: different experiments: A is {}, B is {}\n", ra.name, rb.name);
  if (ra.sweep_keys != rb.sweep_keys)
    fmt::print("note: different sweep keys: A {}, B {}\n", fmt::join(ra.sweep_keys, ","), fmt::join(rb.sweep_keys, ","));

  // 1. Verdicts.
  const auto va = verdicts(A), vb = verdicts(B);
  std::map<std::string, std::string> mb(vb.begin(), vb.end());
  std::size_t flips = 0, compared = 0;
  std::vector<std::string> lines, only_a, only_b;
  for (const auto& [k, s] : va) {
    const auto it = mb.find(k);
    if (it == mb.end()) {
      only_a.push_back(k);
      continue;
    }
    ++compared;
    if (it->second != s) {
      ++flips;
      lines.push_back(fmt::format("  [{} -> {}] {}", upper(s), upper(it->second), k));
    }
  }
  std::map<std::string, std::string> ma(va.begin(), va.end());
  for (const auto& [k, s] : vb)
    if (!ma.count(k)) only_b.push_back(k);
  fmt::print("verdicts: {} checks and cells in both, {} changed\n", compared, flips);
  for (const auto& l : lines) fmt::print("{}\n", l);
  for (const auto& k : only_a) fmt::print("  only in A: {}\n", k);
  for (const auto& k : only_b) fmt::print("  only in B: {}\n", k);

  // 2. Tightness ratios of upper bounds.
  std::size_t ratios = 0;
  std::vector<std::pair<double, std::string>> moved;
  for (const auto& ca : ra.cells) {
    const std::string label = ra.cell_label(ca);
    const auto* cb = matching(rb, label);
    if (!cb) continue;
    for (const auto& ba : ca.bounds) {
      if (ba.guarantee != "upper" || !ba.applicable) continue;
      const auto* bb = cb->bound(ba.id);
      if (!bb || !bb->applicable) continue;
      const double x = last_ratio(ca, ba), y = last_ratio(*cb, *bb);
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      ++ratios;
      const double f = std::max(x / y, y / x);
      if (f > args.factor)
        moved.emplace_back(f, fmt::format("  {} [{}]: {:.4g} -> {:.4g} (x{:.3g} {})", ba.id, label, x, y, y / x,
                                          y > x ? "looser" : "tighter"));
    }
  }
  std::sort(moved.begin(), moved.end(), [](const auto& p, const auto& q) { return p.first > q.first; });
  fmt::print("tightness (upper bound / seed mean at the last point): {} compared, {} changed by more than a factor {}\n",
             ratios, moved.size(), args.factor);
  for (const auto& [f, l] : moved) fmt::print("{}\n", l);

  // 3. Seed means, in standard errors of the difference.
  struct Diff {
    double z;
    std::string text;
  };
  std::vector<Diff> diffs;
  std::size_t points = 0;
  for (const auto& ca : ra.cells) {
    const std::string label = ra.cell_label(ca);
    const auto* cb = matching(rb, label);
    if (!cb) continue;
    for (const auto& [metric, sa] : ca.metrics) {
      const auto it = cb->metrics.find(metric);
      if (it == cb->metrics.end()) continue;
      const auto& sb = it->second;
      std::map<std::int64_t, std::size_t> at;
      for (std::size_t j = 0; j < sb.size(); ++j) at.emplace(sb.points[j].iter, j);
      // One line per (metric, cell): its point with the largest difference.
      Diff worst{-1.0, ""};
      for (std::size_t i = 0; i < sa.size(); ++i) {
        const auto f = at.find(sa.points[i].iter);
        if (f == at.end()) continue;
        const std::size_t j = f->second;
        if (sa.mean[i] == sb.mean[j]) {  // also the same infinity (both diverged)
          ++points;
          worst = std::max(worst, Diff{0.0, ""}, [](const Diff& p, const Diff& q) { return p.z < q.z; });
          continue;
        }
        const double d = sb.mean[j] - sa.mean[i];
        const double se = std::sqrt(sa.se[i] * sa.se[i] + sb.se[j] * sb.se[j]);
        ++points;
        // Not finite, or SE = 0 on both sides (a deterministic quantity such as the step) and different: inf.
        const double z = std::isfinite(d) && std::isfinite(se) && se > 0 ? std::abs(d) / se : INFINITY;
        if (z > worst.z)
          worst = {z, fmt::format("  {} [{}] iter {}: {:.6g} -> {:.6g} = {}", metric, label, sa.points[i].iter,
                                  sa.mean[i], sb.mean[j],
                                  std::isfinite(z) ? fmt::format("{:.3g} SE", z)
                                                   : std::string(std::isfinite(d) ? "changed, SE 0 (deterministic)"
                                                                                  : "not finite"))};
      }
      if (worst.z > 0) diffs.push_back(std::move(worst));
    }
  }
  std::stable_sort(diffs.begin(), diffs.end(), [](const Diff& p, const Diff& q) { return p.z > q.z; });
  fmt::print("seed means: {} points in both; largest difference per metric and cell in SE (sqrt(SE_A^2 + SE_B^2))",
             points);
  if (points > 1)
    fmt::print(", by chance about {:.2g} expected at most over independent points", std::sqrt(2.0 * std::log(static_cast<double>(points))));
  fmt::print(":\n");
  for (std::size_t i = 0; i < diffs.size() && i < static_cast<std::size_t>(args.top); ++i) fmt::print("{}\n", diffs[i].text);
  if (flips > 0) fmt::print("{} verdict(s) flipped\n", flips);
  return flips > 0 ? kExitCheckFailed : kExitOk;
}

}  // namespace sgdcheck::cli
