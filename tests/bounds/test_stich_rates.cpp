// Hand-computed reference values and limits of the Stich et al. rates R2, R5–R8 and guideline G.
#include <catch2/catch.hpp>
#include <cmath>

#include "bounds/isotropic_oracle.hpp"
#include "bounds/minibatch_sgd_bound.hpp"
#include "bounds/stich_rates.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace sgdcheck::bounds;

namespace {
// L = 4, μ = 1 (κ = 4), (M, σ²) = (9, 2), θ = 1/3, r0 = 1, ε = 0.01.
StichIterationsParams r2_params() {
  return {.L = 4.0, .mu = 1.0, .noise = {.M = 9.0, .sigma2 = 2.0}, .theta_b = 1.0 / 3.0, .r0 = 1.0, .eps = 0.01};
}
}  // namespace

TEST_CASE("iteration count R2 matches hand values in the noise and curvature regimes", "[bounds]") {
  StichIterationsParams p = r2_params();
  // max(2κ(1+θM), 2θσ²/(μ²ε)) = max(32, 133.33) = 133.33;  ln(2r0/ε) = ln 200;  ⌈706.44⌉ = 707.
  REQUIRE_THAT(stich_iterations_sc(p), WithinAbs(707.0, 0.0));
  // γ = min(1/32, εμ/(2θσ²) = 0.0075).
  REQUIRE_THAT(stich_iterations_sc_step(p), WithinRel(0.0075, 1e-14));
  // B_crit = M + σ²/(μLε) = 9 + 50.
  REQUIRE_THAT(stich_critical_batch(p), WithinRel(59.0, 1e-14));
  // σ = 0: ⌈32·ln 200⌉ = ⌈169.55⌉ = 170, γ = 1/32.
  p.noise.sigma2 = 0.0;
  REQUIRE_THAT(stich_iterations_sc(p), WithinAbs(170.0, 0.0));
  REQUIRE_THAT(stich_iterations_sc_step(p), WithinRel(1.0 / 32.0, 1e-15));
  // Target already met: 2r0 <= ε.
  p.eps = 2.0;
  REQUIRE_THAT(stich_iterations_sc(p), WithinAbs(0.0, 0.0));
  p.eps = 0.0;
  REQUIRE_THAT(*hypotheses_violated(p), Contains("eps"));
  REQUIRE_THROWS_AS(stich_iterations_sc(p), HypothesisViolated);
}

TEST_CASE("R1 at R2's step and iteration count reaches the target", "[bounds]") {
  for (const double sigma2 : {0.0, 2.0, 50.0}) {
    StichIterationsParams p = r2_params();
    p.noise.sigma2 = sigma2;
    const SgdStronglyConvexParams r1{.L = p.L, .mu = p.mu, .noise = p.noise, .theta_b = p.theta_b,
                                     .step = stich_iterations_sc_step(p), .r0 = p.r0};
    const auto T = static_cast<std::int64_t>(stich_iterations_sc(p));
    REQUIRE(sgd_strongly_convex_bound(r1, T) <= p.eps);
  }
}

TEST_CASE("batch speedup R5 is b(M+1)/(M+b) and saturates at M+1", "[bounds]") {
  // M = 15, b = 4: 4·16/19.
  REQUIRE_THAT(stich_batch_speedup({.M = 15.0, .theta_b = 0.25}), WithinRel(64.0 / 19.0, 1e-15));
  REQUIRE_THAT(stich_batch_speedup({.M = 15.0, .theta_b = 1.0}), WithinRel(1.0, 1e-15));
  REQUIRE_THAT(stich_batch_speedup({.M = 15.0, .theta_b = 0.0}), WithinRel(16.0, 1e-15));
  REQUIRE_THAT(stich_batch_speedup({.M = 0.0, .theta_b = 0.125}), WithinRel(1.0, 1e-15));
  REQUIRE_THAT(stich_batch_speedup({.M = 1e12, .theta_b = 1.0 / 8.0}), WithinRel(8.0, 1e-10));
  REQUIRE_THROWS_AS(stich_batch_speedup({.M = -1.0, .theta_b = 0.5}), HypothesisViolated);
}

