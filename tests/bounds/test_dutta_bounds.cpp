// Dutta et al. 2018 error bounds and the NoisyQuadratic oracle against hand values and an
// independent iteration of the second-moment recursion.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "bounds/dutta_bounds.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace sgdcheck::bounds;

TEST_CASE("the NoisyQuadratic oracle equals an independent iteration of the moment recursion", "[bounds][dutta]") {
  const std::vector<double> lambda = even_spectrum(5, 0.5, 1.0);
  REQUIRE_THAT(lambda[1], WithinRel(0.625, 1e-15));
  const std::vector<double> e0(5, 10.0);
  const double eta = 0.2, sigma2 = 10.0;
  const std::int64_t K = 2, m = 3;
  // E e_{J+1}² = (1 − ηλ)² E e_J² + η² σ²/(d K m) per coordinate; error Σ λ/2 E e².
  std::vector<double> v(5, 100.0);
  for (int J = 0; J <= 60; ++J) {
    double err = 0.0;
    for (std::size_t i = 0; i < 5; ++i) err += 0.5 * lambda[i] * v[i];
    if (J == 0 || J == 7 || J == 60) REQUIRE_THAT(noisy_quadratic_error(lambda, e0, eta, sigma2, K, m, J), WithinRel(err, 1e-12));
    for (std::size_t i = 0; i < 5; ++i)
      v[i] = (1 - eta * lambda[i]) * (1 - eta * lambda[i]) * v[i] + eta * eta * sigma2 / (5.0 * K * m);
  }
  REQUIRE_THAT(noisy_quadratic_error(lambda, e0, eta, sigma2, K, m, 1e6), WithinRel(noisy_quadratic_floor(lambda, eta, sigma2, K, m), 1e-12));
  // E2's exact floor at K = 8: 0.068 (spec table, d = 20, η = 0.2, σ²/m = 10).
  REQUIRE_THAT(noisy_quadratic_floor(even_spectrum(20, 0.5, 1.0), 0.2, 10.0, 8, 1), WithinAbs(0.0676, 5e-4));
  REQUIRE_THAT(noisy_quadratic_floor(even_spectrum(20, 0.5, 1.0), 0.2, 10.0, 1, 1), WithinAbs(0.541, 5e-4));
  REQUIRE(std::isinf(noisy_quadratic_error(lambda, e0, 2.5, sigma2, K, m, 3)));  // ηλ_max = 2.5 > 2
}

TEST_CASE("the K-sync bound has the floor eta L sigma2/(2cKm) and a violated step is reported", "[bounds][dutta]") {
  DuttaScParams p{.L = 1.0, .c = 0.5, .sigma2 = 10.0, .M_G = 0.0, .K = 4, .m = 1, .eta = 0.2, .F0 = 750.0};
  REQUIRE_FALSE(ksync_hypotheses(p).has_value());
  REQUIRE_THAT(ksync_floor(p), WithinRel(0.2 * 10.0 / (2 * 0.5 * 4), 1e-15));
  REQUIRE_THAT(ksync_error_bound(p, 0), WithinRel(750.0, 1e-15));
  REQUIRE_THAT(ksync_error_bound(p, 10), WithinRel(0.5 + std::pow(0.9, 10) * 749.5, 1e-14));
  p.M_G = 4.0;  // η <= 1/(L(1 + 1)) = 0.5 still holds
  REQUIRE_FALSE(ksync_hypotheses(p).has_value());
  p.eta = 0.6;
  REQUIRE_THAT(*ksync_hypotheses(p), Contains("eta"));
  REQUIRE_THROWS_AS(ksync_error_bound(p, 1), HypothesisViolated);
  // Nonconvex: ηLσ²/(Km) + 2F0/(Jη).
  p.eta = 0.2;
  p.M_G = 0.0;
  REQUIRE_THAT(nonconvex_bound(p, 100), WithinRel(0.2 * 10.0 / 4 + 2 * 750.0 / 20.0, 1e-14));
}

TEST_CASE("time to eps inverts the error-vs-time plug-in", "[bounds][dutta]") {
  const double floor = 0.5, F0 = 750, ec = 0.1, ET = 1.3;
  const double t = time_to_epsilon(floor, F0, ec, ET, 2.0);
  REQUIRE_THAT(error_vs_time(floor, F0, ec, ET, t), WithinRel(2.0, 1e-12));
  REQUIRE(std::isinf(time_to_epsilon(floor, F0, ec, ET, 0.5)));
  REQUIRE(time_to_epsilon(floor, F0, ec, ET, 800) == 0.0);
}
