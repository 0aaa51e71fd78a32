// The one step loop (runners/sgd_loop.hpp) and what plugs into it: update rules (heavy ball against
// the closed form of its recursion on a quadratic, AdamW against a hand-computed two-step example),
// delay-dependent steps γ/(1 + τ_t), per-worker batches, the observer, and the typed RunSpec.
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "problems/registry.hpp"
#include "runners/delayed_sgd.hpp"
#include "runners/local_sgd.hpp"
#include "runners/minibatch_sgd.hpp"
#include "runners/run_spec.hpp"
#include "support/raw_params.hpp"
#include "support/runner_params.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using sgdcheck::Index;
using sgdcheck::Vec;
using namespace sgdcheck::runners;
namespace problems = sgdcheck::problems;

using sgdcheck::test::raw_params;
using sgdcheck::test::runner_params;

namespace {

/// f(x) = ½ Σ_j h_j (x_j − c_j)² as a finite sum with n = 1: every stochastic gradient is the exact
/// gradient h ⊙ (x − c), so runs are deterministic and follow the update rule's recursion exactly.
class Quadratic final : public problems::Problem {
 public:
  Quadratic(Vec h, Vec c, Vec x0) : h_(std::move(h)), c_(std::move(c)), x0_(std::move(x0)) {
    constants_.x_star = c_;
    constants_.f_star = 0.0;
    constants_.L = h_.maxCoeff();
    constants_.mu = h_.minCoeff();
  }
  std::string family() const override { return "test_quadratic"; }
  Index dim() const override { return h_.size(); }
  Index n() const override { return 1; }
  double value(const Vec& x) const override { return 0.5 * (h_.array() * (x - c_).array().square()).sum(); }
  void gradient(const Vec& x, Vec& g) const override { g = h_.cwiseProduct(x - c_); }
  void sample_gradient(Index /*i*/, const Vec& x, Vec& g) const override { gradient(x, g); }
  Vec initial_point() const override { return x0_; }
  std::string describe() const override { return "test quadratic"; }

 private:
  Vec h_, c_, x0_;
};

Vec vec1(double a) { return Vec::Constant(1, a); }

/// Records x_t for every t through the observer interface.
class PathObserver final : public StepObserver {
 public:
  ObserverAction on_step(const StepEvent& e) override {
    path.push_back(e.point);
    gammas.push_back(e.gamma);
    taus.push_back(e.tau);
    workers = e.workers.size();
    if (!e.workers.empty()) last_batch = e.workers.back().batch;
    samples = e.axes.samples;
    return ObserverAction::kContinue;
  }
  std::vector<Vec> path;
  std::vector<double> gammas;
  std::vector<std::int64_t> taus;
  std::size_t workers = 0;
  std::int64_t last_batch = 0;
  std::int64_t samples = 0;
};

RunSpec sequence_spec(std::int64_t T, double gamma, UpdateRuleSpec update) {
  RunSpec s;
  s.algorithm = Algorithm::kMinibatch;
  s.iterations = T;
  s.step.rule = StepRule::kConstant;
  s.step.gamma = gamma;
  s.update = update;
  return s;
}

std::vector<Vec> path_of(const Runner& runner, const problems::Problem& problem) {
  PathObserver obs;
  const std::vector<std::int64_t> rec{0, runner.max_iterations()};
  const auto r = runner.run_with(problem, RunKey{1, 2}, rec, &obs);
  REQUIRE(r.termination == sgdcheck::Termination::kMaxIterations);
  return obs.path;
}

std::unique_ptr<problems::Problem> lsq_problem() {
  const auto* f = problems::find_problem_family("least_squares");
  REQUIRE(f != nullptr);
  return f->build(sgdcheck::validate(f->schema, raw_params({{"n", "40"}, {"d", "4"}, {"init.radius", "1"}}, "exp.yaml"), "problem"),
                  problems::BuildContext{});
}

}  // namespace

