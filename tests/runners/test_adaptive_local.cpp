// adaptive_local_sgd: accounting, monotone capped batches, bit-identity of the fixed variant with
// local SGD, and per-sample gradients of the streaming problems.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "bounds/lau_bounds.hpp"
#include "problems/random_design_logistic.hpp"
#include "problems/random_design_ls.hpp"
#include "runners/adaptive_local.hpp"
#include "runners/local_sgd.hpp"

using namespace sgdcheck;
using namespace sgdcheck::runners;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

std::unique_ptr<problems::RandomDesignLs> lsq() {
  Vec h(5);
  h << 0.2, 0.4, 0.6, 0.8, 1.0;
  problems::InitOptions init;
  init.kind = problems::InitKind::kZeros;
  return std::make_unique<problems::RandomDesignLs>(
      h, problems::Design::kGaussian, 1.0, 1.0, Vec::Constant(5, -3.0), init);
}

AdaptiveLocalSpec spec(BatchVariant v, std::int64_t P, std::int64_t H, std::int64_t K) {
  AdaptiveLocalSpec a;
  a.local_steps = H;
  a.rounds = K;
  a.batch.variant = v;
  a.batch.eta = 0.5;
  a.batch.b0 = 8;
  a.batch.b_max = 4096;
  RunSpec& s = a.run;
  s.algorithm = Algorithm::kLocal;
  s.workers = P;
  s.iterations = H * K;
  s.batches.assign(static_cast<std::size_t>(P), 8);
  s.step.gamma = 0.2;
  s.communication = CommunicationSchedule::periodic(H, H * K);
  s.max_gap = H;
  return a;
}

/// The recorded values of one metric.
std::vector<double> series(const Trace& tr, const std::string& name) {
  const std::size_t m = tr.metric_index(name);
  REQUIRE(m != std::string::npos);
  std::vector<double> v;
  for (std::size_t k = 0; k < tr.points.size(); ++k) v.push_back(tr.value(k, m));
  return v;
}

/// Every iteration 0..T recorded.
std::vector<std::int64_t> all_iters(std::int64_t T) {
  std::vector<std::int64_t> v;
  for (std::int64_t t = 0; t <= T; ++t) v.push_back(t);
  return v;
}

}  // namespace

TEST_CASE("The fixed variant is local SGD with periodic averaging, bit for bit", "[lau2024][runners]") {
  const auto problem = lsq();
  const AdaptiveLocalSpec a = spec(BatchVariant::kFixed, 3, 4, 10);
  const AdaptiveLocalSgd adaptive(a);
  LocalSgdOptions o;
  o.workers = 3;
  o.local_steps = 40;
  o.batch = 8;
  StepSchedule step;
  step.gamma = 0.2;
  const LocalSgd local(o, step, CommunicationSchedule::periodic(4, 40));
  const auto iters = all_iters(40);
  const RunResult ra = adaptive.run(*problem, RunKey{7, 2}, iters);
  const RunResult rl = local.run(*problem, RunKey{7, 2}, iters);
  const auto da = series(ra.trace, "dist2");
  const auto dl = series(rl.trace, "dist2");
  REQUIRE(da.size() == dl.size());
  for (std::size_t i = 0; i < da.size(); ++i) REQUIRE(da[i] == dl[i]);
}

