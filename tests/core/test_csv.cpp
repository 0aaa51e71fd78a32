// CsvWriter: whole rows and field-by-field rows give the same bytes, and both read back exactly.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

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

TEST_CASE("CsvWriter field-by-field rows equal whole rows and read back bit for bit") {
  const fs::path dir = fs::temp_directory_path() / "sgdcheck_test_csv";
  fs::create_directories(dir);
  const std::vector<std::string> header{"name", "k", "x"};
  const std::vector<double> xs{0.1, -2.5e-300, 1.0 / 3.0, 1e21, std::numeric_limits<double>::infinity(),
                               -std::numeric_limits<double>::infinity(), std::nan(""), 5e-324, 0.0};
  // (read_csv reads one record per line, so no field here holds a line break; see the escape test below)
  const std::vector<std::string> names{"plain", "with,comma", "with\"quote", "", "a\"\",b"};
  {
    CsvWriter whole(dir / "whole.csv", header);
    CsvWriter fields(dir / "fields.csv", header);
    CsvWriter prefixed(dir / "prefixed.csv", header);
    // Enough rows to cross the writer's flush threshold several times.
    for (int rep = 0; rep < 3000; ++rep)
      for (std::size_t i = 0; i < xs.size(); ++i) {
        const std::string& name = names[i % names.size()];
        const std::int64_t k = static_cast<std::int64_t>(rep) * 1000003 - 7;
        whole.row({name, std::to_string(k), format_real(xs[i])});
        fields.field(name).field(k).field(xs[i]).end_row();
        prefixed.joined(join_fields({name, std::to_string(k)}), 2).field(xs[i]).end_row();
      }
    whole.close();
    fields.close();
    prefixed.close();
  }
  const std::string a = slurp(dir / "whole.csv");
  CHECK(a == slurp(dir / "fields.csv"));
  CHECK(a == slurp(dir / "prefixed.csv"));
  const CsvTable t = read_csv(dir / "fields.csv");
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
  w.field(std::int64_t{1});
  CHECK_THROWS_AS(w.end_row(), std::logic_error);
  fs::remove(p);
}

TEST_CASE("csv_escape quotes exactly the fields that need it") {
  CHECK(csv_escape("plain") == "plain");
  CHECK(csv_escape("a,b") == "\"a,b\"");
  CHECK(csv_escape("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_escape("a\nb") == "\"a\nb\"");
  CHECK(csv_escape("a\rb") == "\"a\rb\"");
  CHECK(join_fields({"x", "y,z", ""}) == "x,\"y,z\",");
}
