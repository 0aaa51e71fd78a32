// Patel & Dieuleveut (2019): bound and oracle adapters (bounds.cpp) and the paper-specific check
// kinds patel2019.threshold, patel2019.monotone, patel2019.oracle_slope (checks.cpp).
#include "papers/registry.hpp"

namespace sgdcheck::papers::patel2019 {

std::vector<pipeline::CheckKind> check_kinds();  // checks.cpp
std::vector<pipeline::BoundAdapter> adapters();  // bounds.cpp
std::vector<bounds::Formula> formulas();         // formulas.cpp

void register_paper(Registry& r) {
  for (auto& k : check_kinds()) r.add_check(std::move(k));
  r.add_bounds(adapters());
  for (auto& f : formulas()) r.add_formula(std::move(f));
}

}  // namespace sgdcheck::papers::patel2019
