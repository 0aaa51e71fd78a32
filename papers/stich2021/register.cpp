// Stich, Mohtashami & Jaggi (2021): bound and oracle adapters (bounds.cpp). Its checks
// (saturation, fit_rate, constant_relation, ratio) are generic and live in papers/foundation/.
#include "papers/registry.hpp"

namespace sgdcheck::papers::stich2021 {

std::vector<pipeline::BoundAdapter> adapters();  // bounds.cpp
std::vector<bounds::Formula> formulas();         // formulas.cpp

void register_paper(Registry& r) {
  r.add_bounds(adapters());
  for (auto& f : formulas()) r.add_formula(std::move(f));
}

}  // namespace sgdcheck::papers::stich2021
