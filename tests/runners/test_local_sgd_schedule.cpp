// Communication schedules of local SGD (spec §2): generator outputs and bad-input errors.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "runners/communication_schedule.hpp"
#include "runners/local_sgd.hpp"

using sgdcheck::ConfigError;
using namespace sgdcheck::runners;
using Steps = std::vector<std::int64_t>;

namespace {

/// The ConfigError message of `f`, or "" when it does not throw.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

sgdcheck::RawValue scalar(std::string s, int line) {
  sgdcheck::RawValue v;
  v.scalar = std::move(s);
  v.loc = {"exp.yaml", line};
  return v;
}

sgdcheck::RawValue list(std::vector<std::string> l, int line) {
  sgdcheck::RawValue v;
  v.list = std::move(l);
  v.is_list = true;
  v.loc = {"exp.yaml", line};
  return v;
}

}  // namespace

TEST_CASE("periodic schedule averages every tau steps up to N", "[runners]") {
  REQUIRE(CommunicationSchedule::periodic(10, 60).steps() == Steps{10, 20, 30, 40, 50, 60});
  REQUIRE(CommunicationSchedule::periodic(7, 20).steps() == Steps{7, 14});
  REQUIRE(CommunicationSchedule::periodic(7, 20).rounds() == 2);
  REQUIRE(CommunicationSchedule::periodic(1, 4).steps() == Steps{1, 2, 3, 4});
  REQUIRE(CommunicationSchedule::periodic(5, 5).steps() == Steps{5});
}

TEST_CASE("rounds schedule places C rounds at ceil(kN/C)", "[runners]") {
  REQUIRE(CommunicationSchedule::rounds(3, 10).steps() == Steps{4, 7, 10});
  REQUIRE(CommunicationSchedule::rounds(1, 10).steps() == Steps{10});
  REQUIRE(CommunicationSchedule::rounds(10, 10).steps() == CommunicationSchedule::mba(10).steps());
  REQUIRE(CommunicationSchedule::rounds(4, 6).steps() == Steps{2, 3, 5, 6});
}

TEST_CASE("power schedule places rounds at ceil(k^beta) and adds N", "[runners]") {
  REQUIRE(CommunicationSchedule::power(2.0, 50).steps() == Steps{1, 4, 9, 16, 25, 36, 49, 50});
  REQUIRE(CommunicationSchedule::power(2.0, 49).steps() == Steps{1, 4, 9, 16, 25, 36, 49});
  REQUIRE(CommunicationSchedule::power(3.0, 27).steps() == Steps{1, 8, 27});
  // 2^1.5 = 2.83, 3^1.5 = 5.20, 4^1.5 = 8, 5^1.5 = 11.18, 6^1.5 = 14.70, 7^1.5 = 18.52
  REQUIRE(CommunicationSchedule::power(1.5, 20).steps() == Steps{1, 3, 6, 8, 12, 15, 19, 20});
  REQUIRE(CommunicationSchedule::power(1.0, 4).steps() == Steps{1, 2, 3, 4});
  REQUIRE(CommunicationSchedule::power(2.0, 1).steps() == Steps{1});
}

TEST_CASE("front schedule averages at the first t0 steps and at N", "[runners]") {
  REQUIRE(CommunicationSchedule::front(3, 10).steps() == Steps{1, 2, 3, 10});
  REQUIRE(CommunicationSchedule::front(10, 10).steps() == CommunicationSchedule::mba(10).steps());
}

TEST_CASE("named schedules mba, osa and none", "[runners]") {
  REQUIRE(CommunicationSchedule::mba(5).steps() == Steps{1, 2, 3, 4, 5});
  REQUIRE(CommunicationSchedule::osa(5).steps() == Steps{5});
  REQUIRE(CommunicationSchedule::osa(5).rounds() == 1);
  REQUIRE(CommunicationSchedule::none(5).steps().empty());
  REQUIRE(CommunicationSchedule::list({2, 3, 9}, 9).steps() == Steps{2, 3, 9});
  REQUIRE(CommunicationSchedule::list({}, 9).rounds() == 0);
  REQUIRE(CommunicationSchedule::periodic(10, 60).describe() == "periodic(10): 6 rounds over 60 local steps");
}

