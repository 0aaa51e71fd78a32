// Golden values and unit properties of the Regatti et al. (2019) stability bounds (spec §4): every
// reference value is computed by hand from the closed forms (or, for the recursions, by an
// independent forward loop below), never copied from the program's output.
#include <catch2/catch.hpp>

#include <cmath>

#include "bounds/regatti_bounds.hpp"

using namespace sgdcheck::bounds;
using namespace sgdcheck::bounds::regatti;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
StepFn constant(double a) {
  return [a](std::int64_t) { return a; };
}
StabilitySetting setting(double L, double beta, double n, double tau = 0) {
  StabilitySetting s;
  s.L = L;
  s.beta = beta;
  s.n = n;
  s.tau = tau;
  return s;
}
}  // namespace

TEST_CASE("d2_delay reproduces the golden values at tau 0, tau 4 and at the cap for tau 16") {
  // 4αLT/n + 2αL√((2τ+1)T/n) with L = 1, n = 100, T = 3000: 60 + √30 and 60 + √270.
  StabilitySetting s = setting(1, 0.5, 100, 0);  // beta small enough that alpha = 0.5 is below the cap
  s.beta = 1.0 / 9.0 * 0.999;                    // cap at tau = 4: 2/(9 beta) > 2 > 0.5
  REQUIRE_THAT(d2_delay(s, 0.5, 3000).eps, WithinAbs(60 + std::sqrt(30.0), 1e-9));
  REQUIRE_THAT(d2_delay(s, 0.5, 3000).eps, WithinAbs(65.477, 5e-4));
  s.tau = 4;
  REQUIRE_THAT(d2_delay(s, 0.5, 3000).eps, WithinAbs(76.432, 5e-4));
  StabilitySetting c = setting(1, 0.25, 100, 16);
  REQUIRE_THAT(d2_cap(0.25, 16), WithinAbs(0.24242, 5e-6));
  const StabilityBound at_cap = d2_delay(c, d2_cap(0.25, 16), 3000);
  REQUIRE(at_cap.admissible());
  REQUIRE_THAT(at_cap.eps, WithinAbs(44.346, 5e-4));
  REQUIRE(at_cap.label == Label::kDerived);
}

TEST_CASE("d2_delay at the cap equals its closed form and strictly decreases in tau") {
  const double L = 1.3, beta = 0.7, n = 250, T = 4000;
  double previous = INFINITY;
  for (int tau : {0, 1, 2, 4, 8, 16, 32, 64}) {
    const StabilitySetting s = setting(L, beta, n, tau);
    const double v = d2_delay(s, d2_cap(beta, tau), static_cast<std::int64_t>(T)).dist * L;
    const double closed = 8 * L * L * T / ((2 * tau + 1) * beta * n) + 4 * L * L / beta * std::sqrt(T / ((2 * tau + 1) * n));
    REQUIRE_THAT(v, WithinRel(closed, 1e-12));
    REQUIRE(v < previous);
    previous = v;
  }
}

TEST_CASE("d2_delay at a fixed step increases in tau and is looser than hrs_cvx at tau 0") {
  const double alpha = 0.01;
  double previous = 0;
  for (int tau : {0, 1, 4, 16}) {
    const double v = d2_delay(setting(1, 1, 100, tau), alpha, 3000).eps;
    REQUIRE(v > previous);
    previous = v;
  }
  // First term 4αLT/n = 2× hrs_cvx's 2αLT/n.
  const StabilitySetting s = setting(1, 1, 100, 0);
  REQUIRE(d2_delay(s, alpha, 3000).dist > 2 * hrs_cvx(s, constant(alpha), 3000).dist * (1 - 1e-12));
  // 1/n and 1/sqrt(n) terms: quadrupling n divides the first by 4 and the second by 2.
  const double a1 = d2_delay(setting(1, 1, 100), alpha, 3000).dist, a4 = d2_delay(setting(1, 1, 400), alpha, 3000).dist;
  const double first = 4 * alpha * 3000 / 100.0, second = 2 * alpha * std::sqrt(3000 / 100.0);
  REQUIRE_THAT(a4, WithinRel(first / 4 + second / 2, 1e-12));
  REQUIRE_THAT(a1, WithinRel(first + second, 1e-12));
}

TEST_CASE("d2_delay refuses a step above the cap, a projected run and a nonconvex loss") {
  StabilitySetting s = setting(1, 0.25, 100, 16);
  REQUIRE_FALSE(d2_delay(s, 0.25, 3000).admissible());
  s.projected = true;
  REQUIRE_FALSE(d2_delay(s, 0.1, 3000).admissible());
  s.projected = false;
  s.convex = false;
  REQUIRE_FALSE(d2_delay(s, 0.1, 3000).admissible());
}

