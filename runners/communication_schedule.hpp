#pragma once
/// \file Communication sets S ⊆ {1..N} for local SGD (Patel & Dieuleveut 2019, sgdcheck spec §2):
/// after the local step t ∈ S all workers average their models (one round). C = |S| rounds.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/params.hpp"

namespace sgdcheck::runners {

/// Most communication steps a schedule may hold (S is stored as a sorted list).
constexpr std::int64_t kMaxCommunications = 10'000'000;

enum class ScheduleKind {
  kPeriodic,  ///< {τ, 2τ, …} ≤ N, C = ⌊N/τ⌋
  kRounds,    ///< t_k = ⌈kN/C⌉, k = 1..C (so t_C = N)
  kPower,     ///< t_k = ⌈k^β⌉ ≤ N, k = 1, 2, …, plus N
  kFront,     ///< {1..t0} ∪ {N}
  kList,      ///< an explicit strictly increasing list in [1, N]
  kMba,       ///< every step: {1..N} (mini-batch averaging)
  kOsa,       ///< {N} (one-shot averaging)
  kNone,      ///< ∅ (no communication; the virtual average is still recorded)
};
std::string to_string(ScheduleKind k);

/// What a schedule is made from; only the parameter of `kind` is read.
struct ScheduleSpec {
  ScheduleKind kind = ScheduleKind::kPeriodic;
  std::int64_t period = 10;          ///< τ >= 1 (periodic), τ <= N
  std::int64_t rounds = 1;           ///< C >= 1 (rounds), C <= N
  double beta = 2.0;                 ///< β >= 1 (power): ⌈k^β⌉ is then strictly increasing
  std::int64_t t0 = 1;               ///< 1 <= t0 <= N (front)
  std::vector<std::int64_t> list;    ///< list: strictly increasing, each in [1, N]
};

/// A violated constraint: the schema key it belongs to (e.g. "schedule.period") and the constraint
/// text for Params::fail (e.g. "period <= local_steps = 60").
struct ScheduleIssue {
  std::string key;
  std::string constraint;
};

/// The first violated constraint of `spec` for horizon N, or nullopt.
std::optional<ScheduleIssue> check_schedule(const ScheduleSpec& spec, std::int64_t local_steps);

/// A resolved communication set S for horizon N (strictly increasing steps in [1, N]).
class CommunicationSchedule {
 public:
  /// Builds S; throws ConfigError "<key> = <value> violates <constraint>" on bad input.
  static CommunicationSchedule make(const ScheduleSpec& spec, std::int64_t local_steps);
  static CommunicationSchedule periodic(std::int64_t period, std::int64_t local_steps);
  static CommunicationSchedule rounds(std::int64_t count, std::int64_t local_steps);
  static CommunicationSchedule power(double beta, std::int64_t local_steps);
  static CommunicationSchedule front(std::int64_t t0, std::int64_t local_steps);
  static CommunicationSchedule list(std::vector<std::int64_t> steps, std::int64_t local_steps);
  static CommunicationSchedule mba(std::int64_t local_steps);
  static CommunicationSchedule osa(std::int64_t local_steps);
  static CommunicationSchedule none(std::int64_t local_steps);

  const std::vector<std::int64_t>& steps() const { return steps_; }
  std::int64_t local_steps() const { return local_steps_; }
  /// C = |S|.
  std::int64_t rounds() const { return static_cast<std::int64_t>(steps_.size()); }
  ScheduleKind kind() const { return spec_.kind; }
  /// e.g. "periodic(10): 6 rounds over 60 local steps".
  std::string describe() const;

 private:
  CommunicationSchedule(ScheduleSpec spec, std::int64_t local_steps, std::vector<std::int64_t> steps)
      : spec_(std::move(spec)), local_steps_(local_steps), steps_(std::move(steps)) {}
  ScheduleSpec spec_;
  std::int64_t local_steps_ = 0;
  std::vector<std::int64_t> steps_;
};

/// Schema fields schedule.kind, schedule.period, schedule.rounds, schedule.beta, schedule.t0,
/// schedule.list.
std::vector<Field> schedule_fields();

/// Reads the schedule.* fields of `p` (bad input → ConfigError through Params::fail, naming file and
/// line of the offending key).
ScheduleSpec schedule_spec_from(const Params& p);
/// schedule_spec_from + check against N (from `p`'s local_steps) + build.
CommunicationSchedule make_communication_schedule(const Params& p, std::int64_t local_steps);

}  // namespace sgdcheck::runners
