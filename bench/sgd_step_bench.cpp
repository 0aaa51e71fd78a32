/// \file Cost of ONE SGD step on finite-sum least squares, and this machine's memory bandwidth.
///
/// A step is what runners/minibatch_sgd.cpp does per iteration:
///   problem.draw_step(x, b, with_replacement, rng, ws);   // draw b indices (+ residuals for least squares)
///   problem.apply_step(gamma, ws, x);                     // x -= gamma * mean gradient
/// Families (benchmark name / args: pct = 100 dense storage, else sparse density in %; d; b = batch):
/// - BM_StepLibrary:  the step through the Problem API on a generated data set (all d, 10..1e5).
///                    The problem is StepOnlyLeastSquares below: LeastSquares' oracle code on a Dataset,
///                    without LeastSquares' constructor, whose exact constants are O(n·d² + d³) time and
///                    O(d²) memory (d = 1e5 would need 80 GB for one Gram matrix).
/// - BM_StepRegistry: the same step on the real `least_squares` family built through the registry from
///                    Params (exact constants computed), d <= 1000 only; cross-checks BM_StepLibrary.
/// - BM_StepKernel:   a hand-written step on the raw arrays (fused dot + axpy, no g, sparse O(nnz)):
///                    what the step costs without the Problem API; the gap is API overhead.
/// - BM_StepInCache: BM_StepLibrary with n = 1000 (dense d = 10, 100: 80 KB / 800 KB, cache-resident)
///                    to separate the per-step overhead from the latency of a random row in DRAM.
/// - BM_StepInCacheDirect: BM_StepInCache with the step's kernels (problems/least_squares_step.hpp)
///                    called inline on the data instead of through the two virtual Problem calls.
/// - BM_PeakMulAdd:   16 independent multiply-add chains in registers: the build's double-precision
///                    rate (flops_per_second), the compute bound of a step of 4d flops.
/// - BM_PeakMulAddAvx2: the same with 32 chains in code compiled for AVX2 (no FMA), the compute bound of
///                    the AVX2 step phases that LeastSquares runs where the CPU has AVX2 (the step
///                    benchmarks run the build LeastSquares picks: kernels::cpu_has_avx2()).
/// - BM_StreamTriad:  a[i] = b[i] + s·c[i] on 3 × 128 MiB (STREAM convention: 24 bytes per element).
/// - BM_StreamRead:   sum of a 256 MiB array (pure read stream, like reading a matrix row).
///
/// Counters: d, b, n, nnz_row (stored entries per row), matrix_MB, bytes_per_step =
/// b·(row bytes: 8d dense, 12·nnz sparse values + int indices) + 16·min(d, b·nnz) (the entries of x the
/// rows touch, read + write), i.e. the bytes the two-phase step (draw_step: residuals of the b rows;
/// apply_step: x -= γ/b Σ r_j a_j over stored entries) must move at least once; no dense g any more. items =
/// samples (b per step). Benchmarks never assert (STYLE.md §6).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "core/params.hpp"
#include "core/rng.hpp"
#include "core/types.hpp"
#include "problems/data_generator.hpp"
#include "problems/dataset.hpp"
#include "problems/least_squares_step.hpp"
#include "problems/problem.hpp"
#include "problems/registry.hpp"

