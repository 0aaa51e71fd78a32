// General delayed / local SGD bounds (spec papers/general_bounds.md): golden values of §5 (6
// significant digits, computed independently by the spec's NumPy implementation), monotonicity of
// the exact step conditions and the bisection for the largest admissible step.
#include <catch2/catch.hpp>
#include <cmath>

#include "bounds/general_bounds.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace sgdcheck::bounds;

namespace {

/// Golden values are printed with 6 significant digits: half a unit in the last digit.
constexpr double kGolden = 6e-6;

DelayedSgdParams delayed(double L, double mu, double Lmax, double sigma2, double b, std::int64_t tau, double r0) {
  DelayedSgdParams p{.L = L, .mu = mu, .noise = convex_noise_from_smoothness(Lmax, sigma2, b), .tau = tau, .r0 = r0};
  p.gamma = delayed_convex_step_sufficient(L, p.noise.A, tau);
  return p;
}

LocalSgdParams local(double L, double mu, double Lmax, double sigma2, double b, std::int64_t P, std::int64_t H,
                     double r0) {
  LocalSgdParams p{.L = L, .mu = mu, .noise = convex_noise_from_smoothness(Lmax, sigma2, b), .P = P, .H = H, .r0 = r0};
  p.gamma = local_convex_step_sufficient(L, p.noise.A, H);
  return p;
}

}  // namespace

TEST_CASE("noise constants follow the two admissible choices of the convex noise inequality", "[bounds][general]") {
  const auto i = convex_noise_from_smoothness(4.0, 0.5, 2.0);
  REQUIRE(i.A == 4.0);   // 2 Lmax / b
  REQUIRE(i.C == 0.5);   // 2 sigma2 / b
  const auto ii = convex_noise_from_m(2.0, 3.0, 0.5, 2.0);
  REQUIRE(ii.A == 3.0);  // L M / b
  REQUIRE(ii.C == 0.25);
  const auto nm = nonconvex_noise(2.0, 1.0, 4.0);
  REQUIRE(nm.m == 0.5);
  REQUIRE(nm.s2 == 0.25);
}

TEST_CASE("delayed SGD strongly convex bound D1 matches the golden values", "[bounds][general]") {
  auto p = delayed(1.0, 0.1, 4.0, 0.5, 1, 0, 10.0);
  REQUIRE_THAT(p.gamma, WithinRel(1.0 / 90.0, 1e-15));
  REQUIRE_THAT(delayed_sc_dist2_bound(p, 100), WithinRel(9.47146, kGolden));
  p = delayed(1.0, 0.1, 4.0, 0.5, 4, 5, 10.0);
  REQUIRE_THAT(delayed_sc_dist2_bound(p, 1000), WithinRel(7.58188, kGolden));
  p = delayed(2.0, 0.01, 10.0, 1.0, 8, 16, 3.0);
  REQUIRE_THAT(p.gamma, WithinRel(0.00130719, 1e-5));
  REQUIRE_THAT(delayed_sc_dist2_bound(p, 5000), WithinRel(2.90600, kGolden));
  // M-form noise (ii).
  const DelayedSgdParams m{.L = 1.0, .mu = 0.1, .noise = convex_noise_from_m(1.0, 3.0, 0.5, 2.0), .tau = 3,
                           .gamma = 0.005, .r0 = 10.0};
  REQUIRE_THAT(delayed_sc_dist2_bound(m, 2000), WithinRel(6.07538, kGolden));
  // t = 0 is r0 exactly.
  REQUIRE(delayed_sc_dist2_bound(m, 0) == 10.0);
}

TEST_CASE("delayed SGD convex bound D2 matches the golden values", "[bounds][general]") {
  auto p = delayed(1.0, 0.0, 4.0, 0.5, 1, 0, 10.0);
  REQUIRE_THAT(delayed_convex_avg_subopt_bound(p, 100), WithinRel(18.0222, kGolden));
  p = delayed(1.0, 0.0, 4.0, 0.5, 4, 5, 10.0);
  REQUIRE_THAT(delayed_convex_avg_subopt_bound(p, 1000), WithinRel(3.60309, kGolden));
  p = delayed(2.0, 0.0, 10.0, 1.0, 8, 16, 3.0);
  REQUIRE_THAT(delayed_convex_avg_subopt_bound(p, 5000), WithinRel(0.918763, kGolden));
  REQUIRE_THROWS_AS(delayed_convex_avg_subopt_bound(p, 0), std::invalid_argument);
}

