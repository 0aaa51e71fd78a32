// Hand-computed reference values, limits and hypothesis boundaries of the SGD bounds R1, R1′, R3, R4.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "bounds/minibatch_sgd_bound.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace sgdcheck::bounds;

namespace {
// L = 2, μ = ½, (M, σ²) = (3, 4), θ_b = ¼ (b = 4), r0 = 10, γ = 0.1.
// Step limit 1/(2L(1+θM)) = 1/(4·1.75) = 1/7.  1 − γμ = 0.95;  noise floor γθσ²/μ = 0.1·0.25·4/0.5 = 0.2.
SgdStronglyConvexParams r1_params() {
  return {.L = 2.0, .mu = 0.5, .noise = {.M = 3.0, .sigma2 = 4.0}, .theta_b = 0.25, .step = 0.1, .r0 = 10.0};
}
}  // namespace

TEST_CASE("strongly convex bound R1 matches hand-computed values", "[bounds]") {
  const SgdStronglyConvexParams p = r1_params();
  REQUIRE_FALSE(hypotheses_violated(p));
  REQUIRE_THAT(sgd_strongly_convex_bound(p, 0), WithinRel(10.2, 1e-14));  // r0 + 0.2
  REQUIRE_THAT(sgd_strongly_convex_bound(p, 1), WithinRel(9.7, 1e-14));   // 0.95·10 + 0.2
  // 0.95^10 = 0.5987369392383787  ⇒  5.987369392383787 + 0.2
  REQUIRE_THAT(sgd_strongly_convex_bound(p, 10), WithinRel(6.187369392383787, 1e-14));
  const std::vector<std::int64_t> ts{0, 1, 10};
  const std::vector<double> v = sgd_strongly_convex_bound(p, ts);
  REQUIRE(v.size() == 3);
  REQUIRE_THAT(v[2], WithinRel(6.187369392383787, 1e-14));
}

TEST_CASE("strongly convex bound R1 tends to its noise floor and loses it for a full batch", "[bounds]") {
  SgdStronglyConvexParams p = r1_params();
  REQUIRE_THAT(sgd_strongly_convex_bound(p, 100000), WithinAbs(0.2, 1e-12));
  p.theta_b = 0.0;  // b = n without replacement: gradient descent
  REQUIRE_THAT(sgd_strongly_convex_bound(p, 100000), WithinAbs(0.0, 1e-12));
  p.noise.sigma2 = 0.0;
  p.theta_b = 0.25;
  REQUIRE_THAT(sgd_strongly_convex_bound(p, 3), WithinRel(10.0 * 0.95 * 0.95 * 0.95, 1e-14));
}

TEST_CASE("strongly convex bound R1 rejects a step just above 1/(2L(1+θM)) and throws", "[bounds]") {
  SgdStronglyConvexParams p = r1_params();
  p.step = 1.0 / 7.0;
  REQUIRE_FALSE(hypotheses_violated(p));
  p.step = (1.0 / 7.0) * (1.0 + 1e-12);
  const auto why = hypotheses_violated(p);
  REQUIRE(why);
  REQUIRE_THAT(*why, Contains("1/(2L(1+θM))") && Contains("0.142857"));
  REQUIRE_THROWS_AS(sgd_strongly_convex_bound(p, 1), HypothesisViolated);
  // The limit scales with θ_b: at θ_b = 1 it is 1/(2·2·4) = 1/16.
  p = r1_params();
  p.theta_b = 1.0;
  p.step = 1.0 / 16.0;
  REQUIRE_FALSE(hypotheses_violated(p));
  p.step = 0.0626;
  REQUIRE(hypotheses_violated(p));
}

TEST_CASE("strongly convex bound R1 names the first failed hypothesis", "[bounds]") {
  SgdStronglyConvexParams p = r1_params();
  p.mu = 3.0;
  REQUIRE_THAT(*hypotheses_violated(p), Contains("mu = 3 > L = 2"));
  p = r1_params();
  p.theta_b = 1.5;
  REQUIRE_THAT(*hypotheses_violated(p), Contains("theta_b"));
  p = r1_params();
  p.noise.sigma2 = -1.0;
  REQUIRE_THAT(*hypotheses_violated(p), Contains("noise.sigma2"));
  SgdStronglyConvexParams unset;
  REQUIRE_THAT(*hypotheses_violated(unset), Contains("L = nan"));
  REQUIRE_THROWS_AS(sgd_strongly_convex_bound(unset, 0), HypothesisViolated);
  REQUIRE(SgdStronglyConvexParams::info().label == Label::kDerived);
  REQUIRE(SgdStronglyConvexParams::info().guarantee == Guarantee::kUpper);
}

