// label_flip of random_design_logistic: flipped labels, and p = 0 bit-identical to the unflipped draws.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/rng.hpp"
#include "problems/logistic_math.hpp"
#include "problems/random_design_logistic.hpp"

using namespace sgdcheck;
using namespace sgdcheck::problems;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

InitOptions init_at(double radius) {
  InitOptions o;
  o.kind = InitKind::kGaussian;
  o.radius = radius;
  o.seed = 5;
  return o;
}

Vec teacher() {
  Vec w(3);
  w << 1.5, -1.0, 0.5;
  return w;
}

}  // namespace

TEST_CASE("label_flip flips a drawn label at the configured rate", "[problems][label_flip]") {
  const double p = 0.1;
  const RandomDesignLogistic prob(teacher(), init_at(1.0), p);
  Rng rng = make_stream(21, 0, StreamPurpose::kAlgorithm);
  Vec a(3);
  const int N = 200000;
  int flips = 0;
  for (int i = 0; i < N; ++i) {
    for (Index j = 0; j < 3; ++j) a[j] = rng.normal();
    bool flipped = false;
    (void)prob.draw_label(rng, a, flipped);
    flips += flipped ? 1 : 0;
  }
  const double rate = static_cast<double>(flips) / N;
  REQUIRE(std::abs(rate - p) <= 4.0 * std::sqrt(p * (1 - p) / N));
}

TEST_CASE("label_flip 0 draws exactly the unflipped well-specified gradients", "[problems][label_flip]") {
  const RandomDesignLogistic prob(teacher(), init_at(1.0), 0.0);
  const Vec w = teacher();
  REQUIRE(prob.logistic_teacher() != nullptr);
  REQUIRE((prob.constants().x_star - w).norm() == 0.0);
  const Vec x = prob.initial_point();
  Workspace ws = prob.make_workspace(7);
  Vec g(3), ref = Vec::Zero(3), a(3);
  Rng r1 = make_stream(22, 0, StreamPurpose::kAlgorithm), r2 = make_stream(22, 0, StreamPurpose::kAlgorithm);
  prob.stochastic_gradient(x, 7, Sampling::kWithReplacement, r1, ws, g);
  // The draw of the unflipped generator, written out: a ~ N(0, I), y ~ Bernoulli(sigmoid(<w*, a>)).
  for (int k = 0; k < 7; ++k) {
    for (Index j = 0; j < 3; ++j) a[j] = r2.normal();
    const double y = r2.bernoulli(sigmoid(w.dot(a))) ? 1.0 : 0.0;
    ref.noalias() += (sigmoid(a.dot(x)) - y) * a;
  }
  ref /= 7.0;
  for (Index j = 0; j < 3; ++j) REQUIRE(g[j] == ref[j]);
  REQUIRE(r1.normal() == r2.normal());  // same number of draws consumed
}

TEST_CASE("label_flip moves x* towards 0 along w* and the constants describe the flipped distribution",
          "[problems][label_flip]") {
  const RandomDesignLogistic prob(teacher(), init_at(1.0), 0.1);
  REQUIRE(prob.logistic_teacher() == nullptr);
  const Vec& xs = prob.constants().x_star;
  const double t = xs.dot(teacher()) / teacher().squaredNorm();
  REQUIRE(t > 0.0);
  REQUIRE(t < 1.0);
  REQUIRE_THAT((xs - t * teacher()).norm(), WithinAbs(0.0, 1e-12));
  Vec g(3);
  prob.gradient(xs, g);
  REQUIRE_THAT(g.norm(), WithinAbs(0.0, 1e-10));
  // Monte Carlo at x*: the mean sample gradient is 0 and E|grad f_i(x*)|^2 = sigma2 (within 4 SE).
  Workspace ws = prob.make_workspace(1);
  Rng rng = make_stream(23, 0, StreamPurpose::kAlgorithm);
  const int N = 100000;
  Vec gi(3), sum = Vec::Zero(3);
  double s = 0.0, s2 = 0.0;
  for (int i = 0; i < N; ++i) {
    prob.stochastic_gradient(xs, 1, Sampling::kWithReplacement, rng, ws, gi);
    sum += gi;
    const double q = gi.squaredNorm();
    s += q;
    s2 += q * q;
  }
  const double m = s / N, se = std::sqrt((s2 / N - m * m) / N);
  REQUIRE(std::abs(m - prob.constants().sigma2) <= 4.0 * se);
  for (Index j = 0; j < 3; ++j) REQUIRE(std::abs(sum[j] / N) <= 4.0 * std::sqrt(m / N));
  // f* is f at x* and below f at the teacher (misspecified: x* != w*).
  REQUIRE(prob.constants().f_star < prob.value(teacher()));
}
