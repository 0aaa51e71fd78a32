#pragma once
/// \file Deterministic parallel loop: tasks are indexed, each writes only its own slot, and the caller
/// reads slots in index order, so the output never depends on the number of threads.
#include <cstddef>
#include <functional>

namespace sgdcheck {

/// Runs fn(i) for i in [0, n) on `jobs` threads (jobs <= 1: in this thread, in order). The first
/// exception thrown by any task is rethrown here after all threads stop; remaining tasks are skipped.
void parallel_for(std::size_t n, int jobs, const std::function<void(std::size_t)>& fn);

}  // namespace sgdcheck
