// The general bounds as Formulas (papers/general/register.cpp): the spec's parameter names, golden
// values of papers/general_bounds.md §5 through the Formula interface, defaults, hypotheses.
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "core/errors.hpp"
#include "papers/registry.hpp"
#include "support/registered_formula.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;
using sgdcheck::bounds::Formula;

using sgdcheck::test::formula;

namespace {

double eval(const Formula& f, const std::map<std::string, double>& given) {
  const auto args = sgdcheck::bounds::validate_formula_args(f, given, false);
  if (f.hypotheses) {
    const auto why = f.hypotheses(args);
    INFO(why.value_or(""));
    REQUIRE_FALSE(why);
  }
  return f.evaluate(args).outputs.at(0).value;
}

}  // namespace

TEST_CASE("every general bound is a derived Formula with the spec's parameter names", "[pipeline]") {
  int n = 0;
  for (const auto& f : sgdcheck::papers::registry().formulas()) {
    if (f.paper != "general") continue;
    ++n;
    INFO(f.info.id);
    REQUIRE(f.info.label == sgdcheck::bounds::Label::kDerived);
    REQUIRE_THAT(f.info.reference, Contains("derived") && Contains("technique of"));
    REQUIRE_THAT(f.info.reference, !Contains("Theorem"));
    for (const auto& p : f.params) {
      static const std::set<std::string> names{"L", "mu", "Lmax", "sigma2", "M", "sigmaM2", "b", "tau",
                                               "P", "H", "r0", "F0", "gamma", "t", "T"};
      REQUIRE(names.count(p.name) == 1);
    }
  }
  // 3 algorithms (delayed, mini-batch, local) x (sc, convex with noise (i) and (ii), nonconvex).
  REQUIRE(n == 15);
}

TEST_CASE("general Formulas give the golden values of the spec", "[pipeline]") {
  REQUIRE_THAT(eval(formula("delayed_sgd.strongly_convex.dist2"),
                    {{"L", 1}, {"mu", 0.1}, {"Lmax", 4}, {"sigma2", 0.5}, {"b", 4}, {"tau", 5}, {"r0", 10},
                     {"t", 1000}, {"gamma", 1.0 / (10 * (1 + 2) * 6)}}),
               WithinRel(7.58188, 6e-6));
  REQUIRE_THAT(eval(formula("delayed_sgd.strongly_convex.dist2.m_noise"),
                    {{"L", 1}, {"mu", 0.1}, {"M", 3}, {"sigmaM2", 0.5}, {"b", 2}, {"tau", 3}, {"r0", 10},
                     {"t", 2000}, {"gamma", 0.005}}),
               WithinRel(6.07538, 6e-6));
  REQUIRE_THAT(eval(formula("delayed_sgd.convex.avg_subopt_read"),
                    {{"L", 1}, {"Lmax", 4}, {"sigma2", 0.5}, {"r0", 10}, {"T", 100}, {"gamma", 1.0 / 90}}),
               WithinRel(18.0222, 6e-6));
  REQUIRE_THAT(eval(formula("delayed_sgd.nonconvex.avg_grad2"),
                    {{"L", 1}, {"M", 2}, {"sigmaM2", 1}, {"b", 4}, {"tau", 5}, {"F0", 5}, {"T", 1000},
                     {"gamma", 1.0 / (2 * 1.5 * 6)}}),
               WithinRel(0.201605, 6e-6));
  REQUIRE_THAT(eval(formula("local_sgd.strongly_convex.dist2"),
                    {{"L", 1}, {"mu", 0.1}, {"Lmax", 4}, {"sigma2", 0.5}, {"b", 2}, {"P", 4}, {"H", 8}, {"r0", 10},
                     {"t", 1000}, {"gamma", 0.003125}}),
               WithinRel(7.31712, 6e-6));
  REQUIRE_THAT(eval(formula("local_sgd.convex.avg_subopt"),
                    {{"L", 1}, {"Lmax", 4}, {"sigma2", 0.5}, {"b", 2}, {"P", 4}, {"H", 8}, {"r0", 10}, {"T", 1000},
                     {"gamma", 0.003125}}),
               WithinRel(6.40099, 6e-6));
  REQUIRE_THAT(eval(formula("local_sgd.nonconvex.avg_grad2"),
                    {{"L", 1}, {"M", 2}, {"sigmaM2", 1}, {"b", 4}, {"P", 4}, {"H", 8}, {"F0", 5}, {"T", 1000},
                     {"gamma", 1.0 / 48}}),
               WithinRel(0.962700, 6e-6));
  // Mini-batch: the tau = 0 case (no tau parameter).
  REQUIRE_THAT(eval(formula("minibatch_sgd.nonconvex.avg_grad2"),
                    {{"L", 1}, {"M", 0}, {"sigmaM2", 1}, {"F0", 5}, {"T", 100}, {"gamma", 0.5}}),
               WithinRel(0.7, 6e-6));
}

TEST_CASE("a general Formula reports the step condition and the admissible steps", "[pipeline]") {
  const Formula& f = formula("delayed_sgd.strongly_convex.dist2");
  const auto args = sgdcheck::bounds::validate_formula_args(
      f, {{"L", 1}, {"mu", 0.1}, {"Lmax", 4}, {"sigma2", 0.5}, {"tau", 5}, {"r0", 10}, {"t", 10}, {"gamma", 0.5}},
      false);
  const auto why = f.hypotheses(args);
  REQUIRE(why);
  REQUIRE_THAT(*why, Contains("S1") && Contains("largest admissible 0.0138889"));
  const auto ok = sgdcheck::bounds::validate_formula_args(
      f, {{"L", 1}, {"mu", 0.1}, {"Lmax", 4}, {"sigma2", 0.5}, {"tau", 5}, {"r0", 10}, {"t", 10}, {"gamma", 0.01}},
      false);
  const auto out = f.evaluate(ok).outputs;
  REQUIRE(out.at(1).name == "gamma_sufficient");
  REQUIRE_THAT(out.at(1).value, WithinRel(1.0 / 540, 1e-12));
  REQUIRE(out.at(2).name == "gamma_max");
  REQUIRE_THAT(out.at(2).value, WithinRel(0.0138889, 6e-6));
  // A missing parameter is bad input naming it.
  REQUIRE_THROWS_WITH(sgdcheck::bounds::validate_formula_args(f, {{"L", 1}}, false), Contains("missing parameter mu"));
}
