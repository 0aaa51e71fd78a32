#pragma once
/// \file The registry papers add their components to. Each folder papers/<paper>/ defines
///   namespace sgdcheck::papers::<paper> { void register_paper(Registry&); }
/// (`register` is a C++ keyword); CMake globs papers/*/ and generates the list of calls
/// (build/…/papers_generated.cpp), so adding a paper edits no central file. See docs/extending.md.
#include <vector>

#include "pipeline/bound_registry.hpp"
#include "pipeline/checks.hpp"

namespace sgdcheck::papers {

class Registry {
 public:
  void add_check(pipeline::CheckKind kind) { checks_.push_back(std::move(kind)); }
  void add_bound(pipeline::BoundAdapter adapter) { bounds_.push_back(std::move(adapter)); }
  void add_bounds(std::vector<pipeline::BoundAdapter> adapters) {
    for (auto& a : adapters) bounds_.push_back(std::move(a));
  }

  const std::vector<pipeline::CheckKind>& checks() const { return checks_; }
  const std::vector<pipeline::BoundAdapter>& bounds() const { return bounds_; }

 private:
  std::vector<pipeline::CheckKind> checks_;
  std::vector<pipeline::BoundAdapter> bounds_;
};

/// Every paper registered (foundation first, then the other folders in name order); built once.
const Registry& registry();

}  // namespace sgdcheck::papers