TEST_CASE("heavy ball follows the closed form of its recursion on a quadratic", "[runners]") {
  // e_{t+1} = (1 + β − γh) e_t − β e_{t−1} with e_{−1} = e_0 (zero initial momentum): with distinct
  // real roots r1, r2 of r² − (1 + β − γh) r + β, e_t = A r1^t + B r2^t, A + B = e_0,
  // A r1 + B r2 = e_1 = (1 − γh) e_0.
  const double h = 1.0, gamma = 0.5, beta = 0.04, c = 1.0, x0 = 3.0;
  const Quadratic problem(vec1(h), vec1(c), vec1(x0));
  UpdateRuleSpec u;
  u.kind = UpdateRuleKind::kHeavyBall;
  u.momentum = beta;
  const MinibatchSgd runner(sequence_spec(40, gamma, u));
  const auto path = path_of(runner, problem);
  REQUIRE(path.size() == 40);
  const double a = 1.0 + beta - gamma * h;
  const double disc = std::sqrt(a * a - 4.0 * beta);
  const double r1 = (a + disc) / 2.0, r2 = (a - disc) / 2.0;
  const double e0 = x0 - c, e1 = (1.0 - gamma * h) * e0;
  const double A = (e1 - r2 * e0) / (r1 - r2), B = e0 - A;
  for (std::size_t t = 1; t <= path.size(); ++t) {
    const double expected = A * std::pow(r1, static_cast<double>(t)) + B * std::pow(r2, static_cast<double>(t));
    REQUIRE_THAT(path[t - 1][0] - c, WithinRel(expected, 1e-10) || WithinAbs(expected, 1e-15));
  }
}

TEST_CASE("heavy ball with zero momentum is plain SGD", "[runners]") {
  const Quadratic problem(Vec::LinSpaced(3, 0.5, 2.0), Vec::Zero(3), Vec::Ones(3));
  UpdateRuleSpec hb;
  hb.kind = UpdateRuleKind::kHeavyBall;
  hb.momentum = 0.0;
  const auto a = path_of(MinibatchSgd(sequence_spec(20, 0.3, hb)), problem);
  const auto b = path_of(MinibatchSgd(sequence_spec(20, 0.3, UpdateRuleSpec{})), problem);
  REQUIRE(a.size() == b.size());
  for (std::size_t t = 0; t < a.size(); ++t)
    for (Index j = 0; j < 3; ++j) REQUIRE_THAT(a[t][j], WithinRel(b[t][j], 1e-14));
}

TEST_CASE("AdamW matches a hand-computed two-step example", "[runners]") {
  // f = ½·2·(x − 1)², x0 = 3, γ = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-8, λ = 0.01.
  // Step 1: g = 4, m = 0.4, v = 0.016, m̂ = 4, v̂ = 16, x1 = 3 − 0.1·(4/(4 + 1e-8) + 0.03) = 2.89700000025.
  // Step 2: g = 3.7940000005, m = 0.73940000005, v = 0.030378436003794, m̂ = m/0.19 = 3.89157894763158,
  //         v̂ = v/0.001999 = 15.1968164101023, x2 = x1 − 0.1·(m̂/(√v̂ + 1e-8) + 0.01·x1) = 2.79427565181129.
  const Quadratic problem(vec1(2.0), vec1(1.0), vec1(3.0));
  UpdateRuleSpec u;
  u.kind = UpdateRuleKind::kAdamW;
  u.beta1 = 0.9;
  u.beta2 = 0.999;
  u.eps = 1e-8;
  u.weight_decay = 0.01;
  const auto path = path_of(MinibatchSgd(sequence_spec(2, 0.1, u)), problem);
  REQUIRE(path.size() == 2);
  REQUIRE_THAT(path[0][0], WithinRel(2.89700000025, 1e-13));
  REQUIRE_THAT(path[1][0], WithinRel(2.79427565181129, 1e-12));
}

TEST_CASE("the inverse-delay policy divides the step by 1 + tau_t", "[runners]") {
  StepSchedule s;
  s.rule = StepRule::kInverseTime;
  s.gamma = 0.6;
  s.t0 = 1.0;
  REQUIRE(s.at(5, 3) == s.at(5));  // no policy: the delay does not matter
  s.delay_policy = DelayPolicy::kInverseDelay;
  REQUIRE_THAT(s.at(5, 0), WithinRel(0.1, 1e-15));        // 0.6 / (5 + 1)
  REQUIRE_THAT(s.at(5, 3), WithinRel(0.1 / 4.0, 1e-15));  // ... / (1 + 3)
  REQUIRE_THAT(s.describe(), Contains("1 + tau_t"));
}

