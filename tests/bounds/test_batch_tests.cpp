// The adaptive batch-size tests (bounds/batch_tests.hpp): references are written-out sums over the
// rows, independent of the two-pass implementation.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "bounds/batch_tests.hpp"

using namespace sgdcheck;
using namespace sgdcheck::bounds;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

RowMat random_grads(Index b, Index d, double shift, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> n01(0.0, 1.0);
  RowMat G(b, d);
  for (Index i = 0; i < b; ++i)
    for (Index j = 0; j < d; ++j) G(i, j) = shift * static_cast<double>(j + 1) + n01(gen);
  return G;
}

/// s² written as the textbook double loop.
double s2_reference(const RowMat& G) {
  const Index b = G.rows(), d = G.cols();
  std::vector<double> mean(static_cast<std::size_t>(d), 0.0);
  for (Index i = 0; i < b; ++i)
    for (Index j = 0; j < d; ++j) mean[static_cast<std::size_t>(j)] += G(i, j) / static_cast<double>(b);
  double ss = 0.0;
  for (Index i = 0; i < b; ++i)
    for (Index j = 0; j < d; ++j) {
      const double r = G(i, j) - mean[static_cast<std::size_t>(j)];
      ss += r * r;
    }
  return ss / static_cast<double>(b - 1);
}

}  // namespace

TEST_CASE("The two-pass s2 of a batch equals the textbook double sum", "[lau2024][batch_tests]") {
  const RowMat G = random_grads(37, 4, 0.7, 1);
  Vec g;
  const BatchStats st = batch_stats(G, G.rows(), g);
  REQUIRE(st.count == 37);
  REQUIRE_THAT(st.s2, WithinRel(s2_reference(G), 1e-12));
  REQUIRE_THAT(st.grad2, WithinRel(G.colwise().mean().squaredNorm(), 1e-12));
}

TEST_CASE("One-pass s2 equals two-pass s2 to 1e-10", "[lau2024][batch_tests]") {
  for (unsigned seed = 1; seed <= 5; ++seed) {
    const RowMat G = random_grads(200, 6, 1.5, seed);
    Vec g;
    const BatchStats st = batch_stats(G, G.rows(), g);
    double sum_sq = 0.0;
    for (Index i = 0; i < G.rows(); ++i) sum_sq += G.row(i).squaredNorm();
    const Vec mean = G.colwise().mean().transpose();
    REQUIRE_THAT(s2_one_pass(G.rows(), sum_sq, mean), WithinRel(st.s2, 1e-10));
  }
}

TEST_CASE("Pooled s2 of worker summaries equals the s2 of the concatenated batch", "[lau2024][batch_tests]") {
  const std::vector<Index> counts{3, 10, 25, 2};
  std::vector<RowMat> parts;
  std::vector<Vec> means;
  std::vector<double> s2;
  Index total = 0;
  for (std::size_t m = 0; m < counts.size(); ++m) {
    // Different shifts per worker so that the between-worker term matters.
    parts.push_back(random_grads(counts[m], 3, 0.5 * static_cast<double>(m), 10 + static_cast<unsigned>(m)));
    means.push_back(parts.back().colwise().mean().transpose());
    s2.push_back(s2_reference(parts.back()));
    total += counts[m];
  }
  RowMat all(total, 3);
  Index r = 0;
  for (const auto& p : parts) {
    all.middleRows(r, p.rows()) = p;
    r += p.rows();
  }
  Vec pooled_mean;
  const double pooled = pooled_s2(counts, means, s2, pooled_mean);
  REQUIRE_THAT(pooled, WithinRel(s2_reference(all), 1e-12));
  REQUIRE_THAT((pooled_mean - all.colwise().mean().transpose()).norm(), WithinAbs(0.0, 1e-12));

  // The block form of batch_stats (the global variant) sees the same concatenation.
  std::vector<GradBlock> blocks;
  for (const auto& p : parts) blocks.push_back(GradBlock{&p, p.rows()});
  Vec g;
  const BatchStats st = batch_stats(blocks, g);
  REQUIRE(st.count == total);
  REQUIRE_THAT(st.s2, WithinRel(s2_reference(all), 1e-12));
  const BatchStats cat = batch_stats(all, all.rows(), g);
  REQUIRE_THAT(st.var_ip, WithinRel(cat.var_ip, 1e-12));
  REQUIRE_THAT(st.var_orth, WithinRel(cat.var_orth, 1e-12));
}

