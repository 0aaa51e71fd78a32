#include "pipeline/bound_registry.hpp"

namespace sgdcheck::pipeline {

std::vector<BoundAdapter> foundation_bound_adapters() { return {}; }

}  // namespace sgdcheck::pipeline
