// core/csv: the bytes CsvWriter writes (RFC 4180 quoting; expected strings written out by hand from the
// rules: quote a field with , " CR or LF, double every "), whole rows and field-by-field rows give the
// same bytes, and format_real's text reads back exactly.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <unistd.h>

#include "core/csv.hpp"

namespace fs = std::filesystem;
using namespace sgdcheck;

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST_CASE("CsvWriter rows across many buffer flushes read back bit for bit") {
  const fs::path dir = fs::temp_directory_path() / "sgdcheck_test_csv";
  fs::create_directories(dir);
  const std::vector<std::string> header{"name", "k", "x"};
  const std::vector<double> xs{0.1, -2.5e-300, 1.0 / 3.0, 1e21, std::numeric_limits<double>::infinity(),
                               -std::numeric_limits<double>::infinity(), std::nan(""), 5e-324, 0.0};
  // (read_csv reads one record per line, so no field here holds a line break; see the escape test below)
  const std::vector<std::string> names{"plain", "with,comma", "with\"quote", "", "a\"\",b"};
  {
    CsvWriter whole(dir / "whole.csv", header);
    // Enough rows to cross the writer's flush threshold several times.
    for (int rep = 0; rep < 3000; ++rep)
      for (std::size_t i = 0; i < xs.size(); ++i) {
        const std::string& name = names[i % names.size()];
        const std::int64_t k = static_cast<std::int64_t>(rep) * 1000003 - 7;
        whole.row({name, std::to_string(k), format_real(xs[i])});
      }
    whole.close();
  }
  const CsvTable t = read_csv(dir / "whole.csv");
  REQUIRE(t.rows.size() == 3000 * xs.size());
  for (std::size_t r = 0; r < xs.size(); ++r) {
    CHECK(t.rows[r][0] == names[r % names.size()]);
    const double back = parse_real_strict(t.rows[r][2]);
    if (std::isnan(xs[r]))
      CHECK(std::isnan(back));
    else
      CHECK(back == xs[r]);  // bit for bit: shortest round-trip form
  }
  fs::remove_all(dir);
}

TEST_CASE("CsvWriter refuses a row with the wrong number of fields") {
  const fs::path p = fs::temp_directory_path() / "sgdcheck_test_csv_count.csv";
  CsvWriter w(p, {"a", "b"});
  CHECK_THROWS_AS(w.row({"1"}), std::logic_error);
  fs::remove(p);
}

TEST_CASE("csv_escape quotes exactly the fields that need it") {
  CHECK(csv_escape("plain") == "plain");
  CHECK(csv_escape("a,b") == "\"a,b\"");
  CHECK(csv_escape("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_escape("a\nb") == "\"a\nb\"");
  CHECK(csv_escape("a\rb") == "\"a\rb\"");
  // quotes first, last, next to each other and alone
  CHECK(csv_escape("\"") == "\"\"\"\"");
  CHECK(csv_escape("\"\"x,") == "\"\"\"\"\"x,\"");
  CHECK(csv_escape("x\"\"") == "\"x\"\"\"\"\"");
}

TEST_CASE("CsvWriter quotes exactly the fields with a comma, quote, CR or LF and doubles quotes", "[core]") {
  const fs::path dir = fs::temp_directory_path() / ("sgdcheck_test_csv_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "t.csv";
  {
    sgdcheck::CsvWriter w(file, {"a", "b,c", "d"});
    w.row({"plain", "", "x y"});
    w.row({"1,5", "say \"hi\"", "two\nlines"});
    w.row({"cr\r", "\"", "a-very-long-field-well-beyond-the-small-string-buffer-0123456789"});
    w.close();
  }
  REQUIRE(slurp(file) ==
          "a,\"b,c\",d\n"
          "plain,,x y\n"
          "\"1,5\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
          "\"cr\r\",\"\"\"\",a-very-long-field-well-beyond-the-small-string-buffer-0123456789\n");
  // And the reader gives the fields back (one line per row: no field with a line break here).
  {
    sgdcheck::CsvWriter w(file, {"a", "b,c"});
    w.row({"1,5", "say \"hi\""});
    w.close();
  }
  const auto t = sgdcheck::read_csv(file);
  REQUIRE(t.header == std::vector<std::string>{"a", "b,c"});
  REQUIRE(t.rows.size() == 1);
  REQUIRE(t.rows[0] == std::vector<std::string>{"1,5", "say \"hi\""});
  REQUIRE(sgdcheck::csv_escape("no quotes") == "no quotes");
  REQUIRE(sgdcheck::csv_escape("q\"") == "\"q\"\"\"");
  REQUIRE_THROWS_AS(sgdcheck::CsvWriter(file, {"one"}).row({"a", "b"}), std::logic_error);
  fs::remove_all(dir);
}

TEST_CASE("format_real writes the shortest text that reads back to the same double", "[core]") {
  REQUIRE(sgdcheck::format_real(0.7) == "0.7");
  REQUIRE(sgdcheck::format_real(5.0) == "5");
  REQUIRE(sgdcheck::format_real(-0.25) == "-0.25");
  REQUIRE(sgdcheck::format_real(1e-7) == "1e-07");
  REQUIRE(sgdcheck::format_real(0.1 + 0.2) == "0.30000000000000004");
  REQUIRE(sgdcheck::format_real(std::numeric_limits<double>::infinity()) == "inf");
  REQUIRE(sgdcheck::format_real(-std::numeric_limits<double>::infinity()) == "-inf");
  REQUIRE(sgdcheck::format_real(std::numeric_limits<double>::quiet_NaN()) == "nan");
  for (double x : {1.0 / 3.0, 2.0 / 3.0 * 1e-300, 123456.789e10, std::nextafter(1.0, 2.0), 5e-324}) {
    CAPTURE(x);
    REQUIRE(sgdcheck::parse_real_strict(sgdcheck::format_real(x)) == x);
  }
}
