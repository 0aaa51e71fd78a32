// The registered bound adapters as a whole (papers/<paper>/bounds.cpp through register_paper): each
// says what a run must be, ids are unique, the registry refuses incomplete adapters; and the cell
// constants and scalars that used to be read from option strings (Delta, iterations_to_target) now
// come from typed values.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "../config/temp_files.hpp"
#include "experiment_text.hpp"
#include "papers/registry.hpp"
#include "pipeline/bound_adapter_support.hpp"
#include "pipeline/bound_registry.hpp"
#include "pipeline/execute.hpp"
#include "pipeline/plan.hpp"

using Catch::Matchers::WithinAbs;
using namespace sgdcheck;
using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::test;
using sgdcheck::test::TempDir;

namespace {

BoundAdapter complete_adapter(const std::string& id) {
  BoundAdapter a;
  a.info.id = id;
  a.info.metric = "dist2";
  a.about = "any run";
  a.not_about = [](const runners::RunSpec&) -> std::optional<std::string> { return std::nullopt; };
  a.not_applicable = [](const CellContext&) -> std::optional<std::string> { return std::nullopt; };
  a.evaluate = [](const CellContext& ctx) { return std::vector<double>(ctx.iters.size(), 1.0); };
  return a;
}

/// The one cell of `text` after planning and executing it with 2 jobs.
CellResult run_single_cell(const std::string& text) {
  TempDir dir;
  const Plan plan = make_plan(dir.write("exp.yaml", text), {});
  auto ex = execute(plan, {2, {}});
  REQUIRE(ex.results.cells.size() == 1);
  return ex.results.cells.front();
}

std::string random_design_experiment(const std::string& design, const std::string& density) {
  return tiny_experiment({{"  family: least_squares", "  family: random_design_ls"},
                          {"  n: 40", "  design: " + design},
                          {"  spectrum: {kind: geometric, cond: 4}", "  density: " + density},
                          {"  noise: 0.1", "  noise: 0"},
                          {"seeds: 100", "seeds: 4"},
                          {"sweep:", ""},
                          {"  batch: [1, 4]", ""},
                          {"bounds: [sgd.strongly_convex.dist2]", "bounds: []"},
                          {"checks:", "checks: []"},
                          {"  - bound_holds: {bound: sgd.strongly_convex.dist2}", ""}});
}

}  // namespace

TEST_CASE("every registered bound says in words and as a criterion what a run must be", "[pipeline]") {
  const auto& all = bound_adapters();
  REQUIRE(all.size() >= 20);
  std::set<std::string> ids;
  for (const auto& a : all) {
    INFO(a.info.id);
    REQUIRE_FALSE(a.about.empty());
    REQUIRE(static_cast<bool>(a.not_about));
    REQUIRE(static_cast<bool>(a.not_applicable));
    REQUIRE(static_cast<bool>(a.evaluate));
    REQUIRE(ids.insert(a.info.id).second);
    REQUIRE(find_bound(a.info.id) == &a);
  }
  REQUIRE(find_bound("no.such.bound") == nullptr);
}

TEST_CASE("bounds are listed foundation first, then the paper folders in name order", "[pipeline]") {
  // The documented order of `sgdcheck list bounds` (docs/extending.md): foundation (R1 first, O1
  // last), then dutta2018 (2 bounds), general (delayed, mini-batch and local SGD: 9 bounds), lau2024 (three
  // derived adaptive-batch bounds), patel2019 (local SGD), regatti2019, stich2021.
  const auto& all = bound_adapters();
  std::vector<std::string> ids;
  for (const auto& a : all) ids.push_back(a.info.id);
  REQUIRE(ids.front() == "sgd.strongly_convex.dist2");
  REQUIRE(ids.at(5) == "oracle.minibatch_lsq.subopt");
  REQUIRE(ids.at(6) == "dutta.ksync.subopt");
  REQUIRE(ids.at(7) == "dutta.noisy_quadratic.subopt");
  REQUIRE(ids.at(8) == "delayed_sgd.strongly_convex.dist2");
  REQUIRE(ids.at(16) == "local_sgd.nonconvex.avg_grad2");
  REQUIRE(ids.at(17) == "lau2024.bound_nonconvex.avg_grad2");
  REQUIRE(ids.at(20) == "oracle.local_sgd.dist2");
  REQUIRE(ids.back() == "stich.delayed_minibatch.dist2");
}

