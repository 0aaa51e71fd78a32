// Unit tests of the stich check kinds (pipeline/checks_stich.cpp) on hand-built ResultSets whose
// T_eps is known in closed form: every kind is shown to pass on a true claim and to fail on a false one.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/csv.hpp"
#include "core/params.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/components.hpp"
#include "pipeline/derived.hpp"
#include "pipeline/result_set.hpp"

namespace sgdcheck::pipeline {
namespace {

/// A dist2 curve exp(-t/s) recorded at t = 0, 1, …, 4000 (step 4) for two identical reps: the seed mean
/// reaches 1e-4 (relative) at T = s·ln(1e4) up to the log-linear interpolation (exact for this shape).
MetricSeries curve_with_T(double T) {
  const double s = T / std::log(1e4);
  MetricSeries m;
  std::vector<double> v;
  for (std::int64_t t = 0; t <= 4000; t += 4) {
    m.points.push_back(Point{t, t, t, static_cast<double>(t)});
    v.push_back(std::exp(-static_cast<double>(t) / s));
  }
  m.values = {v, v};
  m.seeds = {0, 1};
  m.compute_stats();
  return m;
}

/// One cell per (group value, x) with T_eps = T(x) and constants M_curv, M_grad, Delta.
ResultSet swept(const std::string& key, const std::vector<double>& xs, const std::function<double(double)>& T,
                double M_curv, double M_grad = NAN, double Delta = NAN) {
  ResultSet rs;
  rs.name = "synthetic";
  rs.sweep_keys = {key};
  for (double x : xs) {
    CellResult c;
    c.id = rs.cells.size();
    c.sweep_values = {format_real(x)};
    c.metrics["dist2"] = curve_with_T(T(x));
    c.constants["M_curv"] = {M_curv, true};
    if (!std::isnan(M_grad)) c.constants["M_grad"] = {M_grad, true};
    if (!std::isnan(Delta)) c.constants["Delta"] = {Delta, true};
    c.options.emplace("problem.d", "6");  // not operator[] = "6": GCC 12 -O3 reports a false -Wrestrict on that
    rs.cells.push_back(std::move(c));
  }
  return rs;
}

CheckOutcome run(const std::string& kind, const std::map<std::string, std::string>& kv, const ResultSet& rs) {
  const Schema* s = find_check_schema(kind);
  REQUIRE(s != nullptr);
  RawParams raw;
  for (const auto& [k, v] : kv) {
    RawValue r{v, {}, false, SourceLoc{"checks.yaml", 1}};
    if (!v.empty() && v.front() == '[') {  // "[a, b]" → list
      r.is_list = true;
      std::string body = v.substr(1, v.size() - 2);
      std::size_t pos = 0;
      while (pos <= body.size()) {
        auto end = body.find(',', pos);
        if (end == std::string::npos) end = body.size();
        r.list.push_back(body.substr(pos, end - pos));
        pos = end + 1;
      }
    }
    raw[k] = r;
  }
  const auto out = run_checks({ComponentSpec{kind, validate(*s, raw, "checks." + kind), SourceLoc{"checks.yaml", 1}}}, rs);
  REQUIRE(out.size() == 1);
  return out.front();
}

}  // namespace

TEST_CASE("derived: iterations_to_target of a MetricSeries and of a resample") {
  const auto m = curve_with_T(500);
  CHECK(iterations_to_target(m, 1e-4, true) == Approx(500).epsilon(1e-3));
  CHECK(iterations_to_target_resampled(m, {1, 1}, 1e-4, true) == Approx(500).epsilon(1e-3));
}

TEST_CASE("saturation: batch knee of T(b) = c(1 + M/b) is at b = M + 2") {
  // Efficiency T(1)/(b T(b)) = (1 + M)/(b + M) = 1/2 at b = M + 2 = 12.
  const auto rs = swept("runner.batch", {1, 2, 4, 8, 16, 32, 64}, [](double b) { return 30.0 * (1 + 10 / b); }, 10);
  const auto ok = run("saturation", {{"sweep", "runner.batch"}, {"predicted", "M_curv"}, {"within", "[1, 4]"}}, rs);
  INFO(format_checks({ok}));
  CHECK(ok.passed);
  CHECK(ok.details.front().find("ratio 1.") != std::string::npos);
  // Crossing between 8 and 16 (log-linear): 1.1 to 1.3 times M_curv; a window [2, 4] must fail.
  const auto bad = run("saturation", {{"sweep", "batch"}, {"predicted", "M_curv"}, {"within", "[2, 4]"}}, rs);
  CHECK_FALSE(bad.passed);
  // A curve that never saturates (T ∝ 1/b: efficiency 1) fails: no crossing.
  const auto flat = swept("runner.batch", {1, 2, 4, 8}, [](double b) { return 800.0 / b; }, 10);
  CHECK_FALSE(run("saturation", {{"sweep", "runner.batch"}, {"predicted", "M_curv"}}, flat).passed);
}

TEST_CASE("saturation: delay mode finds T(tau) = 2 T(0)") {
  // T(τ) = c(M + τ + 1): doubles at τ = M + 1 = 9.
  const auto rs = swept("runner.tau", {0, 1, 2, 4, 8, 16, 32}, [](double t) { return 20.0 * (8 + t + 1); }, 8);
  const auto ok = run("saturation", {{"sweep", "runner.tau"}, {"mode", "delay"}, {"predicted", "M_curv"},
                                     {"within", "[1.1, 1.15]"}, {"bootstrap", "0"}}, rs);
  INFO(format_checks({ok}));
  CHECK(ok.passed);  // 9/8 = 1.125
  CHECK_FALSE(run("saturation", {{"sweep", "runner.tau"}, {"mode", "delay"}, {"predicted", "M_curv"},
                                 {"within", "[0.5, 1.1]"}}, rs).passed);
}

TEST_CASE("fit_rate: recovers beta of T(b) = alpha (1 + beta/b) and compares it with constants") {
  const auto rs = swept("runner.batch", {1, 2, 4, 8, 16, 32, 64, 128}, [](double b) { return 40.0 * (1 + 12 / b); },
                        10, 50);
  const auto ok = run("fit_rate", {{"sweep", "runner.batch"}, {"lower", "0.5*M_curv"}, {"upper", "2.5*M_curv"}}, rs);
  INFO(format_checks({ok}));
  CHECK(ok.passed);
  CHECK(ok.details.front().find("beta_hat = 12") != std::string::npos);
  CHECK_FALSE(run("fit_rate", {{"sweep", "runner.batch"}, {"upper", "M_curv"}}, rs).passed);     // 12 > 10
  CHECK_FALSE(run("fit_rate", {{"sweep", "runner.batch"}, {"lower", "0.5*M_grad"}}, rs).passed);  // 12 < 25
  // Delay model T = alpha (1 + tau/beta), beta = 9.
  const auto d = swept("runner.tau", {0, 1, 2, 4, 8, 16, 32}, [](double t) { return 50.0 * (1 + t / 9); }, 8);
  const auto dok = run("fit_rate", {{"sweep", "runner.tau"}, {"model", "delay"}, {"lower", "M_curv"}, {"upper", "M_curv + 2"}}, d);
  CHECK(dok.passed);
  CHECK_FALSE(run("fit_rate", {{"sweep", "runner.tau"}, {"model", "delay"}, {"upper", "M_curv"}}, d).passed);
}

TEST_CASE("fit_rate without limits is report-only: its numbers are in values, it never passes or fails") {
  const auto rs = swept("runner.batch", {1, 2, 4, 8, 16, 32, 64, 128}, [](double b) { return 40.0 * (1 + 12 / b); },
                        10, 50);
  const auto r = run("fit_rate", {{"sweep", "runner.batch"}, {"bootstrap", "0"}}, rs);
  CHECK(r.status == CheckStatus::kReport);
  CHECK_FALSE(r.passed);
  CHECK_THAT(format_checks({r}), Catch::Matchers::Contains("[REPORT] fit_rate") && !Catch::Matchers::Contains("[PASS]"));
  REQUIRE(r.values.size() >= 1);
  CHECK(r.values.front().first == "beta_hat");
  CHECK_THAT(r.values.front().second, Catch::Matchers::WithinRel(12.0, 1e-3));  // T = 40 (1 + 12/b) exactly: beta = 12
  // too few swept values to fit: nothing to report, so the check is skipped (never a pass)
  const auto few = swept("runner.batch", {1, 2}, [](double b) { return 40.0 * (1 + 12 / b); }, 10, 50);
  CHECK(run("fit_rate", {{"sweep", "runner.batch"}}, few).status == CheckStatus::kSkipped);
}

TEST_CASE("monotone: a per-cell expression falls along the batch size, and a rise is caught") {
  // T(b) = 40 (1 + 12/b): strictly decreasing in b; b·T(b) = 40 (b + 12) strictly increasing.
  const auto rs = swept("runner.batch", {1, 2, 4, 8, 16}, [](double b) { return 40.0 * (1 + 12 / b); }, 10, 50);
  const auto ok = run("monotone", {{"along", "batch"}, {"direction", "decreasing"}}, rs);
  INFO(format_checks({ok}));
  CHECK(ok.passed);
  CHECK_FALSE(run("monotone", {{"along", "batch"}, {"direction", "increasing"}}, rs).passed);
  CHECK(run("monotone", {{"along", "batch"}, {"value", "batch*T_eps"}}, rs).passed);
  // T = 520, 280, 160, 100, 70: the largest relative fall is (520 - 280)/520 = 0.4615, so "increasing"
  // passes with a slack of 0.47 against the direction and fails with 0.45
  CHECK(run("monotone", {{"along", "batch"}, {"direction", "increasing"}, {"tolerance", "0.47"}}, rs).passed);
  CHECK_FALSE(run("monotone", {{"along", "batch"}, {"direction", "increasing"}, {"tolerance", "0.45"}}, rs).passed);
}

TEST_CASE("constant_relation: inequalities and approx over constants, options and sweep values") {
  auto rs = swept("problem.density", {1, 0.25, 0.05}, [](double) { return 100.0; }, 0, 0, 1);
  // M_grad = d - 2 + 3/p and Delta = p per cell.
  for (auto& c : rs.cells) {
    const double p = std::stod(c.sweep_values[0]);
    c.constants["M_grad"] = {6 - 2 + 3 / p, true};
    c.constants["Delta"] = {p, true};
  }
  CHECK(run("constant_relation", {{"lhs", "M_grad + 1"}, {"relation", ">="}, {"rhs", "1/Delta"}}, rs).passed);
  CHECK(run("constant_relation", {{"lhs", "M_grad"}, {"relation", "approx"}, {"rhs", "d - 2 + 3/density"},
                                  {"tolerance", "1e-12"}}, rs).passed);
  // False claims fail: M + 1 >= 10/Delta, and a 1% perturbation outside a 0.5% tolerance.
  CHECK_FALSE(run("constant_relation", {{"lhs", "M_grad + 1"}, {"relation", ">="}, {"rhs", "10/Delta"}}, rs).passed);
  rs.cells[1].constants["M_grad"].first *= 1.01;
  CHECK_FALSE(run("constant_relation", {{"lhs", "M_grad"}, {"relation", "approx"}, {"rhs", "d - 2 + 3/density"},
                                        {"tolerance", "0.005"}}, rs).passed);
  // ... and pass again when the perturbed cell is filtered out (where / when).
  CHECK(run("constant_relation", {{"lhs", "M_grad"}, {"relation", "approx"}, {"rhs", "d - 2 + 3/density"},
                                  {"tolerance", "0.005"}, {"where", "density=1"}}, rs).passed);
  CHECK(run("constant_relation", {{"lhs", "M_grad"}, {"relation", "approx"}, {"rhs", "d - 2 + 3/density"},
                                  {"tolerance", "0.005"}, {"when", "density < 0.1 || density > 0.5"}}, rs).passed);
  // Unknown names are input errors, not silent passes.
  CHECK_THROWS_AS(run("constant_relation", {{"lhs", "M_gard"}, {"relation", ">="}, {"rhs", "0"}}, rs), ConfigError);
}

TEST_CASE("ratio: T_bound / T_eps within [min, max], with a when filter") {
  // T_eps = 100 (1 + 10/b); numerator 2 (1 + M_curv θ) ln(2e4)/... here simply 3·T_eps for b <= 10.
  auto rs = swept("runner.batch", {1, 2, 4, 8, 16, 32}, [](double b) { return 100.0 * (1 + 10 / b); }, 10);
  for (auto& c : rs.cells) c.constants["theta_b"] = {1 / std::stod(c.sweep_values[0]), true};
  const std::string num = "300*(1 + M_curv*theta_b)";
  const auto ok = run("ratio", {{"numerator", num}, {"max", "3.01"}, {"min", "2.99"}, {"when", "batch <= M_curv"}}, rs);
  INFO(format_checks({ok}));
  CHECK(ok.passed);
  CHECK(ok.details.size() == 4);
  CHECK_FALSE(run("ratio", {{"numerator", num}, {"max", "2.9"}, {"when", "batch <= M_curv"}}, rs).passed);
  // A selection that matches nothing fails rather than passing vacuously.
  CHECK_FALSE(run("ratio", {{"numerator", num}, {"when", "batch > 1000"}}, rs).passed);
}

}  // namespace sgdcheck::pipeline
