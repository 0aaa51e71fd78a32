// The matrix-free (iterative) least-squares constants (issue #12): agreement with the dense
// eigendecomposition within the stated tolerance on several designs, a diagonal design whose constants
// are closed forms, detection of rank deficiency, and huge-d input refused without a d x d allocation.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <string>

#include "core/errors.hpp"
#include "problems/critical.hpp"
#include "problems/critical_iterative.hpp"
#include "problems/data_generator.hpp"
#include "problems/dataset.hpp"
#include "support/error_of.hpp"
#include "support/same_bits.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;
using namespace sgdcheck;
using namespace sgdcheck::problems;

using sgdcheck::test::same_bits;

namespace {

/// The tolerance the tests allow on eigenvalue-derived constants: the stated Ritz residual tolerance
/// (a bound on |theta - lambda| / |theta|) with a factor 10 for the CG solves inside the operators.
constexpr double kEigCheck = 10.0 * kIterativeEigTol;

void require_agree(const Dataset& data) {
  const auto dn = least_squares_constants(data, ConstantsMethod::kDense);
  const auto it = least_squares_constants(data, ConstantsMethod::kIterative);
  INFO(data.source);
  REQUIRE(it.iterative);
  REQUIRE_FALSE(dn.iterative);
  REQUIRE_THAT(it.method, Contains("iterative (Lanczos, tol"));
  REQUIRE_THAT(dn.method, Contains("exact (dense eigendecomposition)"));
  REQUIRE(it.rank == dn.rank);
  REQUIRE_THAT(it.L, WithinRel(dn.L, kEigCheck));
  REQUIRE_THAT(it.mu, WithinRel(dn.mu, kEigCheck));
  // M + 1 are the eigenvalues; relative error on M + 1.
  REQUIRE_THAT(it.M_grad + 1.0, WithinRel(dn.M_grad + 1.0, kEigCheck));
  REQUIRE_THAT(it.M_curv + 1.0, WithinRel(dn.M_curv + 1.0, kEigCheck));
  // x*: CG to 1e-12 relative residual, error <= kappa * 1e-12 (kappa = L/mu), then refined.
  const double kappa = dn.L / dn.mu;
  REQUIRE((it.x_star - dn.x_star).norm() <= 1e-10 * kappa * dn.x_star.norm());
  // Realizable data: both are round-off (~1e-30), hence the absolute floor.
  REQUIRE(std::abs(it.sigma2 - dn.sigma2) <= 1e-9 * kappa * dn.sigma2 + 1e-20);
  REQUIRE(std::abs(it.f_star - dn.f_star) <= 1e-9 * kappa * dn.f_star + 1e-20);
  // The worst direction attains M_grad: e'Be / e'A^2e = M_grad + 1 (dense A and B of the reference).
  const Mat A = data.weighted_gram(), B = data.weighted_gram(data.row_norms2());
  const Vec& e = it.worst_direction;
  const Vec Ae = A * e;
  REQUIRE_THAT(e.dot(B * e) / Ae.squaredNorm(), WithinRel(dn.M_grad + 1.0, 1e-6));
  REQUIRE(std::abs(std::abs(it.top_direction.dot(dn.top_direction)) - 1.0) < 1e-6);
}

}  // namespace

TEST_CASE("iterative constants agree with the dense eigendecomposition on sparse and dense designs",
          "[problems][critical]") {
  DesignOptions o;
  SECTION("sparse 5 %, identity spectrum, noisy labels") {
    o.n = 4000;
    o.d = 400;
    o.density = 0.05;
    o.seed = 3;
    require_agree(generate_least_squares(o, 0.3).data);
  }
  SECTION("sparse 2 %, geometric spectrum cond 100, realizable") {
    o.n = 6000;
    o.d = 300;
    o.density = 0.02;
    o.spectrum = SpectrumKind::kGeometric;
    o.cond = 100.0;
    o.seed = 4;
    require_agree(generate_least_squares(o, 0.0).data);
  }
  SECTION("dense, linear spectrum cond 30") {
    o.n = 1500;
    o.d = 200;
    o.spectrum = SpectrumKind::kLinear;
    o.cond = 30.0;
    o.seed = 5;
    o.storage = Storage::kDense;
    require_agree(generate_least_squares(o, 1.0).data);
  }
  SECTION("collinear-free random rows with d close to n (ill-conditioned sample covariance)") {
    o.n = 700;
    o.d = 500;
    o.density = 0.2;
    o.seed = 6;
    require_agree(generate_least_squares(o, 0.1).data);
  }
}

