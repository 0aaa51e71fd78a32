// The lau2024 formulas are registered with the spec's parameter names and agree with the pure
// functions they wrap (papers/lau2024/register.cpp, bounds/lau_bounds.hpp).
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>

#include "bounds/lau_bounds.hpp"
#include "papers/registry.hpp"
#include "support/registered_formula.hpp"

using namespace sgdcheck;
using Catch::Matchers::WithinRel;

using sgdcheck::test::eval;
using sgdcheck::test::formula;

TEST_CASE("Every lau2024 formula is registered, labelled derived and named with the spec's parameters",
          "[lau2024][formulas]") {
  for (const char* id : {"alpha_max_nonconvex",
                         "bound_nonconvex",
                         "rounds_to_eps_nonconvex",
                         "pl_round_factor",
                         "alpha_max_convex",
                         "bound_convex",
                         "lsq_sigma2",
                         "oracle_batch"}) {
    const bounds::Formula& f = formula(std::string("lau2024.") + id);
    REQUIRE(f.info.label == bounds::Label::kDerived);
    REQUIRE(f.paper == "lau2024");
    REQUIRE(f.info.reference.rfind("derived", 0) == 0);
  }
  const auto& nc = formula("lau2024.bound_nonconvex");
  for (const char* p : {"Delta", "alpha", "K", "H", "L", "eta", "P"}) {
    bool found = false;
    for (const auto& q : nc.params) found = found || q.name == p;
    REQUIRE(found);
  }
}

TEST_CASE("The lau2024 formulas evaluate to their closed forms", "[lau2024][formulas]") {
  REQUIRE_THAT(eval("lau2024.alpha_max_nonconvex", {{"L", 1.0}, {"eta", 0.5}, {"P", 4}, {"H", 4}}),
               WithinRel(1.0 / (5.0 * 3.0 * std::sqrt(1.5)), 1e-14));
  const double a = bounds::lau_alpha_max_nonconvex(1.0, 0.5, 4, 4);
  REQUIRE_THAT(
      eval("lau2024.bound_nonconvex",
           {{"Delta", 10.0}, {"alpha", a}, {"K", 100}, {"H", 4}, {"L", 1.0}, {"eta", 0.5}, {"P", 4}}),
      WithinRel(80.0 / (a * 400.0), 1e-14));
  REQUIRE_THAT(eval("lau2024.bound_convex",
                    {{"D0", 2.0}, {"alpha", 0.01}, {"K", 10}, {"H", 2}, {"L", 1.0}, {"eta", 0.5}, {"P", 4}}),
               WithinRel(8.0 / 0.2, 1e-14));
  REQUIRE_THAT(eval("lau2024.lsq_sigma2", {{"d", 5}, {"e2", 45.0}, {"s", 1.0}}),
               WithinRel(6.0 * 45.0 + 5.0, 1e-14));
  REQUIRE(eval("lau2024.oracle_batch", {{"sigma2", 275.0}, {"grad2", 45.0}, {"eta", 0.5}}) ==
          std::ceil(275.0 / 11.25));
  // A step above alpha_max violates the hypotheses.
  const bounds::Formula& f = formula("lau2024.bound_nonconvex");
  const auto args = bounds::validate_formula_args(
      f, {{"Delta", 1.0}, {"alpha", 1.0}, {"K", 1}, {"H", 4}, {"L", 1.0}, {"eta", 0.5}, {"P", 4}}, false);
  REQUIRE(f.hypotheses(args).has_value());
}

TEST_CASE("The lau2024 bounds hold only for steps up to their alpha_max, and say which", "[lau2024][formulas]") {
  for (const char* kind : {"convex", "nonconvex"}) {
    CAPTURE(kind);
    const double L = 2.0, eta = 0.5;
    const std::int64_t P = 4, H = 3;
    const double am = std::string(kind) == "convex" ? bounds::lau_alpha_max_convex(L, eta, P, H)
                                                    : bounds::lau_alpha_max_nonconvex(L, eta, P, H);
    REQUIRE(am > 0);
    const bounds::Formula& f = formula(std::string("lau2024.bound_") + kind);
    std::map<std::string, double> given{{"alpha", 0.5 * am}, {"K", 10}, {"H", 3}, {"L", L}, {"eta", eta}, {"P", 4},
                                        {std::string(kind) == "convex" ? "D0" : "Delta", 1.0}};
    REQUIRE_FALSE(f.hypotheses(bounds::validate_formula_args(f, given, false)).has_value());
    given["alpha"] = 1.5 * am;
    const auto why = f.hypotheses(bounds::validate_formula_args(f, given, false));
    REQUIRE(why.has_value());
    CHECK_THAT(*why, Catch::Matchers::Contains(std::string("> alpha_max_") + kind + " = "));
    CHECK_THAT(eval(std::string("lau2024.alpha_max_") + kind, {{"L", L}, {"eta", eta}, {"P", 4}, {"H", 3}}),
               WithinRel(am, 1e-15));
  }
}
