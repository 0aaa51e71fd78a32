// Communication schedules with hostile parameters (issue #8, item 4): huge powers, huge horizons and
// huge round counts are rejected (or computed without int64 overflow), never loop or allocate without bound.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "runners/communication_schedule.hpp"

using Catch::Matchers::Contains;
using sgdcheck::ConfigError;
using namespace sgdcheck::runners;

namespace {

std::string issue_of(const ScheduleSpec& s, std::int64_t n) {
  const auto issue = check_schedule(s, n);
  REQUIRE(issue.has_value());
  return issue->key + ": " + issue->constraint;
}

}  // namespace

TEST_CASE("a power schedule with beta >= 64 ends: ceil(k^beta) above N stops it", "[runners][hostile]") {
  const auto start = std::chrono::steady_clock::now();
  for (double beta : {63.0, 64.0, 100.0, 1e6}) {
    const auto s = CommunicationSchedule::power(beta, 1000);
    // k = 1 gives 1; k = 2 gives 2^beta > 1000; N = 1000 is appended.
    REQUIRE(s.steps() == std::vector<std::int64_t>{1, 1000});
  }
  const auto big = CommunicationSchedule::power(64.0, 1'000'000'000'000);
  REQUIRE(big.steps() == std::vector<std::int64_t>{1, 1'000'000'000'000});
  REQUIRE(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("schedules that would store more than the limit of communication steps are rejected", "[runners][hostile]") {
  ScheduleSpec mba;
  mba.kind = ScheduleKind::kMba;
  REQUIRE_THAT(issue_of(mba, kMaxCommunications + 1), Contains("schedule.kind") && Contains("10000000"));
  REQUIRE_FALSE(check_schedule(mba, 1000).has_value());
  ScheduleSpec periodic;
  periodic.kind = ScheduleKind::kPeriodic;
  periodic.period = 1;
  REQUIRE_THAT(issue_of(periodic, 1'000'000'000'000), Contains("schedule.period"));
  ScheduleSpec power;
  power.kind = ScheduleKind::kPower;
  power.beta = 1.0;  // N steps
  REQUIRE_THAT(issue_of(power, 1'000'000'000'000), Contains("schedule.beta"));
  power.beta = 2.0;  // 1e6 steps
  REQUIRE_FALSE(check_schedule(power, 1'000'000'000'000).has_value());
  ScheduleSpec rounds;
  rounds.kind = ScheduleKind::kRounds;
  rounds.rounds = kMaxCommunications + 1;
  REQUIRE_THAT(issue_of(rounds, 1'000'000'000'000), Contains("schedule.rounds"));
}

TEST_CASE("rounds at ceil(kN/C) are exact for N near 1e12 where kN overflows int64", "[runners][hostile]") {
  const std::int64_t n = 999'999'999'989;  // prime-ish, not a multiple of C
  const std::int64_t c = 10'000'000;
  const auto s = CommunicationSchedule::rounds(c, n);
  REQUIRE(s.steps().size() == static_cast<std::size_t>(c));
  REQUIRE(s.steps().back() == n);
  // Independent check in unsigned 64-bit arithmetic (kN <= 1e19 < 2^64) at a few k.
  for (std::int64_t k : {std::int64_t{1}, std::int64_t{12345}, c / 2, c - 1}) {
    const std::uint64_t num = static_cast<std::uint64_t>(k) * static_cast<std::uint64_t>(n);
    const auto expected = static_cast<std::int64_t>((num + static_cast<std::uint64_t>(c) - 1) / static_cast<std::uint64_t>(c));
    REQUIRE(s.steps()[static_cast<std::size_t>(k - 1)] == expected);
  }
}
