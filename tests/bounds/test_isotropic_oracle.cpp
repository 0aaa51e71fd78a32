// Oracles O3/O4 (isotropic least squares): O4 vs O2 on orthogonal equal-norm rows, O4 at τ = 0 vs O3,
// R1′ holds with equality at the largest step, the optimal iteration count, divergence.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "bounds/delayed_lsq_oracle.hpp"
#include "bounds/isotropic_oracle.hpp"
#include "bounds/minibatch_lsq_oracle.hpp"
#include "bounds/minibatch_sgd_bound.hpp"
#include "lsq_fixtures.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace sgdcheck::bounds;

namespace {
// n = d = 4 orthogonal rows of norm c = 2: A = (c²/n)·I = I, M_grad = M_curv = n − 1 = 3 (spec §3.2).
constexpr int kD = 4;
Eigen::MatrixXd orthogonal_rows() { return 2.0 * bounds_test::random_orthogonal(kD, 41); }
}  // namespace

TEST_CASE("O4 equals O2 on orthogonal equal-norm rows", "[bounds]") {
  const Eigen::MatrixXd X = orthogonal_rows();
  const Eigen::VectorXd e0 = bounds_test::normal_matrix(kD, 1, 42);
  const double L = 1.0, M = kD - 1.0;
  const std::vector<std::int64_t> ts{0, 1, 2, 3, 4, 7, 20, 100};
  for (const std::int64_t tau : {0, 1, 3, 6}) {
    for (const double theta : {0.5, 1.0 / 3.0}) {  // b = 2 with / without replacement (n = 4)
      const double guideline = 1.0 / (L * (theta * M + double(tau) + 1.0));
      for (const double step : {0.1, guideline}) {
        CAPTURE(tau, theta, step);
        const OracleCurve o2 =
            delayed_lsq_oracle(X, {.e0 = e0, .step = StepSchedule::constant(step), .theta_b = theta, .tau = tau, .iterations = ts});
        const OracleCurve o4 = isotropic_delayed_oracle({.L = L, .M = M, .theta_b = theta, .tau = tau,
                                                         .step = StepSchedule::constant(step), .r0 = e0.squaredNorm(),
                                                         .iterations = ts});
        for (std::size_t k = 0; k < ts.size(); ++k) {
          REQUIRE_THAT(o4.dist2[k], WithinRel(o2.dist2[k], 1e-10));
          REQUIRE_THAT(o4.subopt[k], WithinRel(o2.subopt[k], 1e-10));
        }
      }
    }
  }
}

TEST_CASE("O4 without delay equals the closed form O3, also with label noise", "[bounds]") {
  const std::vector<std::int64_t> ts{0, 1, 2, 9, 50, 400};
  for (const double step : {0.05, 0.2, 0.5}) {
    const IsotropicOracleParams o3p{.L = 2.0, .M = 7.0, .sigma2 = 0.3, .theta_b = 0.25, .step = step, .r0 = 5.0, .iterations = ts};
    const OracleCurve o3 = isotropic_oracle(o3p);
    const OracleCurve o4 = isotropic_delayed_oracle({.L = 2.0, .M = 7.0, .sigma2 = 0.3, .theta_b = 0.25, .tau = 0,
                                                     .step = StepSchedule::constant(step), .r0 = 5.0, .iterations = ts});
    for (std::size_t k = 0; k < ts.size(); ++k) {
      REQUIRE_THAT(o4.dist2[k], WithinRel(o3.dist2[k], 1e-12));
      REQUIRE_THAT(o4.subopt[k], WithinRel(o3.subopt[k], 1e-12));
    }
  }
}

TEST_CASE("O3 matches hand-computed values", "[bounds]") {
  // L = 1, M = 3, θ = ½, γ = ½, σ² = 2: ρ = 1 − 1 + ¼·2.5 = 0.625, noise γ²θσ² = 0.25.
  // r1 = 0.625·4 + 0.25 = 2.75;  r2 = 0.625·2.75 + 0.25 = 1.96875;  r∞ = 0.25/0.375 = 2/3.
  const OracleCurve o = isotropic_oracle(
      {.L = 1.0, .M = 3.0, .sigma2 = 2.0, .theta_b = 0.5, .step = 0.5, .r0 = 4.0, .iterations = {0, 1, 2, 10000}});
  REQUIRE_THAT(o.dist2[0], WithinRel(4.0, 1e-15));
  REQUIRE_THAT(o.dist2[1], WithinRel(2.75, 1e-14));
  REQUIRE_THAT(o.dist2[2], WithinRel(1.96875, 1e-14));
  REQUIRE_THAT(o.dist2[3], WithinRel(2.0 / 3.0, 1e-12));
  REQUIRE_THAT(o.subopt[1], WithinRel(0.5 * 2.75, 1e-14));  // (L/2)·r
  // ρ = 1 exactly (γ = 2/(L(1+θM))): the noise accumulates linearly, r_t = r0 + tγ²θσ².
  const double g = 2.0 / 2.5;
  const OracleCurve lin = isotropic_oracle(
      {.L = 1.0, .M = 3.0, .sigma2 = 2.0, .theta_b = 0.5, .step = g, .r0 = 4.0, .iterations = {10}});
  REQUIRE_THAT(lin.dist2[0], WithinRel(4.0 + 10.0 * g * g, 1e-12));
}

