#include "runners/communication_schedule.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace sgdcheck::runners {

namespace {

constexpr const char* kKindNames[] = {"periodic", "rounds", "power", "front", "list", "mba", "osa", "none"};
constexpr ScheduleKind kKinds[] = {ScheduleKind::kPeriodic,
                                   ScheduleKind::kRounds,
                                   ScheduleKind::kPower,
                                   ScheduleKind::kFront,
                                   ScheduleKind::kList,
                                   ScheduleKind::kMba,
                                   ScheduleKind::kOsa,
                                   ScheduleKind::kNone};

/// ⌈k^β⌉, robust to pow returning m + ulp for an exact integer power m; values above `cap` (which
/// must fit an int64) return cap + 1, so k^β ≥ 2^63 never reaches an int64 cast (that cast was
/// undefined and looped forever for β ≥ 64).
std::int64_t ceil_power(std::int64_t k, double beta, std::int64_t cap) {
  const double v = std::pow(static_cast<double>(k), beta);
  if (!(v <= static_cast<double>(cap))) return cap + 1;
  const double r = std::round(v);
  if (std::abs(v - r) <= 1e-12 * v) return static_cast<std::int64_t>(r);
  return static_cast<std::int64_t>(std::ceil(v));
}

std::string value_text(const ScheduleSpec& s, const std::string& key) {
  if (key == "schedule.period") return std::to_string(s.period);
  if (key == "schedule.rounds") return std::to_string(s.rounds);
  if (key == "schedule.beta") return fmt::format("{}", s.beta);
  if (key == "schedule.t0") return std::to_string(s.t0);
  if (key == "schedule.kind") return to_string(s.kind);
  if (key == "schedule.list") {
    std::string out = "[";
    for (std::size_t i = 0; i < s.list.size(); ++i) out += (i ? ", " : "") + std::to_string(s.list[i]);
    return out + "]";
  }
  return "?";
}

}  // namespace

std::string to_string(ScheduleKind k) { return kKindNames[static_cast<int>(k)]; }

namespace {
ScheduleIssue too_many(const std::string& key, const std::string& what) {
  return ScheduleIssue{key, fmt::format("{} (the set S is stored: at most {} communication steps)", what,
                                        kMaxCommunications)};
}
}  // namespace

std::optional<ScheduleIssue> check_schedule(const ScheduleSpec& s, std::int64_t n) {
  if (n < 1) throw std::logic_error("check_schedule: local_steps must be >= 1");
  const std::string bound = fmt::format("local_steps = {}", n);
  switch (s.kind) {
    case ScheduleKind::kPeriodic:
      if (s.period < 1) return ScheduleIssue{"schedule.period", "period >= 1"};
      if (s.period > n) return ScheduleIssue{"schedule.period", "period <= " + bound};
      if (n / s.period > kMaxCommunications)
        return too_many("schedule.period", fmt::format("period >= {} / {}", bound, kMaxCommunications));
      break;
    case ScheduleKind::kRounds:
      if (s.rounds < 1) return ScheduleIssue{"schedule.rounds", "rounds >= 1"};
      if (s.rounds > n) return ScheduleIssue{"schedule.rounds", "rounds <= " + bound};
      if (s.rounds > kMaxCommunications) return too_many("schedule.rounds", fmt::format("rounds <= {}", kMaxCommunications));
      break;
    case ScheduleKind::kPower:
      if (!(s.beta >= 1.0) || !std::isfinite(s.beta))
        return ScheduleIssue{"schedule.beta", "beta >= 1 (finite; below 1 the steps ceil(k^beta) repeat)"};
      // About N^(1/β) steps k with ceil(k^β) <= N.
      if (std::pow(static_cast<double>(n), 1.0 / s.beta) > static_cast<double>(kMaxCommunications))
        return too_many("schedule.beta", fmt::format("{}^(1/beta) <= {}", bound, kMaxCommunications));
      break;
    case ScheduleKind::kFront:
      if (s.t0 < 1) return ScheduleIssue{"schedule.t0", "t0 >= 1"};
      if (s.t0 > n) return ScheduleIssue{"schedule.t0", "t0 <= " + bound};
      if (s.t0 > kMaxCommunications) return too_many("schedule.t0", fmt::format("t0 <= {}", kMaxCommunications));
      break;
    case ScheduleKind::kList:
      for (std::size_t k = 0; k < s.list.size(); ++k) {
        const std::int64_t t = s.list[k];
        if (t < 1) return ScheduleIssue{"schedule.list", fmt::format("list entries >= 1 (entry {} is {})", k, t)};
        if (t > n)
          return ScheduleIssue{"schedule.list", fmt::format("list entries <= {} (entry {} is {})", bound, k, t)};
        if (k > 0 && t == s.list[k - 1])
          return ScheduleIssue{"schedule.list", fmt::format("list has no repeated steps ({} repeated)", t)};
        if (k > 0 && t < s.list[k - 1])
          return ScheduleIssue{"schedule.list", fmt::format("list is sorted ({} follows {})", t, s.list[k - 1])};
      }
      break;
    case ScheduleKind::kMba:
      if (n > kMaxCommunications)
        return too_many("schedule.kind", fmt::format("mba (every step) only with local_steps <= {}", kMaxCommunications));
      break;
    case ScheduleKind::kOsa:
    case ScheduleKind::kNone: break;
  }
  return std::nullopt;
}

