// Ground truth and constants against independent dense computations and the reference values of
// Stich, Mohtashami & Jaggi (2021) §3.2.
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>

#include "core/rng.hpp"
#include "helpers.hpp"
#include "problems/critical.hpp"
#include "problems/data_generator.hpp"
#include "problems/least_squares.hpp"
#include "problems/logistic_regression.hpp"
#include "problems/nonconvex_logistic.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace sgdcheck;
using namespace sgdcheck::problems;
using sgdcheck::problems::test::build;
using sgdcheck::problems::test::temp_file;

namespace {

/// Independent dense reference: A = XᵀX/n, B = (1/n)Σ‖a_i‖²a_ia_iᵀ by explicit loops.
struct DenseReference {
  Mat A, B;
  explicit DenseReference(const Dataset& data) {
    const RowMat X = data.to_dense();
    const Index n = X.rows(), d = X.cols();
    A = Mat::Zero(d, d);
    B = Mat::Zero(d, d);
    for (Index i = 0; i < n; ++i) {
      const Vec a = X.row(i).transpose();
      A += a * a.transpose();
      B += a.squaredNorm() * a * a.transpose();
    }
    A /= static_cast<double>(n);
    B /= static_cast<double>(n);
  }
};

const LeastSquares& as_ls(const Problem& p) { return dynamic_cast<const LeastSquares&>(p); }

}  // namespace

TEST_CASE("least-squares L, mu and M_grad match an independent dense eigendecomposition", "[problems]") {
  for (const std::string storage : {"dense", "sparse"}) {
    const auto p = build("least_squares",
                         {{"n", "300"}, {"d", "8"}, {"spectrum.kind", "geometric"}, {"spectrum.cond", "30"},
                          {"density", "0.5"}, {"storage", storage}});
    const DenseReference ref(as_ls(*p).data());
    const Eigen::SelfAdjointEigenSolver<Mat> es(ref.A);
    const auto& c = p->constants();
    REQUIRE_THAT(c.L, WithinRel(es.eigenvalues().maxCoeff(), 1e-12));
    REQUIRE_THAT(c.mu, WithinRel(es.eigenvalues().minCoeff(), 1e-10));
    // Full rank: M_grad + 1 = λ_max(A⁻¹BA⁻¹), M_curv + 1 = λ_max(A^{-1/2}BA^{-1/2})/L via LLT, not eigenvectors.
    const Mat Ainv = ref.A.inverse();
    const Eigen::SelfAdjointEigenSolver<Mat> eg(Ainv * ref.B * Ainv);
    REQUIRE_THAT(c.M_grad, WithinRel(eg.eigenvalues().maxCoeff() - 1.0, 1e-8));
    const Eigen::LLT<Mat> llt(ref.A);
    const Mat Linv = Mat(llt.matrixL()).inverse();
    const Eigen::SelfAdjointEigenSolver<Mat> ec(Linv * ref.B * Linv.transpose());
    REQUIRE_THAT(c.M_curv, WithinRel(ec.eigenvalues().maxCoeff() / c.L - 1.0, 1e-8));
    REQUIRE(c.exact_L);
    REQUIRE(c.exact_M);
  }
}

TEST_CASE("least-squares x* is stationary, f* and sigma2 follow from its residuals", "[problems]") {
  const auto p = build("least_squares", {{"n", "200"}, {"d", "10"}, {"noise", "0.5"}, {"spectrum.kind", "linear"},
                                         {"spectrum.cond", "100"}});
  const auto& c = p->constants();
  Vec g(p->dim());
  p->gradient(c.x_star, g);
  REQUIRE(g.norm() < 1e-12);
  REQUIRE_THAT(c.f_star, WithinRel(p->value(c.x_star), 1e-14));
  double s2 = 0.0;
  for (Index i = 0; i < p->n(); ++i) {
    p->sample_gradient(i, c.x_star, g);
    s2 += g.squaredNorm();
  }
  REQUIRE_THAT(c.sigma2, WithinRel(s2 / static_cast<double>(p->n()), 1e-10));
  REQUIRE(c.sigma2 > 0.0);
  REQUIRE_THAT(c.notes.front(), Contains("non-realizable"));
  // x* is a minimiser: every probe direction increases f.
  Rng rng(3);
  Vec u(p->dim());
  for (int k = 0; k < 20; ++k) {
    for (Index j = 0; j < p->dim(); ++j) u[j] = rng.normal();
    REQUIRE(p->value(c.x_star + 1e-3 * u) > c.f_star);
  }
}

