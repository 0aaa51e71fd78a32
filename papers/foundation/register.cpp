// The foundation: generic check kinds (checks_*.cpp) and the bound adapters of the standard SGD
// bounds and oracle O1 (bounds.cpp).
#include "papers/foundation/checks.hpp"
#include "papers/registry.hpp"

namespace sgdcheck::papers::foundation {

std::vector<pipeline::BoundAdapter> adapters();  // bounds.cpp

void register_paper(Registry& r) {
  for (auto* kinds : {&bound_check_kinds, &series_check_kinds, &rate_check_kinds})
    for (auto& k : kinds()) r.add_check(std::move(k));
  r.add_bounds(adapters());
}

}  // namespace sgdcheck::papers::foundation
