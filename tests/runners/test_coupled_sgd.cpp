// The coupled stability runner (runners/coupled_sgd.hpp): coupling invariants (spec §2–§3), the
// τ = 0 ≡ plain SGD identity, determinism, and the lr policies' step values and d2 admissibility.
#include <catch2/catch.hpp>

#include <Eigen/Eigenvalues>
#include <cmath>

#include "core/params.hpp"
#include "problems/sphere_glm.hpp"
#include "runners/coupled_sgd.hpp"
#include "runners/delay_source.hpp"
#include "runners/stability_lr.hpp"

using namespace sgdcheck;
using namespace sgdcheck::runners;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
RunSpec coupled_spec(std::int64_t T, std::shared_ptr<const DelaySource> delays, StepSchedule step) {
  RunSpec s;
  s.algorithm = Algorithm::kDelayed;
  s.iterations = T;
  s.delay.source = std::move(delays);
  s.delay.max_delay = s.delay.source->max_delay();
  s.delay.kind = DelayKind::kFixed;
  s.step = step;
  return s;
}
double scalar(const RunResult& r, const std::string& name) {
  for (const auto& [n, v] : r.scalars)
    if (n == name) return v;
  return NAN;
}
std::vector<std::int64_t> every(std::int64_t T, std::int64_t k) {
  std::vector<std::int64_t> out;
  for (std::int64_t t = 0; t <= T; t += k) out.push_back(t);
  return out;
}
}  // namespace

TEST_CASE("coupled runs coincide exactly before the first batch with j, and tau 0 is plain SGD bit for bit") {
  const problems::SphereGlm p(problems::SphereLoss::kLogistic, 5, 40, 0.1, 0.0, 7);
  for (const auto loss : {problems::SphereLoss::kLogistic, problems::SphereLoss::kRidgeLogistic, problems::SphereLoss::kSigmoid}) {
    const problems::SphereGlm q(loss, 5, 40, 0.1, 0.1, 7);
    CoupledSgd::Options o;
    o.seeds_per_draw = 6;
    o.test_samples = 50;
    const StepSchedule step = stability_step(LrPolicy::kConstant, 1.0, 1.0, q.beta(), 0);
    const CoupledSgd plain(coupled_spec(400, std::make_shared<FixedDelay>(0), step), o);
    for (std::uint64_t rep = 0; rep < 4; ++rep) {
      const RunResult r = plain.run(q, RunKey{11, rep}, every(400, 50));
      REQUIRE(scalar(r, "c1_pre_j_diff") == 0.0);
      REQUIRE(scalar(r, "c1_sgd_mismatch") == 0.0);
      REQUIRE(scalar(r, "first_j_update") < 400);  // j is drawn (so the check is not empty)
    }
    const CoupledSgd delayed(coupled_spec(400, std::make_shared<UniformDelay>(8), step), o);
    const RunResult r = delayed.run(q, RunKey{11, 0}, every(400, 50));
    REQUIRE(scalar(r, "c1_pre_j_diff") == 0.0);
    REQUIRE(std::isnan(scalar(r, "c1_sgd_mismatch")));  // only compared at tau = 0, K = 1
  }
}

TEST_CASE("a coupled run records zero divergence at t 0, a positive divergence later, and Lipschitz-consistent losses") {
  const problems::SphereGlm q(problems::SphereLoss::kLogistic, 5, 30, 0.1, 0.0, 3);
  CoupledSgd::Options o;
  o.seeds_per_draw = 10;
  o.test_samples = 100;
  const CoupledSgd run(coupled_spec(600, std::make_shared<FixedDelay>(4), stability_step(LrPolicy::kD2Cap, 1.0, 1.0, q.beta(), 4)), o);
  const RunResult r = run.run(q, RunKey{5, 2}, every(600, 100));
  const auto& tr = r.trace;
  const std::size_t delta = tr.metric_index("delta"), lip = tr.metric_index("lip_excess"),
                    eps_avg = tr.metric_index("eps_avg"), eps_sup = tr.metric_index("eps_sup"), step = tr.metric_index("step");
  REQUIRE(tr.value(0, delta) == 0.0);
  REQUIRE(tr.value(tr.points.size() - 1, delta) > 0.0);
  for (std::size_t k = 0; k < tr.points.size(); ++k) {
    REQUIRE(tr.value(k, lip) <= 1e-12);
    // |mean over seeds of a difference| <= mean of |difference| <= L·mean delta (L = 1).
    REQUIRE(tr.value(k, eps_avg) <= tr.value(k, delta) + 1e-12);
    REQUIRE(tr.value(k, eps_sup) <= tr.value(k, delta) + 1e-12);
  }
  // The effective step is the d2 cap 2/((2·4+1)·β) = 8/9 with β = 1/4.
  REQUIRE_THAT(tr.value(1, step), WithinRel(8.0 / 9.0, 1e-12));
}

