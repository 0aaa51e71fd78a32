// Local SGD rates and counts (spec papers/patel2019_localsgd.md §4.1–§4.2), with the oracle's
// reference tables of §4.2 (error/floor ratios) and §5 E3 (PR error by schedule).
#include <catch2/catch.hpp>
#include <cmath>

#include "bounds/local_sgd_bounds.hpp"
#include "bounds/local_sgd_oracle.hpp"
#include "support/iterations.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using sgdcheck::Vec;
using namespace sgdcheck::bounds;
using sgdcheck::test::every;

namespace {

/// Half a unit in the last of `digits` significant digits of v: the rounding of a printed value.
double half_unit(double v, int digits) {
  return 0.5 * std::pow(10.0, std::floor(std::log10(std::abs(v))) - (digits - 1));
}

}  // namespace

TEST_CASE("alpha is admissible exactly on the open interval (1/2, 1)", "[bounds]") {
  REQUIRE_FALSE(alpha_admissible(0.5));
  REQUIRE(alpha_admissible(0.5000001));
  REQUIRE(alpha_admissible(0.75));
  REQUIRE_FALSE(alpha_admissible(1.0));
  REQUIRE_FALSE(alpha_admissible(0.3));
  REQUIRE_FALSE(alpha_admissible(NAN));
}

TEST_CASE("local SGD step is c at t = 1 and decays as t^-alpha", "[bounds]") {
  REQUIRE(local_sgd_step(0.5, 0.6, 1) == 0.5);
  REQUIRE_THAT(local_sgd_step(0.5, 0.6, 32), WithinRel(0.0625, 1e-14));  // 32^-0.6 = 2^-3
  REQUIRE_THROWS(local_sgd_step(0.5, 0.6, 0));
}

TEST_CASE("communication reduction factor is sqrt(T)/P^1.5 and paper-stated", "[bounds]") {
  REQUIRE_THAT(comm_reduction_factor(1e6, 4.0), WithinRel(125.0, 1e-14));  // 1000 / 8
  const LocalSgdCommParams p{.total_gradients = 1e6, .workers = 4.0, .alpha = 0.6};
  REQUIRE_THAT(comm_reduction_factor(p), WithinRel(125.0, 1e-14));
  // With P = 1 there is nothing to average: the factor is √T, the saving of no communication at all.
  REQUIRE_THAT(comm_reduction_factor(400.0, 1.0), WithinRel(20.0, 1e-14));
  const auto info = local_sgd_bound_info(LocalSgdBound::kCommReductionFactor);
  REQUIRE(info.label == Label::kPaperStated);
}

TEST_CASE("predicted round count is P sqrt(N), MBA's N rounds divided by the factor", "[bounds]") {
  // P = 16, N = 10^4: T = 1.6e5, √(P T) = 1600 = 16·100; N / factor = 1e4 / (400/64) = 1600.
  const LocalSgdCommParams p{.total_gradients = 1.6e5, .workers = 16.0, .alpha = 0.6};
  REQUIRE_THAT(rounds_local_pred(p), WithinRel(1600.0, 1e-14));
  REQUIRE_THAT(rounds_local_pred(p), WithinRel(static_cast<double>(rounds_mba(10000)) / comm_reduction_factor(p), 1e-14));
  REQUIRE(rounds_osa() == 1);
  const auto info = local_sgd_bound_info(LocalSgdBound::kRoundsLocalPred);
  REQUIRE(info.label == Label::kDerived);
  REQUIRE(info.guarantee == Guarantee::kUpper);
}

TEST_CASE("communication counts are not applicable outside 1/2 < alpha < 1", "[bounds]") {
  const LocalSgdCommParams p{.total_gradients = 1e4, .workers = 4.0, .alpha = 0.3};
  REQUIRE(hypotheses_violated(p).value_or("").starts_with("alpha = 0.3 violates 1/2 < alpha < 1"));
  REQUIRE_THROWS_AS(rounds_local_pred(p), HypothesisViolated);
  REQUIRE_THROWS_AS(comm_reduction_factor(p), HypothesisViolated);
  REQUIRE(hypotheses_violated(LocalSgdCommParams{.total_gradients = 2.0, .workers = 4.0, .alpha = 0.6}).has_value());
  REQUIRE_FALSE(hypotheses_violated(LocalSgdCommParams{.total_gradients = 4.0, .workers = 4.0, .alpha = 0.6}));
}

TEST_CASE("least-squares floor is s2 tr(H^-1)/T, and s2 d/(2T) for the excess risk", "[bounds]") {
  const LsFloorParams p{.h = Vec{{1.0, 0.5}}, .s2 = 2.0, .total_gradients = 1000.0};
  REQUIRE_THAT(ls_floor(p), WithinRel(2.0 * 3.0 / 1000.0, 1e-14));
  REQUIRE_THAT(ls_floor_risk(p), WithinRel(2.0 * 2.0 / 2000.0, 1e-14));
  REQUIRE(hypotheses_violated(LsFloorParams{.h = Vec{{1.0, 0.0}}, .s2 = 1.0, .total_gradients = 10.0}).has_value());
  REQUIRE_THROWS_AS(ls_floor(LsFloorParams{.h = Vec{{1.0}}, .s2 = 1.0, .total_gradients = 0.0}), HypothesisViolated);
}

