#include "core/trace.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/thread_pool.hpp"

namespace sgdcheck {

std::string to_string(Termination t) {
  switch (t) {
    case Termination::kMaxIterations: return "max_iterations";
    case Termination::kConverged: return "converged";
    case Termination::kDiverged: return "diverged";
    case Termination::kStoppedByCallback: return "stopped_by_callback";
  }
  return "unknown";
}

std::vector<std::int64_t> log_spaced_iterations(std::int64_t max_iter, int per_decade) {
  std::vector<std::int64_t> out{0};
  if (max_iter <= 0) return out;
  per_decade = std::max(per_decade, 1);
  for (int k = 0;; ++k) {
    const double t = std::pow(10.0, static_cast<double>(k) / per_decade);
    const auto it = static_cast<std::int64_t>(std::llround(t));
    if (it >= max_iter) break;
    if (it > out.back()) out.push_back(it);
  }
  if (out.back() != max_iter) out.push_back(max_iter);
  return out;
}

std::string to_string(RecordAxis a) {
  switch (a) {
    case RecordAxis::kIter: return "iter";
    case RecordAxis::kSamples: return "samples";
    case RecordAxis::kRounds: return "rounds";
    case RecordAxis::kVtime: return "vtime";
  }
  return "iter";
}

RecordPlan RecordPlan::on_iterations(const std::vector<std::int64_t>& iters) {
  RecordPlan p;
  p.grid.reserve(iters.size());
  for (auto it : iters) p.grid.push_back(static_cast<double>(it));
  return p;
}

std::size_t Trace::metric_index(const std::string& name) const {
  auto it = std::find(metrics.begin(), metrics.end(), name);
  return it == metrics.end() ? std::string::npos : static_cast<std::size_t>(it - metrics.begin());
}

}  // namespace sgdcheck

namespace sgdcheck {

namespace {

double seconds_of(const timeval& tv) { return static_cast<double>(tv.tv_sec) + 1e-6 * static_cast<double>(tv.tv_usec); }

}  // namespace

PhaseClock::Mark PhaseClock::now() {
  Mark m;
  m.wall = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  m.cpu = static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  rusage ru{};
  if (getrusage(RUSAGE_CHILDREN, &ru) == 0) m.children = seconds_of(ru.ru_utime) + seconds_of(ru.ru_stime);
  m.parallel = parallel_cpu_seconds();
  m.two_core = parallel_two_core_seconds();
  return m;
}

void PhaseClock::start(std::string name) {
  stop();
  phases_.push_back({std::move(name), 0.0, 0.0, 0.0, 0.0});
  running_ = true;
  at_ = now();
}

void PhaseClock::stop() {
  if (!running_) return;
  const Mark m = now();
  PhaseTiming& p = phases_.back();
  p.wall_seconds = std::max(0.0, m.wall - at_.wall);
  p.cpu_seconds = std::max(0.0, m.cpu - at_.cpu) + std::max(0.0, m.children - at_.children);
  // Thread clocks and the process clock tick apart: never more parallel CPU than CPU.
  p.parallel_cpu_seconds = std::min(p.cpu_seconds, std::max(0.0, m.parallel - at_.parallel));
  const double two_core = std::min(p.parallel_cpu_seconds, std::max(0.0, m.two_core - at_.two_core));
  p.two_core_seconds = p.cpu_seconds - p.parallel_cpu_seconds + two_core;
  running_ = false;
}

PhaseTiming PhaseClock::total() const {
  PhaseTiming t{std::string{"total"}, 0.0, 0.0, 0.0, 0.0};
  for (const auto& p : phases_) {
    t.wall_seconds += p.wall_seconds;
    t.cpu_seconds += p.cpu_seconds;
    t.parallel_cpu_seconds += p.parallel_cpu_seconds;
    t.two_core_seconds += p.two_core_seconds;
  }
  return t;
}

double PhaseClock::parallel_share() const {
  const PhaseTiming t = total();
  return t.cpu_seconds > 0.0 ? t.parallel_cpu_seconds / t.cpu_seconds : 0.0;
}

double PhaseClock::predicted_speedup(int cores) const {
  const double p = parallel_share();
  return 1.0 / ((1.0 - p) + p / std::max(cores, 1));
}

double PhaseClock::scheduled_speedup() const {
  const PhaseTiming t = total();
  return t.two_core_seconds > 0.0 ? t.cpu_seconds / t.two_core_seconds : 1.0;
}

std::string PhaseClock::format() const {
  const PhaseTiming t = total();
  std::string s = fmt::format("{:<10} {:>8} {:>8} {:>8} {:>6} {:>9} {:>10}\n", "phase", "wall_s", "cpu_s", "par_cpu_s",
                              "cpu_%", "parallel", "2core_s");
  auto line = [&](const PhaseTiming& p) {
    s += fmt::format("{:<10} {:>8.3f} {:>8.3f} {:>9.3f} {:>5.1f}% {:>8.1f}% {:>10.3f}\n", p.name, p.wall_seconds,
                     p.cpu_seconds, p.parallel_cpu_seconds,
                     t.cpu_seconds > 0 ? 100.0 * p.cpu_seconds / t.cpu_seconds : 0.0,
                     p.cpu_seconds > 0 ? 100.0 * p.parallel_cpu_seconds / p.cpu_seconds : 0.0, p.two_core_seconds);
  };
  for (const auto& p : phases_) line(p);
  line(t);
  s += fmt::format("parallel share p = {:.4f}: on 2 idle cores Amdahl 1/((1-p)+p/2) = {:.3f}x, "
                   "with the measured task costs scheduled on 2 threads {:.3f}x\n",
                   parallel_share(), predicted_speedup(2), scheduled_speedup());
  return s;
}

}  // namespace sgdcheck