TEST_CASE("Adaptive batches never shrink, stay in [b0, b_max] and the counters add up",
          "[lau2024][runners]") {
  const auto problem = lsq();
  for (BatchVariant v :
       {BatchVariant::kLocal, BatchVariant::kGlobal, BatchVariant::kOracleRound, BatchVariant::kOracleStep}) {
    const AdaptiveLocalSpec a = spec(v, 4, 3, 30);
    const AdaptiveLocalSgd runner(a);
    const RunResult r = runner.run(*problem, RunKey{1, 0}, all_iters(90));
    const auto& pts = r.trace.points;
    REQUIRE(pts.size() == 91);
    std::vector<std::vector<double>> w(4);
    for (int m = 0; m < 4; ++m) w[static_cast<std::size_t>(m)] = series(r.trace, fmt::format("batch_w{}", m));
    const auto model = series(r.trace, "bytes_model");
    for (std::size_t i = 1; i < pts.size(); ++i) {
      for (int m = 0; m < 4; ++m) {
        const auto& s = w[static_cast<std::size_t>(m)];
        REQUIRE(s[i] >= s[i - 1]);
        REQUIRE(s[i] >= 8);
        REQUIRE(s[i] <= 4096);
      }
      // COMM: exactly one model all-reduce of P·d doubles per completed round.
      REQUIRE(pts[i].rounds == static_cast<std::int64_t>(i) / 3);
      REQUIRE(model[i] == static_cast<double>(pts[i].rounds) * 4 * 5 * 8);
      REQUIRE(pts[i].iter == static_cast<std::int64_t>(i));
      REQUIRE(pts[i].samples > pts[i - 1].samples);
    }
    // The batches grew (the test fires at this distance from x*).
    REQUIRE(w[0].back() > 8);
    if (v == BatchVariant::kLocal || v == BatchVariant::kOracleRound || v == BatchVariant::kOracleStep)
      REQUIRE(series(r.trace, "bytes_test").back() == 0.0);
    else
      REQUIRE(series(r.trace, "bytes_test").back() > 0.0);
  }
}

TEST_CASE("Samples between consecutive recorded local steps equal the sum of the workers' batches",
          "[lau2024][runners]") {
  const auto problem = lsq();
  AdaptiveLocalSpec a = spec(BatchVariant::kOracleStep, 2, 2, 20);
  const AdaptiveLocalSgd runner(a);
  const RunResult r = runner.run(*problem, RunKey{3, 0}, all_iters(40));
  const auto b0 = series(r.trace, "batch_w0");
  const auto b1 = series(r.trace, "batch_w1");
  // oracle_step sets b before the step's draw, so the batch recorded after step t is the one drawn at t.
  for (std::size_t i = 1; i < r.trace.points.size(); ++i)
    REQUIRE(static_cast<double>(r.trace.points[i].samples - r.trace.points[i - 1].samples) == b0[i] + b1[i]);
}

TEST_CASE("The oracle batch at x0 of isotropic least squares is ceil((d+1 + d s^2/|e|^2)/eta^2)",
          "[lau2024][runners]") {
  problems::InitOptions init;
  init.kind = problems::InitKind::kZeros;
  const problems::RandomDesignLs p(
      Vec::Ones(5), problems::Design::kGaussian, 1.0, 1.0, Vec::Constant(5, -3.0), init);
  Vec g(5), gi(5);
  const double prop = exact_norm_proposal(p, problems::Sampling::kWithReplacement, Vec::Zero(5), 0.5, g, gi);
  REQUIRE(std::ceil(prop) == std::ceil((6.0 + 5.0 / 45.0) / 0.25));
}

TEST_CASE("Per-sample gradients of streaming problems average to the stochastic gradient of the same draws",
          "[lau2024][problems]") {
  const auto ls = lsq();
  problems::InitOptions init;
  init.kind = problems::InitKind::kZeros;
  Vec w(3);
  w << 1.0, -0.5, 0.25;
  const problems::RandomDesignLogistic logit(w, init);
  for (const problems::Problem* p :
       {static_cast<const problems::Problem*>(ls.get()), static_cast<const problems::Problem*>(&logit)}) {
    const Index d = p->dim();
    const Vec x = Vec::Constant(d, 0.3);
    auto ws = p->make_workspace(16);
    RowMat G(16, d);
    Rng r1 = make_stream(5, 0, StreamPurpose::kAlgorithm, 0);
    Rng r2 = make_stream(5, 0, StreamPurpose::kAlgorithm, 0);
    p->draw_step_with_sample_gradients(x, 16, problems::Sampling::kWithReplacement, r1, ws, G);
    Vec mean = G.colwise().mean().transpose();
    auto ws2 = p->make_workspace(16);
    Vec g(d);
    p->stochastic_gradient(x, 16, problems::Sampling::kWithReplacement, r2, ws2, g);
    REQUIRE_THAT((mean - g).norm(), WithinAbs(0.0, 1e-12 * (1.0 + g.norm())));
    REQUIRE_THAT((ws.grad - g).norm(), WithinAbs(0.0, 1e-12 * (1.0 + g.norm())));
    // And the rows are not all equal (genuinely per sample).
    REQUIRE((G.row(0) - G.row(1)).norm() > 1e-6);
  }
}

