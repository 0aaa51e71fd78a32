// E[X_{K:P}] and the straggler runtime formulas (Dutta et al. 2018) against the spec's reference
// table (P = 8, from closed forms), against each other (closed form, quantile-form and survival-form
// quadrature), and against brute-force enumeration for an empirical list.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <vector>

#include "bounds/order_statistics.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace sgdcheck::bounds;

namespace {

ComputeTime exp1() {
  ComputeTime c;
  c.kind = ComputeKind::kExp;
  c.rate = 1.0;
  return c;
}
ComputeTime shifted11() {
  ComputeTime c;
  c.kind = ComputeKind::kShiftedExp;
  c.shift = 1.0;
  c.rate = 1.0;
  return c;
}
ComputeTime pareto(double alpha) {
  ComputeTime c;
  c.kind = ComputeKind::kPareto;
  c.scale = 1.0;
  c.shape = alpha;
  return c;
}

}  // namespace

TEST_CASE("E[X_{K:8}] reproduces the reference table for exp, shifted exp and Pareto", "[bounds][dutta]") {
  struct Row {
    std::int64_t K;
    double exp1, sexp, p3, p15;
  };
  const std::vector<Row> table = {{1, 0.125, 1.125, 1.043478, 1.090909},
                                  {2, 0.267857, 1.267857, 1.095652, 1.205742},
                                  {4, 0.634524, 1.634524, 1.242967, 1.565145},
                                  {8, 2.717857, 3.717857, 2.745827, 10.866581}};
  for (const auto& r : table) {
    INFO("K = " << r.K);
    REQUIRE_THAT(expected_order_statistic(exp1(), r.K, 8), WithinAbs(r.exp1, 1e-6));
    REQUIRE_THAT(expected_order_statistic(shifted11(), r.K, 8), WithinAbs(r.sexp, 1e-6));
    REQUIRE_THAT(expected_order_statistic(pareto(3.0), r.K, 8), WithinAbs(r.p3, 1e-6));
    REQUIRE_THAT(expected_order_statistic(pareto(1.5), r.K, 8), WithinAbs(r.p15, 1e-6));
  }
}

TEST_CASE("quantile-form and survival-form quadratures agree with the closed forms", "[bounds][dutta]") {
  for (const ComputeTime& c : {exp1(), shifted11(), pareto(3.0), pareto(1.5)}) {
    for (std::int64_t K : {1, 3, 8}) {
      INFO(c.describe() << " K = " << K);
      const double exact = expected_order_statistic(c, K, 8);
      REQUIRE_THAT(order_statistic_quantile_form(c, K, 8), WithinRel(exact, 1e-6));
      REQUIRE_THAT(order_statistic_survival_form(c, K, 8), WithinRel(exact, 1e-5));
    }
  }
}

TEST_CASE("Weibull with shape 1 is exp, and log-normal quadratures agree with each other", "[bounds][dutta]") {
  ComputeTime w;
  w.kind = ComputeKind::kWeibull;
  w.shape = 1.0;
  w.scale = 0.5;  // = exp(rate 2)
  ComputeTime e = exp1();
  e.rate = 2.0;
  for (std::int64_t K : {1, 4, 16}) REQUIRE_THAT(expected_order_statistic(w, K, 16), WithinRel(expected_order_statistic(e, K, 16), 1e-7));
  // Weibull mean λΓ(1+1/k): k = 0.5 gives 2λ.
  w.shape = 0.5;
  REQUIRE_THAT(w.mean(), WithinRel(1.0, 1e-12));
  REQUIRE_THAT(expected_order_statistic(w, 1, 1), WithinRel(1.0, 1e-6));
  ComputeTime ln;
  ln.kind = ComputeKind::kLogNormal;
  ln.meanlog = 0.2;
  ln.sdlog = 0.6;
  REQUIRE_THAT(expected_order_statistic(ln, 1, 1), WithinRel(std::exp(0.2 + 0.18), 1e-7));
  for (std::int64_t K : {1, 5, 8})
    REQUIRE_THAT(order_statistic_survival_form(ln, K, 8), WithinRel(order_statistic_quantile_form(ln, K, 8), 1e-5));
}