TEST_CASE("R1′ with M from orthogonal rows holds with equality at the largest step", "[bounds]") {
  const Eigen::MatrixXd X = orthogonal_rows();
  const Eigen::VectorXd e0 = bounds_test::normal_matrix(kD, 1, 43);
  const Eigen::VectorXd zero = Eigen::VectorXd::Zero(kD);
  const std::vector<std::int64_t> ts{0, 1, 2, 5, 20};
  const double theta = 0.5;  // b = 2 with replacement
  SgdRealizableLsqParams r1p{.L = 1.0, .mu = 1.0, .noise = {.M = kD - 1.0, .sigma2 = 0.0, .form = NoiseModel::kFunctionValue},
                             .theta_b = theta, .step = 1.0 / (1.0 + theta * (kD - 1.0)), .r0 = e0.squaredNorm()};
  const std::vector<double> bound = sgd_realizable_lsq_bound(r1p, ts);
  const OracleCurve exact =
      minibatch_lsq_oracle(X, zero, {.e0 = e0, .step = StepSchedule::constant(r1p.step), .theta_b = theta, .iterations = ts});
  for (std::size_t k = 0; k < ts.size(); ++k) REQUIRE_THAT(exact.dist2[k], WithinRel(bound[k], 1e-10));
  // At a smaller step the bound is strict.
  r1p.step = 0.2;
  const OracleCurve small =
      minibatch_lsq_oracle(X, zero, {.e0 = e0, .step = StepSchedule::constant(0.2), .theta_b = theta, .iterations = ts});
  const std::vector<double> loose = sgd_realizable_lsq_bound(r1p, ts);
  for (std::size_t k = 1; k < ts.size(); ++k) REQUIRE(small.dist2[k] < loose[k] * (1.0 - 1e-6));
}

TEST_CASE("O3's optimal step and iteration count are attained and minimal", "[bounds]") {
  // L = 1, M = 15, b = 4 (θ = ¼), ε = 1e-4: γ* = 1/4.75, T* = ⌈ln 1e4 / ln(1 + 4/15)⌉ = ⌈38.96⌉ = 39.
  const IsotropicOptimumParams p{.L = 1.0, .M = 15.0, .theta_b = 0.25, .eps = 1e-4};
  REQUIRE_THAT(isotropic_optimal_step(p), WithinRel(1.0 / 4.75, 1e-15));
  REQUIRE_THAT(isotropic_optimal_iterations(p), WithinAbs(39.0, 0.0));
  const OracleCurve o = isotropic_oracle(
      {.L = 1.0, .M = 15.0, .theta_b = 0.25, .step = isotropic_optimal_step(p), .r0 = 1.0, .iterations = {38, 39}});
  REQUIRE(o.dist2[0] > 1e-4);
  REQUIRE(o.dist2[1] <= 1e-4);
  // A slightly different step contracts less.
  const OracleCurve off = isotropic_oracle(
      {.L = 1.0, .M = 15.0, .theta_b = 0.25, .step = 1.05 / 4.75, .r0 = 1.0, .iterations = {39}});
  REQUIRE(off.dist2[0] > o.dist2[1]);
  // M = 0: one step; ε >= 1: none.
  REQUIRE_THAT(isotropic_optimal_iterations({.L = 1.0, .M = 0.0, .theta_b = 0.25, .eps = 1e-4}), WithinAbs(1.0, 0.0));
  REQUIRE_THAT(isotropic_optimal_iterations({.L = 1.0, .M = 15.0, .theta_b = 0.25, .eps = 1.0}), WithinAbs(0.0, 0.0));
}

TEST_CASE("isotropic oracles report divergence as +inf, never NaN, also with r0 = 0 or σ = 0", "[bounds]") {
  const std::vector<std::int64_t> ts{0, 5, 100000};
  const OracleCurve a = isotropic_oracle({.L = 1.0, .M = 3.0, .sigma2 = 0.0, .theta_b = 0.5, .step = 3.0, .r0 = 1.0, .iterations = ts});
  REQUIRE(std::isinf(a.dist2.back()));
  REQUIRE(a.diverged_at == 100000);
  const OracleCurve b = isotropic_oracle({.L = 1.0, .M = 3.0, .sigma2 = 1.0, .theta_b = 0.5, .step = 3.0, .r0 = 0.0, .iterations = ts});
  REQUIRE(std::isinf(b.dist2.back()));
  const OracleCurve c = isotropic_delayed_oracle({.L = 1.0, .M = 3.0, .sigma2 = 1.0, .theta_b = 0.5, .tau = 3,
                                                  .step = StepSchedule::constant(1.0), .r0 = 1.0, .iterations = ts});
  REQUIRE(c.diverged_at.has_value());
  REQUIRE(std::isinf(c.dist2.back()));
  for (const OracleCurve* o : {&a, &b, &c})
    for (const double v : o->subopt) REQUIRE_FALSE(std::isnan(v));
  const IsotropicOracleParams bad{.L = 1.0, .M = -1.0, .sigma2 = 0.0, .theta_b = 0.5, .step = 0.1, .r0 = 1.0, .iterations = {1}};
  REQUIRE_THAT(*hypotheses_violated(bad), Contains("M = -1"));
}
