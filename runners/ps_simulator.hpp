#pragma once
/// \file Event-driven parameter-server simulator of Dutta et al. 2018 (spec
/// papers/dutta2018_slow_stale.md §2): P learners with i.i.d. compute times, one PS, the variants
/// K-sync, K-batch-sync, K-async and K-batch-async, in virtual time.
///
/// Events {t, learner, seq, gen} sit in a min-heap ordered by (t, learner, seq); cancelling a learner
/// bumps its generation and pop() drops events of an old generation (lazy deletion; the heap is
/// compacted in place when dead events pile up, so it never grows past 4P + 16). Compute times come
/// from per-learner timing streams make_stream(seed, rep, kDelays, l), the n-th compute of learner l
/// from its n-th draw whatever the variant; gradients from separate data streams (the Model's). Every
/// collected gradient logs its staleness j − τ and feeds an FNV-1a hash of (t, learner, j).
///
/// A Model supplies the gradients:
///     void start(int l);                   // learner l reads the current w_j and computes its gradient
///     void collect(int l, std::int64_t s); // l's gradient (staleness s) joins the update (arrival order)
///     bool update(double now, int count);  // w_{j+1} = w_j − (η/count)Σ; false stops the run
///     std::int64_t k(double now, std::int64_t k);  // K for the next iteration (AdaSync), k unchanged otherwise
/// TimingOnly does nothing (the `runtime` command, E1).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "bounds/order_statistics.hpp"
#include "core/rng.hpp"

namespace sgdcheck::runners {

using bounds::ComputeTime;
using bounds::PsVariant;

struct PsConfig {
  PsVariant variant = PsVariant::kKSync;
  std::int64_t workers = 8;  ///< P
  std::int64_t k = 1;        ///< K (initial K under AdaSync)
  ComputeTime compute;       ///< validated (validate_compute_time)
  std::int64_t iterations = 1000;  ///< PS updates at most
  double horizon = INFINITY;       ///< stop before the first update after this virtual time
  std::int64_t burn_in = 0;        ///< updates excluded from the time / staleness statistics
  std::int64_t batches = 50;       ///< batch means for the standard errors
};

/// What a run measured. Statistics over the updates after burn-in (time, staleness: all gradients
/// of those updates); max_staleness over every gradient.
struct PsStats {
  std::int64_t updates = 0;
  bool horizon_reached = false;   ///< stopped at the first update after cfg.horizon
  std::int64_t events = 0;         ///< events popped (live and dropped)
  double vtime_end = 0.0;          ///< time of the last update
  std::int64_t measured = 0;       ///< updates after burn-in
  double mean_time = 0.0, time_se = NAN;  ///< mean T per update and its batch-means SE
  double mean_staleness = 0.0, staleness_se = NAN;  ///< per gradient (batch means of updates)
  double mean_staleness_all = 0.0;  ///< over every gradient, burn-in included
  std::int64_t max_staleness = 0;
  std::int64_t gradients = 0;      ///< collected gradients, all updates
  std::int64_t batch_sync_violations = 0;  ///< K-batch-sync updates with T > X_{K:P} of their first draws
  std::int64_t async_duplicates = 0;       ///< K-async updates where one learner gave two gradients
  std::uint64_t event_hash = 14695981039346656037ULL;  ///< FNV-1a of (t bits, learner, j) per gradient
  /// event_hash >> 12: exactly representable as a double (per-run scalar).
  double hash_scalar() const { return static_cast<double>(event_hash >> 12); }
};

/// The Model that computes nothing.
struct TimingOnly {
  void start(int) {}
  void collect(int, std::int64_t) {}
  bool update(double, int) { return true; }
  std::int64_t k(double, std::int64_t k) const { return k; }
};

class PsSimulator {
 public:
  /// Allocates everything a run needs (heap, learners, batch sums) once.
  explicit PsSimulator(const PsConfig& cfg);

  /// One run with timing streams of (seed, rep). Does not allocate.
  template <class Model>
  PsStats run(std::uint64_t seed, std::uint64_t rep, Model& model);

 private:
  struct Event {
    double t;
    std::int32_t learner;
    std::uint32_t gen;
    std::uint64_t seq;
  };
  struct Learner {
    std::int64_t ver = 0;  ///< iteration whose w it read
    std::uint32_t gen = 0;
    bool busy = false;
    Rng rng{0};
  };
  static bool later(const Event& a, const Event& b) {  // std heap is a max-heap: invert (t, learner, seq)
    if (a.t != b.t) return a.t > b.t;
    if (a.learner != b.learner) return a.learner > b.learner;
    return a.seq > b.seq;
  }
  void reset(std::uint64_t seed, std::uint64_t rep);
  double draw(int l) { return cfg_.compute.quantile(learners_[static_cast<std::size_t>(l)].rng.uniform()); }
  void push(int l, double x) {
    auto& L = learners_[static_cast<std::size_t>(l)];
    L.busy = true;
    heap_.push_back(Event{now_ + x, l, L.gen, ++seq_});
    std::push_heap(heap_.begin(), heap_.end(), later);
    if (heap_.size() > heap_limit_) compact();
  }
  void cancel(int l) {
    auto& L = learners_[static_cast<std::size_t>(l)];
    if (L.busy) ++L.gen;
    L.busy = false;
  }
  /// The next live event's learner (advances the clock); -1 when none.
  int pop();
  void compact();
  void log_gradient(int l, std::int64_t j);
  void end_update(double t0, std::int64_t j, std::int64_t count);
  PsStats finish();