CommunicationSchedule CommunicationSchedule::make(const ScheduleSpec& spec, std::int64_t n) {
  if (auto issue = check_schedule(spec, n))
    throw ConfigError(issue->key + " = " + value_text(spec, issue->key) + " violates " + issue->constraint);
  std::vector<std::int64_t> s;
  switch (spec.kind) {
    case ScheduleKind::kPeriodic:
      for (std::int64_t t = spec.period; t <= n; t += spec.period) s.push_back(t);
      break;
    case ScheduleKind::kRounds:
      // t_k = ⌈kN/C⌉ in integer arithmetic; strictly increasing because C <= N.
      // k·N could overflow int64 (N up to 1e12, C up to 1e7): split N = qC + r, kN/C = kq + kr/C.
      for (std::int64_t k = 1, q = n / spec.rounds, r = n % spec.rounds; k <= spec.rounds; ++k)
        s.push_back(k * q + (k * r + spec.rounds - 1) / spec.rounds);
      break;
    case ScheduleKind::kPower:
      for (std::int64_t k = 1;; ++k) {
        const std::int64_t t = ceil_power(k, spec.beta, n);
        if (t > n) break;
        s.push_back(t);
      }
      if (s.empty() || s.back() != n) s.push_back(n);
      break;
    case ScheduleKind::kFront:
      for (std::int64_t t = 1; t <= spec.t0; ++t) s.push_back(t);
      if (s.back() != n) s.push_back(n);
      break;
    case ScheduleKind::kList: s = spec.list; break;
    case ScheduleKind::kMba:
      for (std::int64_t t = 1; t <= n; ++t) s.push_back(t);
      break;
    case ScheduleKind::kOsa: s.push_back(n); break;
    case ScheduleKind::kNone: break;
  }
  return CommunicationSchedule(spec, n, std::move(s));
}

