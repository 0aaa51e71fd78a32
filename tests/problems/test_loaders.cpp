#include <catch2/catch.hpp>
#include <string>

#include "core/errors.hpp"
#include "helpers.hpp"
#include "problems/dataset.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using sgdcheck::DataError;
using namespace sgdcheck::problems;
using sgdcheck::Vec;
using sgdcheck::problems::test::temp_file;

namespace {

/// The DataError message of loading `content` as LIBSVM.
std::string libsvm_error(const std::string& name, const std::string& content) {
  const auto path = temp_file(name, content);
  try {
    load_libsvm(path);
  } catch (const DataError& e) {
    return e.what();
  }
  FAIL("no DataError for " << name);
  return "";
}

std::string csv_error(const std::string& name, const std::string& content, const std::string& label = "label") {
  const auto path = temp_file(name, content);
  try {
    load_csv(path, label);
  } catch (const DataError& e) {
    return e.what();
  }
  FAIL("no DataError for " << name);
  return "";
}

}  // namespace

TEST_CASE("a LIBSVM file loads as sparse rows with 1-based indices, real labels and comments", "[problems]") {
  const auto path = temp_file("good.libsvm",
                              "# header comment\n"
                              "1.5 1:2 3:-1.25\n"
                              "\n"
                              "-2 2:4 # trailing comment\n"
                              "0 \n");
  const Dataset d = load_libsvm(path);
  REQUIRE(d.is_sparse);
  REQUIRE(d.rows() == 3);
  REQUIRE(d.cols() == 3);
  REQUIRE_THAT(d.y[0], WithinAbs(1.5, 0));
  REQUIRE_THAT(d.y[1], WithinAbs(-2.0, 0));
  REQUIRE_THAT(d.sparse.coeff(0, 0), WithinAbs(2.0, 0));
  REQUIRE_THAT(d.sparse.coeff(0, 2), WithinAbs(-1.25, 0));
  REQUIRE_THAT(d.sparse.coeff(1, 1), WithinAbs(4.0, 0));
  REQUIRE(d.zero_rows() == 1);
  REQUIRE(d.lines == std::vector<int>{2, 4, 5});
}

TEST_CASE("LIBSVM errors are one line naming file, line and the offending token", "[problems]") {
  SECTION("missing file") {
    try {
      load_libsvm("/nonexistent/dir/none.libsvm");
      FAIL("no error");
    } catch (const DataError& e) {
      REQUIRE_THAT(std::string(e.what()), Contains("none.libsvm") && Contains("cannot open"));
    }
  }
  SECTION("empty file") {
    REQUIRE_THAT(libsvm_error("empty.libsvm", "# only a comment\n\n"), Contains("empty.libsvm") && Contains("empty"));
  }
  SECTION("malformed token") {
    const auto m = libsvm_error("malformed.libsvm", "1 1:2\n1 3\n");
    REQUIRE_THAT(m, Contains("malformed.libsvm:2:") && Contains("'3'") && Contains("index:value"));
  }
  SECTION("non-numeric value") {
    const auto m = libsvm_error("nonnum.libsvm", "1 1:2\n1 1:abc\n");
    REQUIRE_THAT(m, Contains("nonnum.libsvm:2:") && Contains("'abc'") && Contains("not a number"));
  }
  SECTION("non-numeric label") {
    const auto m = libsvm_error("badlabel.libsvm", "yes 1:2\n");
    REQUIRE_THAT(m, Contains("badlabel.libsvm:1:") && Contains("label 'yes'"));
  }
  SECTION("NaN value") {
    const auto m = libsvm_error("nan.libsvm", "1 1:2\n\n1 2:nan\n");
    REQUIRE_THAT(m, Contains("nan.libsvm:3:") && Contains("not finite"));
  }
  SECTION("Inf label") {
    REQUIRE_THAT(libsvm_error("inf.libsvm", "inf 1:2\n"), Contains("inf.libsvm:1:") && Contains("not finite"));
  }
  SECTION("zero index") {
    REQUIRE_THAT(libsvm_error("zero.libsvm", "1 0:2\n"), Contains("zero.libsvm:1:") && Contains("1-based"));
  }
  SECTION("decreasing indices") {
    REQUIRE_THAT(libsvm_error("order.libsvm", "1 3:2 2:1\n"), Contains("order.libsvm:1:") && Contains("increasing"));
  }
  SECTION("messages are one line") {
    REQUIRE(libsvm_error("oneline.libsvm", "1 1:x\n").find('\n') == std::string::npos);
  }
}

