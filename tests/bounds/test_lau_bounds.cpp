// Unit properties of the derived adaptive-batch local SGD bounds (bounds/lau_bounds.hpp).
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "bounds/lau_bounds.hpp"

using namespace sgdcheck;
using namespace sgdcheck::bounds;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("alpha_max_nonconvex is 1/L for H = 1 and small eta", "[lau2024][bounds]") {
  REQUIRE_THAT(lau_alpha_max_nonconvex(2.0, 0.5, 4, 1), WithinRel(0.5, 1e-15));
  // P/(4 L eta^2) binds for large eta: 4/(4*2*4) = 0.125.
  REQUIRE_THAT(lau_alpha_max_nonconvex(2.0, 2.0, 4, 1), WithinRel(0.125, 1e-15));
  // The drift term 1/(5 L (H-1) sqrt(1+2 eta^2)) binds for large H.
  REQUIRE_THAT(lau_alpha_max_nonconvex(1.0, 0.5, 4, 16),
               WithinRel(1.0 / (5.0 * 15.0 * std::sqrt(1.5)), 1e-15));
}

TEST_CASE("alpha_max shrinks like 1/(H-1) and the rounds to eps flatten in H", "[lau2024][bounds]") {
  const double L = 1.0, eta = 0.5, Delta = 10.0, eps = 1e-3;
  double prev = 1e300;
  for (std::int64_t H = 2; H <= 64; H *= 2) {
    const double a = lau_alpha_max_nonconvex(L, eta, 4, H);
    REQUIRE(a < prev);
    prev = a;
  }
  const double k64 = lau_rounds_to_eps_nonconvex(Delta, lau_alpha_max_nonconvex(L, eta, 4, 64), 64, eps);
  const double k128 = lau_rounds_to_eps_nonconvex(Delta, lau_alpha_max_nonconvex(L, eta, 4, 128), 128, eps);
  const double lim = lau_rounds_to_eps_nonconvex_limit(L, eta, Delta, eps);
  // 8Δ·5L(H−1)√(1+2η²)/(Hε) → 40L√(1+2η²)Δ/ε from below.
  REQUIRE(k64 <= lim + 1);
  REQUIRE(k128 <= lim + 1);
  REQUIRE_THAT(k128, WithinRel(lim, 0.01));
}

TEST_CASE("The nonconvex bound reaches eps after rounds_to_eps rounds and not one round earlier",
          "[lau2024][bounds]") {
  const double Delta = 3.0, alpha = 0.01, eps = 0.02;
  const std::int64_t H = 4;
  const auto K = static_cast<std::int64_t>(lau_rounds_to_eps_nonconvex(Delta, alpha, H, eps));
  REQUIRE(lau_bound_nonconvex(Delta, alpha, K, H) <= eps);
  REQUIRE(lau_bound_nonconvex(Delta, alpha, K - 1, H) > eps);
  REQUIRE_THAT(lau_bound_nonconvex(Delta, alpha, 10, 5), WithinRel(8.0 * 3.0 / (0.01 * 50.0), 1e-15));
}

TEST_CASE("The PL round factor lies in (1/2, 1) and decreases in alpha mu H", "[lau2024][bounds]") {
  REQUIRE_THAT(lau_pl_round_factor(0.0, 1.0, 4), WithinRel(1.0, 1e-15));
  double prev = 1.0;
  for (double a : {0.01, 0.1, 1.0, 10.0, 1e6}) {
    const double r = lau_pl_round_factor(a, 0.5, 4);
    REQUIRE(r < prev);
    REQUIRE(r > 0.5);
    prev = r;
  }
  // q = 1: 2/3.
  REQUIRE_THAT(lau_pl_round_factor(1.0, 1.0, 4), WithinRel(2.0 / 3.0, 1e-15));
}

TEST_CASE("alpha_max_convex and bound_convex follow their closed forms", "[lau2024][bounds]") {
  REQUIRE_THAT(lau_alpha_max_convex(1.0, 1.0, 1, 1), WithinRel(1.0 / 8.0, 1e-15));
  REQUIRE_THAT(lau_alpha_max_convex(1.0, 0.0, 4, 1), WithinRel(0.25, 1e-15));
  REQUIRE(lau_alpha_max_convex(1.0, 0.5, 4, 8) < lau_alpha_max_convex(1.0, 0.5, 4, 2));
  REQUIRE_THAT(lau_bound_convex(3.0, 0.1, 10, 2), WithinRel(2.0 * 9.0 / 2.0, 1e-15));
}

TEST_CASE("lsq_sigma2 matches a Monte Carlo estimate of the gradient covariance trace", "[lau2024][bounds]") {
  // a ~ N(0, diag(h)), y = a^T x* + s N(0,1); gradient at x: a (a^T e - eps), e = x - x*.
  Vec h(3), e(3);
  h << 0.2, 0.6, 1.0;
  e << 1.0, -2.0, 0.5;
  const double s = 0.7;
  const Vec grad = h.cwiseProduct(e);
  std::mt19937_64 gen(42);
  std::normal_distribution<double> n01(0.0, 1.0);
  const int R = 200000;
  double sum = 0.0, sum2 = 0.0;
  for (int r = 0; r < R; ++r) {
    Vec a = Vec::Zero(3);
    for (Index j = 0; j < 3; ++j) a(j) = std::sqrt(h(j)) * n01(gen);
    const Vec g = a * (a.dot(e) - s * n01(gen));
    const double v = (g - grad).squaredNorm();
    sum += v;
    sum2 += v * v;
  }
  const double mean = sum / R;
  const double se = std::sqrt((sum2 / R - mean * mean) / R);
  const double exact = lau_lsq_sigma2(e, Mat(h.asDiagonal()), s);
  REQUIRE_THAT(mean, WithinAbs(exact, 4.0 * se));
  REQUIRE_THAT(lau_lsq_sigma2_diag(e, h, s, 3.0), WithinRel(exact, 1e-14));
  // Isotropic form: Σ = λI.
  const Vec e5 = Vec::Constant(5, 3.0);
  REQUIRE_THAT(lau_lsq_sigma2_iso(5, 0.5, e5.squaredNorm(), 1.0),
               WithinRel(lau_lsq_sigma2(e5, 0.5 * Mat::Identity(5, 5), 1.0), 1e-14));
}

TEST_CASE("oracle_batch is ceil((d+1 + d s^2/|e|^2)/eta^2) for identity covariance", "[lau2024][bounds]") {
  const int d = 5;
  const double s = 1.0, eta = 0.5;
  const Vec e = Vec::Constant(d, 3.0);
  const double sigma2 = lau_lsq_sigma2(e, Mat::Identity(d, d), s);
  const double b = lau_oracle_batch(sigma2, e.squaredNorm(), eta);
  REQUIRE(b == std::ceil((d + 1 + d * s * s / e.squaredNorm()) / (eta * eta)));
  REQUIRE(lau_oracle_batch(1.0, 0.0, 0.5) == std::numeric_limits<double>::infinity());
}