TEST_CASE("hrs_cvx is 30 at alpha 0.5, L 1, n 100, T 3000 and is only a synchronous reference for tau > 0") {
  const StabilitySetting s = setting(1, 0.25, 100);
  const StabilityBound b = hrs_cvx(s, constant(0.5), 3000);
  REQUIRE_THAT(b.dist, WithinAbs(30.0, 1e-9));
  REQUIRE_THAT(b.eps, WithinAbs(30.0, 1e-9));
  REQUIRE(b.label == Label::kLiterature);
  REQUIRE_FALSE(hrs_cvx(setting(1, 0.25, 100, 1), constant(0.5), 3000).admissible());
  REQUIRE_FALSE(hrs_cvx(setting(1, 0.25, 100), constant(8.5), 10).admissible());  // alpha > 2/beta = 8
}

TEST_CASE("hrs_nc is 0.21849 and nc_numeric 0.2002 at n 500, T 3000, L 1, beta 1/4, c 2") {
  StabilitySetting s = setting(1, 0.25, 500);
  s.sup_f = 1;
  s.convex = false;
  const StabilityBound h = hrs_nc(s, 2, 3000);
  REQUIRE_THAT(h.eps, WithinAbs(0.21849, 5e-6));
  REQUIRE(h.label == Label::kLiterature);
  const StepFn c_over_t = [](std::int64_t t) { return 2.0 / static_cast<double>(t + 1); };
  const StabilityBound num = nc_numeric(s, c_over_t, 3000);
  REQUIRE_THAT(num.eps, WithinAbs(0.2002, 5e-5));
  REQUIRE(num.eps <= h.eps);
  // Independent O(T^2) forward evaluation of the t0 minimum at a smaller T.
  const std::int64_t T = 300;
  double best = INFINITY;
  for (std::int64_t t0 = 0; t0 <= T; ++t0) {
    double d = 0;
    for (std::int64_t t = t0; t < T; ++t) {
      const double a = 2.0 / static_cast<double>(t + 1);
      d = (1 + (1 - 1.0 / 500) * a * 0.25) * d + 2 * a / 500;
    }
    best = std::min(best, static_cast<double>(t0) / 500 + d);
  }
  REQUIRE_THAT(nc_numeric(s, c_over_t, T).eps, WithinRel(best, 1e-12));
  // d1_nc_delay admits delays and takes the smaller of the two.
  s.tau = 8;
  REQUIRE_FALSE(hrs_nc(s, 2, 3000).admissible());
  const StabilityBound d = d1_nc_delay(s, 2, c_over_t, 3000);
  REQUIRE(d.admissible());
  REQUIRE_THAT(d.eps, WithinRel(num.eps, 1e-12));
  REQUIRE(d.label == Label::kDerived);
}

TEST_CASE("hrs_nc is vacuous when its optimal t0 exceeds n and the bound passes sup f") {
  StabilitySetting s = setting(1, 0.25, 20);
  s.sup_f = 1;
  s.convex = false;
  const StabilityBound h = hrs_nc(s, 2, 300000);
  REQUIRE(h.admissible());
  REQUIRE(h.eps > 1);
  REQUIRE(h.vacuous);
  s.sup_f = 2;  // a loss beyond [0, 1]: the HRS form does not apply
  REQUIRE_FALSE(hrs_nc(s, 2, 3000).admissible());
}

TEST_CASE("hrs_sc has dist 0.4 and eps 0.8 in the limit at L 2, gamma 0.1, n 100") {
  StabilitySetting s = setting(2, 1, 100);
  s.gamma = 0.1;
  const StabilityBound b = hrs_sc(s, 0.5, 100000);
  REQUIRE_THAT(b.dist, WithinAbs(0.4, 1e-12));
  REQUIRE_THAT(b.eps, WithinAbs(0.8, 1e-12));
  // Finite T: 0.4 (1 - 0.95^10).
  REQUIRE_THAT(hrs_sc(s, 0.5, 10).dist, WithinRel(0.4 * (1 - std::pow(0.95, 10)), 1e-12));
  REQUIRE_FALSE(hrs_sc(s, 1.5, 10).admissible());  // alpha > 1/beta
  s.tau = 2;
  REQUIRE_FALSE(hrs_sc(s, 0.5, 10).admissible());
}

TEST_CASE("d1_delay's recursion 0.19357 lies below its closed form 0.19497") {
  const StabilitySetting s = setting(1, 0.25, 100, 32);
  const StabilityBound b = d1_delay(s, constant(0.1), 50);
  REQUIRE_THAT(b.dist, WithinAbs(0.19357, 5e-6));
  REQUIRE_THAT(d1_delay_closed(s, 0.1, 50), WithinAbs(0.19497, 5e-6));
  REQUIRE(b.dist <= d1_delay_closed(s, 0.1, 50));
  REQUIRE(b.admissible());  // tau-free: any data-independent delays
}

TEST_CASE("a bound is vacuous when eps reaches sup f or is not finite") {
  StabilitySetting s = setting(1, 1, 10);
  s.sup_f = 0.5;
  REQUIRE(hrs_cvx(s, constant(0.5), 100).vacuous);  // eps = 10
  REQUIRE_FALSE(hrs_cvx(s, constant(0.5), 1).vacuous);  // eps = 0.1
  s.sup_f = INFINITY;
  REQUIRE(d1_delay(s, constant(1.0), 100000).vacuous);  // overflows to inf
}
