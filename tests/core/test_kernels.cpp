// core/kernels.hpp: the fixed summation order of dot() and the element-wise axpy(). The references
// are written out from the documented order, with values chosen so that every other order of the
// additions gives a different double.
#include <catch2/catch.hpp>
#include <bit>
#include <cstdint>
#include <vector>

#include "core/kernels.hpp"
#include "core/rng.hpp"

namespace kernels = sgdcheck::kernels;

namespace {
std::uint64_t bits(double v) { return std::bit_cast<std::uint64_t>(v); }
}  // namespace

TEST_CASE("kernels::dot: four partial sums (j mod 4), combined (s0 + s1) + (s2 + s3), then the tail", "[core][kernels]") {
  SECTION("an order-revealing case: sequential summation gives 1, the documented order 0") {
    // s0 = 1e16, s1 = 1, s2 = -1e16, s3 = 1: (1e16 + 1) + (-1e16 + 1) = 1e16 + -1e16 = 0 in doubles
    // (both +1 are lost to rounding), while ((1e16 + 1) - 1e16) + 1 = 1.
    const std::vector<double> a{1e16, 1.0, -1e16, 1.0}, x{1.0, 1.0, 1.0, 1.0};
    REQUIRE(kernels::dot(a.data(), x.data(), 4) == 0.0);
    // The tail is added after the block: 0 + 2^-60 keeps the tiny term.
    const std::vector<double> a5{1e16, 1.0, -1e16, 1.0, 0x1p-60}, x5{1.0, 1.0, 1.0, 1.0, 1.0};
    REQUIRE(kernels::dot(a5.data(), x5.data(), 5) == 0x1p-60);
  }
  SECTION("the partial sums start at the first products, not at +0: zero rows against negative x give -0") {
    // (+0) + (-0) = +0, so a sum started at +0 would end at +0 here; the kernels' sums end at -0.
    const std::vector<double> zero(6, 0.0), neg(6, -1.0);
    REQUIRE(bits(kernels::dot(zero.data(), neg.data(), 6)) == bits(-0.0));
    const double* rows[4] = {zero.data(), zero.data(), zero.data(), zero.data()};
    double got[4];
    kernels::dot4(rows, neg.data(), 6, got);
    for (double g : got) REQUIRE(bits(g) == bits(-0.0));
    // Below d = 4 there is no block: the tail is added to +0.
    REQUIRE(bits(kernels::dot(zero.data(), neg.data(), 3)) == bits(0.0));
  }
  SECTION("random lengths 0 … 40: the same bits as the order written out by hand") {
    sgdcheck::Rng rng(5);
    for (std::ptrdiff_t d = 0; d <= 40; ++d) {
      std::vector<double> a(static_cast<std::size_t>(d)), x(static_cast<std::size_t>(d));
      for (auto& v : a) v = rng.normal();
      for (auto& v : x) v = rng.normal() * 1e3;
      // Each partial sum starts at its first product (there is none below d = 4: the sum starts at +0).
      double s[4] = {0.0, 0.0, 0.0, 0.0};
      std::ptrdiff_t j = 0;
      if (d >= 4) {
        for (int l = 0; l < 4; ++l) s[l] = a[static_cast<std::size_t>(l)] * x[static_cast<std::size_t>(l)];
        j = 4;
      }
      for (; j + 4 <= d; j += 4)
        for (int l = 0; l < 4; ++l) s[l] += a[static_cast<std::size_t>(j + l)] * x[static_cast<std::size_t>(j + l)];
      double want = (s[0] + s[1]) + (s[2] + s[3]);
      for (; j < d; ++j) want += a[static_cast<std::size_t>(j)] * x[static_cast<std::size_t>(j)];
      INFO("d = " << d);
      REQUIRE(bits(kernels::dot(a.data(), x.data(), d)) == bits(want));
      // Unaligned operands (one double off) give the same value: the order does not depend on addresses.
      std::vector<double> a1(static_cast<std::size_t>(d) + 1), x1(static_cast<std::size_t>(d) + 1);
      std::copy(a.begin(), a.end(), a1.begin() + 1);
      std::copy(x.begin(), x.end(), x1.begin() + 1);
      REQUIRE(bits(kernels::dot(a1.data() + 1, x1.data() + 1, d)) == bits(want));
    }
  }
}

