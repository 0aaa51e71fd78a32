// Oracle O2 (fixed delay, realizable least squares): τ = 0 equals O1, Monte Carlo within 3 SE.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "bounds/delayed_lsq_oracle.hpp"
#include "bounds/minibatch_lsq_oracle.hpp"
#include "lsq_fixtures.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace sgdcheck::bounds;
using bounds_test::LsqInstance;

namespace {
LsqInstance realizable_instance() {
  const Eigen::MatrixXd X = bounds_test::normal_matrix(6, 3, 31);
  const Eigen::VectorXd w = bounds_test::normal_matrix(3, 1, 32);
  return bounds_test::make_instance(X, X * w);
}
}  // namespace

TEST_CASE("O2 with delay 0 equals O1 on realizable data", "[bounds]") {
  const LsqInstance p = realizable_instance();
  const Eigen::VectorXd e0 = (Eigen::VectorXd(3) << 0.4, 1.0, -2.0).finished();
  const std::vector<std::int64_t> ts{0, 1, 3, 10, 100};
  const Eigen::VectorXd zero = Eigen::VectorXd::Zero(6);
  for (const double theta : {0.5, 0.4, 0.0}) {
    const StepSchedule step = StepSchedule::function([](std::int64_t t) { return 0.1 / (1.0 + 0.1 * double(t)); });
    const OracleCurve o1 = minibatch_lsq_oracle(p.X, zero, {.e0 = e0, .step = step, .theta_b = theta, .iterations = ts});
    const OracleCurve o2 = delayed_lsq_oracle(p.X, {.e0 = e0, .step = step, .theta_b = theta, .tau = 0, .iterations = ts});
    for (std::size_t k = 0; k < ts.size(); ++k) {
      REQUIRE_THAT(o2.dist2[k], WithinRel(o1.dist2[k], 1e-12));
      REQUIRE_THAT(o2.subopt[k], WithinRel(o1.subopt[k], 1e-12));
    }
  }
}

TEST_CASE("O2 matches Monte Carlo of delayed SGD within 3 standard errors", "[bounds]") {
  const LsqInstance p = realizable_instance();
  const Eigen::VectorXd e0 = (Eigen::VectorXd(3) << 1.0, -0.5, 0.8).finished();
  const double Lmax = p.X.rowwise().squaredNorm().maxCoeff();
  const double step = 0.25 / Lmax;
  const int tau = 2, b = 2, runs = 20000;
  const std::vector<std::int64_t> ts{1, 2, 3, 6, 10, 20, 40};
  for (const bool with_replacement : {true, false}) {
    CAPTURE(with_replacement);
    const double theta = with_replacement ? 0.5 : 0.4;
    const DelayedLsqOracleParams op{.e0 = e0, .step = StepSchedule::constant(step), .theta_b = theta, .tau = tau, .iterations = ts};
    REQUIRE_FALSE(hypotheses_violated(p.X, op));
    const OracleCurve exact = delayed_lsq_oracle(p.X, op);
    const bounds_test::McCurve mc =
        bounds_test::simulate_sgd(p, p.x_star + e0, step, b, with_replacement, tau, ts, runs, with_replacement ? 3 : 4);
    for (std::size_t k = 0; k < ts.size(); ++k) {
      CAPTURE(ts[k]);
      REQUIRE_THAT(mc.dist2[k], WithinAbs(exact.dist2[k], 3.0 * mc.dist2_se[k]));
      REQUIRE_THAT(mc.subopt[k], WithinAbs(exact.subopt[k], 3.0 * mc.subopt_se[k]));
    }
    // Power: a delay off by one is rejected somewhere on the curve.
    DelayedLsqOracleParams wrong = op;
    wrong.tau = tau + 1;
    const OracleCurve other = delayed_lsq_oracle(p.X, wrong);
    bool rejected = false;
    for (std::size_t k = 0; k < ts.size(); ++k) rejected = rejected || std::abs(mc.dist2[k] - other.dist2[k]) > 3.0 * mc.dist2_se[k];
    REQUIRE(rejected);
  }
}

TEST_CASE("O2 reports divergence as +inf and rejects a negative delay", "[bounds]") {
  const LsqInstance p = realizable_instance();
  const double Lmax = p.X.rowwise().squaredNorm().maxCoeff();
  DelayedLsqOracleParams op{.e0 = Eigen::VectorXd::Ones(3), .step = StepSchedule::constant(1.5 / Lmax), .theta_b = 0.5, .tau = 4,
                            .iterations = {0, 5, 20000}};
  const OracleCurve o = delayed_lsq_oracle(p.X, op);
  REQUIRE(o.diverged_at.has_value());
  REQUIRE(std::isinf(o.dist2.back()));
  REQUIRE_FALSE(std::isnan(o.subopt.back()));
  op.tau = -1;
  REQUIRE_THAT(*hypotheses_violated(p.X, op), Contains("tau"));
  REQUIRE_THROWS_AS(delayed_lsq_oracle(p.X, op), HypothesisViolated);
}
