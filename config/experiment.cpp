#include "config/experiment.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace sgdcheck::config {

namespace {

SourceLoc loc_of(const std::string& file, const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  return SourceLoc{file, m.line >= 0 ? m.line + 1 : 0};  // yaml-cpp lines are 0-based
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

/// Length of the UTF-8 sequence starting at text[i] (1..4), or 0 if it is not valid UTF-8
/// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_length(const std::string& text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t len = 0;
  std::uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

/// Offset of the first byte that is not valid UTF-8 or is a control character other than tab, LF
/// and CR, or npos.
std::size_t first_bad_byte(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return i;
    const std::size_t len = utf8_length(text, i);
    if (len == 0) return i;
    i += len;
  }
  return std::string::npos;
}

std::string bad_byte_message(const std::string& text, std::size_t at) {
  const auto c = static_cast<unsigned char>(text[at]);
  const bool control = c < 0x20 || c == 0x7F;
  return fmt::format("byte 0x{:02X} is {}, expected UTF-8 text", c,
                     control ? "a control character" : "not valid UTF-8");
}

/// Rejects text that is not UTF-8 (or holds control characters) before YAML sees it, naming the line.
void check_text(const std::string& file, const std::string& text) {
  const std::size_t at = first_bad_byte(text);
  if (at == std::string::npos) return;
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  const auto col = at - (text.rfind('\n', at) == std::string::npos ? std::size_t{0} : text.rfind('\n', at) + 1) + 1;
  throw ConfigError(SourceLoc{file, static_cast<int>(line)},
                    fmt::format("column {}: {}", col, bad_byte_message(text, at)));
}

/// Structural limits of an experiment file: every map key a scalar, no key twice in one map, every
/// scalar UTF-8 without control characters (escapes such as "\x00" or "\ud800" produce them after
/// parsing), bounded nesting and a bounded number of nodes counted through aliases (so `&a`/`*a`
/// chains cannot expand exponentially).
struct TreeCheck {
  const std::string& file;
  std::size_t nodes = 0;

  static constexpr std::size_t kMaxNodes = 100'000;
  static constexpr int kMaxDepth = 64;

  void scalar_text(const YAML::Node& n, const std::string& text, const std::string& what) const {
    // Newlines and tabs are fine inside block scalars (description: |).
    const std::size_t at = first_bad_byte(text);
    if (at != std::string::npos) throw ConfigError(loc_of(file, n), what + ": " + bad_byte_message(text, at));
  }

