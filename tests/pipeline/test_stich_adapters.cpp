// Adapters of Stich, Mohtashami & Jaggi (2021) (papers/stich2021/bounds.cpp): the isotropic oracles
// O3/O4 agree with the general least-squares oracles O1/O2 on an isotropic instance, the delayed
// runner matches O2 by Monte Carlo, and every adapter says in one line why it does not apply.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../config/temp_files.hpp"
#include "core/errors.hpp"
#include "core/trace.hpp"
#include "experiment_text.hpp"
#include "pipeline/plan.hpp"
#include "pipeline/bound_registry.hpp"
#include "problems/registry.hpp"
#include "runners/runner.hpp"
#include "support/raw_params.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
namespace problems = sgdcheck::problems;
namespace pipeline = sgdcheck::pipeline;
using sgdcheck::test::raw_params;

namespace {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

/// One cell: problem + runner options, as the pipeline builds it.
struct StichCell {
  sgdcheck::Params problem_params;
  std::unique_ptr<problems::Problem> problem;
  sgdcheck::Params runner_params;
  std::string kind;
  std::vector<std::int64_t> iters;
  std::unique_ptr<sgdcheck::runners::Runner> runner;

  StichCell(const std::string& family, const KeyValues& pkv, std::string runner_kind, const KeyValues& rkv, std::int64_t T)
      : kind(std::move(runner_kind)) {
    const auto* f = problems::find_problem_family(family);
    REQUIRE(f != nullptr);
    problem_params = sgdcheck::validate(f->schema, raw_params(pkv), "problem");
    problem = f->build(problem_params, problems::BuildContext{});
    const auto* k = sgdcheck::runners::find_runner_kind(kind);
    REQUIRE(k != nullptr);
    runner_params = sgdcheck::validate(k->schema, raw_params(rkv), "runner");
    k->validate(runner_params, *problem);
    runner = k->make(runner_params, *problem);
    iters = sgdcheck::log_spaced_iterations(T, 10);
  }
  pipeline::CellContext ctx() const { return {*problem, iters, runner->spec()}; }
  std::optional<std::string> why_not(const std::string& id) const {
    const auto* a = pipeline::find_bound(id);
    REQUIRE(a != nullptr);
    return a->not_applicable(ctx());
  }
  std::vector<double> eval(const std::string& id) const {
    const auto* a = pipeline::find_bound(id);
    REQUIRE(a != nullptr);
    const auto why = a->not_applicable(ctx());
    INFO(id << ": " << why.value_or("applies"));
    REQUIRE_FALSE(why.has_value());
    return a->evaluate(ctx());
  }
};

void require_close(const std::vector<double>& a, const std::vector<double>& b, double rel) {
  REQUIRE(a.size() == b.size());
  for (std::size_t k = 0; k < a.size(); ++k) REQUIRE_THAT(a[k], WithinRel(b[k], rel) || WithinAbs(b[k], 1e-300));
}

/// Orthogonal equal-norm rows, n = d = 8: A = I, B = 8·I, so M_grad = M_curv = 7 (spec §3.2).
const KeyValues kIsotropicRows = {{"n", "8"}, {"d", "8"}, {"structure", "orthogonal_rows"}, {"storage", "dense"}};

}  // namespace

TEST_CASE("the Stich adapters are registered under stable ids with their labels", "[pipeline]") {
  for (const char* id : {"oracle.delayed_lsq.dist2", "oracle.delayed_lsq.subopt", "oracle.isotropic.dist2",
                         "oracle.isotropic.subopt", "oracle.isotropic_delayed.dist2", "oracle.isotropic_delayed.subopt",
                         "sgd.strongly_convex_delayed.dist2", "stich.delayed.dist2", "stich.delayed_minibatch.dist2"}) {
    const auto* a = pipeline::find_bound(id);
    INFO(id);
    REQUIRE(a != nullptr);
    REQUIRE(std::find(a->runners.begin(), a->runners.end(), "delayed_sgd") != a->runners.end());
  }
  for (const char* id : {"stich.delayed.dist2", "stich.delayed_minibatch.dist2"}) {
    REQUIRE(pipeline::find_bound(id)->info.label == sgdcheck::bounds::Label::kUnverified);
    REQUIRE(pipeline::find_bound(id)->info.guarantee == sgdcheck::bounds::Guarantee::kPrediction);
  }
  REQUIRE(pipeline::find_bound("oracle.delayed_lsq.dist2")->info.guarantee == sgdcheck::bounds::Guarantee::kExact);
}