  PsConfig cfg_;
  std::vector<Learner> learners_;
  std::vector<Event> heap_;
  std::size_t heap_limit_ = 0;
  std::vector<double> first_draws_;  // K-batch-sync: the iteration's first draws (C2)
  std::vector<double> scratch_;
  std::vector<std::int64_t> seen_;   // K-async: update index at which a learner last gave a gradient
  std::vector<double> batch_time_, batch_stale_;
  std::vector<std::int64_t> batch_count_, batch_grads_;
  double now_ = 0.0;
  std::uint64_t seq_ = 0;
  PsStats st_;
  std::int64_t upd_grads_ = 0;
  std::int64_t upd_stale_ = 0;
  double stale_all_ = 0.0;
  double time_sum_ = 0.0, stale_sum_ = 0.0;
  std::int64_t stale_n_ = 0;
};

template <class Model>
PsStats PsSimulator::run(std::uint64_t seed, std::uint64_t rep, Model& model) {
  reset(seed, rep);
  const int P = static_cast<int>(cfg_.workers);
  std::int64_t K = cfg_.k;
  std::int64_t j = 0;
  auto start = [&](int l) {
    learners_[static_cast<std::size_t>(l)].ver = j;
    model.start(l);
    push(l, draw(l));
  };
  auto collect = [&](int l) {
    log_gradient(l, j);
    model.collect(l, j - learners_[static_cast<std::size_t>(l)].ver);
  };
  // Applies the update of the collected gradients at the current time; false: stop.
  auto apply = [&](double t0, std::int64_t count) {
    if (now_ > cfg_.horizon) {
      st_.horizon_reached = true;
      return false;
    }
    const bool go = model.update(now_, static_cast<int>(count));
    end_update(t0, j, count);
    ++j;
    return go && j < cfg_.iterations;
  };
  switch (cfg_.variant) {
    case PsVariant::kKSync:
      for (;;) {
        const double t0 = now_;
        K = model.k(now_, K);
        for (int l = 0; l < P; ++l) {
          cancel(l);
          start(l);
        }
        for (std::int64_t s = 0; s < K; ++s) {
          const int l = pop();
          learners_[static_cast<std::size_t>(l)].busy = false;
          collect(l);
        }
        for (int l = 0; l < P; ++l) cancel(l);
        heap_.clear();  // every event is dead now: drop them at once instead of popping each
        if (!apply(t0, K)) break;
      }
      break;
    case PsVariant::kKBatchSync:
      for (;;) {
        const double t0 = now_;
        K = model.k(now_, K);
        for (int l = 0; l < P; ++l) {
          cancel(l);
          learners_[static_cast<std::size_t>(l)].ver = j;
          model.start(l);
          const double x = draw(l);
          first_draws_[static_cast<std::size_t>(l)] = x;
          push(l, x);
        }
        for (std::int64_t s = 0; s < K; ++s) {
          const int l = pop();
          learners_[static_cast<std::size_t>(l)].busy = false;
          collect(l);
          start(l);  // restart at the same w_j
        }
        for (int l = 0; l < P; ++l) cancel(l);
        heap_.clear();  // every event is dead now: drop them at once instead of popping each
        // C2: T <= X_{K:P} of the iteration's first draws, compared as event times (t0 + x is how the
        // event time was computed; (t0 + x) − t0 need not round back to x).
        std::copy(first_draws_.begin(), first_draws_.end(), scratch_.begin());
        std::nth_element(scratch_.begin(), scratch_.begin() + (K - 1), scratch_.end());
        if (now_ > t0 + scratch_[static_cast<std::size_t>(K - 1)]) ++st_.batch_sync_violations;
        if (!apply(t0, K)) break;
      }
      break;
    case PsVariant::kKAsync: {
      for (int l = 0; l < P; ++l) start(l);
      for (;;) {
        const double t0 = now_;
        K = model.k(now_, K);
        // The K learners of this update are the first K arrivals; they idle until the update.
        std::int64_t c = 0;
        while (c < K) {
          const int l = pop();
          auto& L = learners_[static_cast<std::size_t>(l)];
          L.busy = false;
          if (seen_[static_cast<std::size_t>(l)] == j) ++st_.async_duplicates;
          seen_[static_cast<std::size_t>(l)] = j;
          scratch_[static_cast<std::size_t>(c)] = static_cast<double>(l);
          collect(l);
          ++c;
        }
        if (!apply(t0, K)) break;
        for (std::int64_t s = 0; s < c; ++s) start(static_cast<int>(scratch_[static_cast<std::size_t>(s)]));
      }
      break;
    }
    case PsVariant::kKBatchAsync: {
      for (int l = 0; l < P; ++l) start(l);
      double t0 = now_;
      std::int64_t c = 0;
      for (;;) {
        const int l = pop();
        learners_[static_cast<std::size_t>(l)].busy = false;
        collect(l);
        ++c;
        if (c >= K) {
          if (!apply(t0, c)) break;
          c = 0;
          t0 = now_;
          K = model.k(now_, K);
        }
        start(l);  // l reads the newest w at once
      }
      break;
    }
  }
  return finish();
}

}  // namespace sgdcheck::runners
