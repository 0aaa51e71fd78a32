// The Dutta et al. 2018 Formulas (`sgdcheck bound`) give the closed-form reference values.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "papers/registry.hpp"
#include "support/registered_formula.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using sgdcheck::test::eval;

TEST_CASE("Dutta runtime Formulas reproduce the reference table at P = 8", "[pipeline][dutta]") {
  REQUIRE_THAT(eval("dutta.runtime.pareto", {{"x_m", 1}, {"alpha", 3}, {"P", 8}, {"K", 4}}), WithinAbs(1.242967, 1e-6));
  REQUIRE_THAT(eval("dutta.runtime.pareto", {{"x_m", 1}, {"alpha", 1.5}, {"P", 8}, {"K", 8}}), WithinAbs(10.866581, 1e-6));
  REQUIRE_THAT(eval("dutta.runtime.shifted_exp", {{"Delta", 1}, {"mu", 1}, {"P", 8}, {"K", 2}}), WithinAbs(1.267857, 1e-6));
  // k_batch_sync_time under exp: K/(P mu).
  REQUIRE_THAT(eval("dutta.runtime.exp", {{"mu", 2}, {"P", 8}, {"K", 4}}, 2), WithinAbs(0.25, 1e-15));
  // The exact floor of E2 at K = 1 (0.541) as the oracle's second output.
  REQUIRE_THAT(eval("dutta.noisy_quadratic.subopt", {{"eta", 0.2}, {"J", 1e6}}, 1), WithinAbs(0.541, 5e-4));
  for (const auto& f : sgdcheck::papers::registry().formulas()) {
    if (f.paper != "dutta2018") continue;
    INFO(f.info.id);
    if (f.info.label == sgdcheck::bounds::Label::kDerived) REQUIRE_THAT(f.info.reference, Contains("derived; technique of"));
  }
}

TEST_CASE("a Dutta runtime Formula with K > P or an infinite mean is refused", "[pipeline][dutta]") {
  for (const auto& f : sgdcheck::papers::registry().formulas()) {
    if (f.info.id != "dutta.runtime.pareto") continue;
    const auto a = sgdcheck::bounds::validate_formula_args(f, {{"x_m", 1}, {"alpha", 3}, {"P", 4}, {"K", 5}}, false);
    REQUIRE_THAT(*f.hypotheses(a), Contains("K > P"));
    const auto b = sgdcheck::bounds::validate_formula_args(f, {{"x_m", 1}, {"alpha", 0.8}, {"P", 4}, {"K", 2}}, false);
    REQUIRE_THAT(*f.hypotheses(b), Contains("infinite mean"));
  }
}