TEST_CASE("delayed iteration counts R6 and R7 match hand values and are labelled unverified", "[bounds]") {
  // L = 10, μ = 1, (M, σ²) = (4, 1), τ = 5, r0 = 1, ε = 1e-3, c = ½:
  // R6: (M+τ+1)κ ln(r0/ε)/c + σ²/(με) = 10·10·ln(1000)/0.5 + 1000.
  const StichDelayIterationsParams r6{.L = 10.0, .mu = 1.0, .noise = {.M = 4.0, .sigma2 = 1.0}, .tau = 5,
                                      .r0 = 1.0, .eps = 1e-3, .c = 0.5};
  REQUIRE_THAT(stich_delay_iterations(r6), WithinRel(2381.551055796427, 1e-14));
  // R7 with θ = ½: (2+5+1)·10·ln(1000)/0.5 + 0.5/1e-3.
  StichDelayedIterationsParams r7{.L = 10.0, .mu = 1.0, .noise = {.M = 4.0, .sigma2 = 1.0}, .theta_b = 0.5,
                                  .tau = 5, .r0 = 1.0, .eps = 1e-3, .c = 0.5};
  REQUIRE_THAT(stich_delayed_iterations(r7), WithinRel(1605.240844637142, 1e-14));
  r7.theta_b = 1.0;
  REQUIRE_THAT(stich_delayed_iterations(r7), WithinRel(stich_delay_iterations(r6), 1e-15));
  r7.c = 1.5;
  REQUIRE_THAT(*hypotheses_violated(r7), Contains("0 < c <= 1"));
  REQUIRE_THROWS_AS(stich_delayed_iterations(r7), HypothesisViolated);
  r7.c = 1.0;
  r7.tau = -1;
  REQUIRE_THAT(*hypotheses_violated(r7), Contains("tau"));
  REQUIRE(StichDelayIterationsParams::info().label == Label::kUnverified);
  REQUIRE(StichDelayedIterationsParams::info().label == Label::kUnverified);
}

TEST_CASE("asynchronous speedup R8 is W(M+1)/(M+W) with the right limits", "[bounds]") {
  REQUIRE_THAT(stich_async_speedup({.M = 15.0, .workers = 4}), WithinRel(64.0 / 19.0, 1e-15));
  REQUIRE_THAT(stich_async_speedup({.M = 15.0, .workers = 1}), WithinRel(1.0, 1e-15));
  REQUIRE_THAT(stich_async_speedup({.M = 0.0, .workers = 64}), WithinRel(1.0, 1e-15));
  REQUIRE_THAT(stich_async_speedup({.M = 1e12, .workers = 64}), WithinRel(64.0, 1e-9));
  REQUIRE_THAT(*hypotheses_violated(StichAsyncSpeedupParams{.M = 1.0, .workers = 0}), Contains("workers"));
  REQUIRE(StichAsyncSpeedupParams::info().label == Label::kUnverified);
}

TEST_CASE("step guideline G is c/(L(θM+τ+1)) and equals O3's optimal step at τ = 0", "[bounds]") {
  // L = 2, M = 15, θ = ¼, τ = 3, c = 1: 1/(2·(3.75 + 4)) = 1/15.5.
  StichStepGuidelineParams g{.L = 2.0, .M = 15.0, .theta_b = 0.25, .tau = 3, .c = 1.0};
  REQUIRE_THAT(stich_step_guideline(g), WithinRel(1.0 / 15.5, 1e-15));
  g.c = 0.5;
  REQUIRE_THAT(stich_step_guideline(g), WithinRel(0.5 / 15.5, 1e-15));
  g.c = 1.0;
  g.tau = 0;
  REQUIRE_THAT(stich_step_guideline(g), WithinRel(isotropic_optimal_step({.L = 2.0, .M = 15.0, .theta_b = 0.25, .eps = 0.1}), 1e-15));
  g.c = 0.0;
  REQUIRE_THROWS_AS(stich_step_guideline(g), HypothesisViolated);
}
