#include "runners/ps_simulator.hpp"

#include <stdexcept>

namespace sgdcheck::runners {

namespace {

constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

inline void fnv_bytes(std::uint64_t& h, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= kFnvPrime;
  }
}

}  // namespace

PsSimulator::PsSimulator(const PsConfig& cfg) : cfg_(cfg) {
  if (cfg_.workers < 1 || cfg_.k < 1 || cfg_.k > cfg_.workers)
    throw std::invalid_argument("PsSimulator: need 1 <= K <= P");
  if (cfg_.batches < 1) cfg_.batches = 1;
  const auto P = static_cast<std::size_t>(cfg_.workers);
  learners_.resize(P);
  heap_limit_ = 4 * P + 16;
  heap_.reserve(heap_limit_ + 1);
  first_draws_.assign(P, 0.0);
  scratch_.assign(P, 0.0);
  seen_.assign(P, -1);
  const auto B = static_cast<std::size_t>(cfg_.batches);
  batch_time_.assign(B, 0.0);
  batch_stale_.assign(B, 0.0);
  batch_count_.assign(B, 0);
  batch_grads_.assign(B, 0);
}

void PsSimulator::reset(std::uint64_t seed, std::uint64_t rep) {
  for (std::size_t l = 0; l < learners_.size(); ++l) {
    learners_[l] = Learner{};
    learners_[l].rng = make_stream(seed, rep, StreamPurpose::kDelays, l);
  }
  heap_.clear();
  std::fill(seen_.begin(), seen_.end(), -1);
  std::fill(batch_time_.begin(), batch_time_.end(), 0.0);
  std::fill(batch_stale_.begin(), batch_stale_.end(), 0.0);
  std::fill(batch_count_.begin(), batch_count_.end(), 0);
  std::fill(batch_grads_.begin(), batch_grads_.end(), 0);
  now_ = 0.0;
  seq_ = 0;
  st_ = PsStats{};
  upd_grads_ = upd_stale_ = 0;
  stale_all_ = time_sum_ = stale_sum_ = 0.0;
  stale_n_ = 0;
}

int PsSimulator::pop() {
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    const Event e = heap_.back();
    heap_.pop_back();
    ++st_.events;
    if (e.gen != learners_[static_cast<std::size_t>(e.learner)].gen) continue;  // cancelled
    now_ = e.t;
    return e.learner;
  }
  throw std::logic_error("PsSimulator: no running computation");
}

void PsSimulator::compact() {
  // Drop dead events in place and re-heapify: order among live events is unchanged (the comparator
  // is a strict total order on (t, learner, seq)).
  auto dead = [&](const Event& e) { return e.gen != learners_[static_cast<std::size_t>(e.learner)].gen; };
  heap_.erase(std::remove_if(heap_.begin(), heap_.end(), dead), heap_.end());
  std::make_heap(heap_.begin(), heap_.end(), later);
}

void PsSimulator::log_gradient(int l, std::int64_t j) {
  const std::int64_t s = j - learners_[static_cast<std::size_t>(l)].ver;
  st_.max_staleness = std::max(st_.max_staleness, s);
  ++st_.gradients;
  stale_all_ += static_cast<double>(s);
  ++upd_grads_;
  upd_stale_ += s;
  std::uint64_t bits = 0;
  std::memcpy(&bits, &now_, sizeof bits);
  const std::int32_t lid = l;
  fnv_bytes(st_.event_hash, &bits, sizeof bits);
  fnv_bytes(st_.event_hash, &lid, sizeof lid);
  fnv_bytes(st_.event_hash, &j, sizeof j);
}

void PsSimulator::end_update(double t0, std::int64_t j, std::int64_t /*count*/) {
  ++st_.updates;
  st_.vtime_end = now_;
  if (j >= cfg_.burn_in) {
    const std::int64_t m = j - cfg_.burn_in;
    const double T = now_ - t0;
    time_sum_ += T;
    stale_sum_ += static_cast<double>(upd_stale_);
    stale_n_ += upd_grads_;
    const std::int64_t size = std::max<std::int64_t>(1, (cfg_.iterations - cfg_.burn_in) / cfg_.batches);
    const auto b = static_cast<std::size_t>(std::min<std::int64_t>(cfg_.batches - 1, m / size));
    batch_time_[b] += T;
    batch_stale_[b] += static_cast<double>(upd_stale_);
    ++batch_count_[b];
    batch_grads_[b] += upd_grads_;
    ++st_.measured;
  }
  upd_grads_ = upd_stale_ = 0;
}

PsStats PsSimulator::finish() {
  PsStats s = st_;
  s.mean_staleness_all = s.gradients > 0 ? stale_all_ / static_cast<double>(s.gradients) : 0.0;
  if (s.measured > 0) {
    s.mean_time = time_sum_ / static_cast<double>(s.measured);
    s.mean_staleness = stale_n_ > 0 ? stale_sum_ / static_cast<double>(stale_n_) : 0.0;
  }
  // Batch means over the batches that hold updates (the last may be larger; a horizon-limited run
  // may fill fewer): SE = sd(batch means)/√B.
  const std::int64_t size = std::max<std::int64_t>(1, (cfg_.iterations - cfg_.burn_in) / cfg_.batches);
  std::int64_t nb = 0;
  double mt = 0.0, ms = 0.0, qt = 0.0, qs = 0.0;
  for (std::size_t b = 0; b < batch_count_.size(); ++b) {
    if (batch_count_[b] < size) continue;
    const double bt = batch_time_[b] / static_cast<double>(batch_count_[b]);
    const double bs = batch_grads_[b] > 0 ? batch_stale_[b] / static_cast<double>(batch_grads_[b]) : 0.0;
    ++nb;
    const double dt = bt - mt, ds = bs - ms;
    mt += dt / static_cast<double>(nb);
    ms += ds / static_cast<double>(nb);
    qt += dt * (bt - mt);
    qs += ds * (bs - ms);
  }
  if (nb >= 2) {
    const double n = static_cast<double>(nb);
    s.time_se = std::sqrt(qt / (n - 1.0) / n);
    s.staleness_se = std::sqrt(qs / (n - 1.0) / n);
  }
  return s;
}

}  // namespace sgdcheck::runners
