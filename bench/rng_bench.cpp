/// \file Cost of one standard normal draw: Rng::normal (256-layer ziggurat) against the Marsaglia polar
/// method it replaced (reimplemented here on the same xoshiro256** stream, with its cached spare), and the
/// uniform / raw 64-bit draws underneath for scale. Each iteration draws 1024 values and sums them (so the
/// compiler cannot drop the draws); items = draws, so the report's items_per_second gives ns per draw.
/// Benchmarks never assert (STYLE.md §6).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>

#include "core/rng.hpp"

namespace {

using sgdcheck::Rng;

/// The polar method exactly as core/rng.cpp had it before the ziggurat.
class Polar {
 public:
  explicit Polar(Rng& r) : r_(r) {}
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * r_.uniform() - 1.0;
      v = 2.0 * r_.uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double factor = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * factor;
    has_spare_ = true;
    return u * factor;
  }

 private:
  Rng& r_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

constexpr int kBlock = 1024;

void BM_NormalZiggurat(benchmark::State& state) {
  Rng r = sgdcheck::make_stream(1, 0, sgdcheck::StreamPurpose::kProbe);
  double acc = 0;
  for (auto _ : state) {
    for (int k = 0; k < kBlock; ++k) acc += r.normal();
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(state.iterations() * kBlock);
}
BENCHMARK(BM_NormalZiggurat);

void BM_NormalPolar(benchmark::State& state) {
  Rng r = sgdcheck::make_stream(1, 0, sgdcheck::StreamPurpose::kProbe);
  Polar p(r);
  double acc = 0;
  for (auto _ : state) {
    for (int k = 0; k < kBlock; ++k) acc += p.normal();
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(state.iterations() * kBlock);
}
BENCHMARK(BM_NormalPolar);

void BM_Uniform(benchmark::State& state) {
  Rng r = sgdcheck::make_stream(1, 0, sgdcheck::StreamPurpose::kProbe);
  double acc = 0;
  for (auto _ : state) {
    for (int k = 0; k < kBlock; ++k) acc += r.uniform();
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(state.iterations() * kBlock);
}
BENCHMARK(BM_Uniform);

void BM_NextU64(benchmark::State& state) {
  Rng r = sgdcheck::make_stream(1, 0, sgdcheck::StreamPurpose::kProbe);
  std::uint64_t acc = 0;
  for (auto _ : state) {
    for (int k = 0; k < kBlock; ++k) acc ^= r.next_u64();
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(state.iterations() * kBlock);
}
BENCHMARK(BM_NextU64);

}  // namespace