TEST_CASE("a delayed run with the inverse-delay policy steps gamma over 1 + tau", "[runners]") {
  // Fixed τ = 2: γ_t = 0.3/3 at every update; the same run with γ = 0.1 and no policy is identical.
  const Quadratic problem(Vec::LinSpaced(2, 0.5, 1.5), Vec::Zero(2), Vec::Ones(2));
  auto spec = sequence_spec(30, 0.3, UpdateRuleSpec{});
  spec.algorithm = Algorithm::kDelayed;
  spec.delay.kind = DelayKind::kFixed;
  spec.delay.max_delay = 2;
  spec.delay.source = std::make_shared<FixedDelay>(2);
  spec.step.delay_policy = DelayPolicy::kInverseDelay;
  PathObserver obs;
  const DelayedSgd scaled(spec);
  (void)scaled.run_with(problem, RunKey{1, 1}, {0, 30}, &obs);
  for (double g : obs.gammas) REQUIRE_THAT(g, WithinRel(0.1, 1e-15));
  for (auto tau : obs.taus) REQUIRE(tau == 2);
  auto plain = spec;
  plain.step.delay_policy = DelayPolicy::kNone;
  plain.step.gamma = 0.3 / 3.0;
  const auto b = path_of(DelayedSgd(plain), problem);
  REQUIRE(obs.path.size() == b.size());
  for (std::size_t t = 0; t < b.size(); ++t)
    for (Index j = 0; j < 2; ++j) REQUIRE_THAT(obs.path[t][j], WithinRel(b[t][j], 1e-14));
}

TEST_CASE("the run spec resolves every option once into typed values", "[runners]") {
  const auto problem = lsq_problem();
  SECTION("delayed: the delay model with its max delay, and the critical step at that delay") {
    const auto p = runner_params("delayed_sgd", {{"iterations", "50"}, {"delay.kind", "uniform"}, {"delay.tau", "4"},
                                                 {"step.rule", "critical"}, {"step.m", "grad"}, {"batch", "2"}});
    const auto spec = resolve_run_spec(Algorithm::kDelayed, p, *problem);
    REQUIRE(spec.delay.kind == DelayKind::kUniform);
    REQUIRE(spec.delay.max_delay == 4);
    REQUIRE_FALSE(spec.delay.fixed);
    REQUIRE(spec.has_delay_model());
    REQUIRE_FALSE(spec.is_local());
    const auto& c = problem->constants();
    const double theta = problems::batch_variance_factor(2, problem->n(), problems::Sampling::kWithReplacement);
    REQUIRE_THAT(spec.step.gamma, WithinRel(1.0 / (c.L * (theta * c.M_grad + 4.0 + 1.0)), 1e-14));
    REQUIRE(spec.batches == std::vector<std::int64_t>{2});
  }
  SECTION("minibatch: no delay model, no communication, iterate and update rule as enums") {
    const auto p = runner_params("minibatch_sgd", {{"iterate", "tail_average"}, {"update.rule", "heavy_ball"},
                                                   {"update.momentum", "0.5"}, {"sampling", "without_replacement"}});
    const auto spec = resolve_run_spec(Algorithm::kMinibatch, p, *problem);
    REQUIRE_FALSE(spec.has_delay_model());
    REQUIRE_FALSE(spec.is_local());
    REQUIRE(spec.iterate == IterateKind::kTailAverage);
    REQUIRE(spec.update.kind == UpdateRuleKind::kHeavyBall);
    REQUIRE(spec.update.momentum == 0.5);
    REQUIRE(spec.sampling == problems::Sampling::kWithoutReplacement);
  }
  SECTION("local: communication set with its maximal gap, workers and per-worker batches") {
    const auto p = runner_params("local_sgd", {{"workers", "3"}, {"local_steps", "60"}, {"schedule.kind", "list"},
                                               {"schedule.list", "[5,30,35]"}, {"worker_batches", "[1,2,4]"}});
    const auto spec = resolve_run_spec(Algorithm::kLocal, p, *problem);
    REQUIRE(spec.is_local());
    REQUIRE(spec.communication->steps() == std::vector<std::int64_t>{5, 30, 35});
    REQUIRE(spec.max_gap == 25);  // 35 → 60 and 5 → 30
    REQUIRE(spec.workers == 3);
    REQUIRE(spec.batches == std::vector<std::int64_t>{1, 2, 4});
    REQUIRE(spec.total_batch() == 7);
    REQUIRE_FALSE(spec.equal_batches());
  }
  SECTION("per-worker batches of the wrong length are a config error naming the key") {
    const auto p = runner_params("local_sgd", {{"workers", "3"}, {"local_steps", "60"}, {"worker_batches", "[1,2]"}},
                                 "exp.yaml");
    try {
      (void)resolve_run_spec(Algorithm::kLocal, p, *problem);
      FAIL("no ConfigError");
    } catch (const sgdcheck::ConfigError& e) {
      REQUIRE_THAT(std::string(e.what()), Contains("worker_batches") && Contains("exp.yaml"));
    }
  }
}

