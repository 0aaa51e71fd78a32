// Patel & Dieuleveut (2019): bound adapters of pipeline/bounds_patel.cpp and the paper-specific
// check kinds patel2019.threshold, patel2019.monotone, patel2019.oracle_slope (checks.cpp).
#include "papers/registry.hpp"

namespace sgdcheck::pipeline {
std::vector<BoundAdapter> patel_bound_adapters();  // pipeline/bounds_patel.cpp
}

namespace sgdcheck::papers::patel2019 {

std::vector<pipeline::CheckKind> check_kinds();  // checks.cpp

void register_paper(Registry& r) {
  for (auto& k : check_kinds()) r.add_check(std::move(k));
  r.add_bounds(pipeline::patel_bound_adapters());
}

}  // namespace sgdcheck::papers::patel2019
