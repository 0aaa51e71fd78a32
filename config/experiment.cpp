#include "config/experiment.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>

namespace sgdcheck::config {

namespace {

SourceLoc loc_of(const std::string& file, const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  return SourceLoc{file, m.line >= 0 ? m.line + 1 : 0};  // yaml-cpp lines are 0-based
}

std::string node_kind(const YAML::Node& n);

/// A map key as text; a non-scalar key (`? [a, b]: 1`) is a ConfigError, not a yaml-cpp exception.
std::string key_of(const std::string& file, const YAML::Node& key) {
  if (!key.IsScalar())
    throw ConfigError(loc_of(file, key), "expected a plain key, got a key that is " + node_kind(key));
  return key.Scalar();
}

std::string node_kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Null: return "empty";
    default: return "undefined";
  }
}

/// Flattens nested maps into dotted keys; scalars and lists of scalars become RawValues.
void flatten(const std::string& file, const YAML::Node& map, const std::string& prefix, RawParams& out) {
  for (const auto& kv : map) {
    const std::string key = prefix + key_of(file, kv.first);
    const YAML::Node& v = kv.second;
    const SourceLoc loc = loc_of(file, kv.first);
    if (v.IsMap()) {
      flatten(file, v, key + ".", out);
    } else if (v.IsSequence()) {
      RawValue rv;
      rv.is_list = true;
      rv.loc = loc;
      for (const auto& item : v) {
        if (!item.IsScalar())
          throw ConfigError(loc_of(file, item), key + ": expected a list of scalars, got an item that is " +
                                                    node_kind(item));
        rv.list.push_back(item.Scalar());
      }
      out[key] = std::move(rv);
    } else if (v.IsScalar()) {
      out[key] = RawValue{v.Scalar(), {}, false, loc};
    } else {
      throw ConfigError(loc, key + " has no value: expected a scalar, list or map");
    }
  }
}

struct TopLevel {
  const char* key;
  const char* type;
  const char* def;
  const char* meaning;
};

const TopLevel kTopLevel[] = {
    {"name", "string", "(required)", "experiment name; results go to <out>/<name>/"},
    {"description", "string", "\"\"", "one paragraph for the report"},
    {"paper", "string", "\"\"", "paper key (stich2021, patel2019, …) or `foundation`"},
    {"figure", "string", "\"\"", "which figure / experiment of the paper it reproduces"},
    {"seed", "int >= 0", "0", "experiment seed: every random stream derives from it (overridden by --seed)"},
    {"seeds", "int >= 1", "1", "repetitions per grid cell"},
    {"problem", "map", "(required)", "`family:` plus that family's keys (`sgdcheck list problems`)"},
    {"runner", "map", "(required)", "`kind:` plus that runner's keys (`sgdcheck list runners`)"},
    {"sweep", "map key → list", "{}", "grid: cross product over any scalar problem/runner key"},
    {"quick", "map", "{}", "overrides for --quick (CI): seeds, sweep dimensions, problem/runner keys"},
    {"bounds", "list of ids", "[]", "bounds and exact oracles to evaluate per cell (`sgdcheck list bounds`)"},
    {"checks", "list", "[]", "claims to check, each `{kind: {…}}` (`sgdcheck list checks`)"},
    {"plots", "list", "[]", "figures to draw (`sgdcheck list plots`)"},
    {"tune", "map", "none", "pick the best cell over one sweep key (e.g. the step) per setting of the others; "
                            "checks and plots then see only the winners (`sgdcheck list tune`)"},
};

std::string nearest_top_level(const std::string& key) {
  Schema s;
  for (const auto& t : kTopLevel) s.fields.push_back(string_field(t.key, "", ""));
  return s.nearest(key);
}

std::string scalar_of(const std::string& file, const YAML::Node& v, const std::string& key) {
  if (!v.IsScalar())
    throw ConfigError(loc_of(file, v), key + ": expected a scalar, got " + node_kind(v));
  return v.Scalar();
}

std::int64_t int_of(const std::string& file, const YAML::Node& v, const std::string& key, std::int64_t lower) {
  const std::string s = scalar_of(file, v, key);
  const Field f = int_field(key, std::nullopt, static_cast<double>(lower), kInf, "");
  return std::get<std::int64_t>(parse_value(f, RawValue{s, {}, false, loc_of(file, v)}, key));
}

RawComponent read_component(const std::string& file,
                            const YAML::Node& node,
                            const std::string& what,
                            const std::string& discriminator) {
  if (!node.IsMap())
    throw ConfigError(loc_of(file, node), what + ": expected a map with `" + discriminator + ":`, got " +
                                              node_kind(node));
  RawComponent c;
  c.loc = loc_of(file, node);
  flatten(file, node, "", c.params);
  auto it = c.params.find(discriminator);
  if (it == c.params.end())
    throw ConfigError(c.loc, what + ": missing `" + discriminator + ":` (`sgdcheck list` shows the choices)");
  c.kind = it->second.scalar;
  c.kind_loc = it->second.loc;
  c.params.erase(it);
  return c;
}

