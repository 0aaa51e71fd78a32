// Exact local-SGD oracle (spec papers/patel2019_localsgd.md §3): reference values, diagonal vs
// full-matrix form, the §4.3 identities, and divergence handling.
#include <Eigen/QR>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>

#include "bounds/local_sgd_oracle.hpp"
#include "support/iterations.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using sgdcheck::Mat;
using sgdcheck::Vec;
using namespace sgdcheck::bounds;
using sgdcheck::test::every;

namespace {

/// Case A of spec §3: d = 2, h = (1, 0.1), s2 = 1, P = 4, N = 60, c = 0.5, α = 0.6, η0 = (1, −2).
LocalSgdOracleParams case_a(std::vector<std::int64_t> comm) {
  LocalSgdOracleParams p;
  p.h = Vec{{1.0, 0.1}};
  p.s2 = 1.0;
  p.workers = 4;
  p.local_steps = 60;
  p.c = 0.5;
  p.alpha = 0.6;
  p.eta0 = Vec{{1.0, -2.0}};
  p.comm = std::move(comm);
  return p;
}

/// Case B of spec §3: d = 10, H = I, s2 = 1, P = 8, N = 50, c = 0.5, α = 0.6, η0 = e1.
LocalSgdOracleParams case_b(std::vector<std::int64_t> comm) {
  LocalSgdOracleParams p;
  p.h = Vec::Ones(10);
  p.s2 = 1.0;
  p.workers = 8;
  p.local_steps = 50;
  p.c = 0.5;
  p.alpha = 0.6;
  p.eta0 = Vec::Unit(10, 0);
  p.comm = std::move(comm);
  return p;
}

Mat random_orthogonal(Eigen::Index d, unsigned seed) {
  std::srand(seed);  // Eigen's Random uses std::rand; a fixed seed keeps the test deterministic
  const Mat X = Mat::Random(d, d);
  return Eigen::HouseholderQR<Mat>(X).householderQ() * Mat::Identity(d, d);
}

void require_same_curves(const LocalSgdOracleCurve& x, const LocalSgdOracleCurve& y, double rel) {
  REQUIRE(x.size() == y.size());
  for (std::int64_t t = 1; t <= x.size(); ++t) {
    REQUIRE_THAT(x.last_dist2_at(t), WithinRel(y.last_dist2_at(t), rel));
    REQUIRE_THAT(x.last_risk_at(t), WithinRel(y.last_risk_at(t), rel));
    REQUIRE_THAT(x.pr_dist2_at(t), WithinRel(y.pr_dist2_at(t), rel));
    REQUIRE_THAT(x.pr_risk_at(t), WithinRel(y.pr_risk_at(t), rel));
  }
}

}  // namespace

TEST_CASE("local SGD oracle reproduces the Case A reference table in both forms", "[bounds]") {
  const std::vector<std::int64_t> mba = every(1, 60);
  struct Row {
    std::vector<std::int64_t> comm;
    double last, pr;
  };
  const Row rows[] = {{every(10, 60), 1.355935733, 1.959576789},
                      {{60}, 1.356499242, 1.960022246},
                      {mba, 1.353745399, 1.955353657}};
  for (const auto& r : rows) {
    const auto p = case_a(r.comm);
    for (const auto& c : {local_sgd_oracle_diagonal(p), local_sgd_oracle_full(p)}) {
      REQUIRE(c.diverged_at == 0);
      REQUIRE_THAT(c.last_dist2_at(60), WithinRel(r.last, 1e-8));
      REQUIRE_THAT(c.pr_dist2_at(60), WithinRel(r.pr, 1e-8));
    }
  }
}

