// Distribution and determinism tests of Rng::normal (256-layer ziggurat, core/rng.hpp).
// Every stochastic check uses a fixed seed and a tolerance of k standard errors with the SE from the
// exact variance of the statistic under N(0, 1) (closed forms stated at each check), or a chi-square
// quantile from Boost.Math; reference probabilities come from Boost.Math's normal CDF.
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <vector>

#include "core/rng.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using sgdcheck::make_stream;
using sgdcheck::Rng;
using sgdcheck::StreamPurpose;
namespace detail = sgdcheck::detail;

namespace {
constexpr double kK = 5.0;  // standard errors allowed for every moment / probability check
const boost::math::normal_distribution<double> kPhi;
double upper(double x) { return boost::math::cdf(boost::math::complement(kPhi, x)); }
double density(double x) { return boost::math::pdf(kPhi, x); }
// Chi-square statistic's 1 - 1e-6 quantile: the test fails by chance once in a million runs.
double chi2_limit(double df) { return boost::math::quantile(boost::math::chi_squared_distribution<double>(df), 1 - 1e-6); }
}  // namespace

TEST_CASE("ziggurat tables: equal layer areas, F = exp(-X^2/2), X decreasing to 0", "[core][rng]") {
  const double r = detail::kZigX[1];
  // Area of the base strip: rectangle [0, r] x [0, f(r)] plus the tail, ∫_r^∞ exp(-t²/2) dt = √(2π) Q(r).
  const double v = r * std::exp(-0.5 * r * r) + std::sqrt(2 * M_PI) * upper(r);
  REQUIRE_THAT(r, WithinRel(3.6541528853610088, 1e-15));  // Marsaglia & Tsang (2000), 256 layers
  REQUIRE_THAT(v, WithinRel(0.00492867323399, 1e-11));     // same paper, stated to 12 digits
  REQUIRE_THAT(detail::kZigX[0] * std::exp(-0.5 * r * r), WithinRel(v, 1e-14));
  for (int i = 1; i <= 255; ++i) {
    INFO("layer " << i);
    REQUIRE(detail::kZigX[i + 1] < detail::kZigX[i]);
    REQUIRE_THAT(detail::kZigF[i], WithinRel(std::exp(-0.5 * detail::kZigX[i] * detail::kZigX[i]), 1e-15));
    REQUIRE_THAT(detail::kZigX[i] * (detail::kZigF[i + 1] - detail::kZigF[i]), WithinRel(v, 1e-12));
  }
  REQUIRE(detail::kZigX[256] == 0.0);
  REQUIRE(detail::kZigF[256] == 1.0);
}

TEST_CASE("normal: mean, variance, skewness and kurtosis of 1e7 draws within 5 SE", "[core][rng]") {
  Rng rng = make_stream(20261201, 0, StreamPurpose::kProbe);
  const double n = 1e7;
  double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  for (long k = 0; k < 10000000; ++k) {
    const double z = rng.normal(), z2 = z * z;
    s1 += z;
    s2 += z2;
    s3 += z2 * z;
    s4 += z2 * z2;
  }
  // Raw moments E z^m and their variances E z^{2m} - (E z^m)^2 (double factorials): m = 1: 1;
  // m = 2: 3 - 1 = 2; m = 3: 15; m = 4: 105 - 9 = 96.
  CHECK_THAT(s1 / n, WithinAbs(0.0, kK * std::sqrt(1.0 / n)));
  CHECK_THAT(s2 / n, WithinAbs(1.0, kK * std::sqrt(2.0 / n)));
  CHECK_THAT(s3 / n, WithinAbs(0.0, kK * std::sqrt(15.0 / n)));
  CHECK_THAT(s4 / n, WithinAbs(3.0, kK * std::sqrt(96.0 / n)));
}

