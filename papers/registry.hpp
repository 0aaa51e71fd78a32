#pragma once
/// \file The registry papers add their components to. Each folder papers/<paper>/ defines
///   namespace sgdcheck::papers::<paper> { void register_paper(Registry&); }
/// (`register` is a C++ keyword); CMake globs papers/*/ and generates the list of calls
/// (build/…/papers_generated.cpp), so adding a paper edits no central file. See docs/extending.md.
#include <stdexcept>
#include <string>
#include <vector>

#include "bounds/formula.hpp"
#include "pipeline/bound_registry.hpp"
#include "pipeline/checks.hpp"

namespace sgdcheck::papers {

class Registry {
 public:
  void add_check(pipeline::CheckKind kind) { checks_.push_back(std::move(kind)); }
  /// A bound must be complete (id, metric, about with not_about, not_applicable, evaluate) and its
  /// id new: a programming error otherwise (std::logic_error, reported as an internal error).
  void add_bound(pipeline::BoundAdapter adapter) {
    const std::string& id = adapter.info.id;
    if (id.empty() || adapter.info.metric.empty() || adapter.about.empty() || !adapter.not_about ||
        !adapter.not_applicable || !adapter.evaluate)
      throw std::logic_error("bound adapter '" + id + "' is incomplete (needs info.id, info.metric, about, " +
                             "not_about, not_applicable, evaluate)");
    for (const auto& b : bounds_)
      if (b.info.id == id) throw std::logic_error("bound id '" + id + "' is registered twice");
    bounds_.push_back(std::move(adapter));
  }
  void add_bounds(std::vector<pipeline::BoundAdapter> adapters) {
    for (auto& a : adapters) add_bound(std::move(a));
  }

  /// A closed-form bound evaluable by `sgdcheck bound` (bounds/formula.hpp): complete (id, metric,
  /// paper, evaluate; every parameter named and explained) and its id new among formulas.
  void add_formula(bounds::Formula f) {
    const std::string& id = f.info.id;
    bool named = true;
    for (const auto& p : f.params) named = named && !p.name.empty() && !p.meaning.empty();
    if (id.empty() || f.info.metric.empty() || f.paper.empty() || !f.evaluate || !named)
      throw std::logic_error("formula '" + id + "' is incomplete (needs info.id, info.metric, paper, evaluate, " +
                             "a name and meaning for every parameter)");
    for (const auto& g : formulas_)
      if (g.info.id == id) throw std::logic_error("formula id '" + id + "' is registered twice");
    formulas_.push_back(std::move(f));
  }

  const std::vector<pipeline::CheckKind>& checks() const { return checks_; }
  const std::vector<bounds::Formula>& formulas() const { return formulas_; }
  const std::vector<pipeline::BoundAdapter>& bounds() const { return bounds_; }

 private:
  std::vector<pipeline::CheckKind> checks_;
  std::vector<pipeline::BoundAdapter> bounds_;
  std::vector<bounds::Formula> formulas_;
};

/// Every paper registered (foundation first, then the other folders in name order); built once.
const Registry& registry();

}  // namespace sgdcheck::papers
