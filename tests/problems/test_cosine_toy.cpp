// cosine_toy: F(x) = sum_j x_j^2/2 + c cos(omega x_j) with Gaussian gradient noise of known covariance.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/rng.hpp"
#include "problems/cosine_toy.hpp"

using namespace sgdcheck;
using namespace sgdcheck::problems;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

InitOptions gaussian_init(double radius) {
  InitOptions o;
  o.kind = InitKind::kGaussian;
  o.radius = radius;
  o.seed = 3;
  return o;
}

}  // namespace

TEST_CASE("cosine toy gradient matches central finite differences of its value", "[problems][cosine_toy]") {
  const CosineToy p(5, 0.7, 3.0, 1.0, 0.5, gaussian_init(2.0));
  const Vec x = p.initial_point();
  Vec g(5);
  p.gradient(x, g);
  const double h = 1e-6;
  for (Index j = 0; j < 5; ++j) {
    Vec xp = x, xm = x;
    xp[j] += h;
    xm[j] -= h;
    const double fd = (p.value(xp) - p.value(xm)) / (2 * h);
    REQUIRE_THAT(g[j], WithinAbs(fd, 1e-7));
  }
}

TEST_CASE("cosine toy L equals the largest curvature 1 + c omega^2, reached where cos(omega x_j) = -1", "[problems][cosine_toy]") {
  const double c = 0.5, omega = 2.0;
  const CosineToy p(3, c, omega, 1.0, 0.0, gaussian_init(1.0));
  REQUIRE(p.constants().exact_L);
  REQUIRE_THAT(p.constants().L, WithinRel(3.0, 1e-15));
  // Second difference of F along e_0 at x_0 = pi/omega (curvature 1 - c omega^2 cos(pi) there).
  const double h = 1e-4, x0 = std::acos(-1.0) / omega;
  Vec z = Vec::Zero(3), zp = z, zm = z;
  z[0] = x0;
  zp[0] = x0 + h;
  zm[0] = x0 - h;
  const double curv = (p.value(zp) - 2 * p.value(z) + p.value(zm)) / (h * h);
  REQUIRE_THAT(curv, WithinRel(1.0 + c * omega * omega, 1e-6));
  REQUIRE(p.constants().convexity == Convexity::kNonconvex);
  REQUIRE(p.constants().f_star >= p.f_lower_bound());
  REQUIRE_THAT(p.f_lower_bound(), WithinAbs(-1.5, 1e-15));
}

TEST_CASE("cosine toy with c omega^2 < 1 is strongly convex with x* = 0 and F* = c d", "[problems][cosine_toy]") {
  const CosineToy p(4, 0.2, 1.0, 1.0, 0.0, gaussian_init(1.0));
  REQUIRE(p.constants().convexity == Convexity::kStronglyConvex);
  REQUIRE_THAT(p.constants().mu, WithinRel(0.8, 1e-15));
  REQUIRE_THAT(p.constants().f_star, WithinRel(p.value(Vec::Zero(4)), 1e-15));
  REQUIRE_THAT(p.constants().f_star, WithinRel(0.8, 1e-15));
}