TEST_CASE("identical rows give M_grad = M_curv = 0", "[problems]") {
  const auto p = build("least_squares", {{"n", "50"}, {"d", "6"}, {"structure", "identical_rows"}});
  REQUIRE_THAT(p->constants().M_grad, WithinAbs(0.0, 1e-10));
  REQUIRE_THAT(p->constants().M_curv, WithinAbs(0.0, 1e-10));
}

TEST_CASE("n orthogonal rows of any norms give M_grad = M_curv = n - 1", "[problems]") {
  for (const std::string kind : {"identity", "geometric"}) {
    const auto p = build("least_squares", {{"n", "7"}, {"d", "20"}, {"structure", "orthogonal_rows"},
                                           {"spectrum.kind", kind}, {"spectrum.cond", kind == "identity" ? "1" : "50"}});
    REQUIRE_THAT(p->constants().M_grad, WithinRel(6.0, 1e-10));
    REQUIRE_THAT(p->constants().M_curv, WithinRel(6.0, 1e-10));
    const Vec norms = as_ls(*p).data().row_norms2();
    if (kind == "identity") REQUIRE_THAT(norms.minCoeff(), WithinRel(norms.maxCoeff(), 1e-12));
    else REQUIRE(norms.maxCoeff() > 10.0 * norms.minCoeff());
  }
}

TEST_CASE("collinear rows c_i a give M_grad = mean c^4 / (mean c^2)^2 - 1", "[problems]") {
  const auto p = build("least_squares", {{"n", "40"}, {"d", "5"}, {"structure", "collinear_rows"}});
  const Dataset& data = as_ls(*p).data();
  // Recover c_i up to a common factor as the projection of each row on row 0.
  const RowMat X = data.to_dense();
  const Vec a0 = X.row(0).transpose();
  double m2 = 0, m4 = 0;
  for (Index i = 0; i < X.rows(); ++i) {
    const double ci = X.row(i).dot(a0) / a0.squaredNorm();
    m2 += ci * ci;
    m4 += ci * ci * ci * ci;
  }
  m2 /= static_cast<double>(X.rows());
  m4 /= static_cast<double>(X.rows());
  REQUIRE_THAT(p->constants().M_grad, WithinRel(m4 / (m2 * m2) - 1.0, 1e-9));
  REQUIRE(p->constants().M_grad > 0.5);
}

TEST_CASE("M_curv <= M_grad <= kappa (M_curv + 1) - 1 and M + 1 >= 1/Delta", "[problems]") {
  for (const std::string density : {"1", "0.3", "0.05"}) {
    const auto p = build("least_squares", {{"n", "400"}, {"d", "12"}, {"spectrum.kind", "geometric"},
                                           {"spectrum.cond", "10"}, {"density", density}, {"seed", "4"}});
    const auto& c = p->constants();
    INFO("density " << density);
    REQUIRE(c.M_curv <= c.M_grad * (1.0 + 1e-12));
    REQUIRE(c.M_grad <= (c.L / c.mu) * (c.M_curv + 1.0) - 1.0 + 1e-9);
    const double delta = as_ls(*p).details().delta;
    REQUIRE(c.M_grad + 1.0 >= 1.0 / delta - 1e-9);
    REQUIRE(c.M_curv + 1.0 >= 1.0 / delta - 1e-9);
  }
}