TEST_CASE("normal: chi-square against Phi on the 514 ziggurat layer bins and on 1000 equiprobable bins",
          "[core][rng]") {
  // Bins with the ziggurat's own edges ±X[1..255] (and 0) are where a wrong table or a wrong wedge /
  // tail step would show; the equiprobable bins test the shape overall.
  std::vector<double> edges;
  for (int i = 1; i <= 255; ++i) edges.push_back(-detail::kZigX[i]);
  edges.push_back(0.0);
  for (int i = 255; i >= 1; --i) edges.push_back(detail::kZigX[i]);
  std::vector<double> quantiles;
  for (int j = 1; j < 1000; ++j) quantiles.push_back(boost::math::quantile(kPhi, j / 1000.0));
  auto bin_of = [](const std::vector<double>& e, double z) {
    return static_cast<std::size_t>(std::upper_bound(e.begin(), e.end(), z) - e.begin());
  };
  std::vector<double> layer_count(edges.size() + 1, 0.0), equi_count(1000, 0.0);
  Rng rng = make_stream(7, 1, StreamPurpose::kProbe);
  const long n = 10000000;
  for (long k = 0; k < n; ++k) {
    const double z = rng.normal();
    layer_count[bin_of(edges, z)] += 1;
    equi_count[bin_of(quantiles, z)] += 1;
  }
  double chi2 = 0, min_expected = 1e300;
  for (std::size_t b = 0; b < layer_count.size(); ++b) {
    const double lo = b == 0 ? -INFINITY : edges[b - 1], hi = b == edges.size() ? INFINITY : edges[b];
    const double p = std::isinf(hi) ? upper(lo) : boost::math::cdf(kPhi, hi) - (std::isinf(lo) ? 0.0 : boost::math::cdf(kPhi, lo));
    const double e = p * n;
    min_expected = std::min(min_expected, e);
    chi2 += (layer_count[b] - e) * (layer_count[b] - e) / e;
  }
  INFO("layer bins: chi2 " << chi2 << " on " << layer_count.size() - 1 << " df, smallest expected count " << min_expected);
  CHECK(min_expected > 50);
  CHECK(chi2 < chi2_limit(layer_count.size() - 1.0));
  double chi2_eq = 0;
  for (double c : equi_count) chi2_eq += (c - n / 1000.0) * (c - n / 1000.0) / (n / 1000.0);
  INFO("equiprobable bins: chi2 " << chi2_eq << " on 999 df");
  CHECK(chi2_eq < chi2_limit(999));
}

TEST_CASE("normal: tail probabilities P(|Z|>3), P(|Z|>4), P(|Z|>4.5), P(Z>r), P(Z<-r) and the tail's mean",
          "[core][rng]") {
  const double r = detail::kZigX[1];
  Rng rng = make_stream(11, 2, StreamPurpose::kProbe);
  const long n = 20000000;
  double c3 = 0, c4 = 0, c45 = 0, cr_pos = 0, cr_neg = 0, excess = 0, excess2 = 0, excess4 = 0;
  for (long k = 0; k < n; ++k) {
    const double z = rng.normal(), a = std::fabs(z);
    c3 += a > 3;
    c4 += a > 4;
    c45 += a > 4.5;
    cr_pos += z > r;
    cr_neg += z < -r;
    if (a > r) {
      excess += a - r;
      excess2 += (a - r) * (a - r);
      excess4 += (a - r) * (a - r) * (a - r) * (a - r);
    }
  }
  auto check_p = [&](const char* what, double count, double p) {
    const double se = std::sqrt(p * (1 - p) / n);  // binomial SE
    INFO(what << ": empirical " << count / n << ", exact " << p << ", SE " << se);
    CHECK_THAT(count / n, WithinAbs(p, kK * se));
  };
  check_p("P(|Z|>3)", c3, 2 * upper(3.0));
  check_p("P(|Z|>4)", c4, 2 * upper(4.0));
  check_p("P(|Z|>4.5)", c45, 2 * upper(4.5));
  check_p("P(Z>r)", cr_pos, upper(r));
  check_p("P(Z<-r)", cr_neg, upper(r));
  // Beyond the last layer: E[|Z| - r | |Z| > r] = λ - r with λ = φ(r)/Q(r) (inverse Mills ratio), and
  // Var[|Z| | |Z| > r] = 1 + rλ - λ² (truncated normal, closed forms).
  const double lambda = density(r) / upper(r), m = cr_pos + cr_neg;
  const double var = 1 + r * lambda - lambda * lambda;
  INFO("tail draws " << m << ", mean excess " << excess / m << ", exact " << lambda - r);
  CHECK_THAT(excess / m, WithinAbs(lambda - r, kK * std::sqrt(var / m)));
  // Second moment of the excess: E[(|Z| - r)² | tail] = var + (λ - r)²; its SE uses the sample variance of
  // (|Z| - r)² (m > 4000 tail draws, so the plug-in SE is accurate).
  const double m2 = excess2 / m, se_m2 = std::sqrt((excess4 / m - m2 * m2) / m);
  CHECK_THAT(m2, WithinAbs(var + (lambda - r) * (lambda - r), kK * se_m2));
}

