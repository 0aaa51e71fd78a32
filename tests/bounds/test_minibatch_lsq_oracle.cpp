// Oracle O1 (mini-batch SGD on finite-sum least squares) against an independent Monte Carlo simulation.
#include <Eigen/Eigenvalues>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "bounds/isotropic_oracle.hpp"
#include "bounds/minibatch_lsq_oracle.hpp"
#include "bounds/minibatch_sgd_bound.hpp"
#include "lsq_fixtures.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace sgdcheck::bounds;
using bounds_test::LsqInstance;

namespace {

// n = 6, d = 3, Gaussian rows, noisy labels (σ > 0), so all three terms of S_t matter.
LsqInstance noisy_instance() {
  const Eigen::MatrixXd X = bounds_test::normal_matrix(6, 3, 11);
  const Eigen::VectorXd w = bounds_test::normal_matrix(3, 1, 12);
  const Eigen::VectorXd noise = bounds_test::normal_matrix(6, 1, 13);
  const Eigen::VectorXd y = X * w + 0.7 * noise;
  return bounds_test::make_instance(X, y);
}

}  // namespace

TEST_CASE("O1 matches Monte Carlo within 3 standard errors, with and without replacement", "[bounds]") {
  const LsqInstance p = noisy_instance();
  REQUIRE(p.residuals.norm() > 0.1);  // σ > 0
  const Eigen::VectorXd e0 = (Eigen::VectorXd(3) << 1.0, -1.0, 0.5).finished();
  const double Lmax = p.X.rowwise().squaredNorm().maxCoeff();
  const double step = 1.0 / Lmax;  // slow mode of A: the noise floor dominates by t = 200
  const std::vector<std::int64_t> ts{0, 1, 2, 5, 20, 60, 200};
  const int runs = 20000;
  const int n = 6, b = 2;
  for (const bool with_replacement : {true, false}) {
    CAPTURE(with_replacement);
    // θ_b: 1/b = 0.5 with replacement; (n−b)/(b(n−1)) = 4/10 without.
    const double theta = with_replacement ? 1.0 / b : double(n - b) / (b * (n - 1.0));
    const MinibatchLsqOracleParams op{.e0 = e0, .step = StepSchedule::constant(step), .theta_b = theta, .iterations = ts};
    REQUIRE_FALSE(hypotheses_violated(p.X, p.residuals, op));
    const OracleCurve exact = minibatch_lsq_oracle(p.X, p.residuals, op);
    const bounds_test::McCurve mc =
        bounds_test::simulate_sgd(p, p.x_star + e0, step, b, with_replacement, 0, ts, runs, with_replacement ? 1 : 2);
    REQUIRE_THAT(exact.dist2[0], WithinRel(e0.squaredNorm(), 1e-14));
    for (std::size_t k = 1; k < ts.size(); ++k) {
      CAPTURE(ts[k]);
      REQUIRE_THAT(mc.dist2[k], WithinAbs(exact.dist2[k], 3.0 * mc.dist2_se[k]));
      REQUIRE_THAT(mc.subopt[k], WithinAbs(exact.subopt[k], 3.0 * mc.subopt_se[k]));
    }
    // Power: the other sampling mode's θ_b is rejected at the noise floor (the test can fail).
    MinibatchLsqOracleParams wrong = op;
    wrong.theta_b = with_replacement ? 0.4 : 0.5;
    const OracleCurve other = minibatch_lsq_oracle(p.X, p.residuals, wrong);
    REQUIRE(std::abs(mc.dist2.back() - other.dist2.back()) > 3.0 * mc.dist2_se.back());
  }
}

TEST_CASE("O1 with a step table equals O1 with the same constant and a schedule changes the curve", "[bounds]") {
  const LsqInstance p = noisy_instance();
  const Eigen::VectorXd e0 = Eigen::VectorXd::Ones(3);
  const std::vector<std::int64_t> ts{3, 7, 7, 12};  // duplicates allowed
  MinibatchLsqOracleParams op{.e0 = e0, .step = StepSchedule::constant(0.05), .theta_b = 0.5, .iterations = ts};
  const OracleCurve a = minibatch_lsq_oracle(p.X, p.residuals, op);
  op.step = StepSchedule::table(std::vector<double>(12, 0.05));
  const OracleCurve b = minibatch_lsq_oracle(p.X, p.residuals, op);
  for (std::size_t k = 0; k < ts.size(); ++k) REQUIRE_THAT(b.dist2[k], WithinRel(a.dist2[k], 1e-15));
  REQUIRE_THAT(a.dist2[1], WithinRel(a.dist2[2], 1e-15));
  op.step = StepSchedule::function([](std::int64_t t) { return 0.05 / (1.0 + 0.5 * double(t)); });
  const OracleCurve c = minibatch_lsq_oracle(p.X, p.residuals, op);
  REQUIRE(std::abs(c.dist2.back() - a.dist2.back()) > 1e-3 * a.dist2.back());
  op.step = StepSchedule::table(std::vector<double>(11, 0.05));
  REQUIRE_THAT(*hypotheses_violated(p.X, p.residuals, op), Contains("11 entries but 12 steps"));
}

