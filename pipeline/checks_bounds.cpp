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

std::string bound_state_name(BoundState s) {
  switch (s) {
    case BoundState::kApplicable: return "applicable";
    case BoundState::kNotApplicable: return "not_applicable";
    case BoundState::kVacuous: return "vacuous";
  }
  return "applicable";
}

BoundState bound_state(const CellResult& c, const BoundSeries& b) {
  if (!b.applicable) return BoundState::kNotApplicable;
  // Vacuous: at every recorded point after the first the bound is +inf (it says nothing there, e.g. a
  // stability bound at or above the loss range), or at least the trivial value, the seed-mean metric
  // at the first point (an upper bound that never promises progress).
  if (b.iters.size() >= 2) {
    bool all_inf = true;
    for (std::size_t i = 1; i < b.iters.size() && i < b.values.size() && all_inf; ++i) all_inf = b.values[i] == INFINITY;
    if (all_inf) return BoundState::kVacuous;
  }
  auto it = c.metrics.find(b.metric);
  if (it == c.metrics.end() || it->second.size() == 0 || b.iters.size() < 2) return BoundState::kApplicable;
  const double trivial = it->second.mean.front();
  // Only for a bound that starts at or above that value (a convergence bound); a bound that starts at
  // 0 (stability: the runs start together) is judged by the +inf rule above.
  bool vacuous = std::isfinite(trivial) && trivial > 0 && !b.values.empty() && b.values.front() >= trivial;
  for (std::size_t i = 1; i < b.iters.size() && i < b.values.size() && vacuous; ++i) vacuous = !(b.values[i] < trivial);
  return vacuous ? BoundState::kVacuous : BoundState::kApplicable;
}

std::vector<BoundSummary> bound_summaries(const ResultSet& rs) {
  std::vector<BoundSummary> out;
  std::map<std::string, std::size_t> index;
  for (const auto& c : rs.cells)
    for (const auto& b : c.bounds) {
      auto [it, inserted] = index.emplace(b.id, out.size());
      if (inserted) {
        out.emplace_back();
        out.back().id = b.id;
      }
      auto& n = out[it->second];
      ++n.cells;
      switch (bound_state(c, b)) {
        case BoundState::kNotApplicable:
          ++n.not_applicable;
          if (n.first_reason.empty()) n.first_reason = b.reason;
          break;
        case BoundState::kVacuous: ++n.vacuous; [[fallthrough]];
        case BoundState::kApplicable: ++n.applicable; break;
      }
    }
  return out;
}

std::vector<std::string> bound_states(const ResultSet& rs) {
  std::vector<std::string> out;
  for (const auto& n : bound_summaries(rs))
    out.push_back(fmt::format("bound {}: applies to {} of {} cells{}{}", n.id, n.applicable, n.cells,
                              n.vacuous ? fmt::format(" ({} vacuous: never below the initial value)", n.vacuous) : "",
                              n.first_reason.empty() ? "" : "; first reason otherwise: " + n.first_reason));
  return out;
}

}  // namespace sgdcheck::pipeline