  void walk(const YAML::Node& n, int depth) {
    if (++nodes > kMaxNodes)
      throw ConfigError(loc_of(file, n), fmt::format("more than {} YAML nodes (counting every use of an alias), "
                                                     "expected a short experiment file", kMaxNodes));
    if (depth > kMaxDepth)
      throw ConfigError(loc_of(file, n), fmt::format("nested deeper than {} levels (counting aliases), expected a "
                                                     "short experiment file", kMaxDepth));
    if (n.IsScalar()) {
      scalar_text(n, n.Scalar(), "value");
    } else if (n.IsSequence()) {
      for (const auto& item : n) walk(item, depth + 1);
    } else if (n.IsMap()) {
      std::map<std::string, int> seen;
      for (const auto& kv : n) {
        if (!kv.first.IsScalar())
          throw ConfigError(loc_of(file, kv.first),
                            "a map key is " + node_kind(kv.first) + ", expected a plain name such as seeds");
        const std::string key = kv.first.Scalar();
        scalar_text(kv.first, key, "key");
        const int line = loc_of(file, kv.first).line;
        auto [it, inserted] = seen.emplace(key, line);
        if (!inserted)
          throw ConfigError(loc_of(file, kv.first),
                            fmt::format("duplicate key {} (also at line {}): each key may appear once in a map",
                                        key, it->second));
        walk(kv.second, depth + 1);
      }
    }
  }
};

/// Flattens nested maps into dotted keys; scalars and lists of scalars become RawValues.
void flatten(const std::string& file, const YAML::Node& map, const std::string& prefix, RawParams& out) {
  for (const auto& kv : map) {
    const std::string key = prefix + kv.first.Scalar();
    const YAML::Node v = kv.second;
    const SourceLoc loc = loc_of(file, kv.first);
    if (auto it = out.find(key); it != out.end())
      throw ConfigError(loc, fmt::format("duplicate key {} (also at line {}, written with dots or nested): each key "
                                         "may appear once", key, it->second.loc.line));
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
    {"name", "file name", "(required)", "experiment name: 1 to 100 letters, digits, '_', '-', '.', not starting with "
                                        "'.'; results go to <out>/<name>/"},
    {"description", "string", "\"\"", "one paragraph for the report"},
    {"paper", "string", "\"\"", "paper key (stich2021, patel2019, …) or `foundation`"},
    {"figure", "string", "\"\"", "which figure / experiment of the paper it reproduces"},
    {"seed", "int >= 0", "0", "experiment seed: every random stream derives from it (overridden by --seed)"},
    {"seeds", "1 <= int <= 1e6", "1", "repetitions per grid cell (grid cells x seeds <= 1e7)"},
    {"problem", "map", "(required)", "`family:` plus that family's keys (`sgdcheck list problems`)"},
    {"runner", "map", "(required)", "`kind:` plus that runner's keys (`sgdcheck list runners`)"},
    {"sweep", "map key → list", "{}", "grid: cross product over any scalar problem/runner key (distinct values, "
                                      "at most 1e5 cells)"},
    {"quick", "map", "{}", "overrides for --quick (CI): seeds, sweep dimensions, problem/runner keys (checked "
                           "also without --quick)"},
    {"bounds", "list of ids or maps", "[]",
     "bounds and exact oracles to evaluate per cell (`sgdcheck list bounds`), or bounds of your own: "
     "{id, expr, metric, guarantee, label, reference, title, when} (README \"Bounds of your own\")"},
    {"checks", "list", "[]", "claims to check, each `{kind: {…}}` (`sgdcheck list checks`)"},
    {"plots", "list", "[]", "figures to draw (`sgdcheck list plots`)"},
    {"outputs", "map", "{traces: false}",
     "what is written besides summary.csv: `traces: true` writes every metric of every run to results.csv "
     "(default: only the per-run values that a check or plot needs; also `sgdcheck run --traces`)"},
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

std::int64_t int_of(const std::string& file,
                    const YAML::Node& v,
                    const std::string& key,
                    std::int64_t lower,
                    double upper = kInf) {
  const std::string s = scalar_of(file, v, key);
  const Field f = int_field(key, std::nullopt, static_cast<double>(lower), upper, "");
  return std::get<std::int64_t>(parse_value(f, RawValue{s, {}, false, loc_of(file, v)}, key));
}

/// One `bounds:` entry written as a map (a bound of the user's own).
YamlBound read_yaml_bound(const std::string& file, const YAML::Node& node) {
  static const std::vector<std::string> kKeys = {"id", "expr", "metric", "guarantee", "label", "reference", "title", "when"};
  YamlBound b;
  b.loc = loc_of(file, node);
  for (const auto& kv : node) {
    const std::string key = scalar_of(file, kv.first, "bounds[] key");
    const SourceLoc at = loc_of(file, kv.second);
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      Schema s;
      for (const auto& k : kKeys) s.fields.push_back(string_field(k, "", ""));
      const std::string near = s.nearest(key);
      throw ConfigError(loc_of(file, kv.first), "bounds[]: unknown key " + key +
                                                    (near.empty() ? "" : " (did you mean " + near + "?)") +
                                                    "; a bound of your own has id, expr, metric, guarantee, label, "
                                                    "reference, title, when");
    }
    const std::string value = scalar_of(file, kv.second, "bounds[]." + key);
    if (key == "id") b.id = value;
    else if (key == "expr") b.expr = value, b.expr_loc = at;
    else if (key == "metric") b.metric = value, b.metric_loc = at;
    else if (key == "guarantee") b.guarantee = value, b.guarantee_loc = at;
    else if (key == "label") b.label = value, b.label_loc = at;
    else if (key == "reference") b.reference = value;
    else if (key == "title") b.title = value;
    else if (key == "when") b.when = value, b.when_loc = at;
  }
  for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"id", &b.id}, {"expr", &b.expr},
                                   {"metric", &b.metric}})
    if (value->empty())
      throw ConfigError(b.loc, std::string("bounds[]: ") + key + " is missing; a bound of your own needs id, expr and "
                                                             "metric, e.g. {id: draft.eq7, expr: \"(1 - gamma*mu)^t * r0\", "
                                                             "metric: dist2}");
  if (b.guarantee_loc.line == 0) b.guarantee_loc = b.loc;
  if (b.label_loc.line == 0) b.label_loc = b.loc;
  if (b.when_loc.line == 0) b.when_loc = b.loc;
  return b;
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