TEST_CASE("the registry refuses an incomplete bound adapter and a second adapter with the same id", "[pipeline]") {
  papers::Registry r;
  BoundAdapter no_about = complete_adapter("test.no_about");
  no_about.about.clear();
  REQUIRE_THROWS_AS(r.add_bound(no_about), std::logic_error);
  BoundAdapter no_criterion = complete_adapter("test.no_criterion");
  no_criterion.not_about = nullptr;
  REQUIRE_THROWS_AS(r.add_bound(no_criterion), std::logic_error);
  BoundAdapter no_metric = complete_adapter("test.no_metric");
  no_metric.info.metric.clear();
  REQUIRE_THROWS_AS(r.add_bound(no_metric), std::logic_error);
  REQUIRE(r.bounds().empty());

  r.add_bound(complete_adapter("test.ok"));
  REQUIRE(r.bounds().size() == 1);
  REQUIRE_THROWS_AS(r.add_bound(complete_adapter("test.ok")), std::logic_error);
  REQUIRE(r.bounds().size() == 1);
}

TEST_CASE("Delta of a random design is its Bernoulli density, and 1 for a Gaussian design", "[pipeline]") {
  const CellResult sparse = run_single_cell(random_design_experiment("bernoulli_gaussian", "0.3"));
  REQUIRE(sparse.constants.count("Delta") == 1);
  REQUIRE_THAT(sparse.constants.at("Delta").first, WithinAbs(0.3, 0.0));
  const CellResult dense = run_single_cell(random_design_experiment("gaussian", "1"));
  REQUIRE(dense.constants.count("Delta") == 1);
  REQUIRE_THAT(dense.constants.at("Delta").first, WithinAbs(1.0, 0.0));
}

TEST_CASE("iterations_to_target is a per-run scalar exactly when the runner has a target metric", "[pipeline]") {
  const std::map<std::string, std::string> one_cell = {
      {"seeds: 100", "seeds: 4"}, {"sweep:", ""}, {"  batch: [1, 4]", ""}};
  const CellResult plain = run_single_cell(tiny_experiment(one_cell));
  REQUIRE(plain.scalars.count("iterations") == 1);
  REQUIRE(plain.scalars.count("iterations_to_target") == 0);

  auto with_target = one_cell;
  with_target["  iterations: 200"] = "  iterations: 200\n  target: {metric: dist2, value: 1e300}";
  const CellResult targeted = run_single_cell(tiny_experiment(with_target));
  REQUIRE(targeted.scalars.count("iterations_to_target") == 1);
  // A target every start already meets: each run stops converged at once, so the scalar is finite.
  REQUIRE(std::isfinite(targeted.scalars.at("iterations_to_target").mean));
}

namespace {
/// A problem that only claims a size (the guard reads nothing else).
class SizedProblem final : public sgdcheck::problems::Problem {
 public:
  SizedProblem(sgdcheck::Index n, sgdcheck::Index d) : n_(n), d_(d) {}
  std::string family() const override { return "sized"; }
  sgdcheck::Index dim() const override { return d_; }
  sgdcheck::Index n() const override { return n_; }
  double value(const sgdcheck::Vec&) const override { return 0.0; }
  void gradient(const sgdcheck::Vec& x, sgdcheck::Vec& g) const override { g = sgdcheck::Vec::Zero(x.size()); }
  sgdcheck::Vec initial_point() const override { return sgdcheck::Vec::Zero(d_); }
  std::string describe() const override { return "sized"; }

 private:
  sgdcheck::Index n_, d_;
};
}  // namespace

TEST_CASE("the exact least-squares oracles refuse data too wide or too large to copy densely", "[pipeline]") {
  using sgdcheck::pipeline::dense_oracle_too_large;
  CHECK_FALSE(dense_oracle_too_large(SizedProblem(1000, 100)).has_value());
  CHECK_FALSE(dense_oracle_too_large(SizedProblem(10000, 5000)).has_value());  // n·d = 5e7: at the limit
  const auto wide = dense_oracle_too_large(SizedProblem(100000, 5001));
  REQUIRE(wide.has_value());
  CHECK_THAT(*wide, Catch::Matchers::Contains("d = 5001 > 5000"));
  const auto tall = dense_oracle_too_large(SizedProblem(10000001, 5));
  REQUIRE(tall.has_value());
  CHECK_THAT(*tall, Catch::Matchers::Contains("n·d = 5e+07"));
}