TEST_CASE("O3 and O4 adapters equal the O1 and O2 adapters to 1e-10 on orthogonal equal-norm rows", "[pipeline]") {
  const auto sampling = GENERATE(std::string("with_replacement"), std::string("without_replacement"));
  const KeyValues mb = {{"iterations", "400"}, {"batch", "2"}, {"sampling", sampling}, {"step.gamma", "0.2"}};
  const StichCell sync("least_squares", kIsotropicRows, "minibatch_sgd", mb, 400);
  REQUIRE_THAT(sync.problem->constants().M_grad, WithinRel(7.0, 1e-12));
  const auto o1 = sync.eval("oracle.minibatch_lsq.dist2");
  require_close(sync.eval("oracle.isotropic.dist2"), o1, 1e-10);
  require_close(sync.eval("oracle.isotropic_delayed.dist2"), o1, 1e-10);
  require_close(sync.eval("oracle.delayed_lsq.dist2"), o1, 1e-10);
  require_close(sync.eval("oracle.isotropic.subopt"), sync.eval("oracle.minibatch_lsq.subopt"), 1e-10);

  auto dl = mb;
  dl.emplace_back("delay.tau", "3");
  const StichCell delayed("least_squares", kIsotropicRows, "delayed_sgd", dl, 400);
  const auto o2 = delayed.eval("oracle.delayed_lsq.dist2");
  require_close(delayed.eval("oracle.isotropic_delayed.dist2"), o2, 1e-10);
  require_close(delayed.eval("oracle.isotropic_delayed.subopt"), delayed.eval("oracle.delayed_lsq.subopt"), 1e-10);
  // The delay matters: O2 with τ = 3 is not O1.
  REQUIRE(std::abs(o2[10] - o1[10]) > 1e-3 * o1[10]);
}

TEST_CASE("O3 equals O4 at delay 0 on a streaming isotropic problem with label noise", "[pipeline]") {
  const KeyValues pkv = {{"d", "10"}, {"noise", "0.3"}, {"design", "bernoulli_gaussian"}, {"density", "0.25"},
                         {"spectrum.scale", "0.25"}};
  const StichCell cell("random_design_ls", pkv, "delayed_sgd",
                  {{"iterations", "300"}, {"batch", "4"}, {"step.rule", "critical"}, {"step.scale", "1"}}, 300);
  const auto& c = cell.problem->constants();
  REQUIRE_THAT(c.M_grad, WithinRel(10.0 - 2.0 + 3.0 / 0.25, 1e-12));  // d − 2 + 3/p (spec §3.2)
  REQUIRE_THAT(c.sigma2, WithinRel(0.09 * 10 * 0.25, 1e-12));         // s²·tr A
  const auto o3 = cell.eval("oracle.isotropic.dist2");
  require_close(cell.eval("oracle.isotropic_delayed.dist2"), o3, 1e-10);
  // At the guideline step γ = 1/(L(1 + θM)) the noise-free part contracts by ρ* = θM/(1 + θM) per step.
  REQUIRE(o3.back() < o3.front());
}

TEST_CASE("delayed SGD Monte Carlo matches the O2 adapter within 3 standard errors", "[pipeline]") {
  // Realizable least squares n = 20, d = 3, fixed delay τ = 2, b = 1 at half the guideline step;
  // 3000 seeded repetitions. Checked at four iterations of the transient and the tail.
  const KeyValues pkv = {{"n", "20"}, {"d", "3"}, {"spectrum.kind", "geometric"}, {"spectrum.cond", "4"},
                         {"init.radius", "2"}};
  const KeyValues rkv = {{"iterations", "60"}, {"delay.tau", "2"}, {"step.rule", "critical"}, {"step.scale", "0.5"},
                         {"step.m", "grad"}};
  const StichCell cell("least_squares", pkv, "delayed_sgd", rkv, 60);
  const auto o2 = cell.eval("oracle.delayed_lsq.dist2");
  const auto* kind = sgdcheck::runners::find_runner_kind("delayed_sgd");
  const auto runner = kind->make(cell.runner_params, *cell.problem);
  const std::size_t P = cell.iters.size();
  std::vector<double> sum(P, 0.0), sum2(P, 0.0);
  const int R = 3000;
  for (int r = 0; r < R; ++r) {
    const auto res = runner->run(*cell.problem, {2024, static_cast<std::uint64_t>(r)}, cell.iters);
    REQUIRE(res.termination == sgdcheck::Termination::kMaxIterations);
    const auto m = res.trace.metric_index("dist2");
    for (std::size_t k = 0; k < P; ++k) {
      const double v = res.trace.value(k, m);
      sum[k] += v;
      sum2[k] += v * v;
    }
  }
  const StichCell undelayed("least_squares", pkv, "minibatch_sgd",
                       {{"iterations", "60"}, {"step.gamma", std::to_string(runner->derived_constants()[0].second)}}, 60);
  const auto o1 = undelayed.eval("oracle.delayed_lsq.dist2");  // τ = 0: the undelayed run (O2 = O1 there)
  int o1_rejected = 0;
  for (std::int64_t t : {3, 10, 25, 60}) {
    const auto k = static_cast<std::size_t>(std::find(cell.iters.begin(), cell.iters.end(), t) - cell.iters.begin());
    REQUIRE(k < P);
    const double mean = sum[k] / R;
    const double se = std::sqrt(std::max(0.0, sum2[k] / R - mean * mean) / (R - 1));
    INFO("t = " << t << ": MC " << mean << " ± " << se << ", O2 " << o2[k] << ", O1 " << o1[k]);
    REQUIRE_THAT(mean, WithinAbs(o2[k], 3.0 * se));
    o1_rejected += std::abs(mean - o1[k]) > 3.0 * se;
  }
  REQUIRE(o1_rejected >= 2);  // the comparison has power: ignoring the delay is detected
}

