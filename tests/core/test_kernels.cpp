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
  SECTION("random lengths 0 … 40: the same bits as the order written out by hand") {
    sgdcheck::Rng rng(5);
    for (std::ptrdiff_t d = 0; d <= 40; ++d) {
      std::vector<double> a(static_cast<std::size_t>(d)), x(static_cast<std::size_t>(d));
      for (auto& v : a) v = rng.normal();
      for (auto& v : x) v = rng.normal() * 1e3;
      double s[4] = {0.0, 0.0, 0.0, 0.0};
      std::ptrdiff_t j = 0;
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
