// The stability test problems (problems/sphere_glm.hpp): gradients by central differences and the
// constants L, beta against the loss's derivatives sampled on a fine grid of margins.
#include <catch2/catch.hpp>

#include <cmath>

#include "problems/sphere_glm.hpp"

using namespace sgdcheck;
using namespace sgdcheck::problems;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("sphere stability problems have gradients matching central differences of their loss") {
  for (const auto loss : {SphereLoss::kLogistic, SphereLoss::kRidgeLogistic, SphereLoss::kSigmoid}) {
    const SphereGlm p(loss, 6, 30, 0.1, 0.1, 4);
    Rng rng = make_stream(1, 0, StreamPurpose::kProbe);
    Vec w(6), g(6);
    for (int trial = 0; trial < 5; ++trial) {
      for (int k = 0; k < 6; ++k) w[k] = rng.normal();
      p.gradient(w, g);
      for (int k = 0; k < 6; ++k) {
        Vec a = w, b = w;
        a[k] += 1e-6;
        b[k] -= 1e-6;
        REQUIRE_THAT(g[k], WithinAbs((p.value(a) - p.value(b)) / 2e-6, 1e-7));
      }
    }
  }
}

TEST_CASE("sphere stability problems draw unit-norm features and bound |loss'| by L and |loss''| by beta") {
  for (const auto loss : {SphereLoss::kLogistic, SphereLoss::kSigmoid}) {
    const SphereGlm p(loss, 5, 10, 0.1, 0.0, 2);
    Rng rng = make_stream(3, 0, StreamPurpose::kProbe);
    Vec x(5);
    for (int i = 0; i < 100; ++i) {
      const double y = p.draw(rng, x);
      REQUIRE_THAT(x.norm(), WithinAbs(1.0, 1e-12));
      REQUIRE(std::abs(y) == 1.0);
    }
    double max_d1 = 0, max_d2 = 0;
    for (double m = -20; m <= 20; m += 1e-3) {
      max_d1 = std::max(max_d1, std::abs(p.coefficient(m, 1.0)));
      max_d2 = std::max(max_d2, std::abs((p.coefficient(m + 1e-5, 1.0) - p.coefficient(m - 1e-5, 1.0)) / 2e-5));
    }
    REQUIRE(max_d1 <= p.L() * (1 + 1e-12));
    REQUIRE_THAT(max_d1, WithinRel(p.L(), 1e-3));    // the sup is attained (within the grid)
    REQUIRE(max_d2 <= p.beta() * (1 + 1e-6));
    REQUIRE_THAT(max_d2, WithinRel(p.beta(), 1e-3));
  }
  const SphereGlm sc(SphereLoss::kRidgeLogistic, 5, 10, 0.1, 0.1, 2);
  REQUIRE_THAT(sc.L(), WithinRel(2.0, 1e-15));
  REQUIRE_THAT(sc.beta(), WithinRel(0.35, 1e-15));
  REQUIRE_THAT(sc.gamma(), WithinRel(0.1, 1e-15));
  REQUIRE_THAT(sc.radius(), WithinRel(10.0, 1e-15));
  const SphereGlm nc(SphereLoss::kSigmoid, 5, 10, 0.1, 0.0, 2);
  REQUIRE(nc.sup_f() == 1.0);
  REQUIRE_FALSE(nc.convex());
}