TEST_CASE("Stich adapters say in one line why they do not apply", "[pipeline]") {
  const KeyValues aniso = {{"n", "30"}, {"d", "4"}, {"spectrum.kind", "geometric"}, {"spectrum.cond", "10"}};
  const StichCell uniform("least_squares", aniso, "delayed_sgd",
                     {{"delay.kind", "uniform"}, {"delay.tau", "3"}, {"step.gamma", "0.01"}}, 100);
  REQUIRE_THAT(*uniform.why_not("oracle.delayed_lsq.dist2"), Contains("fixed delay") && Contains("uniform on [0, 3]"));
  REQUIRE_THAT(*uniform.why_not("oracle.isotropic.dist2"), Contains("not isotropic"));
  REQUIRE_THAT(*uniform.why_not("sgd.strongly_convex_delayed.dist2"), Contains("no delay"));
  REQUIRE_FALSE(uniform.why_not("stich.delayed.dist2").has_value());  // R6 takes the maximum delay

  const StichCell noisy("least_squares", {{"n", "30"}, {"d", "4"}, {"noise", "0.5"}}, "delayed_sgd",
                   {{"delay.tau", "1"}, {"step.gamma", "0.01"}, {"batch", "2"}}, 100);
  REQUIRE_THAT(*noisy.why_not("oracle.delayed_lsq.dist2"), Contains("realizable"));
  REQUIRE_THAT(*noisy.why_not("stich.delayed.dist2"), Contains("R6 is for b = 1"));
  REQUIRE_FALSE(noisy.why_not("stich.delayed_minibatch.dist2").has_value());

  const StichCell big_step("least_squares", aniso, "delayed_sgd", {{"delay.tau", "2"}, {"step.gamma", "10"}}, 100);
  REQUIRE_THAT(*big_step.why_not("stich.delayed_minibatch.dist2"), Contains("outside (0, 1]"));

  const StichCell logistic("logistic", {{"n", "40"}, {"d", "3"}}, "delayed_sgd", {{"step.gamma", "0.1"}}, 50);
  REQUIRE_THAT(*logistic.why_not("oracle.isotropic_delayed.dist2"), Contains("not least squares"));
  REQUIRE_THAT(*logistic.why_not("oracle.delayed_lsq.dist2"), Contains("not a finite-sum least-squares"));

  for (const StichCell* cell : {&uniform, &noisy, &big_step, &logistic})
    for (const auto& a : pipeline::bound_adapters()) {
      if (a.not_about(cell->runner->spec())) continue;  // only bounds about this (delayed) run
      const auto why = a.not_applicable(cell->ctx());
      if (why) REQUIRE(why->find('\n') == std::string::npos);
    }
}

TEST_CASE("the R7 prediction starts at r0, decreases, and matches R7's iteration count", "[pipeline]") {
  const StichCell cell("least_squares", {{"n", "30"}, {"d", "4"}, {"noise", "0.2"}}, "delayed_sgd",
                  {{"iterations", "2000"}, {"delay.tau", "3"}, {"batch", "2"}, {"step.rule", "critical"},
                   {"step.m", "grad"}, {"step.scale", "0.5"}},
                  2000);
  const auto pred = cell.eval("stich.delayed_minibatch.dist2");
  const double r0 = (cell.problem->initial_point() - cell.problem->constants().x_star).squaredNorm();
  REQUIRE(pred.front() == r0);
  for (std::size_t k = 1; k < pred.size(); ++k) REQUIRE(pred[k] <= pred[k - 1]);
  REQUIRE(pred.back() < 0.5 * r0);
}