CommunicationSchedule CommunicationSchedule::periodic(std::int64_t period, std::int64_t n) {
  ScheduleSpec s;
  s.kind = ScheduleKind::kPeriodic;
  s.period = period;
  return make(s, n);
}
CommunicationSchedule CommunicationSchedule::rounds(std::int64_t count, std::int64_t n) {
  ScheduleSpec s;
  s.kind = ScheduleKind::kRounds;
  s.rounds = count;
  return make(s, n);
}
CommunicationSchedule CommunicationSchedule::power(double beta, std::int64_t n) {
  ScheduleSpec s;
  s.kind = ScheduleKind::kPower;
  s.beta = beta;
  return make(s, n);
}
CommunicationSchedule CommunicationSchedule::front(std::int64_t t0, std::int64_t n) {
  ScheduleSpec s;
  s.kind = ScheduleKind::kFront;
  s.t0 = t0;
  return make(s, n);
}
CommunicationSchedule CommunicationSchedule::list(std::vector<std::int64_t> steps, std::int64_t n) {
  ScheduleSpec s;
  s.kind = ScheduleKind::kList;
  s.list = std::move(steps);
  return make(s, n);
}
CommunicationSchedule CommunicationSchedule::mba(std::int64_t n) {
  ScheduleSpec s;
  s.kind = ScheduleKind::kMba;
  return make(s, n);
}
CommunicationSchedule CommunicationSchedule::osa(std::int64_t n) {
  ScheduleSpec s;
  s.kind = ScheduleKind::kOsa;
  return make(s, n);
}
CommunicationSchedule CommunicationSchedule::none(std::int64_t n) {
  ScheduleSpec s;
  s.kind = ScheduleKind::kNone;
  return make(s, n);
}

std::string CommunicationSchedule::describe() const {
  std::string what = to_string(spec_.kind);
  switch (spec_.kind) {
    case ScheduleKind::kPeriodic: what += fmt::format("({})", spec_.period); break;
    case ScheduleKind::kRounds: what += fmt::format("({})", spec_.rounds); break;
    case ScheduleKind::kPower: what += fmt::format("({})", spec_.beta); break;
    case ScheduleKind::kFront: what += fmt::format("({})", spec_.t0); break;
    default: break;
  }
  return fmt::format("{}: {} rounds over {} local steps", what, rounds(), local_steps_);
}

std::vector<Field> schedule_fields() {
  return {
      choice_field("schedule.kind",
                   "periodic",
                   {"periodic", "rounds", "power", "front", "list", "mba", "osa", "none"},
                   "communication set S: periodic {τ, 2τ, …}; rounds t_k = ceil(kN/C); power t_k = ceil(k^β) "
                   "plus N; front {1..t0} ∪ {N}; list; mba every step; osa {N}; none ∅"),
      int_field("schedule.period", 10, 1, kInf, "τ of periodic (τ <= local_steps)"),
      int_field("schedule.rounds", 10, 1, kInf, "C of rounds (C <= local_steps)"),
      real_field("schedule.beta", 2.0, 1.0, kInf, "β of power"),
      int_field("schedule.t0", 10, 1, kInf, "t0 of front (t0 <= local_steps)"),
      list_field("schedule.list", std::vector<double>{}, "explicit S for list: strictly increasing steps in [1, N]"),
  };
}

ScheduleSpec schedule_spec_from(const Params& p) {
  ScheduleSpec s;
  const std::string& kind = p.get_string("schedule.kind");
  for (std::size_t i = 0; i < std::size(kKindNames); ++i)
    if (kind == kKindNames[i]) s.kind = kKinds[i];
  s.period = p.get_int("schedule.period");
  s.rounds = p.get_int("schedule.rounds");
  s.beta = p.get_real("schedule.beta");
  s.t0 = p.get_int("schedule.t0");
  for (double x : p.get_list("schedule.list")) {
    if (!(std::floor(x) == x) || std::abs(x) > 9e15) p.fail("schedule.list", "list entries are integers");
    s.list.push_back(static_cast<std::int64_t>(x));
  }
  return s;
}

CommunicationSchedule make_communication_schedule(const Params& p, std::int64_t local_steps) {
  const ScheduleSpec s = schedule_spec_from(p);
  if (auto issue = check_schedule(s, local_steps)) p.fail(issue->key, issue->constraint);
  return CommunicationSchedule::make(s, local_steps);
}

}  // namespace sgdcheck::runners
