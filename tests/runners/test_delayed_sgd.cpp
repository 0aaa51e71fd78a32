// Delayed SGD runner (spec papers/stich2021_critical.md §2 "Delay"): τ = 0 is mini-batch SGD bit for
// bit, the delay semantics on a deterministic quadratic, the delay models and their config errors.
// Monte Carlo against the exact oracle O2 is in tests/pipeline/test_stich_adapters.cpp (it needs bounds/).
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "config/temp_files.hpp"
#include "problems/registry.hpp"
#include "runners/delayed_sgd.hpp"
#include "runners/minibatch_sgd.hpp"
#include "support/raw_params.hpp"
#include "support/runner_params.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using sgdcheck::Index;
using sgdcheck::Rng;
using sgdcheck::Vec;
using namespace sgdcheck::runners;
namespace problems = sgdcheck::problems;

using sgdcheck::test::raw_params;
using sgdcheck::test::runner_params;

namespace {

std::unique_ptr<problems::Problem> make_problem(const std::string& family,
                                                const std::vector<std::pair<std::string, std::string>>& kv) {
  const auto* f = problems::find_problem_family(family);
  REQUIRE(f != nullptr);
  return f->build(sgdcheck::validate(f->schema, raw_params(kv), "problem"), problems::BuildContext{});
}

std::unique_ptr<Runner> make_runner(const std::string& kind,
                                    const sgdcheck::Params& p,
                                    const problems::Problem& problem) {
  const auto* k = find_runner_kind(kind);
  k->validate(p, problem);
  return k->make(p, problem);
}

/// Every value of `metric` in both traces, bit for bit.
void require_same_metric(const sgdcheck::Trace& a, const sgdcheck::Trace& b, const std::string& metric) {
  const auto ia = a.metric_index(metric), ib = b.metric_index(metric);
  REQUIRE(ia != std::string::npos);
  REQUIRE(ib != std::string::npos);
  REQUIRE(a.points.size() == b.points.size());
  for (std::size_t k = 0; k < a.points.size(); ++k) {
    REQUIRE(a.points[k].iter == b.points[k].iter);
    REQUIRE(a.points[k].samples == b.points[k].samples);
    // Bitwise: == on doubles (both are finite here).
    REQUIRE(a.value(k, ia) == b.value(k, ib));
  }
}

/// f(x) = ½ h‖x − x*‖², oracle = the exact gradient (deterministic), so a delayed run is a known recursion.
class ExactQuadratic final : public problems::Problem {
 public:
  ExactQuadratic(double h, Vec x_star, Vec x0) : h_(h), x0_(std::move(x0)) {
    constants_.x_star = std::move(x_star);
    constants_.f_star = 0.0;
    constants_.L = h;
    constants_.mu = h;
  }
  std::string family() const override { return "test_exact_quadratic"; }
  Index dim() const override { return x0_.size(); }
  Index n() const override { return 0; }
  double value(const Vec& x) const override { return 0.5 * h_ * (x - constants_.x_star).squaredNorm(); }
  void gradient(const Vec& x, Vec& g) const override { g = h_ * (x - constants_.x_star); }
  void stochastic_gradient(const Vec& x, Index, problems::Sampling, Rng&, problems::Workspace&, Vec& g) const override {
    gradient(x, g);
  }
  Vec initial_point() const override { return x0_; }
  std::string describe() const override { return "exact quadratic"; }

 private:
  double h_;
  Vec x0_;
};

}  // namespace

TEST_CASE("delayed SGD with delay 0 reproduces minibatch SGD bit for bit on the same key", "[runners]") {
  const auto sampling = GENERATE(std::string("with_replacement"), std::string("without_replacement"));
  const auto delay_kind = GENERATE(std::string("fixed"), std::string("uniform"));
  const auto problem = make_problem(
      "least_squares",
      {{"n", "60"}, {"d", "5"}, {"noise", "0.3"}, {"spectrum.kind", "geometric"}, {"spectrum.cond", "10"}});
  const std::vector<std::pair<std::string, std::string>> common = {{"iterations", "300"},
                                                                    {"batch", "4"},
                                                                    {"sampling", sampling},
                                                                    {"step.rule", "critical"},
                                                                    {"step.scale", "0.5"},
                                                                    {"running_metrics", "true"}};
  auto delayed_kv = common;
  delayed_kv.emplace_back("delay.kind", delay_kind);
  delayed_kv.emplace_back("delay.tau", "0");
  const auto mb = make_runner("minibatch_sgd", runner_params("minibatch_sgd", common), *problem);
  const auto dl = make_runner("delayed_sgd", runner_params("delayed_sgd", delayed_kv), *problem);
  const auto iters = sgdcheck::log_spaced_iterations(300, 10);
  for (std::uint64_t rep : {0u, 7u}) {
    const RunKey key{11, rep};
    const auto a = mb->run(*problem, key, iters);
    const auto b = dl->run(*problem, key, iters);
    REQUIRE(a.termination == b.termination);
    for (const char* m : {"subopt", "dist2", "grad2", "step", "avg_subopt", "avg_grad2"})
      require_same_metric(a.trace, b.trace, m);
  }
  REQUIRE(mb->derived_constants()[0].second == dl->derived_constants()[0].second);
}

