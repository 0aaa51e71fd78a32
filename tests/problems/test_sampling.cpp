// Index sampling and the no-allocation contract of the oracles.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <set>

#include "core/rng.hpp"
#include "helpers.hpp"
#include "problems/problem.hpp"

using namespace sgdcheck;
using namespace sgdcheck::problems;
using sgdcheck::problems::test::build;

namespace {
std::atomic<long> g_allocations{0};
std::atomic<bool> g_counting{false};
}  // namespace

// GCC defines __SANITIZE_ADDRESS__ under ASan; clang 14 only answers __has_feature.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SGDCHECK_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(SGDCHECK_ASAN)
#define SGDCHECK_COUNT_MALLOC 0  // the sanitizer owns malloc
#else
#define SGDCHECK_COUNT_MALLOC 1
// Counts every heap allocation (operator new and Eigen's aligned_malloc both end in malloc) while
// g_counting is set; glibc's __libc_malloc does the work. Only the windows below count.
extern "C" void* __libc_malloc(std::size_t size);
extern "C" void* malloc(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
#endif

TEST_CASE("sampling without replacement gives distinct indices with uniform marginals", "[problems]") {
  const Index n = 20, b = 7;
  std::vector<Index> perm(n), out;
  for (Index i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = i;
  out.reserve(b);
  Rng rng(17);
  std::vector<double> counts(n, 0.0);
  const int R = 20000;
  for (int r = 0; r < R; ++r) {
    sample_without_replacement(n, b, rng, perm, out);
    REQUIRE(std::set<Index>(out.begin(), out.end()).size() == static_cast<std::size_t>(b));
    for (Index i : out) counts[static_cast<std::size_t>(i)] += 1.0;
  }
  // Each index appears with probability b/n per draw. Pearson's statistic over the n cells (counts sum to
  // R·b) is chi-square with n − 1 = 19 d.o.f. up to the factor (1 − b/n) < 1, so the 99.99% quantile 49.0
  // is a conservative bound.
  const double expected = R * static_cast<double>(b) / static_cast<double>(n);
  double chi2 = 0.0;
  for (double c : counts) chi2 += (c - expected) * (c - expected) / expected;
  REQUIRE(chi2 < 49.0);
}

TEST_CASE("oracles do not allocate once the workspace exists", "[problems]") {
  if (!SGDCHECK_COUNT_MALLOC) return;
  // The counter itself must see an allocation.
  g_allocations = 0;
  g_counting = true;
  {
    Vec probe(1000);
    probe.setZero();
  }
  g_counting = false;
  REQUIRE(g_allocations.load() > 0);
  const std::vector<std::pair<std::string, std::map<std::string, std::string>>> cases = {
      {"least_squares", {{"n", "50"}, {"d", "6"}}},
      {"least_squares", {{"n", "50"}, {"d", "6"}, {"density", "0.3"}, {"storage", "sparse"}}},
      {"logistic", {{"n", "200"}, {"d", "4"}, {"m_estimate.probes", "2"}}},
      {"nonconvex_logistic", {{"n", "200"}, {"d", "4"}, {"m_estimate.probes", "2"}}},
      {"random_design_ls", {{"d", "6"}, {"design", "bernoulli_gaussian"}, {"density", "0.5"}}},
  };
  for (const auto& [family, kv] : cases) {
    const auto p = build(family, kv);
    Workspace ws = p->make_workspace(16);
    Vec x = p->initial_point(), g(p->dim());
    Rng rng(1);
    g_allocations = 0;
    g_counting = true;
    for (Sampling s : {Sampling::kWithReplacement, Sampling::kWithoutReplacement})
      for (Index b : {1, 16}) p->stochastic_gradient(x, b, s, rng, ws, g);
    if (p->n() > 0) p->sample_gradient(0, x, g);
    p->gradient(x, g);
    g_counting = false;
    INFO(p->describe());
    REQUIRE(g_allocations.load() == 0);
  }
}
