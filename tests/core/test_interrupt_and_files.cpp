// core/interrupt (the stop token polled between runs) and core/text_file (checked writes).
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "core/errors.hpp"
#include "core/interrupt.hpp"
#include "core/text_file.hpp"

using Catch::Matchers::Contains;

TEST_CASE("a delivered SIGTERM sets the stop token and its signal, only the first signal is kept", "[core]") {
  sgdcheck::reset_interrupt();
  REQUIRE_FALSE(sgdcheck::interrupted());
  REQUIRE(sgdcheck::interrupt_signal() == 0);
  sgdcheck::install_interrupt_handlers();
  REQUIRE(::raise(SIGTERM) == 0);  // handled: the process keeps running
  REQUIRE(sgdcheck::interrupted());
  REQUIRE(sgdcheck::interrupt_signal() == SIGTERM);
  sgdcheck::request_interrupt(SIGINT);
  REQUIRE(sgdcheck::interrupt_signal() == SIGTERM);
  sgdcheck::reset_interrupt();
  REQUIRE_FALSE(sgdcheck::interrupted());
  // Leave the process with default dispositions for later tests.
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
}

TEST_CASE("writing to a full disk throws a UsageError naming the file", "[core]") {
  if (!std::filesystem::exists("/dev/full")) {
    WARN("/dev/full not available");
    return;
  }
  try {
    sgdcheck::write_text_file("/dev/full", std::string(100000, 'x'));
    FAIL("no exception");
  } catch (const sgdcheck::UsageError& e) {
    REQUIRE_THAT(e.what(), Contains("/dev/full") && Contains("write failed"));
  }
  // Even a write small enough to sit in the stream buffer is caught at flush / close.
  REQUIRE_THROWS_AS(sgdcheck::write_text_file("/dev/full", "{}\n"), sgdcheck::UsageError);
}

TEST_CASE("a file where a directory is expected is a UsageError naming the path", "[core]") {
  const auto dir = std::filesystem::temp_directory_path() / ("sgdcheck-tf-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  sgdcheck::write_text_file(dir.string() + ".blocker", "x\n");
  const auto target = std::filesystem::path(dir.string() + ".blocker") / "checks.json";
  REQUIRE_THROWS_WITH(sgdcheck::write_text_file(target, "{}\n"), Contains(target.string()));
  std::filesystem::remove(dir.string() + ".blocker");
}