TEST_CASE("a CSV file loads as dense rows with the named label column", "[problems]") {
  const auto path = temp_file("good.csv", "x1,label,x2\n1,0,2\n\n3,1,4.5\n");
  const Dataset d = load_csv(path, "label");
  REQUIRE_FALSE(d.is_sparse);
  REQUIRE(d.rows() == 2);
  REQUIRE(d.cols() == 2);
  REQUIRE_THAT(d.dense(1, 1), WithinAbs(4.5, 0));
  REQUIRE_THAT(d.dense(0, 0), WithinAbs(1.0, 0));
  REQUIRE_THAT(d.y[1], WithinAbs(1.0, 0));
  REQUIRE(d.lines == std::vector<int>{2, 4});
}

TEST_CASE("CSV errors name file, line, column and value", "[problems]") {
  SECTION("missing file") {
    try {
      load_csv("/nonexistent/none.csv", "label");
      FAIL("no error");
    } catch (const DataError& e) {
      REQUIRE_THAT(std::string(e.what()), Contains("none.csv"));
    }
  }
  SECTION("empty file") { REQUIRE_THAT(csv_error("empty.csv", ""), Contains("empty.csv") && Contains("empty")); }
  SECTION("missing label column") {
    REQUIRE_THAT(csv_error("nolabel.csv", "a,b\n1,2\n", "y"), Contains("nolabel.csv:1:") && Contains("'y'"));
  }
  SECTION("ragged rows") {
    REQUIRE_THAT(csv_error("ragged.csv", "a,label\n1,2\n1,2,3\n"), Contains("ragged.csv:3:") && Contains("3 fields"));
  }
  SECTION("non-numeric value") {
    const auto m = csv_error("text.csv", "a,label\n1,2\n\nfoo,1\n");
    REQUIRE_THAT(m, Contains("text.csv:4:") && Contains("column 'a'") && Contains("'foo'"));
  }
  SECTION("NaN value") {
    REQUIRE_THAT(csv_error("nan.csv", "a,label\n1,2\nNaN,1\n"), Contains("nan.csv:3:") && Contains("not finite"));
  }
}

TEST_CASE("logistic labels accept {-1,+1} and {0,1} and name the first bad line otherwise", "[problems]") {
  const Dataset zero_one = load_libsvm(temp_file("01.libsvm", "0 1:1\n1 1:2\n"));
  const Vec y = logistic_labels(zero_one);
  REQUIRE_THAT(y[0], WithinAbs(-1.0, 0));
  REQUIRE_THAT(y[1], WithinAbs(1.0, 0));
  const Dataset pm = load_libsvm(temp_file("pm.libsvm", "-1 1:1\n+1 1:2\n"));
  REQUIRE(logistic_labels(pm) == pm.y);
  const Dataset bad = load_libsvm(temp_file("bad3.libsvm", "1 1:1\n# c\n2 1:2\n3 1:1\n"));
  REQUIRE_THROWS_WITH(logistic_labels(bad), Contains("bad3.libsvm:3:") && Contains("label 2"));
  const Dataset mixed = load_libsvm(temp_file("mixed.libsvm", "1 1:1\n-1 1:2\n0 1:1\n"));
  REQUIRE_THROWS_WITH(logistic_labels(mixed), Contains("mixed.libsvm:3:"));
}