TEST_CASE("O1 equals the isotropic closed form O3 on orthogonal equal-norm rows with label noise", "[bounds]") {
  // Rows c·q_k (q_k orthonormal, d = 4) twice, residuals +s_k and −s_k: Σ r_i a_i = 0, n = 8,
  // A = (c²/d)·I, B = c²A ⇒ L = c²/d = 1 and M + 1 = c²/L = d;  σ² = (1/n)Σ r_i²‖a_i‖² = c²·mean(s²).
  const int d = 4, n = 2 * d;
  const double c = 2.0;
  const Eigen::MatrixXd Q = bounds_test::random_orthogonal(d, 21);
  Eigen::MatrixXd X(n, d);
  X << c * Q, c * Q;
  const Eigen::Vector4d s(0.3, -0.8, 0.5, 1.1);
  Eigen::VectorXd r(n);
  r << s, -s;
  const double L = 1.0, M = d - 1.0, sigma2 = c * c * s.squaredNorm() / d;
  const Eigen::VectorXd e0 = bounds_test::normal_matrix(d, 1, 22);
  const std::vector<std::int64_t> ts{0, 1, 2, 5, 10, 50, 200};
  for (const double theta : {1.0 / 3.0, 5.0 / 21.0, 1.0}) {
    for (const double step : {0.3, 1.0 / (L * (1.0 + theta * M)), 0.9}) {
      CAPTURE(theta, step);
      const OracleCurve o1 =
          minibatch_lsq_oracle(X, r, {.e0 = e0, .step = StepSchedule::constant(step), .theta_b = theta, .iterations = ts});
      const OracleCurve o3 = isotropic_oracle(
          {.L = L, .M = M, .sigma2 = sigma2, .theta_b = theta, .step = step, .r0 = e0.squaredNorm(), .iterations = ts});
      for (std::size_t k = 0; k < ts.size(); ++k) {
        REQUIRE_THAT(o3.dist2[k], WithinRel(o1.dist2[k], 1e-10));
        REQUIRE_THAT(o3.subopt[k], WithinRel(o1.subopt[k], 1e-10));
      }
    }
  }
}

TEST_CASE("O1 reports a diverging recursion as +inf, never NaN", "[bounds]") {
  const LsqInstance p = noisy_instance();
  const double Lmax = p.X.rowwise().squaredNorm().maxCoeff();
  const std::vector<std::int64_t> ts{0, 10, 1000, 100000};
  const OracleCurve o = minibatch_lsq_oracle(
      p.X, p.residuals, {.e0 = Eigen::VectorXd::Ones(3), .step = StepSchedule::constant(5.0 / Lmax), .theta_b = 0.5, .iterations = ts});
  REQUIRE(o.diverged_at.has_value());
  REQUIRE(std::isfinite(o.dist2[0]));
  REQUIRE(std::isinf(o.dist2.back()));
  REQUIRE(std::isinf(o.subopt.back()));
  for (const double v : o.dist2) REQUIRE_FALSE(std::isnan(v));
}

TEST_CASE("O1 rejects residuals that violate the normal equations and unsorted iterations", "[bounds]") {
  const LsqInstance p = noisy_instance();
  MinibatchLsqOracleParams op{.e0 = Eigen::VectorXd::Ones(3), .step = StepSchedule::constant(0.1), .theta_b = 0.5, .iterations = {1, 2}};
  const Eigen::VectorXd bad = p.residuals + Eigen::VectorXd::Constant(6, 0.1);
  REQUIRE_THAT(*hypotheses_violated(p.X, bad, op), Contains("not orthogonal"));
  REQUIRE_THROWS_AS(minibatch_lsq_oracle(p.X, bad, op), HypothesisViolated);
  op.iterations = {3, 2};
  REQUIRE_THAT(*hypotheses_violated(p.X, p.residuals, op), Contains("sorted"));
  op.iterations = {1};
  op.theta_b = 1.2;
  REQUIRE_THAT(*hypotheses_violated(p.X, p.residuals, op), Contains("theta_b"));
  REQUIRE(MinibatchLsqOracleParams::info().guarantee == Guarantee::kExact);
  REQUIRE(MinibatchLsqOracleParams::info().label == Label::kChecked);
}

