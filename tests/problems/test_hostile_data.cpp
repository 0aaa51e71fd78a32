// Hostile data files (issue #8, item 3): values whose squares overflow, huge feature indices,
// a feature index that would need a dense 20000 x 20000 Gram matrix (refused by the dense path; the iterative one finds it rank-deficient), duplicate CSV columns and
// one-sample files are DataErrors naming the file (and line), before any large allocation.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "core/errors.hpp"
#include "support/error_of.hpp"
#include "helpers.hpp"
#include "problems/critical.hpp"
#include "problems/dataset.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using sgdcheck::DataError;
using namespace sgdcheck::problems;
using sgdcheck::problems::test::build;
using sgdcheck::problems::test::temp_file;
using sgdcheck::test::data_error_of;

TEST_CASE("data values whose fourth powers overflow are rejected naming line and feature", "[problems][hostile]") {
  REQUIRE_THAT(data_error_of([] { read_libsvm_text("1 1:1 2:3\n-1 1:2 2:1e160\n", "d.libsvm"); }),
               StartsWith("d.libsvm:2: feature 2 value '1e160' is too large"));
  REQUIRE_THAT(data_error_of([] { read_libsvm_text("1 1:1e100\n-1 1:2\n", "d.libsvm"); }),
               StartsWith("d.libsvm:1: feature 1 value '1e100' is too large"));
  REQUIRE_THAT(data_error_of([] { read_libsvm_text("1e60 1:1\n-1 1:2\n", "d.libsvm"); }),
               StartsWith("d.libsvm:1: label '1e60' is too large"));
  REQUIRE_THAT(data_error_of([] { read_csv_dataset_text("x,label\n1,1\n-1e51,0\n", "d.csv", "label"); }),
               StartsWith("d.csv:3: column 'x' value '-1e51' is too large"));
}

TEST_CASE("the largest allowed values give finite constants", "[problems][hostile]") {
  // Rows (1e50, 0), (0, 1e50), (1e50, 1e50): B has entries of order 1e200, still finite.
  const Dataset data = read_libsvm_text("1 1:1e50\n1 2:1e50\n2 1:1e50 2:1e50\n", "d.libsvm");
  const auto c = least_squares_constants(data);
  REQUIRE(std::isfinite(c.L));
  REQUIRE(std::isfinite(c.M_grad));
  REQUIRE(std::isfinite(c.M_curv));
  REQUIRE(c.rank == 2);
  // Scale invariance: M of the rows scaled by 1e-50 (computed on small numbers) is the same.
  const auto small = least_squares_constants(read_libsvm_text("1 1:1\n1 2:1\n2 1:1 2:1\n", "s.libsvm"));
  REQUIRE_THAT(c.M_grad, Catch::Matchers::WithinRel(small.M_grad, 1e-9));
}

TEST_CASE("a feature index beyond the documented limit is rejected naming line and feature", "[problems][hostile]") {
  REQUIRE_THAT(data_error_of([] { read_libsvm_text("1 1:1\n1 2000000000:1\n", "d.libsvm"); }),
               StartsWith("d.libsvm:2: feature index 2000000000 in '2000000000:1' exceeds the limit d <= 10000000"));
  REQUIRE_THAT(data_error_of([] { read_libsvm_text("1 99999999999999999999999:1\n", "d.libsvm"); }),
               StartsWith("d.libsvm:1: feature index"));
}

TEST_CASE("a 3-line file with feature index 20000 is refused quickly instead of a dense 20000 x 20000 Gram",
          "[problems][hostile]") {
  // The refusals come from the dimension checks before any d x d allocation (a dense 20000 x 20000
  // Gram would be 3.2 GB); no timing is asserted.
  const Dataset data = read_libsvm_text("1 1:1 20000:1\n-1 2:1\n1 3:2\n", "w.libsvm");
  REQUIRE(data.cols() == 20000);
  // auto: the iterative path sees rank <= n < d and the dense fallback is beyond its limit.
  REQUIRE_THAT(data_error_of([&] { least_squares_constants(data); }),
               StartsWith("w.libsvm: the iterative constants need a full-rank"));
  REQUIRE_THAT(data_error_of([&] { least_squares_constants(data, ConstantsMethod::kDense); }),
               StartsWith("w.libsvm: d = 20000 features exceeds the limit d <= 5000"));
  REQUIRE_THAT(data_error_of([&] { (void)data.weighted_gram(); }), Contains("d <= 5000"));
}

TEST_CASE("a duplicated CSV column name is rejected instead of silently choosing one", "[problems][hostile]") {
  REQUIRE_THAT(data_error_of([] { read_csv_dataset_text("label,x,label\n1,2,3\n0,1,1\n", "d.csv", "label"); }),
               StartsWith("d.csv:1: column name 'label' appears twice in the header (columns 1 and 3)"));
  REQUIRE_THAT(data_error_of([] { read_csv_dataset_text("x,x,label\n1,2,3\n0,1,1\n", "d.csv", "label"); }),
               Contains("'x' appears twice"));
}

TEST_CASE("a one-sample data file is rejected with the reason by the shared rule", "[problems][hostile]") {
  const Dataset one = read_libsvm_text("1 1:1 2:1\n", "one.libsvm");
  REQUIRE_THAT(data_error_of([&] { check_finite_sum_data(one); }),
               StartsWith("one.libsvm: n = 1 sample(s): expected at least 2"));
  const Dataset two = read_libsvm_text("1 1:1 2:1\n-1 1:2\n", "two.libsvm");
  REQUIRE_NOTHROW(check_finite_sum_data(two));
}

TEST_CASE("a family built on a one-sample data file fails as in `critical`", "[problems][hostile]") {
  const auto path = temp_file("one.libsvm", "1 1:1 2:1\n");
  REQUIRE_THROWS_WITH(build("least_squares", {{"data.file", path.string()}}), Contains("n = 1 sample(s)"));
  REQUIRE_THROWS_WITH(build("logistic", {{"data.file", path.string()}}), Contains("n = 1 sample(s)"));
}