TEST_CASE("Inner-product and orthogonality statistics match their definitions", "[lau2024][batch_tests]") {
  const RowMat G = random_grads(50, 3, 1.0, 7);
  Vec g;
  const BatchStats st = batch_stats(G, G.rows(), g);
  const Vec mean = G.colwise().mean().transpose();
  const double g2 = mean.squaredNorm();
  std::vector<double> ips;
  double ipm = 0.0, orth = 0.0;
  for (Index i = 0; i < G.rows(); ++i) {
    const Vec row = G.row(i).transpose();
    ips.push_back(row.dot(mean));
    ipm += ips.back() / 50.0;
    orth += (row - (row.dot(mean) / g2) * mean).squaredNorm();
  }
  double v = 0.0;
  for (double x : ips) v += (x - ipm) * (x - ipm);
  REQUIRE_THAT(st.var_ip, WithinRel(v / 49.0, 1e-10));
  REQUIRE_THAT(st.var_orth, WithinRel(orth / 49.0, 1e-10));
  const double eta = 0.3;
  REQUIRE_THAT(proposal(BatchTestKind::kInnerProduct, st, eta),
               WithinRel(v / 49.0 / (eta * eta * g2 * g2), 1e-10));
  REQUIRE_THAT(proposal(BatchTestKind::kOrthogonality, st, eta),
               WithinRel(orth / 49.0 / (eta * eta * g2), 1e-10));
  REQUIRE(proposal(BatchTestKind::kAugmented, st, eta) ==
          std::max(proposal(BatchTestKind::kInnerProduct, st, eta),
                   proposal(BatchTestKind::kOrthogonality, st, eta)));
}

TEST_CASE("The norm test keeps b exactly when s2 <= b eta^2 |g|^2", "[lau2024][batch_tests]") {
  const double eta = 0.5;
  const std::int64_t b_max = 1 << 20;
  int kept = 0, grown = 0;
  for (unsigned seed = 1; seed <= 200; ++seed) {
    const Index b = 2 + static_cast<Index>(seed % 40);
    const RowMat G = random_grads(b, 3, 0.05 * static_cast<double>(seed % 17), seed);
    Vec g;
    const BatchStats st = batch_stats(G, b, g);
    const std::int64_t bn = test_next_batch(BatchTestKind::kNorm, st, eta, b, b_max);
    const bool passes = st.s2 <= static_cast<double>(b) * eta * eta * st.grad2;
    REQUIRE((bn == b) == passes);
    REQUIRE(bn >= b);
    (passes ? kept : grown) += 1;
  }
  // Both branches were exercised.
  REQUIRE(kept > 5);
  REQUIRE(grown > 5);
}

TEST_CASE("A zero batch gradient keeps b", "[lau2024][batch_tests]") {
  RowMat G(4, 2);
  G << 1, 2, -1, -2, 3, -1, -3, 1;  // mean exactly zero
  Vec g;
  const BatchStats st = batch_stats(G, 4, g);
  REQUIRE(st.grad2 == 0.0);
  REQUIRE(zero_gradient(st));
  REQUIRE(test_next_batch(BatchTestKind::kNorm, st, 0.1, 4, 1000) == 4);
  REQUIRE(test_next_batch(BatchTestKind::kAugmented, st, 0.1, 4, 1000) == 4);
}

TEST_CASE("Infinite and huge proposals clamp to b_max without integer overflow", "[lau2024][batch_tests]") {
  const double inf = std::numeric_limits<double>::infinity();
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  REQUIRE(next_batch(8, inf, 65536) == 65536);
  REQUIRE(next_batch(8, 1e300, 65536) == 65536);
  REQUIRE(next_batch(8, 9.3e18, big) == big);  // above INT64_MAX as a double
  REQUIRE(next_batch(8, 65535.2, 65536) == 65536);
  REQUIRE(next_batch(8, 100.2, 65536) == 101);
  REQUIRE(next_batch(8, 3.0, 65536) == 8);  // never shrinks
  REQUIRE(next_batch(8, std::nan(""), 65536) == 8);
  REQUIRE(next_batch(65536, inf, 65536) == 65536);
  REQUIRE(next_batch(8, inf, 65536, /*keep=*/true) == 8);
  REQUIRE(oracle_proposal(1.0, 0.0, 0.5) == inf);
  REQUIRE(oracle_proposal(0.0, 0.0, 0.5) == 0.0);
  REQUIRE_THAT(oracle_proposal(2.0, 4.0, 0.5), WithinRel(2.0, 1e-15));
}