TEST_CASE("the worst-case direction attains M_grad and random directions stay below", "[problems]") {
  const auto p = build("least_squares", {{"n", "100"}, {"d", "6"}, {"spectrum.kind", "geometric"}, {"spectrum.cond", "8"}});
  const DenseReference ref(as_ls(*p).data());
  const Mat A2 = ref.A * ref.A;
  const Vec e = as_ls(*p).details().worst_direction;
  const double M = p->constants().M_grad;
  REQUIRE_THAT(e.dot(ref.B * e) / e.dot(A2 * e) - 1.0, WithinRel(M, 1e-9));
  Rng rng(8);
  Vec u(p->dim());
  for (int k = 0; k < 200; ++k) {
    for (Index j = 0; j < p->dim(); ++j) u[j] = rng.normal();
    REQUIRE(u.dot(ref.B * u) / u.dot(A2 * u) - 1.0 <= M * (1 + 1e-12));
  }
}

TEST_CASE("rank-deficient data give a note, min-norm x* and finite constants on the range", "[problems]") {
  const auto p = build("least_squares", {{"n", "5"}, {"d", "9"}, {"noise", "0.2"}});
  const auto& c = p->constants();
  REQUIRE_THAT(c.notes.front(), Contains("rank-deficient: rank 5 < d = 9"));
  REQUIRE(c.convexity == Convexity::kConvex);
  for (double v : {c.L, c.mu, c.M_grad, c.M_curv, c.sigma2, c.f_star}) REQUIRE(std::isfinite(v));
  REQUIRE(c.mu > 1e-6 * c.L);
  // Min-norm: x* lies in the row space, i.e. is orthogonal to the null space of X.
  const RowMat X = as_ls(*p).data().to_dense();
  const Eigen::FullPivLU<Mat> lu(X);
  const Mat N = lu.kernel();
  REQUIRE((N.transpose() * c.x_star).norm() < 1e-10 * (1.0 + c.x_star.norm()));
  // Interpolation with n < d: f* = 0.
  REQUIRE_THAT(c.f_star, WithinAbs(0.0, 1e-20));
}

TEST_CASE("all-zero rows are allowed for least squares and noted", "[problems]") {
  const auto path = temp_file("zero_row.libsvm", "1 1:1 2:0.5\n0\n2 2:1\n-1 1:1 2:-1\n");
  const LeastSquares p(load_libsvm(path), InitOptions{});
  bool noted = false;
  for (const auto& note : p.constants().notes) noted = noted || note.find("1 all-zero rows") != std::string::npos;
  REQUIRE(noted);
  REQUIRE(std::isfinite(p.constants().M_grad));
}

TEST_CASE("the local-ratio estimators stay below the exact M_grad and M_curv on least squares", "[problems]") {
  for (const std::string noise : {"0", "0.5"}) {
    const auto p = build("least_squares", {{"n", "150"}, {"d", "6"}, {"spectrum.kind", "geometric"},
                                           {"spectrum.cond", "10"}, {"noise", noise}, {"init.kind", "worst_case"}});
    const auto& c = p->constants();
    const MEstimate m = estimate_m(*p, c.x_star, p->initial_point(), c.L, 0, 60);
    INFO("noise " << noise);
    REQUIRE(m.points > 100);
    REQUIRE(m.M_grad <= c.M_grad * (1.0 + 1e-9));
    REQUIRE(m.M_curv <= c.M_curv * (1.0 + 1e-9));
    REQUIRE(m.M_curv > 0.3 * c.M_curv);
    // Starting on the worst-case direction the path attains M_grad exactly.
    REQUIRE_THAT(m.M_grad, WithinRel(c.M_grad, 1e-8));
  }
}