TEST_CASE("local SGD oracle reproduces Case A excess risk, Rademacher and PR at n = 30", "[bounds]") {
  auto p = case_a(every(10, 60));
  for (const auto& c : {local_sgd_oracle_diagonal(p), local_sgd_oracle_full(p)}) {
    REQUIRE_THAT(c.last_risk_at(60), WithinRel(0.071164727, 1e-8));
    REQUIRE_THAT(c.pr_risk_at(60), WithinRel(0.103232674, 1e-8));
    REQUIRE_THAT(c.pr_dist2_at(30), WithinRel(2.421952545, 1e-8));
  }
  const std::vector<std::int64_t> t30{30};
  REQUIRE_THAT(local_sgd_oracle_at(p, LocalSgdOracleOutput::kPrDist2, t30)[0], WithinRel(2.421952545, 1e-8));
  p.kurtosis = 1.0;  // Rademacher
  for (const auto& c : {local_sgd_oracle_diagonal(p), local_sgd_oracle_full(p)}) {
    REQUIRE_THAT(c.last_dist2_at(60), WithinRel(1.348202227, 1e-8));
    REQUIRE_THAT(c.pr_dist2_at(60), WithinRel(1.947654276, 1e-8));
  }
}

TEST_CASE("local SGD oracle with one worker gives the Case A serial value for every schedule", "[bounds]") {
  for (const auto& comm : {every(10, 60), std::vector<std::int64_t>{60}, every(1, 60), std::vector<std::int64_t>{}}) {
    auto p = case_a(comm);
    p.workers = 1;
    for (const auto& c : {local_sgd_oracle_diagonal(p), local_sgd_oracle_full(p)}) {
      REQUIRE_THAT(c.last_dist2_at(60), WithinRel(1.445589778, 1e-8));
      REQUIRE_THAT(c.pr_dist2_at(60), WithinRel(2.061442899, 1e-8));
    }
  }
}

TEST_CASE("local SGD oracle reproduces the Case B oracle column", "[bounds]") {
  // The spec prints six digits after the point: tolerance is half a unit of the last digit.
  struct Row {
    std::vector<std::int64_t> comm;
    double last, pr;
  };
  const Row rows[] = {
      {every(1, 50), 0.037410, 0.044240}, {every(5, 50), 0.042583, 0.137954}, {{50}, 0.134527, 0.346902}};
  for (const auto& r : rows) {
    const auto p = case_b(r.comm);
    for (const auto& c : {local_sgd_oracle_diagonal(p), local_sgd_oracle_full(p)}) {
      REQUIRE(c.diverged_at == 0);
      REQUIRE_THAT(c.last_dist2_at(50), WithinAbs(r.last, 5e-7));
      REQUIRE_THAT(c.pr_dist2_at(50), WithinAbs(r.pr, 5e-7));
    }
  }
}

TEST_CASE("diagonal and full-matrix oracles agree to 1e-12 in a rotated basis", "[bounds]") {
  // d = 5, random orthogonal design basis, non-Gaussian kurtosis, batch 3, an irregular schedule.
  LocalSgdOracleParams p;
  p.h = Vec{{2.0, 1.0, 0.5, 0.1, 0.01}};
  p.basis = random_orthogonal(5, 7);
  p.s2 = 0.7;
  p.workers = 5;
  p.local_steps = 80;
  p.batch = 3;
  p.c = 0.3;
  p.alpha = 0.7;
  p.eta0 = Vec{{1.0, -0.5, 0.25, 2.0, -1.0}};
  p.comm = {1, 2, 3, 7, 20, 41, 42, 80};
  for (double kappa : {3.0, 1.0, 5.0}) {
    p.kurtosis = kappa;
    require_same_curves(local_sgd_oracle_diagonal(p), local_sgd_oracle_full(p), 1e-12);
  }
}

TEST_CASE("diagonal and full-matrix oracles agree to 1e-12 on Case A and Case B", "[bounds]") {
  for (const auto& comm : {every(10, 60), std::vector<std::int64_t>{60}, every(1, 60)}) {
    auto p = case_a(comm);
    require_same_curves(local_sgd_oracle_diagonal(p), local_sgd_oracle_full(p), 1e-12);
    p.kurtosis = 1.0;
    require_same_curves(local_sgd_oracle_diagonal(p), local_sgd_oracle_full(p), 1e-12);
  }
  for (const auto& comm : {every(1, 50), every(5, 50), std::vector<std::int64_t>{50}}) {
    const auto p = case_b(comm);
    require_same_curves(local_sgd_oracle_diagonal(p), local_sgd_oracle_full(p), 1e-12);
  }
}