TEST_CASE("realizable least-squares bound R1′ matches hand values and needs σ² = 0", "[bounds]") {
  // L = 1, μ = ¼, M_curv = 7, θ = ½: limit 1/(L(1+θM)) = 1/4.5 = 2/9.  γ = 0.2: 1 − γμ = 0.95.
  SgdRealizableLsqParams p{.L = 1.0, .mu = 0.25, .noise = {.M = 7.0, .sigma2 = 0.0, .form = NoiseModel::kFunctionValue},
                           .theta_b = 0.5, .step = 0.2, .r0 = 4.0};
  REQUIRE_THAT(sgd_realizable_lsq_bound(p, 0), WithinRel(4.0, 1e-15));
  REQUIRE_THAT(sgd_realizable_lsq_bound(p, 2), WithinRel(3.61, 1e-14));  // 0.9025·4
  REQUIRE_THAT(sgd_realizable_lsq_bound(p, 2000), WithinAbs(0.0, 1e-40));
  p.step = 2.0 / 9.0;
  REQUIRE_FALSE(hypotheses_violated(p));
  p.step = (2.0 / 9.0) * (1.0 + 1e-12);
  REQUIRE_THAT(*hypotheses_violated(p), Contains("1/(L(1+θM))"));
  REQUIRE_THROWS_AS(sgd_realizable_lsq_bound(p, 1), HypothesisViolated);
  p.step = 0.2;
  p.noise.sigma2 = 1e-3;
  REQUIRE_THAT(*hypotheses_violated(p), Contains("σ² = 0"));
}

TEST_CASE("convex bound R3 at a given step matches hand values and its T → ∞ limit", "[bounds]") {
  // L = 1, (M, σ²) = (1, 2), θ = ½, r0 = 3, γ = ¼ (limit 1/(2·1.5) = 1/3).
  // r0/(γT) + γθσ² = 12/T + 0.25.
  SgdConvexParams p{.L = 1.0, .noise = {.M = 1.0, .sigma2 = 2.0}, .theta_b = 0.5, .step = 0.25, .r0 = 3.0};
  REQUIRE_THAT(sgd_convex_bound(p, 10), WithinRel(1.45, 1e-14));
  REQUIRE_THAT(sgd_convex_bound(p, 100), WithinRel(0.37, 1e-14));
  REQUIRE_THAT(sgd_convex_bound(p, 1000000000), WithinRel(0.25, 1e-7));
  REQUIRE_THROWS_AS(sgd_convex_bound(p, 0), std::invalid_argument);
  p.step = 1.0 / 3.0;
  REQUIRE_FALSE(hypotheses_violated(p));
  p.step = (1.0 / 3.0) * (1.0 + 1e-12);
  REQUIRE_THAT(*hypotheses_violated(p), Contains("1/(2L(1+θM))"));
  REQUIRE_THROWS_AS(sgd_convex_bound(p, 10), HypothesisViolated);
}