TEST_CASE("normal: consecutive draws uncorrelated (lag 1 and 2, in z and in z^2) within 5 SE", "[core][rng]") {
  Rng rng = make_stream(3, 0, StreamPurpose::kProbe);
  const long n = 10000000;
  double prev1 = rng.normal(), prev2 = rng.normal();  // prev2 = z_{k-1}, prev1 = z_{k-2}
  double l1 = 0, l2 = 0, q1 = 0;
  for (long k = 0; k < n; ++k) {
    const double z = rng.normal();
    l1 += z * prev2;
    l2 += z * prev1;
    q1 += (z * z - 1) * (prev2 * prev2 - 1);
    prev1 = prev2;
    prev2 = z;
  }
  // For independent draws the products are uncorrelated with variance E z² E z'² = 1 (lags 1, 2) and
  // Var(z² - 1)² = 4 (squares), so the means have SE 1/√n and 2/√n.
  CHECK_THAT(l1 / n, WithinAbs(0.0, kK / std::sqrt(double(n))));
  CHECK_THAT(l2 / n, WithinAbs(0.0, kK / std::sqrt(double(n))));
  CHECK_THAT(q1 / n, WithinAbs(0.0, kK * 2 / std::sqrt(double(n))));
}

TEST_CASE("normal: a stream replays bit-identically, a copy continues identically, and streams are independent",
          "[core][rng]") {
  const long n = 1000000;
  Rng a = make_stream(42, 5, StreamPurpose::kAlgorithm, 3);
  std::vector<double> first(n);
  for (auto& z : first) z = a.normal();
  Rng b = make_stream(42, 5, StreamPurpose::kAlgorithm, 3);
  bool same = true;
  for (long k = 0; k < n; ++k) same = same && b.normal() == first[k];
  CHECK(same);
  Rng c = b;  // copies share the state, hence the continuation
  bool same_continuation = true;
  for (int k = 0; k < 1000; ++k) same_continuation = same_continuation && b.normal() == c.normal();
  CHECK(same_continuation);
  // Neighbouring workers' and repetitions' streams: cross-correlation within 5 SE (SE 1/√n as above).
  Rng w = make_stream(42, 5, StreamPurpose::kAlgorithm, 4);
  Rng q = make_stream(42, 6, StreamPurpose::kAlgorithm, 3);
  double cw = 0, cq = 0;
  for (long k = 0; k < n; ++k) {
    const double zw = w.normal(), zq = q.normal();
    cw += first[k] * zw;
    cq += first[k] * zq;
  }
  CHECK_THAT(cw / n, WithinAbs(0.0, kK / std::sqrt(double(n))));
  CHECK_THAT(cq / n, WithinAbs(0.0, kK / std::sqrt(double(n))));
}

TEST_CASE("fill_normal gives the draws of as many normal() calls, slow paths included", "[core][rng]") {
  // 2e5 draws reach the wedges and the tail (about 1.2 % of draws leave the fast path); the batches
  // have odd sizes so that they end in the middle of the fast and the slow paths alike.
  for (std::uint64_t seed : {1u, 7u, 12345u}) {
    Rng one = make_stream(seed, 3, StreamPurpose::kAlgorithm, 1);
    Rng batch = one;
    std::vector<double> got(200'000), want(200'000);
    for (double& z : want) z = one.normal();
    std::size_t at = 0;
    for (std::size_t len = 1; at < got.size(); len = len % 37 + 1) {
      const std::size_t n = std::min(len, got.size() - at);
      batch.fill_normal(got.data() + at, n);
      at += n;
    }
    std::size_t slow = 0;
    for (std::size_t k = 0; k < want.size(); ++k) {
      INFO("seed " << seed << ", draw " << k);
      REQUIRE(std::bit_cast<std::uint64_t>(got[k]) == std::bit_cast<std::uint64_t>(want[k]));
      if (std::abs(want[k]) > detail::kZigX[1]) ++slow;  // beyond r: only the tail branch of the slow path
    }
    REQUIRE(slow > 10);  // P(|z| > r) = 2.6e-4: about 52 of 2e5 expected
    REQUIRE(one.next_u64() == batch.next_u64());  // both streams end in the same state
  }
}