TEST_CASE("coupled runs are deterministic per key and differ between keys") {
  const problems::SphereGlm q(problems::SphereLoss::kSigmoid, 4, 30, 0.1, 0.0, 1);
  CoupledSgd::Options o;
  o.seeds_per_draw = 3;
  o.test_samples = 20;
  const CoupledSgd run(coupled_spec(200, std::make_shared<UniformDelay>(3), stability_step(LrPolicy::kConstant, 1.0, 1.0, q.beta(), 3)), o);
  const RunResult a = run.run(q, RunKey{9, 1}, every(200, 20)), b = run.run(q, RunKey{9, 1}, every(200, 20)),
                  c = run.run(q, RunKey{9, 2}, every(200, 20));
  REQUIRE(a.trace.values == b.trace.values);
  REQUIRE(a.trace.values != c.trace.values);
}

TEST_CASE("the lr policies give their formulas in units of 1/beta") {
  const double beta = 0.5;
  REQUIRE_THAT(stability_step(LrPolicy::kConstant, 1.0, 0, beta, 8).at(1), WithinRel(2.0, 1e-15));
  REQUIRE_THAT(stability_step(LrPolicy::kInvTau1, 1.0, 0, beta, 8).at(1), WithinRel(2.0 / 9.0, 1e-15));
  REQUIRE_THAT(stability_step(LrPolicy::kInvSqrtTau1, 1.0, 0, beta, 8).at(1), WithinRel(2.0 / 3.0, 1e-15));
  REQUIRE_THAT(stability_step(LrPolicy::kD2Cap, 1.0, 0, beta, 8).at(1), WithinRel(2.0 / (17 * beta), 1e-15));
  REQUIRE_THAT(stability_step(LrPolicy::kD2Cap, 0.01, 0, beta, 8).at(1), WithinRel(0.02, 1e-15));
  const StepSchedule hrs = stability_step(LrPolicy::kHrsCOverT, 1.0, 3.0, beta, 2);
  REQUIRE_THAT(hrs.at(1), WithinRel(1.0, 1e-15));    // c/((tau+1)·1)
  REQUIRE_THAT(hrs.at(10), WithinRel(0.1, 1e-15));   // c/((tau+1)·10)
  const StepSchedule sa = stability_step(LrPolicy::kStalenessAware, 1.0, 0, beta, 8);
  REQUIRE_THAT(sa.at(5, 0), WithinRel(2.0, 1e-15));
  REQUIRE_THAT(sa.at(5, 1), WithinRel(2.0, 1e-15));
  REQUIRE_THAT(sa.at(5, 4), WithinRel(0.5, 1e-15));
}

TEST_CASE("d2 admissibility of the lr policies matches the derived tau ranges") {
  for (std::int64_t tau = 0; tau <= 200; ++tau) {
    REQUIRE(d2_admissible(LrPolicy::kInvTau1, 1.0, tau));
    REQUIRE(d2_admissible(LrPolicy::kD2Cap, 5.0, tau));
    REQUIRE(d2_admissible(LrPolicy::kInvSqrtTau1, 0.5, tau) == (tau <= 3));
    REQUIRE(d2_admissible(LrPolicy::kInvSqrtTau1, 0.1, tau) == (tau <= 99));
    REQUIRE(d2_admissible(LrPolicy::kInvSqrtTau1, 1.0, tau) == (tau == 0));
    REQUIRE(d2_admissible(LrPolicy::kConstant, 1.0, tau) == (tau == 0));
  }
  REQUIRE_FALSE(d2_admissible(LrPolicy::kStalenessAware, 0.1, 0));
}

TEST_CASE("delayed gradient descent on a 1-D quadratic is stable exactly below 2 sin(pi/(2(2tau+1))), and the d2 cap lies inside or on it") {
  for (std::int64_t tau = 0; tau <= 16; ++tau) {
    // x_{t+1} = x_t - h x_{t-tau}: the companion matrix's spectral radius.
    auto radius = [tau](double h) {
      const int m = static_cast<int>(tau) + 1;
      Eigen::MatrixXd A = Eigen::MatrixXd::Zero(m, m);
      A(0, 0) = 1;
      A(0, m - 1) -= h;
      for (int i = 1; i < m; ++i) A(i, i - 1) = 1;
      return A.eigenvalues().cwiseAbs().maxCoeff();
    };
    const double h = delayed_gd_stability_limit(tau);
    REQUIRE(radius(h * 0.99) < 1.0);
    REQUIRE(radius(h * 1.01) > 1.0);
    // sin x >= 2x/pi, with equality only at x = pi/2 (tau = 0: the cap 2 is the limit itself).
    const double cap = 2.0 / (2.0 * static_cast<double>(tau) + 1.0);
    if (tau == 0) REQUIRE_THAT(cap, WithinRel(h, 1e-15));
    else REQUIRE(cap < h);
  }
}
