// Families, schemas and one-line configuration errors.
#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "helpers.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using Catch::Matchers::WithinRel;
using namespace sgdcheck;
using namespace sgdcheck::problems;
using sgdcheck::problems::test::build;
using sgdcheck::problems::test::temp_file;

namespace {

std::string build_error(const std::string& family,
                        const std::map<std::string, std::string>& kv,
                        const BuildContext& ctx = {}) {
  try {
    build(family, kv, ctx);
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    REQUIRE(m.find('\n') == std::string::npos);
    return m;
  }
  FAIL("no ConfigError for " << family);
  return "";
}

}  // namespace

TEST_CASE("the four families are registered and every schema field has a default and a description",
          "[problems]") {
  for (const std::string name : {"least_squares", "logistic", "nonconvex_logistic", "random_design_ls"}) {
    const ProblemFamily* f = find_problem_family(name);
    REQUIRE(f != nullptr);
    REQUIRE_FALSE(f->schema.description.empty());
    for (const auto& field : f->schema.fields) {
      INFO(name << "." << field.name);
      REQUIRE(field.default_value.has_value());
      REQUIRE_FALSE(field.description.empty());
    }
    // Defaults alone build a valid instance.
    REQUIRE(build(name, {})->family() == name);
  }
  REQUIRE(find_problem_family("no_such_family") == nullptr);
}

TEST_CASE("out-of-range keys are one-line ConfigErrors with file:line, key, value and constraint", "[problems]") {
  REQUIRE(build_error("least_squares", {{"d", "0"}}) == "exp.yaml:7: problem.d = 0 violates 1 <= d <= 5000");
  REQUIRE_THAT(build_error("least_squares", {{"n", "1"}}), StartsWith("exp.yaml:7: problem.n = 1 violates n >= 2"));
  REQUIRE_THAT(build_error("logistic", {{"density", "0"}}), Contains("problem.density = 0 violates 0 < density <= 1"));
  REQUIRE_THAT(build_error("least_squares", {{"density", "1.5"}}), Contains("problem.density = 1.5 violates"));
  REQUIRE_THAT(build_error("logistic", {{"lambda", "-1"}}), Contains("problem.lambda = -1 violates lambda >= 0"));
}

TEST_CASE("cross-field constraints are one-line ConfigErrors", "[problems]") {
  REQUIRE(build_error("least_squares", {{"n", "50"}, {"d", "10"}, {"structure", "orthogonal_rows"}}) ==
          "exp.yaml:7: problem.n = 50 violates n <= d = 10 for structure orthogonal_rows");
  REQUIRE_THAT(build_error("least_squares", {{"spectrum.cond", "10"}}),
               Contains("problem.spectrum.cond = 10 violates cond = 1 when spectrum.kind = identity"));
  REQUIRE_THAT(build_error("random_design_ls", {{"density", "0.5"}}),
               Contains("problem.density = 0.5 violates density = 1 unless design = bernoulli_gaussian"));
  REQUIRE_THAT(build_error("random_design_ls", {{"h", "[1, 0, 2]"}}), Contains("problem.h = [1, 0, 2] violates"));
  REQUIRE_THAT(build_error("random_design_ls", {{"h", "[1, 2]"}, {"d", "3"}}), Contains("problem.d = 3 violates"));
  REQUIRE_THAT(build_error("random_design_ls", {{"d", "3"}, {"w_star", "[1, 2]"}}),
               Contains("problem.w_star = [1, 2] violates w_star has d = 3 entries"));
  const auto f = temp_file("reg.libsvm", "1 1:1\n2 2:1\n3 1:1 2:1\n");
  REQUIRE_THAT(build_error("least_squares", {{"data.file", f.string()}, {"n", "100"}}),
               Contains("problem.n = 100 violates n unset when data.file is given"));
}

TEST_CASE("separable logistic data with lambda = 0 is a ConfigError against lambda", "[problems]") {
  const auto m = build_error("logistic", {{"n", "5"}, {"d", "20"}, {"lambda", "0"}});
  REQUIRE_THAT(m, StartsWith("exp.yaml:7: ") && Contains("separable") && Contains("lambda > 0"));
}

TEST_CASE("data files are resolved relative to the experiment directory", "[problems]") {
  const auto path = temp_file("rel.csv", "f1,f2,y\n1,0,1\n0,1,0\n1,1,1\n1,-1,0\n2,1,1\n0.5,2,0\n");
  const BuildContext ctx{"exp.yaml", path.parent_path().string()};
  const auto ls = build("least_squares", {{"data.file", "rel.csv"}, {"data.format", "csv"}, {"data.label_column", "y"}},
                        ctx);
  REQUIRE(ls->n() == 6);
  REQUIRE(ls->dim() == 2);
  REQUIRE(ls->finite_least_squares() != nullptr);
  REQUIRE(ls->finite_least_squares()->dense != nullptr);
  const auto lg = build("logistic",
                        {{"data.file", "rel.csv"}, {"data.format", "csv"}, {"data.label_column", "y"},
                         {"lambda", "0.1"}, {"m_estimate.probes", "3"}},
                        ctx);
  REQUIRE_THAT(lg->constants().mu, WithinRel(0.1, 0));
}

TEST_CASE("NaN in a data file is a DataError naming the data file and line", "[problems]") {
  const auto path = temp_file("nan_in_data.libsvm", "1 1:1\n2 1:nan\n");
  REQUIRE_THROWS_AS(build("least_squares", {{"data.file", path.string()}}), DataError);
  REQUIRE_THROWS_WITH(build("least_squares", {{"data.file", path.string()}}), Contains("nan_in_data.libsvm:2:"));
}

TEST_CASE("the same seed gives the same instance and a different seed a different one", "[problems]") {
  const auto a = build("least_squares", {{"seed", "3"}, {"n", "30"}, {"d", "4"}});
  const auto b = build("least_squares", {{"seed", "3"}, {"n", "30"}, {"d", "4"}});
  const auto c = build("least_squares", {{"seed", "4"}, {"n", "30"}, {"d", "4"}});
  REQUIRE(a->constants().x_star == b->constants().x_star);
  REQUIRE(a->initial_point() == b->initial_point());
  REQUIRE_FALSE(a->constants().x_star == c->constants().x_star);
}

TEST_CASE("init.radius sets the distance of x0 from x*", "[problems]") {
  for (const std::string kind : {"gaussian", "top_eigenvector", "worst_case"}) {
    const auto p = build("least_squares", {{"n", "40"}, {"d", "5"}, {"init.kind", kind}, {"init.radius", "2.5"}});
    REQUIRE_THAT((p->initial_point() - p->constants().x_star).norm(), WithinRel(2.5, 1e-12));
  }
  const auto z = build("random_design_ls", {{"d", "4"}, {"init.kind", "zeros"}});
  REQUIRE(z->initial_point().isZero(0));
}