std::vector<SweepDim> read_sweep(const std::string& file, const YAML::Node& node) {
  if (!node.IsMap())
    throw ConfigError(loc_of(file, node), "sweep: expected a map of key: [values], got " + node_kind(node));
  RawParams flat;
  flatten(file, node, "", flat);
  std::vector<SweepDim> out;
  // Keep the file's order (flatten's map is sorted): walk the YAML again for the order of keys.
  std::vector<std::string> order;
  std::function<void(const YAML::Node&, const std::string&)> walk = [&](const YAML::Node& m, const std::string& pre) {
    for (const auto& kv : m) {
      const std::string k = pre + key_of(file, kv.first);
      if (kv.second.IsMap())
        walk(kv.second, k + ".");
      else
        order.push_back(k);
    }
  };
  walk(node, "");
  for (const auto& k : order) {
    const RawValue& rv = flat.at(k);
    SweepDim d;
    d.key = k;
    d.loc = rv.loc;
    if (!rv.is_list || rv.list.empty())
      throw ConfigError(rv.loc, "sweep." + k + ": expected a non-empty list of values, e.g. [1, 2, 4]");
    for (const auto& s : rv.list) d.values.push_back(RawValue{s, {}, false, rv.loc});
    out.push_back(std::move(d));
  }
  return out;
}

void merge_sweep(std::vector<SweepDim>& base, std::vector<SweepDim> over) {
  for (auto& d : over) {
    auto it = std::find_if(base.begin(), base.end(), [&](const SweepDim& b) { return b.key == d.key; });
    if (it != base.end())
      *it = std::move(d);
    else
      base.push_back(std::move(d));
  }
}

}  // namespace

const std::vector<TopLevelKey>& top_level_keys() {
  static const std::vector<TopLevelKey> keys = [] {
    std::vector<TopLevelKey> out;
    for (const auto& t : kTopLevel) out.push_back({t.key, t.type, t.def, t.meaning});
    return out;
  }();
  return keys;
}

