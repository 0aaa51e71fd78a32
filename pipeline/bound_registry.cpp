#include "pipeline/bound_registry.hpp"

#include "papers/registry.hpp"

namespace sgdcheck::pipeline {

// Each paper registers its adapters in papers/<paper>/register.cpp (foundation first).
const std::vector<BoundAdapter>& bound_adapters() { return papers::registry().bounds(); }

const BoundAdapter* find_bound(const std::string& id) {
  for (const auto& a : bound_adapters())
    if (a.info.id == id) return &a;
  return nullptr;
}

}  // namespace sgdcheck::pipeline