TEST_CASE(
    "The exact gradient variance of random-design least squares matches lsq_sigma2_diag with its kurtosis",
    "[lau2024][runners]") {
  Vec h(3);
  h << 0.5, 1.0, 2.0;
  problems::InitOptions init;
  init.kind = problems::InitKind::kZeros;
  Vec w(3);
  w << 1.0, 2.0, -1.0;
  for (auto [design, density] : {std::pair{problems::Design::kGaussian, 1.0},
                                 std::pair{problems::Design::kRademacher, 1.0},
                                 std::pair{problems::Design::kBernoulliGaussian, 0.25}}) {
    const problems::RandomDesignLs p(h, design, density, 0.7, w, init);
    Vec x(3), g(3), gi(3);
    x << 0.3, -0.2, 0.9;
    const double kurt = p.random_design()->kurtosis;
    REQUIRE_THAT(exact_gradient_variance(p, x, g, gi),
                 WithinRel(bounds::lau_lsq_sigma2_diag(x - w, h, 0.7, kurt), 1e-13));
    // Monte Carlo over per-sample gradients: the mean squared deviation from ∇F.
    auto ws = p.make_workspace(20000);
    RowMat G(20000, 3);
    Rng rng = make_stream(9, 0, StreamPurpose::kAlgorithm, 0);
    p.draw_step_with_sample_gradients(x, 20000, problems::Sampling::kWithReplacement, rng, ws, G);
    p.gradient(x, g);
    double s = 0.0, s2 = 0.0;
    for (Index i = 0; i < G.rows(); ++i) {
      const double v = (G.row(i).transpose() - g).squaredNorm();
      s += v;
      s2 += v * v;
    }
    const double mean = s / 20000.0, se = std::sqrt((s2 / 20000.0 - mean * mean) / 20000.0);
    REQUIRE_THAT(mean, WithinAbs(exact_gradient_variance(p, x, g, gi), 4.0 * se));
  }
}

TEST_CASE(
    "Heavy ball whose buffers reset at every averaging with H = 1 is plain local SGD, and keeping them is "
    "not",
    "[lau2024][runners]") {
  const auto problem = lsq();
  AdaptiveLocalSpec sgd = spec(BatchVariant::kOracleRound, 3, 1, 30);
  AdaptiveLocalSpec reset = sgd;
  reset.run.update.kind = UpdateRuleKind::kHeavyBall;
  reset.state = StateAtAverage::kReset;
  AdaptiveLocalSpec keep = reset;
  keep.state = StateAtAverage::kKeep;
  AdaptiveLocalSpec avg = reset;
  avg.state = StateAtAverage::kAverage;
  const auto iters = all_iters(30);
  const auto a = series(AdaptiveLocalSgd(sgd).run(*problem, RunKey{4, 1}, iters).trace, "dist2");
  const auto b = series(AdaptiveLocalSgd(reset).run(*problem, RunKey{4, 1}, iters).trace, "dist2");
  const auto c = series(AdaptiveLocalSgd(keep).run(*problem, RunKey{4, 1}, iters).trace, "dist2");
  const auto d = series(AdaptiveLocalSgd(avg).run(*problem, RunKey{4, 1}, iters).trace, "dist2");
  REQUIRE(a == b);
  REQUIRE(a.back() != c.back());
  // Averaged buffers differ from per-worker ones once the workers' momenta differ.
  REQUIRE(c.back() != d.back());
}
