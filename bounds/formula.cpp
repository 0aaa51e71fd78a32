#include "bounds/formula.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "core/errors.hpp"
#include "core/params.hpp"

namespace sgdcheck::bounds {

double FormulaArgs::get(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) throw std::logic_error("formula parameter '" + name + "' was not declared");
  return it->second;
}

namespace {
std::string near_param(const Formula& f, const std::string& name) {
  Schema names;
  for (const auto& p : f.params) names.fields.push_back(string_field(p.name, "", ""));
  return names.nearest(name);
}
}  // namespace

FormulaArgs validate_formula_args(const Formula& f, const std::map<std::string, double>& given,
                                  bool axis_values_given) {
  const std::string& id = f.info.id;
  for (const auto& [name, value] : given) {
    const FormulaParam* p = nullptr;
    for (const auto& q : f.params)
      if (q.name == name) p = &q;
    if (!p) {
      const std::string near = near_param(f, name);
      throw ConfigError("bound " + id + ": unknown parameter " + name +
                        (near.empty() ? "" : " (did you mean " + near + "?)") + "; its parameters are " +
                        [&] {
                          std::string all;
                          for (const auto& q : f.params) all += (all.empty() ? "" : ", ") + q.name;
                          return all;
                        }());
    }
    if (!std::isfinite(value))
      throw ConfigError(fmt::format("bound {}: parameter {} = {}: expected a finite number", id, name, value));
    if (p->integer && value != std::floor(value))
      throw ConfigError(fmt::format("bound {}: parameter {} = {}: expected an integer ({})", id, name, value,
                                    p->meaning));
    if (value < p->min || value > p->max)
      throw ConfigError(fmt::format("bound {}: parameter {} = {}: expected a value in [{}, {}] ({})", id, name,
                                    value, p->min, p->max, p->meaning));
  }
  FormulaArgs args{given};
  for (const auto& p : f.params) {
    if (args.has(p.name)) continue;
    if (p.default_value) {
      args.set(p.name, *p.default_value);
    } else if (!(axis_values_given && p.name == f.axis)) {
      throw ConfigError("bound " + id + ": missing parameter " + p.name + " (" + p.meaning + "); set it with --set " +
                        p.name + "=VALUE");
    }
  }
  return args;
}

}  // namespace sgdcheck::bounds
