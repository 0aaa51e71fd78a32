// The foundation: generic check kinds and the bound adapters of pipeline/bounds_foundation.cpp.
#include "papers/foundation/checks.hpp"
#include "papers/registry.hpp"

namespace sgdcheck::pipeline {
std::vector<BoundAdapter> foundation_bound_adapters();  // pipeline/bounds_foundation.cpp
}

namespace sgdcheck::papers::foundation {

void register_paper(Registry& r) {
  for (auto* kinds : {&bound_check_kinds, &series_check_kinds, &rate_check_kinds})
    for (auto& k : kinds()) r.add_check(std::move(k));
  r.add_bounds(pipeline::foundation_bound_adapters());
}

}  // namespace sgdcheck::papers::foundation
