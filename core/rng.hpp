#pragma once
/// \file Counter-based random streams. A stream is a pure function of a few integer counters
/// (seed, repetition, purpose, worker), never of thread or MPI rank, so results are bit-identical for
/// any `--jobs`. All distributions are implemented here (not `std::normal_distribution`, whose draws
/// differ between standard libraries), so draws are identical across toolchains too.
#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace sgdcheck {

/// splitmix64 finaliser: a bijective 64-bit mixer (Steele, Lea & Flood 2014).
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// xoshiro256** (Blackman & Vigna 2018) with deterministic distributions.
class Rng {
 public:
  /// Seeds the four state words from one 64-bit key through splitmix64 (never all zero).
  explicit Rng(std::uint64_t key = 0);

  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, n) without modulo bias (Lemire 2019). Requires n > 0.
  std::uint64_t below(std::uint64_t n);
  /// Standard normal (Marsaglia polar method; the spare draw is cached, so the sequence is fixed).
  double normal();
  /// ±1 with probability ½ each.
  double rademacher() { return (next_u64() >> 63) ? 1.0 : -1.0; }
  /// 1 with probability p.
  bool bernoulli(double p) { return uniform() < p; }
  /// Exponential with rate λ.
  double exponential(double rate) { return -std::log1p(-uniform()) / rate; }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
  double spare_ = 0.0;
  bool has_spare_ = false;
};

/// What a stream is used for; keeps e.g. data generation and sampling independent for the same seed.
enum class StreamPurpose : std::uint64_t {
  kProblemData = 1,   ///< synthetic data set / design (fixed per problem instance)
  kAlgorithm = 2,     ///< sample draws of a run
  kInitialPoint = 3,  ///< random starting points
  kDelays = 4,        ///< delay / straggler sequences
  kBootstrap = 5,     ///< resampling in checks
  kProbe = 6,         ///< random probes of estimators
};

/// Hashes an ordered list of counters into one key (order matters).
std::uint64_t hash_counters(std::initializer_list<std::uint64_t> counters);

/// The stream for (seed, rep, purpose, worker). A worker's draws depend on these four numbers only.
Rng make_stream(std::uint64_t seed, std::uint64_t rep, StreamPurpose purpose, std::uint64_t worker = 0);

}  // namespace sgdcheck
