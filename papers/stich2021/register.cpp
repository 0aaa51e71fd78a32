// Stich, Mohtashami & Jaggi (2021): bound adapters of pipeline/bounds_stich.cpp. Its checks
// (saturation, fit_rate, constant_relation, ratio) are generic and live in papers/foundation/.
#include "papers/registry.hpp"

namespace sgdcheck::pipeline {
std::vector<BoundAdapter> stich_bound_adapters();  // pipeline/bounds_stich.cpp
}

namespace sgdcheck::papers::stich2021 {

void register_paper(Registry& r) { r.add_bounds(pipeline::stich_bound_adapters()); }

}  // namespace sgdcheck::papers::stich2021
