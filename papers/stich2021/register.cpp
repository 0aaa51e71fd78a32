// Stich, Mohtashami & Jaggi (2021): bound and oracle adapters (bounds.cpp). Its checks
// (saturation, fit_rate, constant_relation, ratio) are generic and live in papers/foundation/.
#include "papers/registry.hpp"

namespace sgdcheck::papers::stich2021 {

std::vector<pipeline::BoundAdapter> adapters();  // bounds.cpp

void register_paper(Registry& r) { r.add_bounds(adapters()); }

}  // namespace sgdcheck::papers::stich2021
