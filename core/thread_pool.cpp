#include "core/thread_pool.hpp"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace sgdcheck {

namespace {

std::atomic<std::int64_t> g_parallel_ns{0};  ///< Σ task CPU of outermost loops
std::atomic<std::int64_t> g_two_core_ns{0};  ///< Σ two-core schedule length of outermost loops
/// True in a thread that runs parallel_for tasks: a nested loop runs inline and is not counted twice.
thread_local bool t_in_tasks = false;
thread_local std::int64_t t_extra_ns = 0;  ///< add_task_cpu of the running task

std::int64_t thread_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// Runs task i and returns its cost (thread CPU + add_task_cpu) in ns.
std::int64_t timed(const std::function<void(std::size_t)>& fn, std::size_t i) {
  t_extra_ns = 0;
  const std::int64_t t0 = thread_ns();
  struct Reset {  // a task that throws still leaves the thread out of task mode afterwards
    ~Reset() { t_in_tasks = false; }
  } reset;
  t_in_tasks = true;
  fn(i);
  return thread_ns() - t0 + t_extra_ns;
}

/// Length of the schedule of `cost` (in index order, each task to the first free of two threads).
std::int64_t two_core_schedule(const std::vector<std::int64_t>& cost) {
  std::int64_t a = 0, b = 0;  // finish times of the two threads
  for (std::int64_t c : cost) (a <= b ? a : b) += c;
  return std::max(a, b);
}

}  // namespace

double parallel_cpu_seconds() { return static_cast<double>(g_parallel_ns.load()) * 1e-9; }
double parallel_two_core_seconds() { return static_cast<double>(g_two_core_ns.load()) * 1e-9; }

void add_task_cpu(double seconds) {
  if (t_in_tasks && seconds > 0) t_extra_ns += static_cast<std::int64_t>(seconds * 1e9);
}

void parallel_for(std::size_t n, int jobs, const std::function<void(std::size_t)>& fn) {
  if (t_in_tasks) {  // nested: this thread is already one of a loop's workers
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  if (n == 0) return;
  std::vector<std::int64_t> cost(n, 0);  // slot i: task i's cost (each written by one thread)
  auto account = [&] {
    std::int64_t sum = 0;
    for (auto c : cost) sum += c;
    g_parallel_ns.fetch_add(sum, std::memory_order_relaxed);
    g_two_core_ns.fetch_add(two_core_schedule(cost), std::memory_order_relaxed);
  };
  if (jobs <= 1 || n == 1) {
    try {
      for (std::size_t i = 0; i < n; ++i) cost[i] = timed(fn, i);
    } catch (...) {
      account();
      throw;
    }
    account();
    return;
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (;;) {
      if (failed.load()) return;
      const std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        cost[i] = timed(fn, i);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed.store(true);
      }
    }
  };
  const std::size_t threads = std::min<std::size_t>(static_cast<std::size_t>(jobs), n);
  std::vector<std::jthread> pool;
  pool.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
  pool.clear();  // joins
  account();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace sgdcheck