std::string trim_blanks(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
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
      const std::string k = pre + kv.first.Scalar();
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
    std::map<std::string, std::size_t> seen;
    for (const auto& s : rv.list) {
      const std::string t = trim_blanks(s);
      if (!seen.emplace(t, seen.size()).second)
        throw ConfigError(rv.loc, fmt::format("sweep.{}: value {} appears twice, expected distinct values (each "
                                              "value is one grid point)", k, t));
      d.values.push_back(RawValue{s, {}, false, rv.loc});
    }
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

void check_experiment_name(const SourceLoc& loc, const std::string& name) {
  const bool chars_ok = std::all_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x80 && std::isalnum(u)) || c == '_' || c == '-' || c == '.';
  });
  if (name.empty() || name.size() > kMaxNameLength || !chars_ok || name.front() == '.')
    throw ConfigError(loc, fmt::format("name = {}: expected a plain file name of 1 to {} letters, digits, '_', '-', "
                                       "'.', not starting with '.' (results go to OUT/<name>/)",
                                       name, kMaxNameLength));
}

/// Grid cells and runs are bounded before anything is expanded or allocated.
void check_size(const Experiment& e) {
  std::size_t cells = 1;
  for (const auto& d : e.sweep) {
    if (d.values.size() > kMaxCells / cells)
      throw ConfigError(d.loc, fmt::format("sweep: the grid has more than {} cells (the product of the sweep "
                                           "lengths), expected at most {}", kMaxCells, kMaxCells));
    cells *= d.values.size();
  }
  const auto seeds = static_cast<std::size_t>(e.seeds);
  if (seeds > kMaxRuns / cells)
    throw ConfigError(SourceLoc{e.file, 0},
                      fmt::format("seeds = {} times {} grid cells is more than {} runs, expected at most {} runs",
                                  e.seeds, cells, kMaxRuns, kMaxRuns));
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
  if (std::filesystem::is_directory(path)) throw ConfigError(SourceLoc{path, 0}, "is a directory, expected an experiment file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(SourceLoc{path, 0}, "cannot read experiment file");
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxExperimentBytes)
      throw ConfigError(SourceLoc{path, 0}, fmt::format("file larger than {} bytes, expected a short experiment "
                                                        "file (data belong in data.file)", kMaxExperimentBytes));
  }
  if (in.bad()) throw ConfigError(SourceLoc{path, 0}, "cannot read experiment file");
  return read_experiment_text(text, path, quick);
}

namespace {

/// Where each YAML document of a text starts, by a bounded walk of the parser's events.
///
/// yaml-cpp 0.7's YAML::LoadAll never returns (and allocates without end) on a stray ',' outside a
/// flow collection, e.g. the two-byte file ",8": its parser hands out the same empty document
/// again and again without consuming the token (yaml-cpp issue #1040, fixed upstream after 0.7).
/// So documents are counted here, stopping at the second one, and a document that starts where the
/// previous one did — the parser made no progress — is a syntax error at that place.
class DocumentStarts final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;  ///< where each document starts (the end of the previous one)
  std::vector<YAML::Mark> roots;   ///< where each document's root node is (its first event)
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { node(m); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& m) {
    if (roots.size() < starts.size()) roots.push_back(m);
  }
};

/// Parses the first YAML document of `text` (YAML::ParserException propagates). Throws ConfigError
/// for a second document or a parser that makes no progress.
YAML::Node load_single_document(const std::string& path, const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts events;
  while (events.starts.size() < 2 && parser.HandleNextDocument(events)) {
  }
  if (events.starts.size() == 2) {
    const YAML::Mark& second = events.roots.size() == 2 ? events.roots[1] : events.starts[1];
    const SourceLoc where{path, second.line >= 0 ? second.line + 1 : 0};
    if (second.pos == events.starts[0].pos)
      throw ConfigError(where, "YAML syntax error: unexpected ',' outside a flow collection ([...] or {...})");
    throw ConfigError(where, "a second YAML document (after ---): expected one experiment per file");
  }
  return YAML::Load(text);
}

}  // namespace

