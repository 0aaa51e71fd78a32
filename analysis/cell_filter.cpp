#include "analysis/cell_filter.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>

#include "analysis/expression.hpp"
#include "core/errors.hpp"

namespace sgdcheck::analysis {

namespace {
std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  const auto b = s.find_last_not_of(" \t");
  return s.substr(a, b - a + 1);
}
std::string unscoped(const std::string& k) {
  const auto dot = k.find('.');
  return dot == std::string::npos ? k : k.substr(dot + 1);
}
}  // namespace

std::optional<double> parse_number(const std::string& text) {
  const std::string t = trim(text);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return v;
}

std::optional<std::size_t> SweepKeys::find(const std::string& key) const {
  for (std::size_t k = 0; k < keys_.size(); ++k)
    if (keys_[k] == key || unscoped(keys_[k]) == key) return k;
  return std::nullopt;
}

std::vector<std::string> SweepKeys::spellings() const {
  std::vector<std::string> out;
  for (const auto& k : keys_) {
    out.push_back(k);
    if (unscoped(k) != k) out.push_back(unscoped(k));
  }
  return out;
}

std::size_t SweepKeys::resolve(const std::string& key, const std::string& what) const {
  if (auto k = find(key)) return *k;
  const std::string near = nearest_name(key, spellings());
  std::string list;
  for (const auto& k : keys_) list += (list.empty() ? "" : ", ") + k;
  throw ConfigError(what + " = " + key + ": not a sweep key of this experiment" +
                    (near.empty() ? "" : " (did you mean " + near + "?)") +
                    (list.empty() ? "; the experiment has no sweep" : "; sweep keys: " + list));
}

bool CellFilter::matches(const std::vector<std::string>& sweep_values) const {
  for (const auto& t : terms_) {
    const std::string& v = sweep_values[t.key];
    if (v == t.value) continue;
    if (t.number) {
      const auto n = parse_number(v);
      if (n && *n == *t.number) continue;
    }
    return false;
  }
  return true;
}

std::vector<bool> CellFilter::named_keys(std::size_t key_count) const {
  std::vector<bool> named(key_count, false);
  for (const auto& t : terms_)
    if (t.key < key_count) named[t.key] = true;
  return named;
}

CellFilter parse_filter(const std::string& text,
                        const SweepKeys& keys,
                        const std::string& what,
                        const std::vector<std::vector<std::string>>* grid) {
  CellFilter f;
  f.text_ = text;
  if (trim(text).empty()) return f;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    const std::string term = trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (term.empty()) throw ConfigError(what + " = " + text + ": empty term (expected key=value[, key=value])");
    const auto eq = term.find('=');
    if (eq == std::string::npos || term.find('=', eq + 1) != std::string::npos)
      throw ConfigError(what + " = " + text + ": term '" + term + "' is not key=value (expected key=value[, key=value])");
    const std::string key = trim(term.substr(0, eq)), value = trim(term.substr(eq + 1));
    if (key.empty() || value.empty())
      throw ConfigError(what + " = " + text + ": term '" + term + "' is not key=value (expected key=value[, key=value])");
    const std::size_t k = keys.resolve(key, what);
    for (const auto& t : f.terms_)
      if (t.key == k) throw ConfigError(what + " = " + text + ": sweep key " + keys.keys()[k] + " is named twice");
    FilterTerm t{k, value, parse_number(value)};
    if (grid) {
      CellFilter one;
      one.terms_ = {t};
      bool any = false;
      std::vector<std::string> seen;
      for (const auto& row : *grid) {
        if (k < row.size() && one.matches(row)) any = true;
        if (k < row.size() && std::find(seen.begin(), seen.end(), row[k]) == seen.end()) seen.push_back(row[k]);
      }
      if (!any) {
        const std::string near = nearest_name(value, seen);
        std::string list;
        for (const auto& s : seen) list += (list.empty() ? "" : ", ") + s;
        throw ConfigError(what + " = " + text + ": no cell has " + keys.keys()[k] + " = " + value +
                          (near.empty() ? "" : " (did you mean " + near + "?)") + "; its values are {" + list + "}");
      }
    }
    f.terms_.push_back(std::move(t));
  }
  return f;
}

std::string group_key(const std::vector<std::string>& values, const std::vector<bool>& ignore) {
  std::string k;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (i >= ignore.size() || !ignore[i]) k += values[i] + "\x1f";
  return k;
}

std::vector<Group> group_cells(const SweepKeys& keys,
                               const std::vector<const std::vector<std::string>*>& values,
                               const std::vector<bool>& ignore) {
  std::vector<Group> out;
  std::map<std::string, std::size_t> index;
  for (std::size_t c = 0; c < values.size(); ++c) {
    const auto& v = *values[c];
    const std::string key = group_key(v, ignore);
    auto [it, inserted] = index.emplace(key, out.size());
    if (inserted) {
      Group g;
      for (std::size_t i = 0; i < v.size() && i < keys.size(); ++i) {
        if (i < ignore.size() && ignore[i]) continue;
        g.label += (g.label.empty() ? "" : ", ") + keys.keys()[i] + "=" + v[i];
      }
      if (g.label.empty()) g.label = "all";
      out.push_back(std::move(g));
    }
    out[it->second].members.push_back(c);
  }
  return out;
}

}  // namespace sgdcheck::analysis