TEST_CASE("kernels::axpy: y_j += c * a_j element by element", "[core][kernels]") {
  const std::vector<double> a{1.0, -2.0, 0.5, 3.0, 1e300};
  std::vector<double> y{1.0, 1.0, 1.0, 1.0, -1e300};
  kernels::axpy(0.5, a.data(), y.data(), 5);
  REQUIRE(y == std::vector<double>{1.5, 0.0, 1.25, 2.5, -5e299});
  kernels::axpy(2.0, a.data(), y.data(), 0);  // d = 0 touches nothing
  REQUIRE(y[0] == 1.5);
}

TEST_CASE("kernels::axpy4: four axpy calls in row order, bit for bit, in one pass over y", "[core][kernels]") {
  SECTION("an order-revealing case: the products reach y_j in row order") {
    // ((1 + 1e16) + 1) − 1e16 = 0 in doubles (both 1s are lost to rounding), while row order 0, 2, 1
    // would give ((1 + 1e16) − 1e16) + 1 = 1.
    const std::vector<double> r0{1e16}, r1{1.0}, r2{-1e16}, r3{0.0};
    const double* rows[4] = {r0.data(), r1.data(), r2.data(), r3.data()};
    const double c[4] = {1.0, 1.0, 1.0, 1.0};
    std::vector<double> y{1.0};
    kernels::axpy4(c, rows, y.data(), 1);
    REQUIRE(y[0] == 0.0);
  }
  SECTION("random lengths 0 … 40 and coefficients: the same bits as four axpy calls") {
    sgdcheck::Rng rng(9);
    for (std::ptrdiff_t d = 0; d <= 40; ++d) {
      std::vector<std::vector<double>> a(4, std::vector<double>(static_cast<std::size_t>(d) + 1));
      for (auto& row : a)
        for (auto& v : row) v = rng.normal() * 1e4;
      std::vector<double> y(static_cast<std::size_t>(d) + 1);
      for (auto& v : y) v = rng.normal();
      const double c[4] = {rng.normal(), rng.normal() * 1e-3, rng.normal() * 1e3, rng.normal()};
      std::vector<double> want = y;
      for (int k = 0; k < 4; ++k) kernels::axpy(c[k], a[static_cast<std::size_t>(k)].data(), want.data(), d);
      // Rows one double off their allocation (unaligned) and y too: the result does not depend on addresses.
      const double* rows[4] = {a[0].data() + 1, a[1].data() + 1, a[2].data() + 1, a[3].data() + 1};
      std::vector<double> want1 = y;
      for (int k = 0; k < 4; ++k) kernels::axpy(c[k], rows[k], want1.data() + 1, d);
      const double* rows0[4] = {a[0].data(), a[1].data(), a[2].data(), a[3].data()};
      std::vector<double> got = y, got1 = y;
      kernels::axpy4(c, rows0, got.data(), d);
      kernels::axpy4(c, rows, got1.data() + 1, d);
      INFO("d = " << d);
      for (std::size_t j = 0; j <= static_cast<std::size_t>(d); ++j) {
        REQUIRE(bits(got[j]) == bits(want[j]));
        REQUIRE(bits(got1[j]) == bits(want1[j]));
      }
    }
  }
}

TEST_CASE("kernels::dot4: four dot() calls, bit for bit, with x read once", "[core][kernels]") {
  sgdcheck::Rng rng(13);
  for (std::ptrdiff_t d = 0; d <= 40; ++d) {
    std::vector<std::vector<double>> a(4, std::vector<double>(static_cast<std::size_t>(d) + 1));
    std::vector<double> x(static_cast<std::size_t>(d) + 1);
    for (auto& row : a)
      for (auto& v : row) v = rng.normal() * 1e8;  // wide range: a different order would show in the bits
    for (auto& v : x) v = rng.normal();
    for (int offset = 0; offset <= 1; ++offset) {  // aligned and one double off
      const double* rows[4] = {a[0].data() + offset, a[1].data() + offset, a[2].data() + offset, a[3].data() + offset};
      double got[4];
      kernels::dot4(rows, x.data() + offset, d, got);
      INFO("d = " << d << ", offset " << offset);
      for (int k = 0; k < 4; ++k) REQUIRE(bits(got[k]) == bits(kernels::dot(rows[k], x.data() + offset, d)));
    }
  }
  // The order-revealing rows of the dot() test, each in a different slot.
  const std::vector<double> r{1e16, 1.0, -1e16, 1.0, 0x1p-60}, ones(5, 1.0), zero(5, 0.0);
  const double* rows[4] = {zero.data(), r.data(), zero.data(), r.data()};
  double got[4];
  kernels::dot4(rows, ones.data(), 5, got);
  REQUIRE(got[1] == 0x1p-60);
  REQUIRE(got[3] == 0x1p-60);
  REQUIRE(got[0] == 0.0);
}

