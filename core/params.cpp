#include "core/params.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace sgdcheck {

namespace {

std::string fmt_real(double x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return fmt::format("{}", x);
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::optional<double> parse_real(const std::string& raw) {
  const std::string text = trim(raw);
  const std::string t = lower(text);
  if (t == "inf" || t == ".inf" || t == "+inf" || t == "+.inf") return kInf;
  if (t == "-inf" || t == "-.inf") return -kInf;
  if (t == "nan" || t == ".nan") return std::numeric_limits<double>::quiet_NaN();
  double x = 0.0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, last, x);
  if (ec != std::errc{} || ptr != last) return std::nullopt;
  return x;
}

std::optional<std::int64_t> parse_int(const std::string& raw) {
  const std::string text = trim(raw);
  std::int64_t x = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, last, x);
  if (ec == std::errc{} && ptr == last) return x;
  // Accept integral reals such as 1e4 for convenience.
  if (auto r = parse_real(text); r && std::isfinite(*r) && std::floor(*r) == *r && std::abs(*r) < 9e18)
    return static_cast<std::int64_t>(*r);
  return std::nullopt;
}

}  // namespace

std::string to_string(const Value& v) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double x) const { return fmt_real(x); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const std::vector<double>& l) const {
      std::string out = "[";
      for (std::size_t i = 0; i < l.size(); ++i) out += (i ? ", " : "") + fmt_real(l[i]);
      return out + "]";
    }
  };
  return std::visit(Visitor{}, v);
}

std::string Field::type_name() const {
  switch (type) {
    case FieldType::kBool: return "bool";
    case FieldType::kInt: return "int";
    case FieldType::kReal: return "real";
    case FieldType::kString: return "string";
    case FieldType::kChoice: return "choice";
    case FieldType::kRealList: return "list of reals";
  }
  return "?";
}

bool Field::in_range(double x) const {
  if (std::isnan(x)) return false;
  const bool lo_ok = lower_open ? x > lower : x >= lower;
  const bool hi_ok = upper_open ? x < upper : x <= upper;
  return lo_ok && hi_ok;
}

std::string Field::constraint() const {
  const std::string key = name.substr(name.rfind('.') == std::string::npos ? 0 : name.rfind('.') + 1);
  switch (type) {
    case FieldType::kBool: return key + " is true or false";
    case FieldType::kString: return key + " is a string";
    case FieldType::kRealList: return key + " is a list of finite reals";
    case FieldType::kChoice: {
      std::string out = key + " is one of {";
      for (std::size_t i = 0; i < choices.size(); ++i) out += (i ? ", " : "") + choices[i];
      return out + "}";
    }
    case FieldType::kInt:
    case FieldType::kReal: {
      const bool has_lo = std::isfinite(lower);
      const bool has_hi = std::isfinite(upper);
      const std::string kind = type == FieldType::kInt ? "an integer" : "a finite real";
      if (!has_lo && !has_hi) return key + " is " + kind;
      if (has_lo && !has_hi) return key + (lower_open ? " > " : " >= ") + fmt_real(lower);
      if (!has_lo) return key + (upper_open ? " < " : " <= ") + fmt_real(upper);
      return fmt_real(lower) + (lower_open ? " < " : " <= ") + key + (upper_open ? " < " : " <= ") +
             fmt_real(upper);
    }
  }
  return key;
}

Field bool_field(std::string name, bool def, std::string description) {
  Field f;
  f.name = std::move(name);
  f.type = FieldType::kBool;
  f.default_value = Value{def};
  f.description = std::move(description);
  return f;
}

Field int_field(std::string name,
                std::optional<std::int64_t> def,
                double lower,
                double upper,
                std::string description) {
  Field f;
  f.name = std::move(name);
  f.type = FieldType::kInt;
  if (def) f.default_value = Value{*def};
  f.lower = lower;
  f.upper = upper;
  f.description = std::move(description);
  return f;
}

