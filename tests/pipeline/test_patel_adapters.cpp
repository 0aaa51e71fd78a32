// Adapters of Patel & Dieuleveut (2019) (papers/patel2019/bounds.cpp) against the oracle functions
// directly, the spec's Case A reference values through the adapter, the identities that the adapters
// must reproduce, the one-line reasons when they do not apply, and the streaming logistic family.
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "bounds/local_sgd_bounds.hpp"
#include "bounds/local_sgd_oracle.hpp"
#include "core/rng.hpp"
#include "core/trace.hpp"
#include "pipeline/bound_registry.hpp"
#include "problems/random_design_logistic.hpp"
#include "problems/registry.hpp"
#include "runners/runner.hpp"
#include "support/raw_params.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
namespace problems = sgdcheck::problems;
namespace pipeline = sgdcheck::pipeline;
using sgdcheck::test::raw_params;
namespace bounds = sgdcheck::bounds;

namespace {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

struct PatelCell {
  sgdcheck::Params problem_params;
  std::unique_ptr<problems::Problem> problem;
  sgdcheck::Params runner_params;
  std::string kind = "local_sgd";
  std::vector<std::int64_t> iters;
  std::unique_ptr<sgdcheck::runners::Runner> runner;

  PatelCell(const std::string& family, const KeyValues& pkv, const KeyValues& rkv) {
    const auto* f = problems::find_problem_family(family);
    REQUIRE(f != nullptr);
    problem_params = sgdcheck::validate(f->schema, raw_params(pkv), "problem");
    problem = f->build(problem_params, problems::BuildContext{});
    const auto* k = sgdcheck::runners::find_runner_kind(kind);
    REQUIRE(k != nullptr);
    runner_params = sgdcheck::validate(k->schema, raw_params(rkv), "runner");
    k->validate(runner_params, *problem);
    runner = k->make(runner_params, *problem);
    iters = sgdcheck::log_spaced_iterations(runner_params.get_int("local_steps"), 10);
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
    const auto v = a->evaluate(ctx());
    REQUIRE(v.size() == iters.size());
    return v;
  }
};

const KeyValues kCaseA = {{"h", "[1, 0.1]"}, {"noise", "1"}, {"w_star", "[-1, 2]"}, {"init.kind", "zeros"}};

KeyValues runner_kv(const std::string& schedule, const std::string& iterate, const std::string& P = "4",
                    const std::string& b = "1") {
  return {{"workers", P}, {"batch", b}, {"local_steps", "60"}, {"step.rule", "power"}, {"step.gamma", "0.5"},
          {"step.alpha", "0.6"}, {"schedule.kind", schedule}, {"schedule.period", "10"}, {"iterate", iterate}};
}

bounds::LocalSgdOracleParams case_a(const std::vector<std::int64_t>& comm) {
  bounds::LocalSgdOracleParams p;
  p.h = sgdcheck::Vec(2);
  p.h << 1.0, 0.1;
  p.s2 = 1.0;
  p.workers = 4;
  p.local_steps = 60;
  p.c = 0.5;
  p.alpha = 0.6;
  p.eta0 = sgdcheck::Vec(2);
  p.eta0 << 1.0, -2.0;
  p.comm = comm;
  return p;
}

}  // namespace

