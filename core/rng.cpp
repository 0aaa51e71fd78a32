#include "core/rng.hpp"

namespace sgdcheck {

Rng::Rng(std::uint64_t key) {
  std::uint64_t x = key;
  for (auto& w : s_) {
    x += 0x9e3779b97f4a7c15ULL;
    w = splitmix64(x);
  }
  if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;
}

std::uint64_t Rng::below(std::uint64_t n) {
  // Lemire's nearly divisionless method on 128-bit products.
  std::uint64_t x = next_u64();
  __uint128_t m = static_cast<__uint128_t>(x) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      x = next_u64();
      m = static_cast<__uint128_t>(x) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u, v, s;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  spare_ = v * factor;
  has_spare_ = true;
  return u * factor;
}

std::uint64_t hash_counters(std::initializer_list<std::uint64_t> counters) {
  std::uint64_t h = 0x6a09e667f3bcc909ULL;  // arbitrary non-zero start
  for (std::uint64_t c : counters) h = splitmix64(h ^ splitmix64(c + 0x632be59bd9b4e019ULL));
  return h;
}

Rng make_stream(std::uint64_t seed, std::uint64_t rep, StreamPurpose purpose, std::uint64_t worker) {
  return Rng(hash_counters({seed, rep, static_cast<std::uint64_t>(purpose), worker}));
}

}  // namespace sgdcheck