TEST_CASE("max gap H counts from step 0 to the first round and from the last round to N", "[runners]") {
  REQUIRE(max_gap_of({}, 60) == 60);
  REQUIRE(max_gap_of({60}, 60) == 60);
  REQUIRE(max_gap_of({10, 20, 30, 40, 50, 60}, 60) == 10);
  REQUIRE(max_gap_of({1, 2, 3}, 10) == 7);
}

TEST_CASE("local SGD workers draw their own batch sizes", "[runners]") {
  const auto problem = lsq_problem();
  LocalSgdOptions o;
  o.workers = 2;
  o.local_steps = 12;
  auto spec = o.to_spec(StepSchedule{}, CommunicationSchedule::periodic(4, 12));
  spec.batches = {1, 3};
  PathObserver obs;
  const LocalSgd runner(spec);
  const auto r = runner.run_with(*problem, RunKey{1, 1}, {0, 12}, &obs);
  REQUIRE(r.termination == sgdcheck::Termination::kMaxIterations);
  REQUIRE(obs.workers == 2);
  REQUIRE(obs.last_batch == 3);
  REQUIRE(obs.samples == 4 * 12);  // (1 + 3) samples per local step
  // Equal per-worker batches are the plain `batch` run, bit for bit.
  auto equal = spec;
  equal.batches = {2, 2};
  o.batch = 2;
  const auto a = path_of(LocalSgd(equal), *problem);
  const auto b = path_of(LocalSgd(o, StepSchedule{}, CommunicationSchedule::periodic(4, 12)), *problem);
  REQUIRE(a.size() == b.size());
  for (std::size_t t = 0; t < a.size(); ++t) REQUIRE((a[t].array() == b[t].array()).all());
}

TEST_CASE("an observer can stop any runner", "[runners]") {
  class StopAt final : public StepObserver {
   public:
    ObserverAction on_step(const StepEvent& e) override {
      return e.t == 7 ? ObserverAction::kStop : ObserverAction::kContinue;
    }
  } stop;
  const Quadratic problem(vec1(1.0), vec1(0.0), vec1(1.0));
  const auto r = MinibatchSgd(sequence_spec(100, 0.1, UpdateRuleSpec{})).run_with(problem, RunKey{1, 1}, {0, 100}, &stop);
  REQUIRE(r.termination == sgdcheck::Termination::kStoppedByCallback);
  REQUIRE(r.iterations == 7);
}

TEST_CASE("a delay ring or worker set too large for memory is a config error before any run", "[runners][config]") {
  // A streaming problem of dimension d = 1e5 (the schemas cap tau and workers at 1e5, so only a large
  // d reaches the memory rule): (tau + 1)·d and workers·d must stay <= 2e8 doubles.
  const auto* f = problems::find_problem_family("random_design_ls");
  REQUIRE(f != nullptr);
  const auto problem =
      f->build(sgdcheck::validate(f->schema, raw_params({{"d", "100000"}}, "exp.yaml"), "problem"), problems::BuildContext{});
  const auto expect_error = [&](Algorithm a, const std::string& kind,
                                const std::vector<std::pair<std::string, std::string>>& kv, const std::string& key) {
    const auto p = runner_params(kind, kv);
    try {
      (void)resolve_run_spec(a, p, *problem);
      FAIL("no ConfigError");
    } catch (const sgdcheck::ConfigError& e) {
      const std::string msg = e.what();
      REQUIRE_THAT(msg, Contains(key) && Contains("fit in memory"));
      REQUIRE(msg.find('\n') == std::string::npos);
    }
  };
  expect_error(Algorithm::kDelayed, "delayed_sgd", {{"delay.tau", "10000"}}, "delay.tau");
  expect_error(Algorithm::kLocal, "local_sgd", {{"workers", "10000"}, {"local_steps", "10"}}, "workers");
  // Just below the limit is fine: (tau + 1)·d = 2e8.
  const auto ok = runner_params("delayed_sgd", {{"delay.tau", "1999"}});
  REQUIRE(resolve_run_spec(Algorithm::kDelayed, ok, *problem).delay.max_delay == 1999);
}