Experiment read_experiment_text(const std::string& text, const std::string& name_for_messages, bool quick) {
  const std::string& path = name_for_messages;
  if (text.size() > kMaxExperimentBytes)
    throw ConfigError(SourceLoc{path, 0}, fmt::format("file larger than {} bytes, expected a short experiment "
                                                      "file (data belong in data.file)", kMaxExperimentBytes));
  check_text(path, text);
  YAML::Node root;
  try {
    root = load_single_document(path, text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(SourceLoc{path, e.mark.line >= 0 ? e.mark.line + 1 : 0}, "YAML syntax error: " + e.msg);
  }
  if (!root.IsMap())
    throw ConfigError(SourceLoc{path, 1}, "expected a YAML map of experiment keys, got " + node_kind(root));
  TreeCheck{path}.walk(root, 0);

  Experiment e;
  e.file = path;
  e.quick = quick;
  YAML::Node quick_node;
  bool have_problem = false, have_runner = false, have_name = false;
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    const YAML::Node v = kv.second;
    const SourceLoc kloc = loc_of(path, kv.first);
    if (key == "name") {
      e.name = scalar_of(path, v, key);
      have_name = true;
      check_experiment_name(kloc, e.name);
    } else if (key == "description") {
      e.description = scalar_of(path, v, key);
    } else if (key == "paper") {
      e.paper = scalar_of(path, v, key);
    } else if (key == "figure") {
      e.figure = scalar_of(path, v, key);
    } else if (key == "seed") {
      e.seed = static_cast<std::uint64_t>(int_of(path, v, key, 0));
    } else if (key == "seeds") {
      e.seeds = int_of(path, v, key, 1, static_cast<double>(kMaxSeeds));
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
      if (!v.IsSequence())
        throw ConfigError(kloc, "bounds: expected a list of bound ids or {id:, expr:, metric:} maps, got " + node_kind(v));
      for (const auto& b : v) {
        if (b.IsMap()) {
          e.yaml_bounds.push_back(read_yaml_bound(path, b));
          e.bounds.push_back({e.yaml_bounds.back().id, e.yaml_bounds.back().loc});
        } else {
          e.bounds.push_back({scalar_of(path, b, "bounds[]"), loc_of(path, b)});
        }
      }
    } else if (key == "checks") {
      if (v.IsNull()) continue;
      if (!v.IsSequence()) throw ConfigError(kloc, "checks: expected a list, got " + node_kind(v));
      for (const auto& c : v) {
        if (!c.IsMap() || c.size() != 1)
          throw ConfigError(loc_of(path, c), "checks[]: expected a one-key map {check_kind: {options}}");
        // Copies, not references: the iterator's pair is a temporary (a reference to its member
        // dangled: ASan stack-use-after-scope).
        const auto entry = *c.begin();
        const YAML::Node kind_node = entry.first;
        const YAML::Node body = entry.second;
        RawComponent rc;
        rc.loc = loc_of(path, c);
        rc.kind = kind_node.Scalar();
        rc.kind_loc = loc_of(path, kind_node);
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
    } else if (key == "outputs") {
      if (v.IsNull()) continue;
      if (!v.IsMap()) throw ConfigError(kloc, "outputs: expected a map {traces: true|false}, got " + node_kind(v));
      for (const auto& entry : v) {
        const std::string k = entry.first.as<std::string>();
        if (k != "traces")
          throw ConfigError(loc_of(path, entry.first), "unknown key outputs." + k + ": expected traces");
        const std::string t = scalar_of(path, entry.second, "outputs.traces");
        if (t != "true" && t != "false")
          throw ConfigError(loc_of(path, entry.second), "outputs.traces = " + t + ": expected true or false");
        e.traces = t == "true";
      }
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

  // The quick block is read and checked whether or not it is applied, so a typo in it fails
  // `sgdcheck validate` and a full run, not only CI's --quick run.
  if (quick_node && !quick_node.IsNull()) {
    if (!quick_node.IsMap()) throw ConfigError(loc_of(path, quick_node), "quick: expected a map");
    QuickForm& q = e.quick_form;
    q.present = true;
    q.loc = loc_of(path, quick_node);
    for (const auto& kv : quick_node) {
      const std::string key = kv.first.Scalar();
      const YAML::Node v = kv.second;
      if (key == "seeds") {
        q.seeds = int_of(path, v, "quick.seeds", 1, static_cast<double>(kMaxSeeds));
      } else if (key == "sweep") {
        q.sweep = read_sweep(path, v);
      } else if (key == "problem" || key == "runner") {
        if (!v.IsMap()) throw ConfigError(loc_of(path, v), "quick." + key + ": expected a map of overrides");
        RawParams over;
        flatten(path, v, "", over);
        for (const auto& [k, rv] : over)
          if (k == "family" || k == "kind")
            throw ConfigError(rv.loc, "quick." + key + "." + k + ": the quick form cannot change the " + k);
        (key == "problem" ? q.problem : q.runner) = std::move(over);
      } else {
        throw ConfigError(loc_of(path, kv.first),
                          "unknown key quick." + key + ": expected seeds, sweep, problem or runner");
      }
    }
    if (quick) {
      if (q.seeds) e.seeds = *q.seeds;
      merge_sweep(e.sweep, q.sweep);
      for (const auto& [k, rv] : q.problem) e.problem.params[k] = rv;
      for (const auto& [k, rv] : q.runner) e.runner.params[k] = rv;
    }
  }
  check_size(e);
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