TEST_CASE("cosine toy per-sample gradients have mean grad F and covariance (sigma0^2 + sigma1^2 |grad F|^2)/d I",
          "[problems][cosine_toy]") {
  const Index d = 4, N = 40000;
  const double s0 = 0.8, s1 = 1.5;
  const CosineToy p(d, 1.0, 2.0, s0, s1, gaussian_init(2.5));
  const Vec x = p.initial_point();
  Vec g(d);
  p.gradient(x, g);
  const double v = s0 * s0 + s1 * s1 * g.squaredNorm();
  REQUIRE_THAT(p.exact_gradient_variance(x), WithinRel(v, 1e-14));
  Workspace ws = p.make_workspace(N);
  RowMat grads(N, d);
  Rng rng = make_stream(11, 0, StreamPurpose::kAlgorithm);
  p.draw_step_with_sample_gradients(x, N, Sampling::kWithReplacement, rng, ws, grads);
  const double k = 4.0, vj = v / static_cast<double>(d), sn = std::sqrt(static_cast<double>(N));
  Vec mean = grads.colwise().mean().transpose();
  for (Index j = 0; j < d; ++j) REQUIRE(std::abs(mean[j] - g[j]) <= k * std::sqrt(vj) / sn);
  REQUIRE_THAT((ws.grad - mean).norm(), WithinAbs(0.0, 1e-12));
  // Covariance about the known mean: diagonal v/d (SE sqrt(2) v/d / sqrt N), off-diagonal 0 (SE v/d / sqrt N).
  double trace = 0.0;
  for (Index i = 0; i < d; ++i) {
    for (Index j = 0; j < d; ++j) {
      double s = 0.0;
      for (Index r = 0; r < N; ++r) s += (grads(r, i) - g[i]) * (grads(r, j) - g[j]);
      s /= static_cast<double>(N);
      if (i == j) {
        REQUIRE(std::abs(s - vj) <= k * std::sqrt(2.0) * vj / sn);
        trace += s;
      } else {
        REQUIRE(std::abs(s) <= k * vj / sn);
      }
    }
  }
  // E|g_1 - grad F|^2 = v, per-sample variance 2 v^2 / d.
  REQUIRE(std::abs(trace - v) <= k * std::sqrt(2.0 / static_cast<double>(d)) * v / sn);
}

TEST_CASE("cosine toy mini-batch gradient has error variance v / b", "[problems][cosine_toy]") {
  const Index d = 3, b = 16, R = 20000;
  const CosineToy p(d, 1.0, 2.0, 1.0, 0.5, gaussian_init(2.0));
  const Vec x = p.initial_point();
  Vec g(d), gb(d);
  p.gradient(x, g);
  const double v = p.exact_gradient_variance(x) / static_cast<double>(b);
  Workspace ws = p.make_workspace(b);
  Rng rng = make_stream(12, 0, StreamPurpose::kAlgorithm);
  double s = 0.0;
  for (Index r = 0; r < R; ++r) {
    p.stochastic_gradient(x, b, Sampling::kWithReplacement, rng, ws, gb);
    s += (gb - g).squaredNorm();
  }
  s /= static_cast<double>(R);
  REQUIRE(std::abs(s - v) <= 4.0 * std::sqrt(2.0 / static_cast<double>(d)) * v / std::sqrt(static_cast<double>(R)));
}

TEST_CASE("cosine toy numerical F* is a stationary point below every point of a fine independent scan",
          "[problems][cosine_toy]") {
  const double c = 1.0, omega = 2.0;
  const CosineToy p(2, c, omega, 1.0, 0.0, gaussian_init(1.0));
  const Vec& xs = p.constants().x_star;
  Vec g(2);
  p.gradient(xs, g);
  REQUIRE_THAT(g.norm(), WithinAbs(0.0, 1e-12));
  REQUIRE(p.constants().f_star >= p.f_lower_bound());
  // Independent scan of the 1-d function on [-5, 5] (all stationary points lie in |t| <= c omega = 2).
  double fmin = INFINITY;
  for (int i = -500000; i <= 500000; ++i) {
    const double t = 1e-5 * i;
    fmin = std::min(fmin, 0.5 * t * t + c * std::cos(omega * t));
  }
  REQUIRE(p.constants().f_star <= 2.0 * fmin + 1e-12);
  REQUIRE_THAT(p.constants().f_star, WithinAbs(2.0 * fmin, 1e-8));
}

TEST_CASE("cosine toy with a huge c omega^2 keeps the exact L and the lower bound and leaves F* unknown",
          "[problems][cosine_toy]") {
  const CosineToy p(3, 1e6, 1e6, 1.0, 0.0, gaussian_init(1.0));
  REQUIRE_THAT(p.constants().L, WithinRel(1.0 + 1e18, 1e-15));
  REQUIRE(std::isnan(p.constants().f_star));
  REQUIRE(p.constants().x_star.size() == 3);
  Vec g(3);
  p.gradient(p.constants().x_star, g);
  REQUIRE(g.norm() == 0.0);
}
