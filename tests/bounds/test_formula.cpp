#include <catch2/catch.hpp>

#include "bounds/formula.hpp"
#include "core/errors.hpp"
#include "support/error_of.hpp"

using namespace sgdcheck;
using namespace sgdcheck::bounds;

namespace {
// A geometric rate (1 - gamma*mu)^t * r0: enough to exercise every rule of validate_formula_args.
Formula geometric() {
  Formula f;
  f.info.id = std::string{"test.geometric"};
  f.info.metric = std::string{"dist2"};
  f.paper = std::string{"test"};
  f.axis = std::string{"t"};
  f.params = {{"gamma", "step size", std::nullopt, false, 0.0, 1.0},
              {"mu", "strong convexity", 1.0, false, 0.0},
              {"r0", "initial squared distance", 1.0},
              {"t", "iteration", std::nullopt, true, 0.0}};
  f.hypotheses = [](const FormulaArgs& a) -> std::optional<std::string> {
    if (a.get("gamma") * a.get("mu") > 1) return "gamma*mu > 1";
    return std::nullopt;
  };
  f.evaluate = [](const FormulaArgs& a) {
    return FormulaResult{{{"dist2", std::pow(1 - a.get("gamma") * a.get("mu"), a.get("t")) * a.get("r0")}}, {}};
  };
  return f;
}
}  // namespace

TEST_CASE("formula args get defaults filled in and keep the values the user set") {
  const Formula f = geometric();
  const FormulaArgs a = validate_formula_args(f, {{"gamma", 0.5}, {"t", 3}}, false);
  CHECK(a.get("mu") == 1.0);
  CHECK(a.get("r0") == 1.0);
  CHECK(f.evaluate(a).outputs.at(0).value == Approx(0.125));
}

TEST_CASE("formula args reject an unknown parameter with a did-you-mean") {
  const std::string e = test::error_of<ConfigError>([] { validate_formula_args(geometric(), {{"gama", 0.5}, {"t", 1}}, false); });
  CHECK_THAT(e, Catch::Contains("unknown parameter gama") && Catch::Contains("did you mean gamma"));
}

TEST_CASE("formula args name a missing required parameter unless it is the axis given per point") {
  CHECK_THAT(test::error_of<ConfigError>([] { validate_formula_args(geometric(), {{"t", 1}}, false); }),
             Catch::Contains("missing parameter gamma"));
  CHECK_THAT(test::error_of<ConfigError>([] { validate_formula_args(geometric(), {{"gamma", 0.1}}, false); }),
             Catch::Contains("missing parameter t"));
  CHECK_NOTHROW(validate_formula_args(geometric(), {{"gamma", 0.1}}, true));
}

TEST_CASE("formula args reject non-integers, out-of-range and non-finite values") {
  CHECK_THAT(test::error_of<ConfigError>([] { validate_formula_args(geometric(), {{"gamma", 0.1}, {"t", 1.5}}, false); }),
             Catch::Contains("t = 1.5") && Catch::Contains("integer"));
  CHECK_THAT(test::error_of<ConfigError>([] { validate_formula_args(geometric(), {{"gamma", 2}, {"t", 1}}, false); }),
             Catch::Contains("gamma = 2") && Catch::Contains("[0, 1]"));
  CHECK_THAT(test::error_of<ConfigError>([] { validate_formula_args(geometric(), {{"gamma", NAN}, {"t", 1}}, false); }),
             Catch::Contains("finite"));
}
