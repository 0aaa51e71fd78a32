// Bound series states: applicable | not_applicable(reason) | vacuous, summarised per bound for
// `sgdcheck validate` / `run` (from the plan, before any run) and after a run (from the results).
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "pipeline/checks.hpp"

namespace sgdcheck::pipeline {

std::vector<std::string> bound_applicability(const Plan& plan) {
  std::vector<std::string> out;
  for (const BoundAdapter* b : plan.bounds) {
    std::size_t applies = 0;
    std::string first;
    for (const auto& cp : plan.cells) {
      const auto reason = b->not_applicable(plan.context_of(cp));
      if (!reason) ++applies;
      else if (first.empty()) first = *reason;
    }
    out.push_back(fmt::format("bound {}: applies to {} of {} cells{}", b->info.id, applies, plan.cells.size(),
                              first.empty() ? "" : "; first reason otherwise: " + first));
  }
  return out;
}

std::vector<std::string> bound_states(const ResultSet& rs) {
  struct Count {
    std::size_t cells = 0, applicable = 0, vacuous = 0;
    std::string first_reason;
  };
  std::map<std::string, Count> by;
  std::vector<std::string> order;
  for (const auto& c : rs.cells) {
    for (const auto& b : c.bounds) {
      if (!by.count(b.id)) order.push_back(b.id);
      auto& n = by[b.id];
      ++n.cells;
      if (!b.applicable) {
        if (n.first_reason.empty()) n.first_reason = b.reason;
        continue;
      }
      ++n.applicable;
      // Vacuous: at every recorded point after the first the bound is at least the trivial value,
      // the seed-mean metric at the first point (an upper bound that never promises progress).
      auto it = c.metrics.find(b.metric);
      if (it == c.metrics.end() || it->second.size() == 0 || b.iters.size() < 2) continue;
      const double trivial = it->second.mean.front();
      bool vacuous = std::isfinite(trivial);
      for (std::size_t i = 1; i < b.iters.size() && vacuous; ++i) vacuous = !(b.values[i] < trivial);
      if (vacuous) ++n.vacuous;
    }
  }
  std::vector<std::string> out;
  for (const auto& id : order) {
    const auto& n = by[id];
    out.push_back(fmt::format("bound {}: applies to {} of {} cells{}{}", id, n.applicable, n.cells,
                              n.vacuous ? fmt::format(" ({} vacuous: never below the initial value)", n.vacuous) : "",
                              n.first_reason.empty() ? "" : "; first reason otherwise: " + n.first_reason));
  }
  return out;
}

}  // namespace sgdcheck::pipeline