TEST_CASE("iterative constants of a diagonal design equal their closed forms", "[problems][critical]") {
  // Column j (0-based, d = 240) holds k_j = 1 + j % 3 rows, each a_i = s_j e_j with s_j = 1 + j / d.
  // A = diag(k_j s_j^2 / n), B = diag(k_j s_j^4 / n): M_grad + 1 = max_j n / k_j,
  // M_curv + 1 = max_j s_j^2 / L, L = max_j k_j s_j^2 / n, mu = min_j k_j s_j^2 / n,
  // x*_j = mean of y over column j's rows / s_j, sigma2 = (1/n) sum_i r_i^2 s_i^2.
  const Index d = 240;
  std::string text;
  std::vector<double> s(d), ysum(d, 0.0), k(d);
  Index n = 0;
  for (Index j = 0; j < d; ++j) {
    s[j] = 1.0 + static_cast<double>(j) / static_cast<double>(d);
    k[j] = static_cast<double>(1 + j % 3);
    for (int r = 0; r < 1 + j % 3; ++r) {
      const double y = std::sin(static_cast<double>(3 * j + r));  // arbitrary labels
      ysum[j] += y;
      text += fmt::format("{:.17g} {}:{:.17g}\n", y, j + 1, s[j]);
      ++n;
    }
  }
  const Dataset data = read_libsvm_text(text, "diag.libsvm");
  const auto c = least_squares_constants(data, ConstantsMethod::kIterative);
  REQUIRE(c.iterative);
  const double nn = static_cast<double>(n);
  double L = 0.0, mu = 1e300, mg = 0.0;
  for (Index j = 0; j < d; ++j) {
    L = std::max(L, k[j] * s[j] * s[j] / nn);
    mu = std::min(mu, k[j] * s[j] * s[j] / nn);
    mg = std::max(mg, nn / k[j]);
  }
  double mc = 0.0, sigma2 = 0.0;
  for (Index j = 0; j < d; ++j) mc = std::max(mc, s[j] * s[j] / L);
  {
    Index i = 0;
    for (Index j = 0; j < d; ++j) {
      const double xj = ysum[j] / k[j] / s[j];
      REQUIRE_THAT(c.x_star[j], WithinRel(xj, 1e-9));
      for (int r = 0; r < 1 + j % 3; ++r, ++i) {
        const double res = s[j] * xj - data.y[i];
        sigma2 += res * res * s[j] * s[j];
      }
    }
  }
  sigma2 /= nn;
  REQUIRE_THAT(c.L, WithinRel(L, kEigCheck));
  REQUIRE_THAT(c.mu, WithinRel(mu, kEigCheck));
  REQUIRE_THAT(c.M_grad + 1.0, WithinRel(mg, kEigCheck));
  REQUIRE_THAT(c.M_curv + 1.0, WithinRel(mc, kEigCheck));
  REQUIRE_THAT(c.sigma2, WithinRel(sigma2, 1e-9));
}

TEST_CASE("the iterative path detects rank deficiency instead of reporting a wrong M", "[problems][critical]") {
  // Column 2 duplicates column 1: A is singular, n > d.
  std::string text;
  for (int i = 0; i < 60; ++i)
    text += fmt::format("{} 1:{} 2:{} {}:1 {}:0.5\n", i % 5, 1 + i % 7, 1 + i % 7, 3 + i % 20, 3 + (i + 3) % 20 + 20);
  const Dataset data = read_libsvm_text(text, "dup.libsvm");
  REQUIRE(data.cols() >= 40);
  const std::string err =
      sgdcheck::test::error_of<DataError>([&] { least_squares_constants(data, ConstantsMethod::kIterative); });
  REQUIRE_THAT(err, Contains("dup.libsvm"));
  REQUIRE_THAT(err, Contains("full-rank"));
  // The dense path handles it (rank < d, a note), and auto with small d is dense.
  const auto dn = least_squares_constants(data, ConstantsMethod::kDense);
  REQUIRE(dn.rank < dn.d);
  const auto au = least_squares_constants(data, ConstantsMethod::kAuto);
  REQUIRE_FALSE(au.iterative);
  REQUIRE(au.rank == dn.rank);
}

