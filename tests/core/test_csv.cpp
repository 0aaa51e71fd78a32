// core/csv: the bytes CsvWriter writes (RFC 4180 quoting) and the text of format_real. Expected
// strings are written out by hand from the rules (quote a field with , " CR or LF; double every ").
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

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

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
