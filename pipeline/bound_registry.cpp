#include "pipeline/bound_registry.hpp"

namespace sgdcheck::pipeline {

// Each paper (or the foundation) contributes its adapters from its own file.
std::vector<BoundAdapter> foundation_bound_adapters();
std::vector<BoundAdapter> stich_bound_adapters();
std::vector<BoundAdapter> patel_bound_adapters();

const std::vector<BoundAdapter>& bound_adapters() {
  static const std::vector<BoundAdapter> all = [] {
    std::vector<BoundAdapter> out;
    for (auto* source : {&foundation_bound_adapters, &stich_bound_adapters, &patel_bound_adapters}) {
      for (auto& a : source()) out.push_back(std::move(a));
    }
    return out;
  }();
  return all;
}

const BoundAdapter* find_bound(const std::string& id) {
  for (const auto& a : bound_adapters())
    if (a.info.id == id) return &a;
  return nullptr;
}

}  // namespace sgdcheck::pipeline