namespace {

using sgdcheck::Index;
using sgdcheck::Rng;
using sgdcheck::SpMat;
using sgdcheck::Vec;
namespace pr = sgdcheck::problems;

constexpr double kMatrixBytes = 256.0 * 1024 * 1024;  // target matrix size: ≫ 32 MiB L3, ≤ 400 MB
constexpr Index kMaxRows = 100000;                    // small d: n = 1e5 (the matrix may fit in cache)
constexpr double kNoise = 0.1;                        // non-realizable: x hovers near x*, no underflow
constexpr std::uint64_t kSeed = 12345;

/// Stored entries per row for density `pct` (100 = dense).
Index nnz_per_row(int pct, Index d) { return pct >= 100 ? d : std::max<Index>(1, d * pct / 100); }
double row_bytes(int pct, Index d) {
  return pct >= 100 ? 8.0 * static_cast<double>(d) : 12.0 * static_cast<double>(nnz_per_row(pct, d));
}
/// n such that the matrix is about kMatrixBytes, at most kMaxRows.
Index rows_for(int pct, Index d) {
  return std::min<Index>(kMaxRows, static_cast<Index>(kMatrixBytes / row_bytes(pct, d)));
}
constexpr Index kInCacheRows = 1000;

/// LeastSquares' oracles (problems/least_squares.cpp) on a Dataset, without the exact constants.
class StepOnlyLeastSquares final : public pr::Problem {
 public:
  explicit StepOnlyLeastSquares(pr::Dataset data) : data_(std::move(data)), x0_(Vec::Zero(data_.cols())) {}
  std::string family() const override { return "least_squares"; }
  Index dim() const override { return data_.cols(); }
  Index n() const override { return data_.rows(); }
  double value(const Vec& x) const override {
    double s = 0.0;
    for (Index i = 0; i < n(); ++i) {
      const double r = data_.row_dot(i, x) - data_.y[i];
      s += r * r;
    }
    return 0.5 * s / static_cast<double>(n());
  }
  void gradient(const Vec& x, Vec& g) const override {
    g.setZero();
    for (Index i = 0; i < n(); ++i) data_.add_row(i, data_.row_dot(i, x) - data_.y[i], g);
    g /= static_cast<double>(n());
  }
  void sample_gradient(Index i, const Vec& x, Vec& g) const override {
    g.setZero();
    data_.add_row(i, data_.row_dot(i, x) - data_.y[i], g);
  }
  void batch_gradient(std::span<const Index> idx, const Vec& x, Vec& g) const override {
    g.setZero();
    for (Index i : idx) data_.add_row(i, data_.row_dot(i, x) - data_.y[i], g);
    g /= static_cast<double>(idx.size());
  }
  Vec initial_point() const override { return x0_; }
  std::string describe() const override { return "bench least_squares " + data_.source; }
  // The same two-phase step as LeastSquares: keep the residuals, add them row by row.
  void draw_step(const Vec& at, Index b, pr::Sampling, Rng& rng, pr::Workspace& ws) const override {
    pr::sample_with_replacement(n(), b, rng, ws.indices);
    if (avx2_)
      pr::ls_step::residuals_avx2(data_, at, ws);
    else
      pr::ls_step::residuals(data_, at, ws);
  }
  void apply_step(double gamma, const pr::Workspace& ws, Vec& x) const override {
    if (avx2_)
      pr::ls_step::apply_avx2(data_, gamma, ws, x);
    else
      pr::ls_step::apply(data_, gamma, ws, x);
  }
  const pr::Dataset& data() const { return data_; }