TEST_CASE("R1 with (2M_grad, 2σ*²) lies above O1 on noisy least squares", "[bounds]") {
  // Spec §3.1: M_grad + 1 = λ_max(A⁻¹BA⁻¹), σ*² = (1/n)Σ r_i²‖a_i‖², and (2M_grad, 2σ*²) is a valid pair.
  const LsqInstance p = noisy_instance();
  const double n = 6.0;
  const Eigen::MatrixXd A = p.X.transpose() * p.X / n;
  const Eigen::VectorXd norms2 = p.X.rowwise().squaredNorm();
  const Eigen::MatrixXd B = p.X.transpose() * norms2.asDiagonal() * p.X / n;
  const Eigen::MatrixXd Ainv = A.inverse();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig_A(A);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig_C(Ainv * B * Ainv);
  const double L = eig_A.eigenvalues().maxCoeff(), mu = eig_A.eigenvalues().minCoeff();
  const double M_grad = eig_C.eigenvalues().maxCoeff() - 1.0;
  const double sigma2 = (p.residuals.array().square() * norms2.array()).mean();
  const Eigen::VectorXd e0 = (Eigen::VectorXd(3) << 1.0, -1.0, 0.5).finished();
  const std::vector<std::int64_t> ts{0, 1, 10, 100, 1000, 5000};
  for (const double theta : {1.0, 0.5, 0.4}) {
    const SgdStronglyConvexParams r1{.L = L, .mu = mu, .noise = {.M = 2.0 * M_grad, .sigma2 = 2.0 * sigma2}, .theta_b = theta,
                                     .step = 1.0 / (2.0 * L * (1.0 + theta * 2.0 * M_grad)), .r0 = e0.squaredNorm()};
    const std::vector<double> bound = sgd_strongly_convex_bound(r1, ts);
    const OracleCurve exact = minibatch_lsq_oracle(
        p.X, p.residuals, {.e0 = e0, .step = StepSchedule::constant(r1.step), .theta_b = theta, .iterations = ts});
    for (std::size_t k = 0; k < ts.size(); ++k) {
      CAPTURE(theta, ts[k]);
      REQUIRE(exact.dist2[k] <= bound[k] * (1.0 + 1e-12));
    }
    // Not vacuous: at the end the bound is within a factor 50 of the truth.
    REQUIRE(bound.back() < 50.0 * exact.dist2.back());
  }
}

namespace {

/// E‖e_t‖² for b = 1 with replacement by the per-sample form of the recursion (independent of the
/// oracle's S(P) = (1/n)Σ w_i a_ia_iᵀ): e ← (I − γ a_ia_iᵀ)e − γ r_i a_i averaged over i, second moment
/// P' = (1/n)Σ_i [B_i P B_iᵀ − γ r_i (B_i m a_iᵀ + a_i mᵀB_iᵀ) + γ² r_i² a_ia_iᵀ], B_i = I − γ a_ia_iᵀ.
std::vector<double> per_sample_recursion(const LsqInstance& p, const Eigen::VectorXd& e0, double gamma,
                                         const std::vector<std::int64_t>& ts) {
  const Eigen::Index n = p.X.rows(), d = p.X.cols();
  Eigen::MatrixXd P = e0 * e0.transpose();
  Eigen::VectorXd m = e0;
  std::vector<double> out;
  std::int64_t t = 0;
  for (const std::int64_t target : ts) {
    for (; t < target; ++t) {
      Eigen::MatrixXd next = Eigen::MatrixXd::Zero(d, d);
      Eigen::VectorXd mnext = Eigen::VectorXd::Zero(d);
      for (Eigen::Index i = 0; i < n; ++i) {
        const Eigen::VectorXd a = p.X.row(i).transpose();
        const double r = p.residuals[i];
        const Eigen::MatrixXd B = Eigen::MatrixXd::Identity(d, d) - gamma * a * a.transpose();
        next += B * P * B.transpose() - gamma * r * (B * m * a.transpose() + a * m.transpose() * B.transpose()) +
                gamma * gamma * r * r * a * a.transpose();
        mnext += B * m - gamma * r * a;
      }
      P = next / static_cast<double>(n);
      m = mnext / static_cast<double>(n);
    }
    out.push_back(P.trace());
  }
  return out;
}

}  // namespace

TEST_CASE("O1 equals the per-sample second-moment recursion on small and on tall data (both evaluation forms)",
          "[bounds]") {
  // n = 6, d = 3 takes the O(n d²) row form; n = 400, d = 4 the precomputed fourth-moment form (its cost
  // does not grow with n). Both must reproduce the per-sample recursion to round-off.
  const std::vector<std::int64_t> ts{0, 1, 3, 10, 40};
  for (const auto& [n, d] : {std::pair<Eigen::Index, Eigen::Index>{6, 3}, {400, 4}}) {
    CAPTURE(n, d);
    const Eigen::MatrixXd X = bounds_test::normal_matrix(n, d, 21);
    const Eigen::VectorXd w = bounds_test::normal_matrix(d, 1, 22);
    const Eigen::VectorXd y = X * w + 0.5 * bounds_test::normal_matrix(n, 1, 23);
    const LsqInstance p = bounds_test::make_instance(X, y);
    const Eigen::VectorXd e0 = bounds_test::normal_matrix(d, 1, 24);
    const double gamma = 0.5 / X.rowwise().squaredNorm().maxCoeff();
    const MinibatchLsqOracleParams op{.e0 = e0, .step = StepSchedule::constant(gamma), .theta_b = 1.0, .iterations = ts};
    const OracleCurve o1 = minibatch_lsq_oracle(p.X, p.residuals, op);
    const std::vector<double> ref = per_sample_recursion(p, e0, gamma, ts);
    for (std::size_t k = 0; k < ts.size(); ++k) {
      CAPTURE(ts[k]);
      REQUIRE_THAT(o1.dist2[k], WithinRel(ref[k], 1e-11));
    }
  }
}