TEST_CASE("the exact list sum equals brute-force enumeration of all draws", "[bounds][dutta]") {
  ComputeTime c;
  c.kind = ComputeKind::kList;
  c.values = {0.5, 2.0, 1.0, 1.0, 4.0};  // a tie on purpose
  REQUIRE_FALSE(validate_compute_time(c).has_value());
  const std::int64_t P = 4, n = 5;
  std::vector<double> sum(static_cast<std::size_t>(P) + 1, 0.0);
  std::vector<double> draw(static_cast<std::size_t>(P));
  std::int64_t total = 1;
  for (std::int64_t i = 0; i < P; ++i) total *= n;
  for (std::int64_t code = 0; code < total; ++code) {
    std::int64_t x = code;
    for (std::int64_t i = 0; i < P; ++i, x /= n) draw[static_cast<std::size_t>(i)] = c.values[static_cast<std::size_t>(x % n)];
    std::sort(draw.begin(), draw.end());
    for (std::int64_t K = 1; K <= P; ++K) sum[static_cast<std::size_t>(K)] += draw[static_cast<std::size_t>(K - 1)];
  }
  for (std::int64_t K = 1; K <= P; ++K) {
    INFO("K = " << K);
    REQUIRE_THAT(expected_order_statistic(c, K, P), WithinRel(sum[static_cast<std::size_t>(K)] / static_cast<double>(total), 1e-12));
  }
  // A communication cost shifts every order statistic.
  c.comm = 0.25;
  REQUIRE_THAT(expected_order_statistic(c, 2, P), WithinRel(sum[2] / static_cast<double>(total) + 0.25, 1e-12));
}

TEST_CASE("per-variant expected iteration times carry their guarantee", "[bounds][dutta]") {
  const auto ks = expected_iteration_time(PsVariant::kKSync, exp1(), 4, 8);
  REQUIRE(ks.guarantee == Guarantee::kExact);
  REQUIRE_THAT(*ks.value, WithinAbs(0.634524, 1e-6));
  // Var T = Σ_{i=5..8} 1/i².
  REQUIRE_THAT(*ks.variance, WithinRel(1.0 / 25 + 1.0 / 36 + 1.0 / 49 + 1.0 / 64, 1e-12));
  const auto kbs = expected_iteration_time(PsVariant::kKBatchSync, exp1(), 4, 8);
  REQUIRE(kbs.guarantee == Guarantee::kExact);
  REQUIRE_THAT(*kbs.value, WithinRel(0.5, 1e-15));
  const auto kbs_p = expected_iteration_time(PsVariant::kKBatchSync, pareto(3.0), 8, 8);
  REQUIRE(kbs_p.guarantee == Guarantee::kUpper);
  REQUIRE_THAT(*kbs_p.value, WithinAbs(2.745827, 1e-6));
  const auto ka_s = expected_iteration_time(PsVariant::kKAsync, shifted11(), 2, 8);
  REQUIRE(ka_s.guarantee == Guarantee::kUpper);
  REQUIRE(ka_s.label == Label::kUnverified);
  REQUIRE_FALSE(expected_iteration_time(PsVariant::kKAsync, pareto(3.0), 2, 8).value.has_value());
  // K-batch-async: K·E[X]/P; Pareto(1,3) has E[X] = 1.5.
  REQUIRE_THAT(*expected_iteration_time(PsVariant::kKBatchAsync, pareto(3.0), 2, 8).value, WithinRel(2 * 1.5 / 8, 1e-15));
  REQUIRE(expected_staleness(PsVariant::kKAsync, 2, 8) == 3.0);
  REQUIRE(expected_staleness(PsVariant::kKBatchAsync, 2, 8) == 3.5);
  REQUIRE(expected_staleness(PsVariant::kKSync, 2, 8) == 0.0);
  // P·H_P for exp.
  REQUIRE_THAT(sync_async_ratio(exp1(), 8), WithinRel(8.0 * harmonic(8), 1e-12));
  REQUIRE_THAT(harmonic(8), WithinRel(761.0 / 280.0, 1e-15));
}

TEST_CASE("Pareto order statistics are infinite exactly when P-K+1 <= 1/alpha", "[bounds][dutta]") {
  // α = 0.5 is rejected as input (infinite mean); the order statistic itself: K = 8 of 8 at α = 1.5
  // is finite (1 > 2/3), its variance is not (1 < 4/3).
  REQUIRE(std::isfinite(expected_order_statistic(pareto(1.5), 8, 8)));
  REQUIRE(std::isinf(order_statistic_variance(pareto(1.5), 8, 8)));
  REQUIRE(std::isfinite(order_statistic_variance(pareto(1.5), 6, 8)));
  ComputeTime p = pareto(0.9);
  REQUIRE(std::isinf(expected_order_statistic(p, 8, 8)));
  REQUIRE(std::isfinite(expected_order_statistic(p, 7, 8)));  // 2 > 1/0.9
}

TEST_CASE("invalid compute-time distributions are rejected with the field named", "[bounds][dutta]") {
  ComputeTime p = pareto(1.0);
  REQUIRE_THAT(*validate_compute_time(p), Contains("infinite mean"));
  ComputeTime w;
  w.kind = ComputeKind::kWeibull;
  w.shape = 0.0;
  REQUIRE_THAT(*validate_compute_time(w), Contains("shape"));
  ComputeTime e = exp1();
  e.rate = -1;
  REQUIRE_THAT(*validate_compute_time(e), Contains("rate"));
  ComputeTime l;
  l.kind = ComputeKind::kList;
  REQUIRE_THAT(*validate_compute_time(l), Contains("values"));
  l.values = {1.0, NAN};
  REQUIRE_THAT(*validate_compute_time(l), Contains("values[1]"));
}
