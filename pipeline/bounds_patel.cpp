// Bound and oracle adapters of the patel paper system (see pipeline/bounds_foundation.cpp for the pattern).
#include "pipeline/bound_registry.hpp"

namespace sgdcheck::pipeline {

std::vector<BoundAdapter> patel_bound_adapters() { return {}; }

}  // namespace sgdcheck::pipeline