TEST_CASE("delayed SGD with delay 0 reproduces minibatch SGD bit for bit on a streaming problem", "[runners]") {
  const auto problem = make_problem("random_design_ls", {{"d", "6"}, {"noise", "0.2"}});
  const std::vector<std::pair<std::string, std::string>> common = {
      {"iterations", "200"}, {"batch", "3"}, {"step.gamma", "0.05"}};
  auto delayed_kv = common;
  delayed_kv.emplace_back("delay.tau", "0");
  const auto mb = make_runner("minibatch_sgd", runner_params("minibatch_sgd", common), *problem);
  const auto dl = make_runner("delayed_sgd", runner_params("delayed_sgd", delayed_kv), *problem);
  const auto iters = sgdcheck::log_spaced_iterations(200, 10);
  const auto a = mb->run(*problem, {5, 2}, iters);
  const auto b = dl->run(*problem, {5, 2}, iters);
  for (const char* m : {"subopt", "dist2", "grad2"}) require_same_metric(a.trace, b.trace, m);
}

TEST_CASE("a fixed delay follows x_{t+1} = x_t - γ h (x_{t-τ} - x*) with x_s = x_0 for s < 0", "[runners]") {
  const std::int64_t tau = GENERATE(1, 3, 7);
  const double h = 0.8, gamma = 0.15;
  const Vec x_star = Vec::Constant(2, 0.5);
  const Vec x0 = (Vec(2) << 2.0, -1.0).finished();
  const ExactQuadratic problem(h, x_star, x0);
  const auto p = runner_params("delayed_sgd",
                               {{"iterations", "60"}, {"step.gamma", "0.15"}, {"delay.tau", std::to_string(tau)}});
  const auto runner = make_runner("delayed_sgd", p, problem);
  std::vector<std::int64_t> iters(61);
  for (int t = 0; t <= 60; ++t) iters[static_cast<std::size_t>(t)] = t;
  const auto result = runner->run(problem, {1, 0}, iters);
  REQUIRE(result.termination == sgdcheck::Termination::kMaxIterations);

  std::vector<Vec> xs{x0};  // reference recursion, written out directly
  for (std::int64_t s = 0; s < 60; ++s) {
    const Vec& stale = xs[static_cast<std::size_t>(std::max<std::int64_t>(0, s - tau))];
    xs.push_back(xs.back() - gamma * h * (stale - x_star));
  }
  const auto id = result.trace.metric_index("dist2");
  const auto imax = result.trace.metric_index("delay_max");
  const auto imean = result.trace.metric_index("delay_mean");
  for (std::size_t k = 0; k < iters.size(); ++k) {
    const double expected = (xs[k] - x_star).squaredNorm();
    REQUIRE_THAT(result.trace.value(k, id), WithinRel(expected, 1e-12) || WithinAbs(expected, 1e-300));
    REQUIRE(result.trace.value(k, imax) == (k == 0 ? 0.0 : static_cast<double>(tau)));
    REQUIRE(result.trace.value(k, imean) == (k == 0 ? 0.0 : static_cast<double>(tau)));
  }
  // A delay changes the path: the delayed iterate differs from the undelayed one after τ + 1 steps.
  REQUIRE((xs[static_cast<std::size_t>(tau) + 2] - (x0 - x_star) * std::pow(1 - gamma * h, tau + 2) - x_star).norm() > 1e-6);
}

TEST_CASE("uniform delays stay in [0, τ], average about τ/2 and come from their own stream", "[runners]") {
  const auto problem = make_problem("least_squares", {{"n", "30"}, {"d", "3"}});
  const auto p = runner_params("delayed_sgd",
                               {{"iterations", "4000"}, {"step.gamma", "0.01"}, {"delay.kind", "uniform"}, {"delay.tau", "6"}});
  const auto runner = make_runner("delayed_sgd", p, *problem);
  const auto iters = sgdcheck::log_spaced_iterations(4000, 5);
  const auto a = runner->run(*problem, {3, 0}, iters);
  const auto b = runner->run(*problem, {3, 0}, iters);
  const auto c = runner->run(*problem, {3, 1}, iters);
  const auto imax = a.trace.metric_index("delay_max"), imean = a.trace.metric_index("delay_mean");
  const std::size_t last = a.trace.points.size() - 1;
  REQUIRE(a.trace.value(last, imax) == 6.0);
  // Mean of 4000 draws uniform on {0..6}: 3 ± 5 SE with SE = 2/sqrt(4000).
  REQUIRE_THAT(a.trace.value(last, imean), WithinAbs(3.0, 5.0 * 2.0 / std::sqrt(4000.0)));
  REQUIRE(a.trace.values == b.trace.values);  // same key, same run
  REQUIRE(a.trace.values != c.trace.values);  // another repetition draws other delays and samples
}