Experiment read_experiment(const std::string& path, bool quick) {
  if (!std::filesystem::exists(path)) throw ConfigError(SourceLoc{path, 0}, "experiment file not found");
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(SourceLoc{path, e.mark.line >= 0 ? e.mark.line + 1 : 0}, "YAML syntax error: " + e.msg);
  } catch (const YAML::BadFile&) {
    throw ConfigError(SourceLoc{path, 0}, "cannot read experiment file");
  }
  if (!root.IsMap())
    throw ConfigError(SourceLoc{path, 1}, "expected a YAML map of experiment keys, got " + node_kind(root));

  Experiment e;
  e.file = path;
  e.quick = quick;
  YAML::Node quick_node;
  bool have_problem = false, have_runner = false, have_name = false;
  for (const auto& kv : root) {
    const std::string key = key_of(path, kv.first);
    const YAML::Node& v = kv.second;
    const SourceLoc kloc = loc_of(path, kv.first);
    if (key == "name") {
      e.name = scalar_of(path, v, key);
      have_name = true;
      const bool ok = !e.name.empty() && std::all_of(e.name.begin(), e.name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
      });
      if (!ok) throw ConfigError(kloc, "name = " + e.name + ": expected letters, digits, '_', '-', '.' only");
    } else if (key == "description") {
      e.description = scalar_of(path, v, key);
    } else if (key == "paper") {
      e.paper = scalar_of(path, v, key);
    } else if (key == "figure") {
      e.figure = scalar_of(path, v, key);
    } else if (key == "seed") {
      e.seed = static_cast<std::uint64_t>(int_of(path, v, key, 0));
    } else if (key == "seeds") {
      e.seeds = int_of(path, v, key, 1);
    } else if (key == "problem") {
      e.problem = read_component(path, v, "problem", "family");
      have_problem = true;
    } else if (key == "runner") {
      e.runner = read_component(path, v, "runner", "kind");
      have_runner = true;
    } else if (key == "sweep") {
      if (!v.IsNull()) e.sweep = read_sweep(path, v);
    } else if (key == "quick") {
      quick_node = v;
    } else if (key == "bounds") {
      if (v.IsNull()) continue;
      if (!v.IsSequence()) throw ConfigError(kloc, "bounds: expected a list of bound ids, got " + node_kind(v));
      for (const auto& b : v) e.bounds.push_back({scalar_of(path, b, "bounds[]"), loc_of(path, b)});
    } else if (key == "checks") {
      if (v.IsNull()) continue;
      if (!v.IsSequence()) throw ConfigError(kloc, "checks: expected a list, got " + node_kind(v));
      for (const auto& c : v) {
        if (!c.IsMap() || c.size() != 1)
          throw ConfigError(loc_of(path, c), "checks[]: expected a one-key map {check_kind: {options}}");
        RawComponent rc;
        rc.loc = loc_of(path, c);
        rc.kind = key_of(path, c.begin()->first);
        rc.kind_loc = loc_of(path, c.begin()->first);
        const YAML::Node body = c.begin()->second;  // a copy: c.begin() is a temporary
        if (body.IsMap())
          flatten(path, body, "", rc.params);
        else if (!body.IsNull())
          throw ConfigError(rc.kind_loc, "checks[]." + rc.kind + ": expected a map of options, got " + node_kind(body));
        e.checks.push_back(std::move(rc));
      }
    } else if (key == "tune") {
      if (!v.IsMap()) throw ConfigError(kloc, "tune: expected a map {over: KEY, criterion: …}, got " + node_kind(v));
      e.has_tune = true;
      e.tune.loc = kloc;
      flatten(path, v, "", e.tune.params);
    } else if (key == "plots") {
      if (v.IsNull()) continue;
      if (!v.IsSequence()) throw ConfigError(kloc, "plots: expected a list, got " + node_kind(v));
      for (const auto& p : v) {
        if (!p.IsMap()) throw ConfigError(loc_of(path, p), "plots[]: expected a map, got " + node_kind(p));
        RawComponent rc;
        rc.loc = loc_of(path, p);
        flatten(path, p, "", rc.params);
        e.plots.push_back(std::move(rc));
      }
    } else {
      const std::string near = nearest_top_level(key);
      throw ConfigError(kloc,
                        "unknown top-level key " + key + (near.empty() ? "" : " (did you mean " + near + "?)"));
    }
  }
  if (!have_name) throw ConfigError(SourceLoc{path, 1}, "missing required key name");
  if (!have_problem) throw ConfigError(SourceLoc{path, 1}, "missing required key problem");
  if (!have_runner) throw ConfigError(SourceLoc{path, 1}, "missing required key runner");

  if (quick && quick_node && !quick_node.IsNull()) {
    if (!quick_node.IsMap()) throw ConfigError(loc_of(path, quick_node), "quick: expected a map");
    for (const auto& kv : quick_node) {
      const std::string key = key_of(path, kv.first);
      const YAML::Node& v = kv.second;
      if (key == "seeds") {
        e.seeds = int_of(path, v, "quick.seeds", 1);
      } else if (key == "sweep") {
        merge_sweep(e.sweep, read_sweep(path, v));
      } else if (key == "problem" || key == "runner") {
        if (!v.IsMap()) throw ConfigError(loc_of(path, v), "quick." + key + ": expected a map of overrides");
        RawParams over;
        flatten(path, v, "", over);
        auto& target = key == "problem" ? e.problem : e.runner;
        for (auto& [k, rv] : over) {
          if (k == "family" || k == "kind")
            throw ConfigError(rv.loc, "quick." + key + "." + k + ": the quick form cannot change the " + k);
          target.params[k] = std::move(rv);
        }
      } else {
        throw ConfigError(loc_of(path, kv.first),
                          "unknown key quick." + key + ": expected seeds, sweep, problem or runner");
      }
    }
  } else if (quick_node && !quick_node.IsNull() && !quick_node.IsMap()) {
    throw ConfigError(loc_of(path, quick_node), "quick: expected a map");
  }
  return e;
}

std::vector<Cell> expand_grid(const Experiment& e) {
  std::size_t total = 1;
  for (const auto& d : e.sweep) total *= d.values.size();
  std::vector<Cell> cells;
  cells.reserve(total);
  for (std::size_t id = 0; id < total; ++id) {
    Cell c;
    c.id = id;
    c.problem = e.problem.params;
    c.runner = e.runner.params;
    // Mixed radix, last dimension fastest.
    std::size_t rest = id;
    std::vector<std::size_t> idx(e.sweep.size());
    for (std::size_t k = e.sweep.size(); k-- > 0;) {
      idx[k] = rest % e.sweep[k].values.size();
      rest /= e.sweep[k].values.size();
    }
    for (std::size_t k = 0; k < e.sweep.size(); ++k) {
      const auto& d = e.sweep[k];
      const RawValue& v = d.values[idx[k]];
      const auto dot = d.key.find('.');
      const std::string scope = d.key.substr(0, dot);
      const std::string key = d.key.substr(dot + 1);
      (scope == "problem" ? c.problem : c.runner)[key] = v;
      c.sweep_values.push_back(v.scalar);
    }
    cells.push_back(std::move(c));
  }
  return cells;
}

}  // namespace sgdcheck::config