TEST_CASE("oracle PR error over the least-squares floor matches the spec 4.2 ratios", "[bounds]") {
  // MBA, η0 = 0, h = (1, 0.5), c = 0.5, s2 = 1; ratios printed with three decimals.
  struct Row {
    double alpha;
    std::int64_t P;
    double r3, r4, r5;  // N = 10^3, 10^4, 10^5
  };
  const Row rows[] = {{0.55, 1, 1.145, 1.041, 1.012},
                      {0.55, 16, 1.092, 1.030, 1.010},
                      {0.75, 1, 1.825, 1.331, 1.131},
                      {0.75, 16, 1.677, 1.307, 1.128}};
  for (const auto& r : rows) {
    const double ratios[] = {r.r3, r.r4, r.r5};
    for (int e = 0; e < 3; ++e) {
      const std::int64_t N = e == 0 ? 1000 : e == 1 ? 10000 : 100000;
      LocalSgdOracleParams p;
      p.h = Vec{{1.0, 0.5}};
      p.s2 = 1.0;
      p.workers = r.P;
      p.local_steps = N;
      p.c = 0.5;
      p.alpha = r.alpha;
      p.eta0 = Vec::Zero(2);
      p.comm = every(1, N);
      const double err = local_sgd_oracle_diagonal(p).pr_dist2_at(N);
      const double floor = ls_floor({.h = p.h, .s2 = 1.0, .total_gradients = static_cast<double>(r.P * N)});
      INFO("alpha = " << r.alpha << ", P = " << r.P << ", N = " << N);
      REQUIRE_THAT(err / floor, WithinAbs(ratios[e], 5e-4 + 1e-12));
    }
  }
}

TEST_CASE("oracle PR error by schedule matches the spec E3 table", "[bounds]") {
  // P = 16, α = 0.6, h = (1, 0.5, 0.1, 0.05), s2 = 1, c = 0.5, η0 = 0; four significant digits.
  struct Row {
    std::int64_t N;
    double mba, p10, p100, osa;
  };
  const Row rows[] = {{500, 3.159e-3, 3.485e-3, 3.572e-3, 3.579e-3},
                      {2000, 1.445e-3, 1.563e-3, 1.595e-3, 1.600e-3},
                      {8000, 4.767e-4, 5.054e-4, 5.132e-4, 5.148e-4}};
  for (const auto& r : rows) {
    LocalSgdOracleParams p;
    p.h = Vec{{1.0, 0.5, 0.1, 0.05}};
    p.s2 = 1.0;
    p.workers = 16;
    p.local_steps = r.N;
    p.c = 0.5;
    p.alpha = 0.6;
    p.eta0 = Vec::Zero(4);
    const std::int64_t taus[] = {1, 10, 100, r.N};
    const double want[] = {r.mba, r.p10, r.p100, r.osa};
    for (int k = 0; k < 4; ++k) {
      p.comm = every(taus[k], r.N);
      INFO("N = " << r.N << ", tau = " << taus[k]);
      REQUIRE_THAT(local_sgd_oracle_diagonal(p).pr_dist2_at(r.N), WithinAbs(want[k], half_unit(want[k], 4)));
    }
  }
}

TEST_CASE("logistic Hessian at the optimum matches the spec value for w* = 2", "[bounds]") {
  const auto hs = logistic_gaussian_hessian(2.0);
  REQUIRE_THAT(hs.along, WithinAbs(0.060528, 5e-7));
  REQUIRE(hs.across > hs.along);  // E σ′(2z) > E σ′(2z) z² since σ′(2z) puts its mass near z = 0
  // w* = 0: σ′ ≡ 1/4, so both eigenvalues are 1/4 (E z² = 1).
  const auto h0 = logistic_gaussian_hessian(0.0);
  REQUIRE_THAT(h0.along, WithinRel(0.25, 1e-12));
  REQUIRE_THAT(h0.across, WithinRel(0.25, 1e-12));
}

TEST_CASE("logistic floor is tr(H*^-1)/T", "[bounds]") {
  const auto hs = logistic_gaussian_hessian(2.0);
  REQUIRE_THAT(logistic_floor({.dim = 1, .w_norm = 2.0, .total_gradients = 1000.0}),
               WithinRel(1.0 / (hs.along * 1000.0), 1e-14));
  REQUIRE_THAT(logistic_floor({.dim = 3, .w_norm = 0.0, .total_gradients = 12.0}), WithinRel(1.0, 1e-12));
  REQUIRE_THROWS_AS(logistic_floor({.dim = 0, .w_norm = 2.0, .total_gradients = 10.0}), HypothesisViolated);
  REQUIRE(local_sgd_bound_info(LocalSgdBound::kLogisticFloor).label == Label::kDerived);
}
