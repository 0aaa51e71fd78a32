#pragma once
// Test support: a formula of the paper registry by id (the test fails if it is not registered).
#include <catch2/catch.hpp>
#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>

#include "papers/registry.hpp"

namespace sgdcheck::test {

inline const bounds::Formula& formula(const std::string& id) {
  for (const auto& f : papers::registry().formulas())
    if (f.info.id == id) return f;
  FAIL("formula " << id << " is not registered");
  throw std::logic_error("unreachable");
}

/// Output `output` of formula `id` at `given` (the arguments must satisfy its hypotheses).
inline double eval(const std::string& id, const std::map<std::string, double>& given, std::size_t output = 0) {
  const bounds::Formula& f = formula(id);
  const bounds::FormulaArgs a = bounds::validate_formula_args(f, given, false);
  REQUIRE_FALSE((f.hypotheses && f.hypotheses(a)));
  return f.evaluate(a).outputs.at(output).value;
}

}  // namespace sgdcheck::test
