#include "problems/registry.hpp"

namespace sgdcheck::problems {

const std::vector<ProblemFamily>& problem_families() {
  // One entry per family; `sgdcheck list problems` prints them in this order.
  static const std::vector<ProblemFamily> families = {};
  return families;
}

const ProblemFamily* find_problem_family(const std::string& name) {
  for (const auto& f : problem_families())
    if (f.schema.name == name) return &f;
  return nullptr;
}

}  // namespace sgdcheck::problems