TEST_CASE("schedule generators reject bad input with one line naming key, value and constraint", "[runners]") {
  using S = CommunicationSchedule;
  REQUIRE(error_of([] { S::periodic(0, 60); }) == "schedule.period = 0 violates period >= 1");
  REQUIRE(error_of([] { S::periodic(61, 60); }) == "schedule.period = 61 violates period <= local_steps = 60");
  REQUIRE(error_of([] { S::rounds(0, 60); }) == "schedule.rounds = 0 violates rounds >= 1");
  REQUIRE(error_of([] { S::rounds(61, 60); }) == "schedule.rounds = 61 violates rounds <= local_steps = 60");
  REQUIRE(error_of([] { S::power(0.5, 60); }).starts_with("schedule.beta = 0.5 violates beta >= 1"));
  REQUIRE(error_of([] { S::front(0, 60); }) == "schedule.t0 = 0 violates t0 >= 1");
  REQUIRE(error_of([] { S::front(61, 60); }) == "schedule.t0 = 61 violates t0 <= local_steps = 60");
  REQUIRE(error_of([] { S::list({5, 3}, 60); }) == "schedule.list = [5, 3] violates list is sorted (3 follows 5)");
  REQUIRE(error_of([] { S::list({3, 3}, 60); }) ==
          "schedule.list = [3, 3] violates list has no repeated steps (3 repeated)");
  REQUIRE(error_of([] { S::list({10, 70}, 60); }) ==
          "schedule.list = [10, 70] violates list entries <= local_steps = 60 (entry 1 is 70)");
  REQUIRE(error_of([] { S::list({0, 4}, 60); }) == "schedule.list = [0, 4] violates list entries >= 1 (entry 0 is 0)");
}

TEST_CASE("local_sgd config errors name file, line, key and constraint", "[runners]") {
  const RunnerKind k = LocalSgd::kind();
  auto msg = [&](sgdcheck::RawParams raw) {
    return error_of([&] {
      const sgdcheck::Params p = sgdcheck::validate(k.schema, raw, "runner");
      (void)make_communication_schedule(p, p.get_int("local_steps"));
    });
  };
  REQUIRE(msg({{"local_steps", scalar("60", 3)}, {"schedule.kind", scalar("list", 4)},
               {"schedule.list", list({"5", "3"}, 5)}}) ==
          "exp.yaml:5: runner.schedule.list = [5, 3] violates list is sorted (3 follows 5)");
  REQUIRE(msg({{"local_steps", scalar("60", 3)}, {"schedule.list", list({"2.5"}, 5)},
               {"schedule.kind", scalar("list", 4)}}) ==
          "exp.yaml:5: runner.schedule.list = [2.5] violates list entries are integers");
  REQUIRE(msg({{"local_steps", scalar("60", 3)}, {"schedule.period", scalar("100", 7)}}) ==
          "exp.yaml:7: runner.schedule.period = 100 violates period <= local_steps = 60");
  REQUIRE(msg({{"local_steps", scalar("60", 3)}, {"schedule.kind", scalar("rounds", 4)},
               {"schedule.rounds", scalar("0", 8)}}) == "exp.yaml:8: runner.schedule.rounds = 0 violates rounds >= 1");
  REQUIRE(msg({{"workers", scalar("0", 2)}}) == "exp.yaml:2: runner.workers = 0 violates 1 <= workers <= 100000");
  // A schedule parameter that is not used by the chosen kind is not checked.
  REQUIRE(msg({{"local_steps", scalar("60", 3)}, {"schedule.kind", scalar("osa", 4)},
               {"schedule.period", scalar("100", 7)}}) == "");
}