TEST_CASE("logistic x* satisfies Newton's tolerance and its constants are labelled as bounds and estimates",
          "[problems]") {
  const auto p = build("logistic", {{"n", "400"}, {"d", "6"}, {"lambda", "0.01"}, {"m_estimate.probes", "10"}});
  const auto& c = p->constants();
  Vec g(p->dim());
  p->gradient(c.x_star, g);
  REQUIRE(g.norm() <= 1e-12);
  REQUIRE_THAT(c.ground_truth, Contains("Newton"));
  REQUIRE_FALSE(c.exact_L);
  REQUIRE_FALSE(c.exact_M);
  REQUIRE_THAT(c.mu, WithinAbs(0.01, 0));
  REQUIRE(c.convexity == Convexity::kStronglyConvex);
  bool labelled = false;
  for (const auto& n : c.notes) labelled = labelled || n.find("estimate (lower bound)") != std::string::npos;
  REQUIRE(labelled);
  REQUIRE(std::isfinite(c.M_grad));
  REQUIRE(c.M_grad > 0.0);
  REQUIRE(std::isfinite(c.M_curv));
  REQUIRE(c.M_curv > 0.0);
  // L is an upper bound on the Hessian at x* (and anywhere).
  const auto& lr = dynamic_cast<const LogisticRegression&>(*p);
  const Eigen::SelfAdjointEigenSolver<Mat> es(lr.hessian(c.x_star));
  REQUIRE(es.eigenvalues().maxCoeff() <= c.L);
  REQUIRE(es.eigenvalues().minCoeff() >= c.mu * (1 - 1e-12));
  // L equals λ_max(XᵀX/n)/4 + λ from an independent dense computation.
  const DenseReference ref(lr.data());
  const Eigen::SelfAdjointEigenSolver<Mat> ea(ref.A);
  REQUIRE_THAT(c.L, WithinRel(0.25 * ea.eigenvalues().maxCoeff() + 0.01, 1e-12));
}

TEST_CASE("logistic with lambda = 0 on non-separable data is convex with a finite minimiser", "[problems]") {
  const auto p = build("logistic", {{"n", "500"}, {"d", "4"}, {"lambda", "0"}, {"m_estimate.probes", "4"}});
  Vec g(p->dim());
  p->gradient(p->constants().x_star, g);
  REQUIRE(g.norm() <= 1e-10);
  REQUIRE(p->constants().convexity == Convexity::kConvex);
  REQUIRE(p->constants().x_star.norm() < 100.0);
}

TEST_CASE("nonconvex logistic reports a stationary point f_low and the documented smoothness bound", "[problems]") {
  const auto p = build("nonconvex_logistic",
                       {{"n", "200"}, {"d", "5"}, {"lambda", "1"}, {"init.radius", "4"}, {"m_estimate.probes", "4"}});
  const auto& c = p->constants();
  Vec g(p->dim());
  p->gradient(c.x_star, g);
  REQUIRE(g.norm() <= 1e-10);
  REQUIRE(c.convexity == Convexity::kNonconvex);
  REQUIRE_THAT(c.ground_truth, Contains("stationary point") && Contains("not a global minimum"));
  REQUIRE(c.f_star <= p->value(p->initial_point()));
  const auto& nl = dynamic_cast<const NonconvexLogistic&>(*p);
  Rng rng(5);
  for (int k = 0; k < 20; ++k) {
    Vec x(p->dim());
    for (Index j = 0; j < p->dim(); ++j) x[j] = 2.0 * rng.normal();
    const Eigen::SelfAdjointEigenSolver<Mat> es(nl.hessian(x));
    REQUIRE(es.eigenvalues().cwiseAbs().maxCoeff() <= c.L);
  }
}

TEST_CASE("logistic sample-gradient variance stays below grad_variance_max at far and near points", "[problems]") {
  for (const std::string family : {"logistic", "nonconvex_logistic"}) {
    const auto p = build(family, {{"n", "300"}, {"d", "5"}, {"lambda", "0.1"}, {"m_estimate.probes", "2"},
                                  {"spectrum.kind", "geometric"}, {"spectrum.cond", "10"}});
    const double bound = p->constants().grad_variance_max;
    REQUIRE(std::isfinite(bound));
    Rng rng(6);
    Vec x(p->dim()), g(p->dim()), gi(p->dim());
    double worst = 0.0;
    for (int k = 0; k < 30; ++k) {
      for (Index j = 0; j < p->dim(); ++j) x[j] = (k < 15 ? 0.1 : 30.0) * rng.normal();
      p->gradient(x, g);
      double v = 0.0;
      for (Index i = 0; i < p->n(); ++i) {
        p->sample_gradient(i, x, gi);
        v += (gi - g).squaredNorm();
      }
      worst = std::max(worst, v / static_cast<double>(p->n()));
    }
    INFO(family);
    REQUIRE(worst <= bound);
    REQUIRE(worst >= 0.05 * bound);  // the bound is not vacuous
  }
}