 private:
  pr::Dataset data_;
  Vec x0_;
  bool avx2_ = sgdcheck::kernels::cpu_has_avx2();  // the build of the two phases LeastSquares runs here
};

/// Dense rows: the library generator (identity spectrum, a_ij ~ N(0,1)). Sparse rows: exactly k
/// entries per row at distinct random columns (sorted uniforms + 0..k-1), values √(d/k)·N(0,1) so that
/// ‖a_i‖² ≈ d as for the library generator; built directly because the library generator draws all n·d
/// entries, which takes minutes for a 256 MiB matrix at 1 % density. y = Aw* + kNoise·ε.
pr::Dataset make_data(int pct, Index d, Index n) {
  if (pct >= 100) {
    pr::DesignOptions o;
    o.n = n;
    o.d = d;
    o.seed = kSeed;
    o.storage = pr::Storage::kDense;
    return pr::generate_least_squares(o, kNoise).data;
  }
  const Index k = nnz_per_row(pct, d);
  Rng rng = sgdcheck::make_stream(kSeed, 0, sgdcheck::StreamPurpose::kProblemData);
  pr::Dataset data;
  data.is_sparse = true;
  data.sparse.resize(n, d);
  data.sparse.reserve(Eigen::VectorXi::Constant(n, static_cast<int>(k)));
  const double scale = std::sqrt(static_cast<double>(d) / static_cast<double>(k));
  std::vector<Index> cols(static_cast<std::size_t>(k));
  for (Index i = 0; i < n; ++i) {
    for (auto& c : cols) c = static_cast<Index>(rng.below(static_cast<std::uint64_t>(d - k + 1)));
    std::sort(cols.begin(), cols.end());
    for (Index j = 0; j < k; ++j) data.sparse.insert(i, cols[static_cast<std::size_t>(j)] + j) = scale * rng.normal();
  }
  data.sparse.makeCompressed();
  Vec w(d);
  for (Index j = 0; j < d; ++j) w[j] = rng.normal() / std::sqrt(static_cast<double>(d));
  data.y = data.sparse * w;
  for (Index i = 0; i < n; ++i) data.y[i] += kNoise * rng.normal();
  data.source = "sparse n=" + std::to_string(n) + " d=" + std::to_string(d) + " k=" + std::to_string(k);
  return data;
}

/// Built problems, kept for the whole run (≈ 2.5 GB in all) so repetitions never rebuild.
const StepOnlyLeastSquares& step_problem(int pct, Index d, Index n = 0) {
  if (n == 0) n = rows_for(pct, d);
  static std::map<std::tuple<int, Index, Index>, std::unique_ptr<StepOnlyLeastSquares>> cache;
  auto& p = cache[{pct, d, n}];
  if (!p) p = std::make_unique<StepOnlyLeastSquares>(make_data(pct, d, n));
  return *p;
}

/// The real family through the registry, from Params (as an experiment file would give them).
const pr::Problem& registry_problem(int pct, Index d) {
  static std::map<std::pair<int, Index>, std::unique_ptr<pr::Problem>> cache;
  auto& p = cache[{pct, d}];
  if (!p) {
    const pr::ProblemFamily* family = pr::find_problem_family("least_squares");
    sgdcheck::RawParams raw;
    auto put = [&](const std::string& key, const std::string& value) {
      sgdcheck::RawValue v;
      v.scalar = value;
      raw[key] = v;
    };
    put("n", std::to_string(rows_for(pct, d)));
    put("d", std::to_string(d));
    put("seed", std::to_string(kSeed));
    put("noise", std::to_string(kNoise));
    put("density", pct >= 100 ? "1" : std::to_string(pct / 100.0));
    put("storage", pct >= 100 ? "dense" : "sparse");
    p = family->build(sgdcheck::validate(family->schema, raw, "problem"), pr::BuildContext{});
  }
  return *p;
}

void set_counters(benchmark::State& state, const pr::Problem& problem, int pct, Index b) {
  const Index d = problem.dim();
  const double touched = static_cast<double>(std::min<Index>(d, b * nnz_per_row(pct, d)));
  const double bytes = static_cast<double>(b) * row_bytes(pct, d) + 16.0 * touched;
  state.SetItemsProcessed(state.iterations() * b);
  state.SetBytesProcessed(static_cast<std::int64_t>(static_cast<double>(state.iterations()) * bytes));
  state.counters["d"] = static_cast<double>(d);
  state.counters["b"] = static_cast<double>(b);
  state.counters["n"] = static_cast<double>(problem.n());
  state.counters["nnz_row"] = static_cast<double>(nnz_per_row(pct, d));
  state.counters["matrix_MB"] = static_cast<double>(problem.n()) * row_bytes(pct, d) / 1e6;
  state.counters["bytes_per_step"] = bytes;
}

/// ‖a_i‖² ≈ d for every generator here: γ·‖a_i‖² ≈ 0.5 keeps single steps stable.
double step_size(Index d) { return 0.5 / static_cast<double>(d); }

/// One SGD step exactly as MinibatchSgd::run does it.
void run_library_step(benchmark::State& state, const pr::Problem& problem, int pct) {
  const Index b = state.range(2);
  const double gamma = step_size(problem.dim());
  Rng rng(kSeed);
  pr::Workspace ws = problem.make_workspace(b);
  Vec x = problem.initial_point();
  for (auto _ : state) {
    problem.draw_step(x, b, pr::Sampling::kWithReplacement, rng, ws);
    problem.apply_step(gamma, ws, x);
    benchmark::DoNotOptimize(x.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, problem, pct, b);
}

void BM_StepLibrary(benchmark::State& state) {
  const int pct = static_cast<int>(state.range(0));
  run_library_step(state, step_problem(pct, state.range(1)), pct);
}

void BM_StepInCache(benchmark::State& state) {
  const int pct = static_cast<int>(state.range(0));
  run_library_step(state, step_problem(pct, state.range(1), kInCacheRows), pct);
}

/// BM_StepInCache with the step's kernels called directly on the concrete data (problems/
/// least_squares_step.hpp, inline here) instead of through the two virtual Problem calls: what a
/// runner that knows the problem type (a template on a final class) pays per step. Same draws and
/// the same floating-point operations as BM_StepInCache.
void BM_StepInCacheDirect(benchmark::State& state) {
  const int pct = static_cast<int>(state.range(0));
  const StepOnlyLeastSquares& problem = step_problem(pct, state.range(1), kInCacheRows);
  const pr::Dataset& data = problem.data();
  const Index b = state.range(2), n = data.rows();
  const double gamma = step_size(problem.dim());
  Rng rng(kSeed);
  pr::Workspace ws = problem.make_workspace(b);
  Vec x = problem.initial_point();
  const bool avx2 = sgdcheck::kernels::cpu_has_avx2();
  for (auto _ : state) {
    pr::sample_with_replacement(n, b, rng, ws.indices);
    if (avx2) {
      pr::ls_step::residuals_avx2(data, x, ws);
      pr::ls_step::apply_avx2(data, gamma, ws, x);
    } else {
      pr::ls_step::residuals(data, x, ws);
      pr::ls_step::apply(data, gamma, ws, x);
    }
    benchmark::DoNotOptimize(x.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, problem, pct, b);
}

void BM_StepRegistry(benchmark::State& state) {
  const int pct = static_cast<int>(state.range(0));
  run_library_step(state, registry_problem(pct, state.range(1)), pct);
}

/// The same step written directly on the arrays: r_j = a_jᵀx − y_j for the batch, then
/// x −= (γ/b)·Σ r_j a_j, touching only the stored entries (no g, no setZero, sparse is O(b·nnz)).
void BM_StepKernel(benchmark::State& state) {
  const int pct = static_cast<int>(state.range(0));
  const Index d = state.range(1), b = state.range(2);
  const StepOnlyLeastSquares& problem = step_problem(pct, d);
  const pr::Dataset& data = problem.data();
  const Index n = data.rows();
  const double gamma = step_size(d);
  Rng rng(kSeed);
  Vec x = Vec::Zero(d);
  std::vector<Index> idx(static_cast<std::size_t>(b));
  std::vector<double> r(static_cast<std::size_t>(b));
  for (auto _ : state) {
    for (auto& i : idx) i = static_cast<Index>(rng.below(static_cast<std::uint64_t>(n)));
    for (std::size_t j = 0; j < idx.size(); ++j) r[j] = data.row_dot(idx[j], x) - data.y[idx[j]];
    const double c = gamma / static_cast<double>(b);
    if (!data.is_sparse) {
      for (std::size_t j = 0; j < idx.size(); ++j)
        x.noalias() -= (c * r[j]) * Eigen::Map<const Vec>(data.dense.data() + idx[j] * d, d);
    } else {
      for (std::size_t j = 0; j < idx.size(); ++j)
        for (SpMat::InnerIterator it(data.sparse, idx[j]); it; ++it) x[it.index()] -= c * r[j] * it.value();
    }
    benchmark::DoNotOptimize(x.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, problem, pct, b);
}

/// (pct, d, b): dense for every d; 10 % from d = 100 and 1 % from d = 1000 (≥ 10 entries per row).
void step_args(benchmark::internal::Benchmark* bm, Index d_max) {
  bm->ArgNames({"pct", "d", "b"});
  for (int pct : {100, 10, 1}) {
    const Index d_min = pct == 100 ? 10 : pct == 10 ? 100 : 1000;
    for (std::int64_t d : benchmark::CreateRange(d_min, d_max, /*multi=*/10))
      for (std::int64_t b : {1, 16}) bm->Args({pct, d, b});
  }
}

BENCHMARK(BM_StepLibrary)->Apply([](benchmark::internal::Benchmark* bm) { step_args(bm, 100000); });
BENCHMARK(BM_StepKernel)->Apply([](benchmark::internal::Benchmark* bm) { step_args(bm, 100000); });
BENCHMARK(BM_StepRegistry)->Apply([](benchmark::internal::Benchmark* bm) { step_args(bm, 1000); });
BENCHMARK(BM_StepInCache)
    ->ArgNames({"pct", "d", "b"})
    ->ArgsProduct({{100}, benchmark::CreateRange(10, 100, /*multi=*/10), {1, 16}});
BENCHMARK(BM_StepInCacheDirect)
    ->ArgNames({"pct", "d", "b"})
    ->ArgsProduct({{100}, benchmark::CreateRange(10, 100, /*multi=*/10), {1, 16}});

/// The machine's double-precision multiply-add rate in this build (the compute bound of a step):
/// 16 independent chains acc ← acc·m + c (no dependency stalls: 16 chains cover the add and multiply
/// latencies), 2 flops per element and iteration, operands in registers. The compiler vectorises
/// the chains with whatever the build allows (SSE2 without -march: 2 doubles per instruction), so
/// `flops_per_second` is the rate an equally vectorised step could reach. m = 1 − 2⁻²⁰ and c keep the
/// values bounded and normal (no denormal slow path).
template <int kChains>
[[gnu::always_inline]] inline void mul_add_chains(double* acc, std::int64_t reps) {
  const double m = 1.0 - 1.0 / 1048576.0;
  const double c = 1e-7;
  for (std::int64_t r = 0; r < reps; ++r) {
    for (int k = 0; k < kChains; ++k) acc[k] = acc[k] * m + c;
  }
}
#if defined(__x86_64__)
/// 32 chains in code compiled for AVX2 (eight 4-double registers, no FMA: the build of the AVX2 step
/// phases), the compute bound of a step that runs on them.
SGDCHECK_AVX2_TARGET void mul_add_chains_avx2(double* acc, std::int64_t reps) {
  mul_add_chains<32>(acc, reps);
}
#endif

template <int kChains>
void run_peak(benchmark::State& state, void (*chains)(double*, std::int64_t)) {
  const std::int64_t reps = state.range(0);
  alignas(64) double acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = 1.0 + 0.01 * k;
  for (auto _ : state) {
    chains(acc, reps);
    benchmark::DoNotOptimize(acc);
    benchmark::ClobberMemory();
  }
  state.counters["flops_per_second"] = benchmark::Counter(
      2.0 * kChains * static_cast<double>(reps) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_PeakMulAdd(benchmark::State& state) {
  run_peak<16>(state, [](double* acc, std::int64_t reps) { mul_add_chains<16>(acc, reps); });
}
BENCHMARK(BM_PeakMulAdd)->Arg(4096);

#if defined(__x86_64__)
void BM_PeakMulAddAvx2(benchmark::State& state) {
  if (!sgdcheck::kernels::cpu_has_avx2()) {
    state.SkipWithError("this CPU has no AVX2");
    return;
  }
  run_peak<32>(state, mul_add_chains_avx2);
}
BENCHMARK(BM_PeakMulAddAvx2)->Arg(4096);
#endif

/// Arrays ≫ last-level cache, allocated and first-touched once.
std::vector<double>& stream_array(int which, std::size_t size) {
  static std::map<int, std::vector<double>> arrays;
  auto& a = arrays[which];
  if (a.size() != size) a.assign(size, 1.0 + which);
  return a;
}

void BM_StreamTriad(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  double* __restrict a = stream_array(0, n).data();
  const double* __restrict bb = stream_array(1, n).data();
  const double* __restrict c = stream_array(2, n).data();
  const double s = 3.0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) a[i] = bb[i] + s * c[i];
    benchmark::DoNotOptimize(a);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(24 * n));
  state.counters["array_MB"] = 8.0 * static_cast<double>(n) / 1e6;
}
BENCHMARK(BM_StreamTriad)->Arg(std::int64_t{1} << 24)->Unit(benchmark::kMillisecond);

void BM_StreamRead(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<double>& a = stream_array(3, n);
  for (auto _ : state) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (std::size_t i = 0; i + 3 < n; i += 4) {
      s0 += a[i];
      s1 += a[i + 1];
      s2 += a[i + 2];
      s3 += a[i + 3];
    }
    double s = s0 + s1 + s2 + s3;
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(8 * n));
  state.counters["array_MB"] = 8.0 * static_cast<double>(n) / 1e6;
}
BENCHMARK(BM_StreamRead)->Arg(std::int64_t{1} << 25)->Unit(benchmark::kMillisecond);

}  // namespace
