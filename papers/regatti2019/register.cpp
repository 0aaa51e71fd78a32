// Regatti, Tendolkar, Zhou, Gupta & Liang (2019), "Distributed SGD Generalizes Well Under Asynchrony":
// stability bounds (bounds.cpp: adapters for coupled_sgd and their Formula faces) and the checks C1–C5
// (checks.cpp).
#include "papers/registry.hpp"

namespace sgdcheck::papers::regatti2019 {

std::vector<pipeline::BoundAdapter> adapters();   // bounds.cpp
std::vector<bounds::Formula> formulas();          // bounds.cpp
std::vector<pipeline::CheckKind> check_kinds();   // checks.cpp

void register_paper(Registry& r) {
  r.add_bounds(adapters());
  for (auto& f : formulas()) r.add_formula(std::move(f));
  for (auto& k : check_kinds()) r.add_check(std::move(k));
}

}  // namespace sgdcheck::papers::regatti2019
