#include "pipeline/checks.hpp"

namespace sgdcheck::pipeline {

std::vector<CheckKind> stich_check_kinds();
std::vector<CheckKind> patel_check_kinds();

// Paper-specific check kinds: one function per paper, defined in pipeline/checks_<paper>.cpp.
std::vector<CheckKind> paper_check_kinds() {
  std::vector<CheckKind> out;
  for (auto* source : {&stich_check_kinds, &patel_check_kinds})
    for (auto& k : source()) out.push_back(std::move(k));
  return out;
}

}  // namespace sgdcheck::pipeline