TEST_CASE("a huge sparse index is refused or handled without a d x d allocation", "[problems][critical][hostile]") {
  // d = 600000 with three rows: auto goes iterative (d > 2000), sees rank <= n < d and cannot fall back
  // to the dense path (d > 5000): one DataError naming the file and both limits. A d x d matrix would
  // be 2.9 TB; the test finishing at all shows none was allocated.
  const Dataset data = read_libsvm_text("1 1:1 600000:1\n-1 2:1\n1 3:2\n", "w.libsvm");
  REQUIRE(data.cols() == 600000);
  REQUIRE_NOTHROW(check_finite_sum_data(data));
  const std::string err = sgdcheck::test::error_of<DataError>([&] { least_squares_constants(data); });
  REQUIRE_THAT(err, Contains("w.libsvm"));
  REQUIRE_THAT(err, Contains("rank at most n"));
  REQUIRE_THAT(err, Contains("d <= 5000"));
  REQUIRE_THAT(sgdcheck::test::error_of<DataError>([&] { least_squares_constants(data, ConstantsMethod::kDense); }),
               Contains("exceeds the limit d <= 5000"));
  // Beyond the iterative limit the shared rule refuses at load time.
  const Dataset wide = read_libsvm_text("1 1:1 2000000:1\n-1 2:1\n", "wide.libsvm");
  REQUIRE_THAT(sgdcheck::test::error_of<DataError>([&] { check_finite_sum_data(wide); }), Contains("d <= 1000000"));
  // Dense d x d consumers (logistic Hessians, weighted_gram) keep their limit.
  REQUIRE_THAT(sgdcheck::test::error_of<DataError>([&] { (void)data.weighted_gram(); }), Contains("d <= 5000"));
}

TEST_CASE("the LIBSVM reader builds the CSR matrix directly, rows with no nonzero included", "[problems][critical]") {
  const Dataset data = read_libsvm_text("1 2:3 5:-1\n2 1:0\n-1 1:4 3:0.5 5:2\n", "c.libsvm");
  REQUIRE(data.is_sparse);
  REQUIRE(data.sparse.isCompressed());
  REQUIRE(data.rows() == 3);
  REQUIRE(data.cols() == 5);
  REQUIRE(data.sparse.nonZeros() == 5);
  const RowMat X = data.to_dense();
  RowMat expect = RowMat::Zero(3, 5);
  expect(0, 1) = 3;
  expect(0, 4) = -1;
  expect(2, 0) = 4;
  expect(2, 2) = 0.5;
  expect(2, 4) = 2;
  REQUIRE(X == expect);
}

namespace {

bool same_bits(const Vec& a, const Vec& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0;
}

}  // namespace

