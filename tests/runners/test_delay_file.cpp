// The delay-file reader: DelaySequence::parse (string entry point) and load (file) agree; bad lines
// and values beyond the documented limits are DataErrors naming the source and line.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/errors.hpp"
#include "support/error_of.hpp"
#include "runners/delay_source.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using sgdcheck::DataError;
using sgdcheck::runners::DelaySequence;

namespace {

template <class F>
std::string data_error_of(F&& f) {
  return sgdcheck::test::error_of<DataError>(f);
}

}  // namespace

TEST_CASE("DelaySequence::parse reads the same delays as load", "[runners][delays]") {
  const std::string text = "# delays\n3\n\n 0 \n7 # last\n";
  const auto path = std::filesystem::temp_directory_path() / "sgdcheck-delay-file-test.txt";
  std::ofstream(path) << text;
  const DelaySequence a = DelaySequence::load(path);
  const DelaySequence b = DelaySequence::parse(text, "mem");
  std::filesystem::remove(path);
  REQUIRE(a.delays() == std::vector<std::int64_t>{3, 0, 7});
  REQUIRE(b.delays() == a.delays());
  REQUIRE(b.max_delay() == 7);
}

TEST_CASE("DelaySequence::parse rejects bad lines and delays beyond the limit with file and line", "[runners][delays]") {
  REQUIRE_THAT(data_error_of([] { DelaySequence::parse("1\nx\n", "mem"); }), StartsWith("mem:2: 'x' is not an integer"));
  REQUIRE_THAT(data_error_of([] { DelaySequence::parse("1\n-2\n", "mem"); }), StartsWith("mem:2: delay -2 violates delay >= 0"));
  REQUIRE_THAT(data_error_of([] { DelaySequence::parse("100001\n", "mem"); }),
               StartsWith("mem:1: delay 100001 violates delay <= 100000"));
  REQUIRE_THAT(data_error_of([] { DelaySequence::parse("1\n99999999999999999999999\n", "mem"); }),
               StartsWith("mem:2: delay '99999999999999999999999' violates delay <= 100000"));
  REQUIRE_THAT(data_error_of([] { DelaySequence::parse("# nothing\n", "mem"); }), Contains("no delays"));
}
