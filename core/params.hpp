#pragma once
/// \file Typed option records. Each component (problem family, runner, check, plot) declares one
/// `Schema`: a table of fields with type, default, range and description. The same table drives the
/// YAML reader, validation, `sgdcheck list`, `resolved.yaml` and the README reference — one name
/// per key, an unknown key is an error (HiGHS / LightGBM style, without aliases).
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/errors.hpp"
#include "core/numbers.hpp"

namespace sgdcheck {

/// A validated option value.
using Value = std::variant<bool, std::int64_t, double, std::string, std::vector<double>>;

/// Renders a value the way it is written in YAML (shortest round-trip form for reals).
std::string to_string(const Value& v);

enum class FieldType { kBool, kInt, kReal, kString, kChoice, kRealList };

/// One option: name (dotted for nested YAML maps, e.g. `step.gamma`), type, default, range, meaning.
struct Field {
  std::string name;
  FieldType type = FieldType::kReal;
  std::optional<Value> default_value;  ///< nullopt: the key is required
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();
  bool lower_open = false;            ///< true: value > lower, false: value >= lower
  bool upper_open = false;
  /// Reals only: ±.inf is accepted (within the range). Set by real_field when the default itself is
  /// infinite ("no limit", e.g. a check's max); every other real must be finite.
  bool allows_inf = false;
  std::vector<std::string> choices;   ///< for kChoice
  std::string description;

  /// "b >= 1", "0 < x <= 1", "one of {a, b}", "list of reals", … (for messages and docs).
  std::string constraint() const;
  std::string type_name() const;
  bool in_range(double x) const;
};

/// Field builders (keep schema tables short and uniform). real_field: a field whose default is ±inf
/// accepts ±.inf; every other real field rejects infinities and NaN.
Field bool_field(std::string name, bool def, std::string description);
Field int_field(std::string name,
                std::optional<std::int64_t> def,
                double lower,
                double upper,
                std::string description);
Field real_field(std::string name,
                 std::optional<double> def,
                 double lower,
                 double upper,
                 std::string description,
                 bool lower_open = false,
                 bool upper_open = false);
Field string_field(std::string name, std::optional<std::string> def, std::string description);
Field choice_field(std::string name,
                   std::optional<std::string> def,
                   std::vector<std::string> choices,
                   std::string description);
Field list_field(std::string name, std::optional<std::vector<double>> def, std::string description);

/// The option table of one component.
struct Schema {
  std::string name;         ///< e.g. "least_squares" or "minibatch_sgd"
  std::string description;  ///< one sentence for `sgdcheck list`
  std::vector<Field> fields;

  const Field* find(const std::string& key) const;
  /// The closest valid key by edit distance (for "did you mean …?"), or "" if none is close.
  std::string nearest(const std::string& key) const;
};

/// An unvalidated value as read from YAML or the command line: scalar text or a list of scalar texts.
struct RawValue {
  std::string scalar;
  std::vector<std::string> list;
  bool is_list = false;
  SourceLoc loc;
};
using RawParams = std::map<std::string, RawValue>;

/// Validated options of one component: every schema field present (defaults filled in), with the
/// source location of each explicit value so later cross-field checks can still name file and line.
class Params {
 public:
  Params() = default;
  /// `scope` prefixes keys in messages ("runner" → "runner.batch").
  Params(const Schema* schema, std::string scope);

  const Schema& schema() const { return *schema_; }
  const std::string& scope() const { return scope_; }

  bool has(const std::string& key) const { return values_.count(key) != 0; }
  bool is_explicit(const std::string& key) const { return locs_.count(key) != 0; }
  const Value& get(const std::string& key) const;
  std::int64_t get_int(const std::string& key) const;
  double get_real(const std::string& key) const;  ///< also accepts integer values
  bool get_bool(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;
  const std::vector<double>& get_list(const std::string& key) const;

  void set(const std::string& key, Value v, SourceLoc loc = {});
  SourceLoc where(const std::string& key) const;

  /// Throws ConfigError "<file>:<line>: <scope>.<key> = <value> violates <constraint>".
  [[noreturn]] void fail(const std::string& key, const std::string& constraint) const;

  const std::map<std::string, Value>& values() const { return values_; }

 private:
  const Schema* schema_ = nullptr;  // not owned; schemas are static tables
  std::string scope_;
  std::map<std::string, Value> values_;
  std::map<std::string, SourceLoc> locs_;
};

/// Parses and checks `raw` against `schema`: unknown key (with suggestion), wrong type, out of range,
/// missing required key — each a ConfigError naming file:line, the qualified key, the value and what
/// was expected. Keys in `ignore` are skipped (e.g. the discriminator `kind`).
Params validate(const Schema& schema,
                const RawParams& raw,
                const std::string& scope,
                const std::vector<std::string>& ignore = {});

/// Parses one scalar text as the field's type (throws ConfigError with `loc`).
Value parse_value(const Field& field, const RawValue& raw, const std::string& qualified_key);

}  // namespace sgdcheck