TEST_CASE("oracle.local_sgd adapters equal the oracle functions at every recorded step (Case A)") {
  const std::vector<std::int64_t> S = {10, 20, 30, 40, 50, 60};
  for (const auto& [iterate, metric, output] :
       std::vector<std::tuple<std::string, std::string, bounds::LocalSgdOracleOutput>>{
           {"last", "dist2", bounds::LocalSgdOracleOutput::kLastDist2},
           {"last", "subopt", bounds::LocalSgdOracleOutput::kLastRisk},
           {"pr", "dist2", bounds::LocalSgdOracleOutput::kPrDist2},
           {"pr", "subopt", bounds::LocalSgdOracleOutput::kPrRisk}}) {
    PatelCell c("random_design_ls", kCaseA, runner_kv("periodic", iterate));
    const auto got = c.eval("oracle.local_sgd." + metric);
    std::vector<std::int64_t> ts(c.iters.begin() + 1, c.iters.end());
    REQUIRE(c.iters.front() == 0);
    const auto want = bounds::local_sgd_oracle_at(case_a(S), output, ts);
    for (std::size_t k = 0; k < ts.size(); ++k) REQUIRE_THAT(got[k + 1], WithinRel(want[k], 1e-14));
    // t = 0: w0 for both iterates.
    CHECK_THAT(got.front(), WithinRel(metric == "dist2" ? 5.0 : 0.5 * (1.0 + 0.1 * 4.0), 1e-15));
  }
}

TEST_CASE("oracle.local_sgd adapters reproduce the spec's Case A values") {
  auto last = [](const PatelCell& c, const std::string& id) { return c.eval(id).back(); };
  CHECK_THAT(last(PatelCell("random_design_ls", kCaseA, runner_kv("periodic", "last")), "oracle.local_sgd.dist2"),
             WithinRel(1.355935733, 1e-8));
  CHECK_THAT(last(PatelCell("random_design_ls", kCaseA, runner_kv("periodic", "pr")), "oracle.local_sgd.dist2"),
             WithinRel(1.959576789, 1e-8));
  CHECK_THAT(last(PatelCell("random_design_ls", kCaseA, runner_kv("osa", "last")), "oracle.local_sgd.dist2"),
             WithinRel(1.356499242, 1e-8));
  CHECK_THAT(last(PatelCell("random_design_ls", kCaseA, runner_kv("mba", "pr")), "oracle.local_sgd.dist2"),
             WithinRel(1.955353657, 1e-8));
  CHECK_THAT(last(PatelCell("random_design_ls", kCaseA, runner_kv("periodic", "last")), "oracle.local_sgd.subopt"),
             WithinRel(0.071164727, 1e-8));
  PatelCell at30("random_design_ls", kCaseA, runner_kv("periodic", "pr"));
  at30.iters = {0, 30, 60};
  CHECK_THAT(at30.eval("oracle.local_sgd.dist2")[1], WithinRel(2.421952545, 1e-8));
  KeyValues rad = kCaseA;
  rad.push_back({"design", "rademacher"});
  CHECK_THAT(last(PatelCell("random_design_ls", rad, runner_kv("periodic", "pr")), "oracle.local_sgd.dist2"),
             WithinRel(1.947654276, 1e-8));
  // One worker: every schedule gives 1.445589778 / 2.061442899.
  for (const char* s : {"mba", "periodic", "osa", "none", "power"}) {
    CHECK_THAT(last(PatelCell("random_design_ls", kCaseA, runner_kv(s, "last", "1")), "oracle.local_sgd.dist2"),
               WithinRel(1.445589778, 1e-8));
    CHECK_THAT(last(PatelCell("random_design_ls", kCaseA, runner_kv(s, "pr", "1")), "oracle.local_sgd.dist2"),
               WithinRel(2.061442899, 1e-8));
  }
}

TEST_CASE("MBA with P workers equals batch-P serial SGD in the adapter (Case A: 1.353745399 both ways)") {
  const auto mba = PatelCell("random_design_ls", kCaseA, runner_kv("mba", "last", "4", "1")).eval("oracle.local_sgd.dist2");
  const auto serial = PatelCell("random_design_ls", kCaseA, runner_kv("osa", "last", "1", "4")).eval("oracle.local_sgd.dist2");
  for (std::size_t k = 0; k < mba.size(); ++k) REQUIRE_THAT(mba[k], WithinRel(serial[k], 1e-12));
  CHECK_THAT(mba.back(), WithinRel(1.353745399, 1e-8));
}