TEST_CASE("fill_normal_scaled gives normal() * scale[k], bit for bit, slow paths included", "[core][rng]") {
  std::vector<double> scale(37);
  for (std::size_t k = 0; k < scale.size(); ++k) scale[k] = std::sqrt(0.1 + static_cast<double>(k) / 7.0);
  for (std::uint64_t seed : {2u, 99u}) {
    Rng one = make_stream(seed, 3, StreamPurpose::kAlgorithm, 1);
    Rng batch = one;
    std::vector<double> got(200'000), want(200'000), z(200'000);
    std::size_t at = 0;
    for (std::size_t len = 1; at < got.size(); len = len % 37 + 1) {
      const std::size_t n = std::min(len, got.size() - at);
      for (std::size_t k = 0; k < n; ++k) {
        z[at + k] = one.normal();
        want[at + k] = z[at + k] * scale[k];
      }
      batch.fill_normal_scaled(got.data() + at, scale.data(), n);
      at += n;
    }
    std::size_t slow = 0;
    for (std::size_t k = 0; k < want.size(); ++k) {
      INFO("seed " << seed << ", draw " << k);
      REQUIRE(std::bit_cast<std::uint64_t>(got[k]) == std::bit_cast<std::uint64_t>(want[k]));
      slow += std::abs(z[k]) > detail::kZigX[1];  // beyond r: the tail branch of the slow path ran
    }
    REQUIRE(slow > 10);
    REQUIRE(one.next_u64() == batch.next_u64());
  }
}

TEST_CASE("fill_rademacher_scaled gives scale[k] * rademacher(), bit for bit, at every length",
          "[core][rng]") {
  std::vector<double> scale(9);
  for (std::size_t k = 0; k < scale.size(); ++k) scale[k] = std::sqrt(0.3 + static_cast<double>(k));
  Rng one = make_stream(4, 1, StreamPurpose::kAlgorithm, 2);
  Rng batch = one;
  std::vector<double> got(scale.size());
  std::size_t plus = 0, total = 0;
  for (int rep = 0; rep < 500; ++rep) {
    const std::size_t n = static_cast<std::size_t>(rep) % scale.size() + 1;
    batch.fill_rademacher_scaled(got.data(), scale.data(), n);
    for (std::size_t k = 0; k < n; ++k) {
      const double want = scale[k] * one.rademacher();
      REQUIRE(std::bit_cast<std::uint64_t>(got[k]) == std::bit_cast<std::uint64_t>(want));
      plus += got[k] > 0.0;
      ++total;
    }
  }
  REQUIRE(one.next_u64() == batch.next_u64());
  // Both signs occur (a constant sign on both sides would pass the identity above): 2500 draws,
  // within 5 SE (sqrt(2500 / 4) = 25) of half.
  REQUIRE(std::abs(static_cast<double>(plus) - 0.5 * static_cast<double>(total)) < 5.0 * 25.0);
}

TEST_CASE("wedge squeeze: every decision it takes is the exp test's, and it takes most of them",
          "[core][rng]") {
  // All 255 wedges, 4000 candidates each: x uniform on [X[i+1], X[i]] plus both ends, y uniform on
  // [F[i], F[i+1]] plus points within 1e-12 of f(x) (where only exp can tell).
  Rng rng = make_stream(21, 0, StreamPurpose::kProbe);
  std::size_t decided = 0, total = 0, near = 0;
  for (unsigned i = 1; i <= 255; ++i) {
    const double xl = detail::kZigX[i + 1], xr = detail::kZigX[i];
    for (int k = 0; k < 4000; ++k) {
      const double x = k == 0 ? xl : k == 1 ? xr : xl + rng.uniform() * (xr - xl);
      const double f = std::exp(-0.5 * x * x);
      double y;
      if (k % 8 == 7) {
        y = f + (rng.uniform() - 0.5) * 2e-12;  // at the curve: must be left to exp
        ++near;
      } else {
        y = detail::kZigF[i] + rng.uniform() * (detail::kZigF[i + 1] - detail::kZigF[i]);
      }
      const int s = detail::wedge_squeeze(i, x, y);
      if ((s != 0 && (s > 0) != (y < f)) || (k % 8 == 7 && s != 0)) {
        INFO("layer " << i << " x " << x << " y " << y << " f " << f << " squeeze " << s);
        REQUIRE(false);
      }
      decided += s != 0 && k % 8 != 7;
      total += k % 8 != 7;
    }
  }
  REQUIRE(near > 0);
  // Uniform heights: the bounds are within a few 1e-3 of each other relative to the wedge height in
  // every layer but the one containing x = 1, so far more than 90 % are decided (99.2 % when written) (a
  // squeeze that never decides, or decides only at one end, would fail here).
  REQUIRE(static_cast<double>(decided) > 0.9 * static_cast<double>(total));
}

TEST_CASE("normal() equals the plain ziggurat (the exp test in every wedge) bit for bit over 4e6 draws",
          "[core][rng]") {
  // The reference below is Marsaglia & Tsang's algorithm on the same tables and the same stream, with
  // the wedge decided by exp alone: the squeeze may only save exp calls, never change a draw.
  auto reference = [](Rng& r, std::size_t& wedges) {
    std::uint64_t bits = r.next_u64();
    for (;;) {
      const unsigned i = static_cast<unsigned>(bits & 0xffU);
      const double x = static_cast<double>(bits >> 11) * 0x1.0p-53 * detail::kZigX[i];
      const std::uint64_t sign = (bits & 0x100U) << 55;
      auto signed_x = [&](double v) { return std::bit_cast<double>(std::bit_cast<std::uint64_t>(v) ^ sign); };
      if (x < detail::kZigX[i + 1]) return signed_x(x);
      if (i == 0) {
        const double rr = detail::kZigX[1];
        double a, b;
        do {
          a = -std::log(1.0 - r.uniform()) / rr;
          b = -std::log(1.0 - r.uniform());
        } while (b + b <= a * a);
        return signed_x(rr + a);
      }
      ++wedges;
      const double y = detail::kZigF[i] + r.uniform() * (detail::kZigF[i + 1] - detail::kZigF[i]);
      if (y < std::exp(-0.5 * x * x)) return signed_x(x);
      bits = r.next_u64();
    }
  };
  for (std::uint64_t seed : {3u, 77u}) {
    Rng a = make_stream(seed, 0, StreamPurpose::kAlgorithm, 0), b = a;
    std::size_t wedges = 0;
    for (int k = 0; k < 2'000'000; ++k) {
      const double got = a.normal(), want = reference(b, wedges);
      if (std::bit_cast<std::uint64_t>(got) != std::bit_cast<std::uint64_t>(want)) {
        INFO("seed " << seed << " draw " << k << ": " << got << " vs " << want);
        REQUIRE(false);
      }
    }
    REQUIRE(wedges > 10'000);  // ~1.1 % of draws reach a wedge
    REQUIRE(a.next_u64() == b.next_u64());
  }
}

TEST_CASE("RngLanes draws in lane k exactly what the k-th Rng draws", "[core][rng]") {
  // Four streams loaded into lanes and stepped together must give each Rng's own next_u64 / normal /
  // rademacher sequence, slow paths (wedges, tail; several times per lane over 4e5 normals) included,
  // and leave each stream's state where the scalar draws leave it.
  Rng a[4], b[4];
  for (int k = 0; k < 4; ++k)
    a[k] = b[k] = make_stream(31, 4, StreamPurpose::kProbe, static_cast<std::uint64_t>(k));
  Rng* lanes_of[4] = {&a[0], &a[1], &a[2], &a[3]};
  std::int64_t mismatches = 0, slow = 0;
  for (int it = 0; it < 100000; ++it) {
    sgdcheck::RngLanes lanes;
    lanes.load(lanes_of);
    sgdcheck::RngLanes::D z, r;
    sgdcheck::RngLanes::U u;
    lanes.normal(z);
    lanes.rademacher(r);
    lanes.next_u64(u);
    lanes.normal(z);  // a second normal after the other draws, from the advanced state
    lanes.store(lanes_of);
    for (int k = 0; k < 4; ++k) {
      b[k].normal();
      const double rk = b[k].rademacher();
      const std::uint64_t uk = b[k].next_u64();
      Rng peek = b[k];  // the word this normal starts from: does it miss the layer's rectangle?
      const std::uint64_t bits = peek.next_u64();
      const unsigned layer = static_cast<unsigned>(bits & 0xffU);
      if (!(static_cast<double>(bits >> 11) * 0x1.0p-53 * detail::kZigX[layer] < detail::kZigX[layer + 1]))
        ++slow;
      const double zk = b[k].normal();
      if (std::bit_cast<std::uint64_t>(zk) != std::bit_cast<std::uint64_t>(z[k]) || rk != r[k] || uk != u[k])
        ++mismatches;
    }
  }
  CHECK(slow > 1000);  // ~1.2 % of 4e5
  REQUIRE(mismatches == 0);
  for (int k = 0; k < 4; ++k) REQUIRE(a[k].next_u64() == b[k].next_u64());
}