TEST_CASE("tuned convex bound R3 matches the spec formula and dominates the given-step bound", "[bounds]") {
  // T = 100: √(r0/(θσ²T)) = √0.03 = 0.1732 < 1/3;  2L(1+θM)r0/T + 2√(r0θσ²/T) = 0.09 + 2√0.03.
  SgdConvexTunedParams p{.L = 1.0, .noise = {.M = 1.0, .sigma2 = 2.0}, .theta_b = 0.5, .r0 = 3.0, .T = 100};
  REQUIRE_THAT(sgd_convex_tuned_step(p), WithinRel(std::sqrt(0.03), 1e-14));
  REQUIRE_THAT(sgd_convex_tuned_bound(p), WithinRel(0.43641016151377543, 1e-14));
  const SgdConvexParams at_step{.L = 1.0, .noise = p.noise, .theta_b = 0.5, .step = sgd_convex_tuned_step(p), .r0 = 3.0};
  REQUIRE(sgd_convex_bound(at_step, p.T) <= sgd_convex_tuned_bound(p));
  // T = 1: the noise step √3 exceeds 1/3, so γ = 1/3;  2·1.5·3 + 2√3.
  p.T = 1;
  REQUIRE_THAT(sgd_convex_tuned_step(p), WithinRel(1.0 / 3.0, 1e-15));
  REQUIRE_THAT(sgd_convex_tuned_bound(p), WithinRel(12.464101615137753, 1e-14));
  // σ = 0: the deterministic rate 2L(1+θM)r0/T.
  p.noise.sigma2 = 0.0;
  p.T = 50;
  REQUIRE_THAT(sgd_convex_tuned_bound(p), WithinRel(2.0 * 1.5 * 3.0 / 50.0, 1e-14));
  REQUIRE_THAT(sgd_convex_tuned_step(p), WithinRel(1.0 / 3.0, 1e-15));
  p.T = 0;
  REQUIRE_THAT(*hypotheses_violated(p), Contains("T >= 1"));
  REQUIRE_THROWS_AS(sgd_convex_tuned_bound(p), HypothesisViolated);
}

TEST_CASE("non-convex bound R4 matches hand values and needs the gradient-norm form", "[bounds]") {
  // L = 2, (M, σ²) = (1, 1), θ = ½, F0 = 5, γ = 0.2 (limit 1/(2·1.5) = 1/3), T = 50:
  // 2F0/(γT) + γLθσ² = 10/10 + 0.2 = 1.2.
  SgdNonconvexParams p{.L = 2.0, .noise = {.M = 1.0, .sigma2 = 1.0}, .theta_b = 0.5, .step = 0.2, .F0 = 5.0};
  REQUIRE_THAT(sgd_nonconvex_bound(p, 50), WithinRel(1.2, 1e-14));
  REQUIRE_THAT(sgd_nonconvex_bound(p, 5), WithinRel(10.2, 1e-14));  // 10/1 + 0.2
  p.step = 1.0 / 3.0;
  REQUIRE_FALSE(hypotheses_violated(p));
  p.step = (1.0 / 3.0) * (1.0 + 1e-12);
  REQUIRE_THAT(*hypotheses_violated(p), Contains("1/(L(1+θM))"));
  p.step = 0.2;
  p.noise.form = NoiseModel::kFunctionValue;
  REQUIRE_THAT(*hypotheses_violated(p), Contains("gradient-norm"));
  REQUIRE_THROWS_AS(sgd_nonconvex_bound(p, 50), HypothesisViolated);
}

TEST_CASE("tuned non-convex bound R4 matches the spec formula in both step regimes", "[bounds]") {
  // T = 50: √(2F0/(Lθσ²T)) = √0.2 > 1/3 ⇒ γ = 1/3;  2·2·1.5·5/50 + 2√(2·2·5·0.5/50) = 0.6 + 2√0.2.
  SgdNonconvexTunedParams p{.L = 2.0, .noise = {.M = 1.0, .sigma2 = 1.0}, .theta_b = 0.5, .F0 = 5.0, .T = 50};
  REQUIRE_THAT(sgd_nonconvex_tuned_step(p), WithinRel(1.0 / 3.0, 1e-15));
  REQUIRE_THAT(sgd_nonconvex_tuned_bound(p), WithinRel(1.4944271909999158, 1e-14));
  // T = 5000: γ = √(10/5000) = 0.04472;  30/5000 + 2√(2·2·5·0.5/5000) = 0.006 + 2√0.002.
  p.T = 5000;
  REQUIRE_THAT(sgd_nonconvex_tuned_step(p), WithinRel(0.044721359549995794, 1e-14));
  REQUIRE_THAT(sgd_nonconvex_tuned_bound(p), WithinRel(0.09544271909999159, 1e-14));
  const SgdNonconvexParams at_step{.L = 2.0, .noise = p.noise, .theta_b = 0.5, .step = sgd_nonconvex_tuned_step(p), .F0 = 5.0};
  REQUIRE(sgd_nonconvex_bound(at_step, p.T) <= sgd_nonconvex_tuned_bound(p));
  p.noise.form = NoiseModel::kFunctionValue;
  REQUIRE_THROWS_AS(sgd_nonconvex_tuned_bound(p), HypothesisViolated);
}