TEST_CASE("which runs a bound is about follows from the run spec, not from the runner kind", "[pipeline]") {
  const KeyValues iso = {{"n", "30"}, {"d", "4"}, {"spectrum.kind", "geometric"}, {"spectrum.cond", "10"}};
  const StichCell mb("least_squares", iso, "minibatch_sgd", {{"step.gamma", "0.01"}}, 50);
  const StichCell delayed("least_squares", iso, "delayed_sgd", {{"delay.tau", "0"}, {"step.gamma", "0.01"}}, 50);
  const auto about = [](const std::string& id, const StichCell& c) {
    const auto* a = pipeline::find_bound(id);
    REQUIRE(a != nullptr);
    REQUIRE(a->not_about);
    REQUIRE_FALSE(a->about.empty());
    return a->not_about(c.runner->spec());
  };
  // Foundation bounds model fresh gradients: a delay model (even τ = 0) is outside them.
  REQUIRE_FALSE(about("oracle.minibatch_lsq.dist2", mb).has_value());
  REQUIRE_THAT(*about("oracle.minibatch_lsq.dist2", delayed), Contains("delay model"));
  // Stich bounds take a single sequence with or without delays; R1-delayed needs a delay model.
  REQUIRE_FALSE(about("oracle.delayed_lsq.dist2", mb).has_value());
  REQUIRE_FALSE(about("oracle.delayed_lsq.dist2", delayed).has_value());
  REQUIRE_THAT(*about("sgd.strongly_convex_delayed.dist2", mb), Contains("no delay model"));
  // Patel bounds need a communication schedule.
  REQUIRE_THAT(*about("oracle.local_sgd.dist2", mb), Contains("communication schedule"));
}

TEST_CASE("bounds about plain SGD do not apply to heavy ball, AdamW or a delay-scaled step", "[pipeline]") {
  const KeyValues aniso = {{"n", "30"}, {"d", "4"}, {"spectrum.kind", "geometric"}, {"spectrum.cond", "10"}};
  const StichCell plain("least_squares", aniso, "delayed_sgd", {{"delay.tau", "2"}, {"step.gamma", "0.01"}}, 50);
  REQUIRE_FALSE(plain.why_not("oracle.delayed_lsq.dist2").has_value());
  const StichCell hb("least_squares", aniso, "delayed_sgd",
                {{"delay.tau", "2"}, {"step.gamma", "0.01"}, {"update.rule", "heavy_ball"}}, 50);
  REQUIRE_THAT(*hb.why_not("oracle.delayed_lsq.dist2"), Contains("plain SGD") && Contains("heavy_ball"));
  const StichCell adamw("least_squares", aniso, "minibatch_sgd", {{"step.gamma", "0.01"}, {"update.rule", "adamw"}}, 50);
  REQUIRE_THAT(*adamw.why_not("oracle.minibatch_lsq.dist2"), Contains("adamw"));
  const StichCell scaled("least_squares", aniso, "delayed_sgd",
                    {{"delay.tau", "2"}, {"step.gamma", "0.01"}, {"step.delay_policy", "inverse_delay"}}, 50);
  REQUIRE_THAT(*scaled.why_not("oracle.delayed_lsq.dist2"), Contains("delay"));
}

TEST_CASE("naming a bound for a run it is not about is a one-line config error at the bound's line", "[pipeline][config]") {
  sgdcheck::test::TempDir dir;
  const std::string text = pipeline::test::tiny_experiment(
      {{"bounds: [sgd.strongly_convex.dist2]", "bounds: [oracle.local_sgd.dist2]"},
       {"checks:", ""},
       {"  - bound_holds: {bound: sgd.strongly_convex.dist2}", ""}});
  const std::string file = dir.write("exp.yaml", text);
  try {
    (void)pipeline::make_plan(file, {false, std::nullopt});
    FAIL("expected a ConfigError");
  } catch (const sgdcheck::ConfigError& e) {
    const std::string msg = e.what();
    INFO(msg);
    REQUIRE(msg.find('\n') == std::string::npos);
    REQUIRE(msg.rfind(file + ":" + std::to_string(pipeline::test::line_of(text, "bounds: [oracle.local_sgd.dist2]")) + ": ", 0) == 0);
    REQUIRE_THAT(msg, Contains("oracle.local_sgd.dist2") && Contains("communication schedule") && Contains("minibatch_sgd"));
  }
}