TEST_CASE("the critical step rule of delayed SGD uses the maximum delay", "[runners]") {
  const auto problem = make_problem("least_squares", {{"n", "40"}, {"d", "4"}});
  const auto& c = problem->constants();
  for (std::int64_t tau : {0, 5}) {
    const auto p = runner_params("delayed_sgd",
                                 {{"batch", "2"},
                                  {"step.rule", "critical"},
                                  {"step.m", "grad"},
                                  {"step.scale", "0.5"},
                                  {"delay.tau", std::to_string(tau)}});
    const auto runner = make_runner("delayed_sgd", p, *problem);
    const auto dc = runner->derived_constants();
    REQUIRE(dc[0].first == "gamma");
    REQUIRE_THAT(dc[0].second, WithinRel(0.5 / (c.L * (c.M_grad / 2.0 + static_cast<double>(tau) + 1.0)), 1e-14));
    REQUIRE(dc[1].first == "theta_b");
    REQUIRE(dc[1].second == 0.5);
    REQUIRE(dc[3].first == "tau");
    REQUIRE(dc[3].second == static_cast<double>(tau));
  }
}

TEST_CASE("a delay file is read relative to the experiment file and repeats", "[runners]") {
  sgdcheck::test::TempDir dir;
  dir.write("sub/delays.txt", "# delays of a straggler trace\n2\n\n0  # fresh\n5\n");
  const auto exp_file = (dir.path() / "sub" / "exp.yaml").string();
  const auto problem = make_problem("least_squares", {{"n", "20"}, {"d", "2"}});
  const auto p = runner_params("delayed_sgd",
                               {{"delay.kind", "file"}, {"delay.file", "delays.txt"}, {"iterations", "7"}},
                               exp_file);
  const auto source = make_delay_source(p);
  REQUIRE(source->max_delay() == 5);
  REQUIRE_FALSE(source->is_fixed());
  auto cursor = source->start({0, 0});
  std::vector<std::int64_t> got;
  for (int k = 0; k < 7; ++k) got.push_back(cursor->next());
  REQUIRE(got == std::vector<std::int64_t>{2, 0, 5, 2, 0, 5, 2});
  const auto runner = make_runner("delayed_sgd", p, *problem);
  const auto r = runner->run(*problem, {0, 0}, {0, 7});
  const auto imean = r.trace.metric_index("delay_mean");
  REQUIRE_THAT(r.trace.value(1, imean), WithinRel(16.0 / 7.0, 1e-15));
  REQUIRE(runner->derived_constants()[3].second == 5.0);
}

TEST_CASE("bad delay settings are one-line errors naming the file and line", "[runners]") {
  sgdcheck::test::TempDir dir;
  const auto exp_file = (dir.path() / "exp.yaml").string();
  const auto problem = make_problem("least_squares", {{"n", "20"}, {"d", "2"}});
  auto message = [&](const std::vector<std::pair<std::string, std::string>>& kv) -> std::string {
    try {
      const auto p = runner_params("delayed_sgd", kv, exp_file);
      (void)make_runner("delayed_sgd", p, *problem);
    } catch (const sgdcheck::ConfigError& e) {
      const std::string what = e.what();
      REQUIRE(what.find('\n') == std::string::npos);
      return what;
    }
    return "no error";
  };
  REQUIRE_THAT(message({{"delay.tau", "-1"}}), Contains("runner.delay.tau = -1 violates") && Contains("exp.yaml:1"));
  REQUIRE_THAT(message({{"delay.kind", "file"}}), Contains("delay.file set when delay.kind = file"));
  REQUIRE_THAT(message({{"delay.file", "d.txt"}}), Contains("delay.file unset unless delay.kind = file"));
  dir.write("ok.txt", "1\n2\n");
  REQUIRE_THAT(message({{"delay.kind", "file"}, {"delay.file", "ok.txt"}, {"delay.tau", "3"}}),
               Contains("delay.tau unset when delay.kind = file"));
  REQUIRE_THAT(message({{"delay.kind", "file"}, {"delay.file", "missing.txt"}}),
               Contains("missing.txt: cannot open the delay file"));
  dir.write("bad.txt", "1\n2\nthree\n");
  REQUIRE_THAT(message({{"delay.kind", "file"}, {"delay.file", "bad.txt"}}),
               Contains("bad.txt:3: 'three' is not an integer delay"));
  dir.write("neg.txt", "1\n-2\n");
  REQUIRE_THAT(message({{"delay.kind", "file"}, {"delay.file", "neg.txt"}}), Contains("neg.txt:2: delay -2 violates delay >= 0"));
  dir.write("frac.txt", "1.5\n");
  REQUIRE_THAT(message({{"delay.kind", "file"}, {"delay.file", "frac.txt"}}), Contains("frac.txt:1: '1.5'"));
  dir.write("empty.txt", "# nothing\n\n");
  REQUIRE_THAT(message({{"delay.kind", "file"}, {"delay.file", "empty.txt"}}), Contains("empty.txt:2: no delays"));
}