TEST_CASE("a Gaussian design gives the same oracle in any basis", "[bounds]") {
  // Rotating H and η0 together leaves every error unchanged for x ~ N(0, H).
  auto p = case_a(every(10, 60));
  const Mat Q = random_orthogonal(2, 3);
  auto q = p;
  q.set_covariance(Q * p.h.asDiagonal() * Q.transpose());
  q.eta0 = Q * p.eta0;
  require_same_curves(local_sgd_oracle_full(q), local_sgd_oracle_diagonal(p), 1e-12);
  require_same_curves(local_sgd_oracle_diagonal(q), local_sgd_oracle_diagonal(p), 1e-12);
}

TEST_CASE("MBA with P workers equals serial SGD with batch P in the oracle", "[bounds]") {
  auto mba = case_a(every(1, 60));
  auto serial = mba;
  serial.workers = 1;
  serial.batch = 4;
  serial.comm = {};
  REQUIRE_THAT(local_sgd_oracle_diagonal(serial).last_dist2_at(60), WithinRel(1.353745399, 1e-8));
  require_same_curves(local_sgd_oracle_diagonal(mba), local_sgd_oracle_diagonal(serial), 1e-12);
  // P workers with batch b each = serial batch P·b.
  mba.batch = 3;
  serial.batch = 12;
  require_same_curves(local_sgd_oracle_full(mba), local_sgd_oracle_full(serial), 1e-12);
}

TEST_CASE("OSA and no communication give the same virtual-average error", "[bounds]") {
  const auto osa = local_sgd_oracle_diagonal(case_a({60}));
  const auto none = local_sgd_oracle_diagonal(case_a({}));
  require_same_curves(osa, none, 1e-12);
}

TEST_CASE("a diverging configuration gives +inf, never NaN", "[bounds]") {
  auto p = case_a(every(10, 60));
  p.c = 40.0;
  p.alpha = 0.0;
  p.local_steps = 400;
  for (const auto& c : {local_sgd_oracle_diagonal(p), local_sgd_oracle_full(p)}) {
    REQUIRE(c.diverged_at > 0);
    for (std::int64_t t = 1; t <= c.size(); ++t) {
      REQUIRE_FALSE(std::isnan(c.last_dist2_at(t)));
      REQUIRE_FALSE(std::isnan(c.pr_dist2_at(t)));
      REQUIRE_FALSE(std::isnan(c.last_risk_at(t)));
      REQUIRE_FALSE(std::isnan(c.pr_risk_at(t)));
    }
    REQUIRE(std::isinf(c.last_dist2_at(400)));
    REQUIRE(std::isinf(c.pr_risk_at(400)));
  }
}

TEST_CASE("local SGD oracle names the first violated hypothesis and throws when called anyway", "[bounds]") {
  auto p = case_a({10, 5});
  REQUIRE(hypotheses_violated(p).value_or("") == "communication steps are strictly increasing (5 follows 10)");
  REQUIRE_THROWS_AS(local_sgd_oracle_diagonal(p), HypothesisViolated);
  p.comm = {61};
  REQUIRE(hypotheses_violated(p).value_or("") == "communication step 61 violates 1 <= t <= N = 60");
  p.comm = {};
  p.workers = 0;
  REQUIRE(hypotheses_violated(p).has_value());
  REQUIRE_THROWS_AS(local_sgd_oracle_full(p), HypothesisViolated);
  p.workers = 4;
  p.kurtosis = 0.5;
  REQUIRE(hypotheses_violated(p).has_value());
  p.kurtosis = 3.0;
  REQUIRE_FALSE(hypotheses_violated(p).has_value());
}

TEST_CASE("local SGD oracle is labelled derived and exact", "[bounds]") {
  const auto info = local_sgd_oracle_info(LocalSgdOracleOutput::kPrRisk);
  REQUIRE(info.label == Label::kDerived);
  REQUIRE(info.guarantee == Guarantee::kExact);
  REQUIRE(info.metric == "subopt");
}
