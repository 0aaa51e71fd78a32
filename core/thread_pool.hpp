#pragma once
/// \file Deterministic parallel loop: tasks are indexed, each writes only its own slot, and the caller
/// reads slots in index order, so the output never depends on the number of threads.
#include <cstddef>
#include <functional>

namespace sgdcheck {

/// Runs fn(i) for i in [0, n) on `jobs` threads (jobs <= 1: in this thread, in order). The first
/// exception thrown by any task is rethrown here after all threads stop; remaining tasks are skipped.
/// A parallel_for inside a task runs in that task's thread (no nested pools, no oversubscription).
void parallel_for(std::size_t n, int jobs, const std::function<void(std::size_t)>& fn);

/// \name Accounting of parallel work (core/trace.hpp PhaseClock, `run --profile`)
/// Every task of an outermost parallel_for is timed with its thread's CPU clock (two clock reads per
/// task, none inside it), whatever `jobs` it ran with: with jobs <= 1 the same tasks run inline, so a
/// --jobs 1 run measures what could use more cores.
///@{
/// CPU seconds spent so far in parallel_for tasks (all threads, user + system, plus add_task_cpu).
double parallel_cpu_seconds();
/// Σ over the loops so far of the time the loop would take on two idle cores: its tasks' CPU times
/// scheduled as parallel_for hands them out (in index order, each to the first free thread). Load
/// imbalance (one long task at the end) shows here and not in parallel_cpu_seconds.
double parallel_two_core_seconds();
/// Adds CPU time spent on behalf of the current task outside this thread (a child process it waited
/// for, e.g. gnuplot) to the task's cost; ignored outside parallel_for tasks.
void add_task_cpu(double seconds);
///@}

}  // namespace sgdcheck