TEST_CASE("kernels::sub_scaled: x_j -= gamma * (r * a_j) element by element", "[core][kernels]") {
  sgdcheck::Rng rng(17);
  for (std::ptrdiff_t d = 0; d <= 40; ++d) {
    std::vector<double> a(static_cast<std::size_t>(d) + 1), x(static_cast<std::size_t>(d) + 1);
    for (auto& v : a) v = rng.normal() * 1e5;
    for (auto& v : x) v = rng.normal();
    const double gamma = 0.37, r = rng.normal() * 1e-3;
    for (int offset = 0; offset <= 1; ++offset) {
      std::vector<double> got = x, want = x;
      kernels::sub_scaled(gamma, r, a.data() + offset, got.data() + offset, d);
      for (std::ptrdiff_t j = 0; j < d; ++j)
        want[static_cast<std::size_t>(j + offset)] -= gamma * (r * a[static_cast<std::size_t>(j + offset)]);
      INFO("d = " << d << ", offset " << offset);
      for (std::size_t j = 0; j < got.size(); ++j) REQUIRE(bits(got[j]) == bits(want[j]));
    }
  }
}

#if defined(__x86_64__)
namespace {
// The four-wide kernels inlined into functions compiled for AVX2 (32-byte registers), as LeastSquares'
// AVX2 step phases inline them.
SGDCHECK_AVX2_TARGET double dot_avx2(const double* a, const double* x, std::ptrdiff_t d) {
  return kernels::dot<4>(a, x, d);
}
SGDCHECK_AVX2_TARGET void dot4_avx2(const double* const* a, const double* x, std::ptrdiff_t d, double* out) {
  kernels::dot4<4>(a, x, d, out);
}
SGDCHECK_AVX2_TARGET void axpy_avx2(double c, const double* a, double* y, std::ptrdiff_t d) {
  kernels::axpy<4>(c, a, y, d);
}
SGDCHECK_AVX2_TARGET void axpy4_avx2(const double* c, const double* const* a, double* y, std::ptrdiff_t d) {
  kernels::axpy4<4>(c, a, y, d);
}
SGDCHECK_AVX2_TARGET void sub_scaled_avx2(double g, double r, const double* a, double* x, std::ptrdiff_t d) {
  kernels::sub_scaled<4>(g, r, a, x, d);
}
}  // namespace

TEST_CASE("kernels: the four-wide AVX2 build of every kernel gives the bits of the baseline build",
          "[core][kernels]") {
  if (!kernels::cpu_has_avx2()) {
    WARN("this CPU has no AVX2: only the baseline kernels were tested");
    return;
  }
  sgdcheck::Rng rng(21);
  for (std::ptrdiff_t d = 0; d <= 40; ++d) {
    const auto n = static_cast<std::size_t>(d) + 1;
    std::vector<std::vector<double>> a(4, std::vector<double>(n));
    std::vector<double> x(n);
    for (auto& row : a)
      for (auto& v : row) v = rng.normal() * 1e8;
    for (auto& v : x) v = rng.normal();
    const double c[4] = {rng.normal(), rng.normal() * 1e-3, rng.normal() * 1e3, rng.normal()};
    for (int offset = 0; offset <= 1; ++offset) {
      INFO("d = " << d << ", offset " << offset);
      const double* rows[4] = {
          a[0].data() + offset, a[1].data() + offset, a[2].data() + offset, a[3].data() + offset};
      const double* xo = x.data() + offset;
      REQUIRE(bits(dot_avx2(rows[1], xo, d)) == bits(kernels::dot(rows[1], xo, d)));
      double got[4], want[4];
      dot4_avx2(rows, xo, d, got);
      kernels::dot4(rows, xo, d, want);
      for (int k = 0; k < 4; ++k) REQUIRE(bits(got[k]) == bits(want[k]));
      std::vector<double> y1 = x, y2 = x;
      axpy_avx2(c[2], rows[0], y1.data() + offset, d);
      kernels::axpy(c[2], rows[0], y2.data() + offset, d);
      axpy4_avx2(c, rows, y1.data() + offset, d);
      kernels::axpy4(c, rows, y2.data() + offset, d);
      sub_scaled_avx2(0.3, c[1], rows[3], y1.data() + offset, d);
      kernels::sub_scaled(0.3, c[1], rows[3], y2.data() + offset, d);
      for (std::size_t j = 0; j < n; ++j) REQUIRE(bits(y1[j]) == bits(y2[j]));
    }
  }
}
#endif