TEST_CASE("delayed SGD nonconvex bound D3 matches the golden values", "[bounds][general]") {
  auto nc = [](double L, double M, double s, double b, std::int64_t tau, double F0) {
    DelayedNonconvexParams p{.L = L, .noise = nonconvex_noise(M, s, b), .tau = tau, .F0 = F0};
    p.gamma = delayed_nonconvex_step_sufficient(L, p.noise.m, tau);
    return p;
  };
  auto p = nc(1.0, 0.0, 1.0, 1, 0, 5.0);
  REQUIRE(p.gamma == 0.5);
  REQUIRE_THAT(delayed_nonconvex_avg_grad2_bound(p, 100), WithinRel(0.700000, kGolden));
  p = nc(1.0, 2.0, 1.0, 4, 5, 5.0);
  REQUIRE_THAT(p.gamma, WithinRel(0.0555556, 1e-6));
  REQUIRE_THAT(delayed_nonconvex_avg_grad2_bound(p, 1000), WithinRel(0.201605, kGolden));
  p = nc(3.0, 10.0, 2.0, 2, 20, 1.0);
  REQUIRE_THAT(delayed_nonconvex_avg_grad2_bound(p, 10000), WithinRel(0.155798, kGolden));
}

TEST_CASE("local SGD strongly convex bound L1 matches the golden values", "[bounds][general]") {
  auto p = local(1.0, 0.1, 4.0, 0.5, 1, 1, 1, 10.0);
  REQUIRE_THAT(p.gamma, WithinRel(0.0138889, 1e-5));
  REQUIRE_THAT(local_sc_dist2_bound(p, 100), WithinRel(8.72043, kGolden));
  p = local(1.0, 0.1, 4.0, 0.5, 2, 4, 8, 10.0);
  REQUIRE(p.gamma == 0.003125);
  REQUIRE_THAT(local_sc_dist2_bound(p, 1000), WithinRel(7.31712, kGolden));
  p = local(2.0, 0.01, 10.0, 1.0, 8, 16, 32, 3.0);
  REQUIRE_THAT(local_sc_dist2_bound(p, 5000), WithinRel(2.87282, kGolden));
}

TEST_CASE("local SGD convex bound L2 matches the golden values", "[bounds][general]") {
  auto p = local(1.0, 0.0, 4.0, 0.5, 1, 1, 1, 10.0);
  REQUIRE_THAT(local_convex_avg_subopt_bound(p, 100), WithinRel(14.4278, kGolden));
  p = local(1.0, 0.0, 4.0, 0.5, 2, 4, 8, 10.0);
  REQUIRE_THAT(local_convex_avg_subopt_bound(p, 1000), WithinRel(6.40099, kGolden));
  p = local(2.0, 0.0, 10.0, 1.0, 8, 16, 32, 3.0);
  REQUIRE_THAT(local_convex_avg_subopt_bound(p, 5000), WithinRel(1.38251, kGolden));
}

TEST_CASE("local SGD nonconvex bound L3 matches the golden values", "[bounds][general]") {
  auto nc = [](double L, double M, double s, double b, std::int64_t P, std::int64_t H, double F0) {
    LocalNonconvexParams p{.L = L, .noise = nonconvex_noise(M, s, b), .P = P, .H = H, .F0 = F0};
    p.gamma = local_nonconvex_step_sufficient(L, p.noise.m, H);
    return p;
  };
  auto p = nc(1.0, 0.0, 1.0, 1, 1, 1, 5.0);
  REQUIRE(p.gamma == 0.25);
  REQUIRE_THAT(local_nonconvex_avg_grad2_bound(p, 100), WithinRel(1.30000, kGolden));
  p = nc(1.0, 2.0, 1.0, 4, 4, 8, 5.0);
  REQUIRE_THAT(p.gamma, WithinRel(0.0208333, 1e-5));
  REQUIRE_THAT(local_nonconvex_avg_grad2_bound(p, 1000), WithinRel(0.962700, kGolden));
  p = nc(3.0, 10.0, 2.0, 2, 16, 20, 1.0);
  REQUIRE_THAT(local_nonconvex_avg_grad2_bound(p, 10000), WithinRel(0.576261, kGolden));
}

TEST_CASE("largest admissible steps by bisection match the golden values", "[bounds][general]") {
  REQUIRE_THAT(delayed_convex_step_max(1.0, 0.1, 2.0 * 4.0 / 1.0, 5), WithinRel(0.0138889, kGolden));
  REQUIRE_THAT(delayed_nonconvex_step_max(1.0, 2.0 / 4.0, 5), WithinRel(0.121891, kGolden));
  REQUIRE_THAT(local_convex_step_max(1.0, 0.1, 2.0 * 4.0 / 2.0, 4, 8), WithinRel(0.0209742, kGolden));
  REQUIRE_THAT(local_nonconvex_step_max(1.0, 2.0 / 4.0, 4, 8), WithinRel(0.0343472, kGolden));
}

