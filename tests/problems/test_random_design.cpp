// Streaming random-design least squares: closed-form population constants and Monte Carlo checks.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/rng.hpp"
#include "helpers.hpp"
#include "problems/random_design_ls.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace sgdcheck;
using namespace sgdcheck::problems;
using sgdcheck::problems::test::build;

TEST_CASE("random-design Gaussian with H = I_d has M_grad = M_curv = d + 1", "[problems]") {
  const auto p = build("random_design_ls", {{"d", "12"}});
  REQUIRE(p->n() == 0);
  REQUIRE_THAT(p->constants().M_grad, WithinRel(13.0, 1e-14));
  REQUIRE_THAT(p->constants().M_curv, WithinRel(13.0, 1e-14));
  REQUIRE_THAT(p->constants().L, WithinRel(1.0, 1e-14));
  REQUIRE_THAT(p->constants().mu, WithinRel(1.0, 1e-14));
  REQUIRE(p->random_design() != nullptr);
  REQUIRE_THAT(p->random_design()->kurtosis, WithinRel(3.0, 1e-14));
}

TEST_CASE("random-design Bernoulli(p)-Gaussian with H = pI has M = d - 2 + 3/p", "[problems]") {
  for (double prob : {1.0, 0.25, 0.05}) {
    const auto p = build("random_design_ls",
                         {{"d", "16"}, {"design", "bernoulli_gaussian"}, {"density", std::to_string(prob)},
                          {"spectrum.scale", std::to_string(prob)}});
    INFO("p = " << prob);
    REQUIRE_THAT(p->constants().M_grad, WithinRel(16.0 - 2.0 + 3.0 / prob, 1e-12));
    REQUIRE_THAT(p->constants().M_curv, WithinRel(16.0 - 2.0 + 3.0 / prob, 1e-12));
    REQUIRE_THAT(p->constants().L, WithinRel(prob, 1e-12));
  }
}

TEST_CASE("random-design constants with an explicit spectrum follow the closed forms", "[problems]") {
  // h = (4, 1), Rademacher (kurtosis 1): tr H = 5, M_grad + 1 = max(5/4, 5/1) = 5, M_curv + 1 = 5/4.
  const auto p = build("random_design_ls", {{"h", "[4, 1]"}, {"design", "rademacher"}, {"noise", "0.5"}});
  const auto& c = p->constants();
  REQUIRE_THAT(c.M_grad, WithinRel(4.0, 1e-14));
  REQUIRE_THAT(c.M_curv, WithinRel(0.25, 1e-14));
  REQUIRE_THAT(c.sigma2, WithinRel(0.25 * 5.0, 1e-14));
  REQUIRE_THAT(c.f_star, WithinRel(0.125, 1e-14));
  REQUIRE_THAT(p->value(c.x_star), WithinRel(0.125, 1e-14));
  REQUIRE(c.M_curv <= c.M_grad);
  REQUIRE(c.M_grad <= (c.L / c.mu) * (c.M_curv + 1.0) - 1.0 + 1e-12);
}

TEST_CASE("random-design second moment E||g||^2 matches e'Be + sigma2 by Monte Carlo", "[problems]") {
  // With one sample g = a(aᵀe − ε): E‖g‖² = eᵀBe + s²·tr H, B = diag(h_i(tr H + (κ−1)h_i)).
  for (const std::string design : {"gaussian", "rademacher", "bernoulli_gaussian"}) {
    const auto p = build("random_design_ls",
                         {{"h", "[2, 1, 0.5]"}, {"design", design}, {"noise", "0.3"},
                          {"density", design == "bernoulli_gaussian" ? "0.2" : "1"}, {"seed", "3"}});
    const auto& v = *p->random_design();
    const Vec e = Vec::Constant(3, 1.0);
    const Vec x = v.w_star + e;
    const double tr = v.h.sum();
    double expected = v.noise_var * tr;
    for (Index i = 0; i < 3; ++i) expected += e[i] * e[i] * v.h[i] * (tr + (v.kurtosis - 1.0) * v.h[i]);
    Workspace ws = p->make_workspace(1);
    Rng rng = make_stream(1, 0, StreamPurpose::kAlgorithm);
    Vec g(3);
    const int R = 200000;
    double s = 0, s2 = 0;
    for (int r = 0; r < R; ++r) {
      p->stochastic_gradient(x, 1, Sampling::kWithReplacement, rng, ws, g);
      const double q = g.squaredNorm();
      s += q;
      s2 += q * q;
    }
    const double mean = s / R, se = std::sqrt((s2 / R - mean * mean) / R);
    INFO(design << ": MC " << mean << " expected " << expected << " se " << se);
    REQUIRE_THAT(mean, WithinAbs(expected, 5.0 * se));
  }
}

TEST_CASE("random-design stochastic gradient is unbiased and uses the workspace sample", "[problems]") {
  const auto p = build("random_design_ls", {{"d", "5"}, {"spectrum.kind", "geometric"}, {"spectrum.cond", "10"},
                                            {"noise", "1"}});
  const Vec x = p->initial_point();
  Vec full(5), g(5);
  p->gradient(x, full);
  Workspace ws = p->make_workspace(8);
  Rng rng = make_stream(2, 0, StreamPurpose::kAlgorithm);
  const int R = 20000;
  Vec sum = Vec::Zero(5), sum2 = Vec::Zero(5);
  for (int r = 0; r < R; ++r) {
    p->stochastic_gradient(x, 8, Sampling::kWithReplacement, rng, ws, g);
    sum += g;
    sum2 += g.cwiseAbs2();
  }
  const Vec mean = sum / R;
  const Vec var = sum2 / R - mean.cwiseAbs2();
  for (Index j = 0; j < 5; ++j) REQUIRE_THAT(mean[j], WithinAbs(full[j], 5.0 * std::sqrt(var[j] / R)));
  REQUIRE(ws.sample.size() == 5);
}