TEST_CASE("equal_rounds comparator: rounds(C) with the cell's C, identical for an equally spaced schedule") {
  PatelCell per("random_design_ls", kCaseA, runner_kv("periodic", "pr"));
  const auto own = per.eval("oracle.local_sgd.dist2");
  const auto cmp = per.eval("oracle.local_sgd.equal_rounds.dist2");
  for (std::size_t k = 0; k < own.size(); ++k) REQUIRE_THAT(cmp[k], WithinRel(own[k], 1e-15));
  PatelCell pow2("random_design_ls", kCaseA, runner_kv("power", "pr"));  // S = {1, 4, 9, 16, 25, 36, 49, 60}: C = 8
  const auto want = bounds::local_sgd_oracle_at(
      case_a({8, 15, 23, 30, 38, 45, 53, 60}), bounds::LocalSgdOracleOutput::kPrDist2, std::vector<std::int64_t>{60});
  CHECK_THAT(pow2.eval("oracle.local_sgd.equal_rounds.dist2").back(), WithinRel(want.front(), 1e-14));
  CHECK(pipeline::find_bound("oracle.local_sgd.equal_rounds.dist2")->info.metric == "dist2_equal_rounds");
}

TEST_CASE("floors and the P sqrt(N) prediction") {
  PatelCell pr("random_design_ls", kCaseA, runner_kv("periodic", "pr"));
  const auto floor = pr.eval("patel.local_sgd.ls_floor.dist2");
  for (std::size_t k = 1; k < pr.iters.size(); ++k)
    REQUIRE_THAT(floor[k], WithinRel((1.0 + 10.0) / (4.0 * static_cast<double>(pr.iters[k])), 1e-14));
  CHECK(std::isnan(floor.front()));
  const auto risk = pr.eval("patel.local_sgd.ls_floor.subopt");
  CHECK_THAT(risk.back(), WithinRel(2.0 / (2.0 * 240.0), 1e-14));
  const auto pred = pr.eval("patel.local_sgd.rounds_local_pred");
  CHECK_THAT(pred.back(), WithinRel(4.0 * std::sqrt(60.0), 1e-14));

  PatelCell lg("random_design_logistic", {{"w_star", "[2]"}, {"init.radius", "0"}},
          {{"workers", "16"}, {"local_steps", "100"}, {"step.gamma", "2"}, {"iterate", "pr"}});
  const auto lf = lg.eval("patel.local_sgd.logistic_floor.dist2");
  CHECK_THAT(lf.back(), WithinRel(1.0 / (0.060528 * 1600.0), 1e-4));
}

TEST_CASE("not applicable: one-line reasons") {
  PatelCell last("random_design_ls", kCaseA, runner_kv("periodic", "last"));
  CHECK_THAT(last.why_not("patel.local_sgd.ls_floor.dist2").value_or(""), Contains("Polyak-Ruppert"));
  KeyValues w0 = runner_kv("periodic", "pr");
  w0.push_back({"pr_include_w0", "true"});
  CHECK_THAT(PatelCell("random_design_ls", kCaseA, w0).why_not("oracle.local_sgd.dist2").value_or(""),
             Contains("pr_include_w0"));
  KeyValues inv = runner_kv("periodic", "last");
  inv.push_back({"step.rule", "inverse_time"});
  inv.erase(inv.begin() + 3);
  CHECK_THAT(PatelCell("random_design_ls", kCaseA, inv).why_not("oracle.local_sgd.dist2").value_or(""),
             Contains("not of the form"));
  KeyValues a3 = runner_kv("periodic", "last");
  a3[5] = {"step.alpha", "0.3"};
  const PatelCell low("random_design_ls", kCaseA, a3);
  CHECK_THAT(low.why_not("patel.local_sgd.rounds_local_pred").value_or(""), Contains("1/2 < alpha < 1"));
  CHECK_FALSE(low.why_not("oracle.local_sgd.dist2").has_value());  // the oracle is exact for every alpha
  PatelCell lg("random_design_logistic", {{"w_star", "[2]"}}, {{"local_steps", "50"}, {"iterate", "pr"}});
  CHECK_THAT(lg.why_not("oracle.local_sgd.dist2").value_or(""), Contains("not random-design least squares"));
  CHECK_THAT(lg.why_not("patel.local_sgd.ls_floor.dist2").value_or(""), Contains("not random-design least squares"));
  PatelCell pr("random_design_ls", kCaseA, runner_kv("periodic", "pr"));
  CHECK_THAT(pr.why_not("patel.local_sgd.logistic_floor.dist2").value_or(""), Contains("random_design_logistic"));
}