TEST_CASE("the blocked row pass is bit-identical for 1, 2 and 3 threads and equals X'(w Xv)/n",
          "[problems][critical]") {
  DesignOptions o;
  o.n = 3001;  // not a multiple of the 16 row ranges
  o.d = 257;
  o.density = 0.05;
  o.seed = 11;
  const Dataset data = generate_least_squares(o, 0.2).data;
  REQUIRE(data.is_sparse);
  REQUIRE(data.sparse.isCompressed());
  const Index n = data.rows(), d = data.cols();
  Vec v(d);
  for (Index j = 0; j < d; ++j) v[j] = std::sin(static_cast<double>(j + 1));
  Dataset loose = data;  // the uncompressed-storage branch does the same arithmetic in the same order
  loose.sparse.uncompress();
  REQUIRE_FALSE(loose.sparse.isCompressed());
  for (const bool weighted : {false, true}) {
    INFO("weighted " << weighted);
    const Vec w = weighted ? data.row_norms2() : Vec();
    // Reference through Eigen's sparse products (another summation order): agreement to round-off.
    const Vec Xv = data.times(v);
    const Vec ref = data.transpose_times(weighted ? Vec(w.cwiseProduct(Xv)) : Xv) / static_cast<double>(n);
    Vec y1(d), y2(d), y3(d), y4(d), tmp;
    weighted_gram_apply(data, w, v.data(), y1.data(), tmp, 1);
    weighted_gram_apply(data, w, v.data(), y2.data(), tmp, 2);
    weighted_gram_apply(data, w, v.data(), y3.data(), tmp, 3);
    weighted_gram_apply(loose, w, v.data(), y4.data(), tmp, 2);
    REQUIRE((y1 - ref).norm() <= 1e-13 * ref.norm());
    REQUIRE(same_bits(y1, y2));
    REQUIRE(same_bits(y1, y3));
    REQUIRE(same_bits(y1, y4));
  }
  SECTION("fewer rows than row ranges") {
    const Dataset tiny = read_libsvm_text("1 1:1 3:2\n-1 2:1\n2 1:0.5 2:-1 3:4\n", "tiny.libsvm");
    const Vec u = Vec::LinSpaced(3, 1.0, 2.0);
    Vec y1(3), y2(3), tmp;
    weighted_gram_apply(tiny, Vec(), u.data(), y1.data(), tmp, 1);
    weighted_gram_apply(tiny, Vec(), u.data(), y2.data(), tmp, 3);
    const RowMat X = tiny.to_dense();
    const Vec ref = X.transpose() * (X * u) / 3.0;
    REQUIRE((y1 - ref).norm() <= 1e-15 * ref.norm());
    REQUIRE(same_bits(y1, y2));
  }
}

TEST_CASE("the iterative constants are bit-identical for 1 and 2 threads", "[problems][critical]") {
  DesignOptions o;
  o.n = 5000;
  o.d = 301;
  o.density = 0.04;
  o.spectrum = SpectrumKind::kGeometric;
  o.cond = 20.0;
  o.seed = 12;
  const Dataset data = generate_least_squares(o, 0.5).data;
  const Vec norms2 = data.row_norms2();
  auto run = [&](int jobs) {
    LeastSquaresConstants c;
    c.n = data.rows();
    c.d = data.cols();
    c.L_max = norms2.maxCoeff();
    std::string why;
    REQUIRE(least_squares_constants_iterative(data, norms2, c, why, jobs) == IterativeStatus::kOk);
    return c;
  };
  const auto c1 = run(1), c2 = run(2);
  REQUIRE(same_bits(c1.L, c2.L));
  REQUIRE(same_bits(c1.mu, c2.mu));
  REQUIRE(same_bits(c1.M_grad, c2.M_grad));
  REQUIRE(same_bits(c1.M_curv, c2.M_curv));
  REQUIRE(same_bits(c1.sigma2, c2.sigma2));
  REQUIRE(same_bits(c1.f_star, c2.f_star));
  REQUIRE(same_bits(c1.x_star, c2.x_star));
  REQUIRE(same_bits(c1.worst_direction, c2.worst_direction));
  REQUIRE(same_bits(c1.top_direction, c2.top_direction));
  REQUIRE(c1.work == c2.work);
  // The process-wide default (`sgdcheck critical --jobs`) is used when a call names no thread count.
  const int before = iterative_jobs();
  set_iterative_jobs(2);
  REQUIRE(iterative_jobs() == 2);
  const auto c0 = run(0);
  set_iterative_jobs(before);
  REQUIRE(same_bits(c0.M_grad, c1.M_grad));
  REQUIRE(same_bits(c0.x_star, c1.x_star));
  // And the values are those of the dense path within the stated tolerance.
  const auto dn = least_squares_constants(data, ConstantsMethod::kDense);
  REQUIRE_THAT(c1.M_grad + 1.0, WithinRel(dn.M_grad + 1.0, kEigCheck));
  REQUIRE_THAT(c1.M_curv + 1.0, WithinRel(dn.M_curv + 1.0, kEigCheck));
}