TEST_CASE("every exact step condition holds below the largest admissible step and fails above it",
          "[bounds][general]") {
  // Monotone in gamma: on a grid of 200 steps in (0, 3 gamma_max] the condition holds exactly up to
  // gamma_max, for several settings of each condition (including a binding S2 / L-S2 / N3).
  struct Case {
    const char* what;
    std::function<std::optional<std::string>(double)> violated;
    double gamma_max;
    double sufficient;
  };
  std::vector<Case> cases;
  for (std::int64_t tau : {0, 1, 4, 16, 64}) {
    for (double A : {0.0, 8.0}) {
      cases.push_back({"delayed convex", [=](double g) { return delayed_convex_step_violated(1.0, 0.1, A, tau, g); },
                       delayed_convex_step_max(1.0, 0.1, A, tau), delayed_convex_step_sufficient(1.0, A, tau)});
      cases.push_back({"delayed nonconvex", [=](double g) { return delayed_nonconvex_step_violated(2.0, A, tau, g); },
                       delayed_nonconvex_step_max(2.0, A, tau), delayed_nonconvex_step_sufficient(2.0, A, tau)});
    }
  }
  for (std::int64_t H : {1, 2, 8, 64}) {
    for (std::int64_t P : {1, 4}) {
      cases.push_back({"local convex", [=](double g) { return local_convex_step_violated(1.0, 0.1, 4.0, P, H, g); },
                       local_convex_step_max(1.0, 0.1, 4.0, P, H), local_convex_step_sufficient(1.0, 4.0, H)});
      cases.push_back({"local nonconvex", [=](double g) { return local_nonconvex_step_violated(1.0, 3.0, P, H, g); },
                       local_nonconvex_step_max(1.0, 3.0, P, H), local_nonconvex_step_sufficient(1.0, 3.0, H)});
    }
  }
  for (const auto& c : cases) {
    INFO(c.what << ": gamma_max " << c.gamma_max << ", sufficient " << c.sufficient);
    REQUIRE(c.gamma_max > 0.0);
    // The closed-form sufficient step meets the exact condition.
    REQUIRE(c.sufficient <= c.gamma_max);
    REQUIRE_FALSE(c.violated(c.sufficient));
    REQUIRE_FALSE(c.violated(c.gamma_max));
    REQUIRE(c.violated(c.gamma_max * (1.0 + 1e-9)));
    for (int k = 1; k <= 200; ++k) {
      const double g = 3.0 * c.gamma_max * k / 200.0;
      REQUIRE(static_cast<bool>(c.violated(g)) == (g > c.gamma_max));
    }
  }
}

TEST_CASE("a violated step condition names the condition and the largest admissible step", "[bounds][general]") {
  const auto why = delayed_convex_step_violated(1.0, 0.1, 8.0, 5, 0.5);
  REQUIRE(why);
  REQUIRE_THAT(*why, Catch::Matchers::Contains("S1") && Catch::Matchers::Contains("largest admissible 0.0138889"));
  DelayedSgdParams p{.L = 1.0, .mu = 0.1, .noise = {8.0, 1.0}, .tau = 5, .gamma = 0.5, .r0 = 1.0};
  REQUIRE_THROWS_AS(delayed_sc_dist2_bound(p, 10), HypothesisViolated);
  p.gamma = 0.01;
  p.mu = 0.0;
  REQUIRE(delayed_sc_violated(p));  // D1 needs mu > 0
  REQUIRE_FALSE(delayed_convex_violated(p));
  REQUIRE(local_nonconvex_step_violated(1.0, 0.0, 1, 1, 1.5));  // N1: L gamma > 1
}

TEST_CASE("H = 1 local SGD is mini-batch SGD with batch bP and tau = 0 delayed SGD is mini-batch SGD",
          "[bounds][general]") {
  // L2 with H = 1, P workers of batch b equals L2 with P = 1 and batch bP (C/P = 2 sigma2/(bP)).
  LocalSgdParams a{.L = 1.0, .mu = 0.0, .noise = convex_noise_from_smoothness(4.0, 0.5, 2.0), .P = 4, .H = 1,
                   .gamma = 0.01, .r0 = 3.0};
  LocalSgdParams c = a;
  c.P = 1;
  c.noise = convex_noise_from_smoothness(4.0, 0.5, 8.0);
  REQUIRE_THAT(local_convex_avg_subopt_bound(a, 500), WithinRel(local_convex_avg_subopt_bound(c, 500), 1e-14));
  // D2 at tau = 0 is 2 r0/(gamma T) + 2 gamma C.
  DelayedSgdParams d{.L = 1.0, .noise = {1.0, 0.5}, .tau = 0, .gamma = 0.02, .r0 = 3.0};
  REQUIRE_THAT(delayed_convex_avg_subopt_bound(d, 100), WithinRel(2.0 * 3.0 / 2.0 + 2.0 * 0.02 * 0.5, 1e-14));
}