TEST_CASE("random_design_logistic: H* = 0.060528 at w* = 2, grad f(w*) = 0, gradient = finite differences of f") {
  using sgdcheck::Vec;
  problems::InitOptions init;
  init.kind = problems::InitKind::kZeros;
  Vec w1(1);
  w1 << 2.0;
  const problems::RandomDesignLogistic p1(w1, init);
  CHECK_THAT(p1.hessian_along(), WithinRel(0.060528, 1e-5));
  CHECK_THAT(p1.constants().sigma2, WithinRel(0.060528, 1e-5));
  Vec g(1);
  p1.gradient(w1, g);
  CHECK_THAT(g[0], WithinAbs(0.0, 1e-14));
  Vec x(1);
  x << 0.5;
  p1.gradient(x, g);
  const double h = 1e-5;
  Vec xp = x, xm = x;
  xp[0] += h;
  xm[0] -= h;
  CHECK_THAT(g[0], WithinAbs((p1.value(xp) - p1.value(xm)) / (2 * h), 1e-8));
  // f(0) = log 2 for every w*.
  CHECK_THAT(p1.value(Vec::Zero(1)), WithinRel(std::log(2.0), 1e-13));

  Vec w2(2);
  w2 << 1.0, -1.5;
  const problems::RandomDesignLogistic p2(w2, init);
  Vec x2(2), g2(2);
  x2 << 0.3, 0.4;
  p2.gradient(x2, g2);
  for (int j = 0; j < 2; ++j) {
    Vec a = x2, b = x2;
    a[j] += h;
    b[j] -= h;
    CHECK_THAT(g2[j], WithinAbs((p2.value(a) - p2.value(b)) / (2 * h), 1e-8));
  }
  p2.gradient(w2, g2);
  CHECK(g2.norm() < 1e-13);
  // Mean of stochastic gradients ≈ gradient (within 5 SE of 200000 draws).
  sgdcheck::Rng rng = sgdcheck::make_stream(3, 0, sgdcheck::StreamPurpose::kAlgorithm);
  auto ws = p2.make_workspace(1);
  Vec s(2), sum = Vec::Zero(2), sq = Vec::Zero(2);
  const int R = 200000;
  for (int r = 0; r < R; ++r) {
    p2.stochastic_gradient(x2, 1, problems::Sampling::kWithReplacement, rng, ws, s);
    sum += s;
    sq += s.cwiseProduct(s);
  }
  p2.gradient(x2, g2);
  for (int j = 0; j < 2; ++j) {
    const double m = sum[j] / R, se = std::sqrt((sq[j] / R - m * m) / R);
    CHECK(std::abs(m - g2[j]) < 5 * se);
  }
}

TEST_CASE("Patel bounds assume equal batches on every worker", "[pipeline]") {
  const PatelCell cell("random_design_ls", kCaseA,
                  {{"workers", "2"}, {"local_steps", "20"}, {"iterate", "pr"}, {"worker_batches", "[1,2]"}});
  REQUIRE(cell.runner->spec().batches == std::vector<std::int64_t>{1, 2});
  REQUIRE_THAT(*cell.why_not("patel.local_sgd.ls_floor.dist2"), Contains("same batch size"));
}
