// The string / stream entry points of the data loaders (used by the fuzz targets): same data as the
// file loaders, messages name the given source and line.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "core/errors.hpp"
#include "support/error_of.hpp"
#include "helpers.hpp"
#include "problems/dataset.hpp"

using Catch::Matchers::StartsWith;
using sgdcheck::DataError;
using namespace sgdcheck::problems;
using sgdcheck::problems::test::temp_file;
using sgdcheck::test::data_error_of;

TEST_CASE("read_libsvm_text reads the same rows as load_libsvm", "[problems][loaders]") {
  const std::string text = "1 1:0.5 3:2\n# comment\n-1 2:4\n";
  const Dataset a = load_libsvm(temp_file("t.libsvm", text));
  const Dataset b = read_libsvm_text(text, "mem");
  REQUIRE(b.source == "mem");
  REQUIRE(b.rows() == 2);
  REQUIRE(b.cols() == 3);
  REQUIRE(a.to_dense() == b.to_dense());
  REQUIRE(b.to_dense()(0, 2) == 2.0);
  REQUIRE(b.to_dense()(1, 1) == 4.0);
  REQUIRE(b.y[1] == -1.0);
  REQUIRE(b.lines == std::vector<int>{1, 3});
  std::istringstream in(text);
  REQUIRE(read_libsvm(in, "stream").to_dense() == a.to_dense());
}

TEST_CASE("read_csv_dataset_text reads the same rows as load_csv and keeps line numbers", "[problems][loaders]") {
  const std::string text = "x,label,z\n1,0,2\n\n3,1,4\n";
  const Dataset a = load_csv(temp_file("t.csv", text), "label");
  const Dataset b = read_csv_dataset_text(text, "mem", "label");
  REQUIRE(a.dense == b.dense);
  REQUIRE(b.dense(1, 1) == 4.0);
  REQUIRE(b.y[1] == 1.0);
  REQUIRE(b.lines == std::vector<int>{2, 4});
  REQUIRE_THAT(data_error_of([] { read_csv_dataset_text("a,label\n1,2\n3,x\n", "mem", "label"); }),
               StartsWith("mem:3: column 'label' value 'x' is not a number"));
}

TEST_CASE("read_libsvm_text names the source and line of a bad token", "[problems][loaders]") {
  REQUIRE_THAT(data_error_of([] { read_libsvm_text("1 1:2\n1 2:x\n", "mem"); }),
               StartsWith("mem:2: feature 2 value 'x' is not a number"));
}