Field real_field(std::string name,
                 std::optional<double> def,
                 double lower,
                 double upper,
                 std::string description,
                 bool lower_open,
                 bool upper_open) {
  Field f;
  f.name = std::move(name);
  f.type = FieldType::kReal;
  if (def) f.default_value = Value{*def};
  f.allows_inf = def && std::isinf(*def);
  f.lower = lower;
  f.upper = upper;
  f.lower_open = lower_open;
  f.upper_open = upper_open;
  f.description = std::move(description);
  return f;
}

Field string_field(std::string name, std::optional<std::string> def, std::string description) {
  Field f;
  f.name = std::move(name);
  f.type = FieldType::kString;
  if (def) f.default_value = Value{*def};
  f.description = std::move(description);
  return f;
}

Field choice_field(std::string name,
                   std::optional<std::string> def,
                   std::vector<std::string> choices,
                   std::string description) {
  Field f;
  f.name = std::move(name);
  f.type = FieldType::kChoice;
  if (def) f.default_value = Value{*def};
  f.choices = std::move(choices);
  f.description = std::move(description);
  return f;
}

Field list_field(std::string name, std::optional<std::vector<double>> def, std::string description) {
  Field f;
  f.name = std::move(name);
  f.type = FieldType::kRealList;
  if (def) f.default_value = Value{*def};
  f.description = std::move(description);
  return f;
}

const Field* Schema::find(const std::string& key) const {
  for (const auto& f : fields)
    if (f.name == key) return &f;
  return nullptr;
}

std::string Schema::nearest(const std::string& key) const {
  std::string best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& f : fields) {
    const std::size_t d = edit_distance(lower(key), lower(f.name));
    if (d < best_d) {
      best_d = d;
      best = f.name;
    }
  }
  // Only suggest when the typo is plausible (at most a third of the key changed, at least 1 edit).
  return best_d <= std::max<std::size_t>(2, key.size() / 3) ? best : std::string{};
}

Params::Params(const Schema* schema, std::string scope) : schema_(schema), scope_(std::move(scope)) {}

const Value& Params::get(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end())
    throw std::logic_error("Params::get: no key '" + key + "' in " + scope_ + " (schema " +
                           (schema_ ? schema_->name : std::string("?")) + ")");
  return it->second;
}

std::int64_t Params::get_int(const std::string& key) const {
  const Value& v = get(key);
  if (auto p = std::get_if<std::int64_t>(&v)) return *p;
  throw std::logic_error("Params::get_int: '" + key + "' is not an integer");
}

double Params::get_real(const std::string& key) const {
  const Value& v = get(key);
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<std::int64_t>(&v)) return static_cast<double>(*p);
  throw std::logic_error("Params::get_real: '" + key + "' is not a number");
}

bool Params::get_bool(const std::string& key) const {
  const Value& v = get(key);
  if (auto p = std::get_if<bool>(&v)) return *p;
  throw std::logic_error("Params::get_bool: '" + key + "' is not a bool");
}

const std::string& Params::get_string(const std::string& key) const {
  const Value& v = get(key);
  if (auto p = std::get_if<std::string>(&v)) return *p;
  throw std::logic_error("Params::get_string: '" + key + "' is not a string");
}

const std::vector<double>& Params::get_list(const std::string& key) const {
  const Value& v = get(key);
  if (auto p = std::get_if<std::vector<double>>(&v)) return *p;
  throw std::logic_error("Params::get_list: '" + key + "' is not a list");
}

void Params::set(const std::string& key, Value v, SourceLoc loc) {
  values_[key] = std::move(v);
  if (!loc.file.empty() || loc.line > 0) locs_[key] = std::move(loc);
}

SourceLoc Params::where(const std::string& key) const {
  auto it = locs_.find(key);
  return it == locs_.end() ? SourceLoc{} : it->second;
}

void Params::fail(const std::string& key, const std::string& constraint) const {
  const std::string qualified = scope_.empty() ? key : scope_ + "." + key;
  const std::string value = has(key) ? to_string(get(key)) : std::string("(missing)");
  throw ConfigError(where(key), qualified + " = " + value + " violates " + constraint);
}

Value parse_value(const Field& field, const RawValue& raw, const std::string& qualified_key) {
  auto bad = [&](const std::string& shown, const std::string& expected) -> ConfigError {
    return ConfigError(raw.loc, qualified_key + " = " + shown + ": expected " + expected);
  };
  if (field.type == FieldType::kRealList) {
    if (!raw.is_list) throw bad(raw.scalar, "a list of finite reals, e.g. [1, 2, 3]");
    std::vector<double> out;
    for (const auto& item : raw.list) {
      auto x = parse_real(item);
      if (!x || !std::isfinite(*x)) throw bad("[... " + item + " ...]", "a list of finite reals");
      out.push_back(*x);
    }
    return out;
  }
  if (raw.is_list) throw bad("[list]", "a single " + field.type_name() + " (" + field.constraint() + ")");
  const std::string& text = raw.scalar;
  switch (field.type) {
    case FieldType::kBool: {
      const std::string t = lower(text);
      if (t == "true" || t == "yes" || t == "on") return true;
      if (t == "false" || t == "no" || t == "off") return false;
      throw bad(text, "true or false");
    }
    case FieldType::kInt: {
      auto x = parse_int(text);
      if (!x) throw bad(text, "an integer (" + field.constraint() + ")");
      if (!field.in_range(static_cast<double>(*x)))
        throw ConfigError(raw.loc, qualified_key + " = " + text + " violates " + field.constraint());
      return *x;
    }
    case FieldType::kReal: {
      auto x = parse_real(text);
      if (!x) throw bad(text, "a real number (" + field.constraint() + ")");
      if (!std::isfinite(*x) && !(std::isinf(*x) && field.allows_inf && field.in_range(*x)))
        throw bad(text, "a finite real (" + field.constraint() + ")");
      if (!field.in_range(*x))
        throw ConfigError(raw.loc, qualified_key + " = " + text + " violates " + field.constraint());
      return *x;
    }
    case FieldType::kString: return text;
    case FieldType::kChoice: {
      if (std::find(field.choices.begin(), field.choices.end(), text) == field.choices.end())
        throw ConfigError(raw.loc, qualified_key + " = " + text + " violates " + field.constraint());
      return text;
    }
    case FieldType::kRealList: break;
  }
  throw std::logic_error("parse_value: unhandled field type");
}

Params validate(const Schema& schema,
                const RawParams& raw,
                const std::string& scope,
                const std::vector<std::string>& ignore) {
  Params out(&schema, scope);
  auto qualify = [&](const std::string& k) { return scope.empty() ? k : scope + "." + k; };
  for (const auto& [key, value] : raw) {
    if (std::find(ignore.begin(), ignore.end(), key) != ignore.end()) continue;
    const Field* f = schema.find(key);
    if (!f) {
      const std::string near = schema.nearest(key);
      throw ConfigError(value.loc,
                        "unknown key " + qualify(key) + " for " + schema.name +
                            (near.empty() ? "" : " (did you mean " + qualify(near) + "?)") +
                            "; `sgdcheck list` shows every key");
    }
    out.set(key, parse_value(*f, value, qualify(key)), value.loc);
  }
  for (const auto& f : schema.fields) {
    if (out.has(f.name)) continue;
    if (!f.default_value) {
      SourceLoc loc;
      if (!raw.empty()) loc.file = raw.begin()->second.loc.file;
      throw ConfigError(loc, "missing required key " + qualify(f.name) + " (" + f.type_name() + ", " +
                                 f.constraint() + "): " + f.description);
    }
    out.set(f.name, *f.default_value);
  }
  return out;
}

}  // namespace sgdcheck
