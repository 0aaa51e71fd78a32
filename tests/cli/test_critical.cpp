// `sgdcheck critical` (spec papers/stich2021_critical.md §3): the exact reference values of §3.2
// through the real executable, the sparsity bound M + 1 >= 1/Δ, the estimator as a lower bound,
// θ_b by direct variance computation, and one-line errors with exit code 2 for bad input.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "config/temp_files.hpp"
#include "core/rng.hpp"
#include "problems/critical.hpp"
#include "problems/registry.hpp"
#include "support/raw_params.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
namespace problems = sgdcheck::problems;

namespace {

struct Output {
  int code = -1;
  std::string out, err;
};

/// Runs `sgdcheck <args>` through the shell, capturing stdout, stderr and the exit code.
Output run_cli(const std::string& args) {
  static sgdcheck::test::TempDir dir;
  static int counter = 0;
  const auto out = (dir.path() / ("out" + std::to_string(counter) + ".txt")).string();
  const auto err = (dir.path() / ("err" + std::to_string(counter++) + ".txt")).string();
  const std::string cmd = std::string("'") + SGDCHECK_EXE + "' " + args + " >'" + out + "' 2>'" + err + "'";
  const int status = std::system(cmd.c_str());
  Output o;
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  o.out = slurp(out);
  o.err = slurp(err);
  return o;
}

nlohmann::json critical_json(const std::string& args) {
  const auto o = run_cli("critical " + args + " --json");
  INFO(o.err);
  REQUIRE(o.code == 0);
  return nlohmann::json::parse(o.out);
}

/// Exit code 2 and exactly one line on stderr that contains `what`.
void require_bad_input(const std::string& args, const std::string& what) {
  const auto o = run_cli("critical " + args);
  INFO("args: " << args << "\nstderr: " << o.err);
  REQUIRE(o.code == 2);
  REQUIRE_THAT(o.err, Contains(what));
  REQUIRE(std::count(o.err.begin(), o.err.end(), '\n') == 1);
}

}  // namespace

TEST_CASE("critical reports M = 0 for identical rows", "[cli]") {
  const auto j = critical_json("--problem '{family: least_squares, n: 40, d: 5, structure: identical_rows}'");
  REQUIRE_THAT(j["M_grad"].get<double>(), WithinAbs(0.0, 1e-10));
  REQUIRE_THAT(j["M_curv"].get<double>(), WithinAbs(0.0, 1e-10));
  REQUIRE(j["M_exact"].get<bool>());
  for (const char* key : {"L", "L_max", "mu", "sigma2", "M_grad", "M_curv", "M_exact", "Delta", "noise_scale",
                          "critical_batch", "critical_delay"})
    REQUIRE(j.contains(key));
  // Rank 1 (identical rows): the constants are on the range, with a warning.
  REQUIRE(j["rank"].get<int>() == 1);
  REQUIRE_THAT(j["warnings"][0].get<std::string>(), Contains("rank-deficient"));
}

TEST_CASE("critical reports M = n - 1 for orthogonal rows of any norms", "[cli]") {
  const auto j = critical_json(
      "--problem '{family: least_squares, n: 9, d: 9, structure: orthogonal_rows, spectrum: {kind: geometric, cond: 7}}'");
  REQUIRE_THAT(j["M_grad"].get<double>(), WithinRel(8.0, 1e-10));
  REQUIRE_THAT(j["M_curv"].get<double>(), WithinRel(8.0, 1e-10));
  REQUIRE_THAT(j["critical_batch"].get<double>(), WithinRel(8.0, 1e-10));
}

TEST_CASE("critical reports the population value d + 1 for streaming Gaussian designs", "[cli]") {
  const auto j = critical_json("--problem '{family: random_design_ls, d: 12}'");
  REQUIRE_THAT(j["M_grad"].get<double>(), WithinRel(13.0, 1e-12));
  REQUIRE_THAT(j["M_curv"].get<double>(), WithinRel(13.0, 1e-12));
  REQUIRE(j["n"].get<int>() == 0);
  // Bernoulli(p)-Gaussian: d − 2 + 3/p, and M + 1 >= 1/Δ with Δ = p.
  const auto s = critical_json("--problem '{family: random_design_ls, d: 6, design: bernoulli_gaussian, density: 0.2}'");
  REQUIRE_THAT(s["M_grad"].get<double>(), WithinRel(6.0 - 2.0 + 15.0, 1e-12));
  REQUIRE(s["M_grad"].get<double>() + 1.0 >= 1.0 / s["Delta"].get<double>());
  // B_simple at x0 equals the local ratio, which never exceeds M_grad when sigma2 = 0.
  REQUIRE(s["noise_scale"]["x0"].get<double>() <= s["M_grad"].get<double>() * (1 + 1e-12));
}

TEST_CASE("critical on a sparse LIBSVM file satisfies M + 1 >= 1/Delta and M_curv <= M_grad", "[cli]") {
  sgdcheck::test::TempDir dir;
  sgdcheck::Rng rng(7);
  std::ostringstream text;
  for (int i = 0; i < 400; ++i) {
    text << (rng.uniform() < 0.5 ? "-1" : "1");
    for (int j = 1; j <= 30; ++j)
      if (rng.uniform() < 0.1 || j == (i % 30) + 1) text << " " << j << ":" << rng.normal();
    text << "\n";
  }
  const auto file = dir.write("sparse.libsvm", text.str());
  for (const std::string extra : {"", " --standardize --intercept"}) {
    const auto j = critical_json("--data '" + file + "'" + extra);
    INFO(extra);
    const double M_grad = j["M_grad"], M_curv = j["M_curv"], delta = j["Delta"];
    REQUIRE(M_grad + 1.0 >= (1.0 / delta) * (1 - 1e-12));
    REQUIRE(M_curv + 1.0 >= (1.0 / delta) * (1 - 1e-12));
    REQUIRE(M_curv <= M_grad * (1 + 1e-12));
    REQUIRE(j["noise_scale"]["path"].size() == 6);
  }
  const auto logistic = critical_json("--data '" + file + "' --objective logistic --lambda 0.01");
  REQUIRE_FALSE(logistic["M_exact"].get<bool>());
  REQUIRE_THAT(logistic["M_method"].get<std::string>(), Contains("lower bound"));
  REQUIRE(std::isfinite(logistic["M_grad_hessian_at_opt"].get<double>()));
  const auto text_out = run_cli("critical --data '" + file + "' --objective logistic");
  REQUIRE(text_out.code == 0);
  REQUIRE_THAT(text_out.out, Contains("estimate, a LOWER bound"));
}

TEST_CASE("the text report explains the constants in plain words", "[cli]") {
  const auto o = run_cli("critical --problem '{family: least_squares, n: 200, d: 10, spectrum: {kind: geometric, cond: 20}}'");
  REQUIRE(o.code == 0);
  for (const char* s : {"M_grad", "M_curv", "1/Delta", "critical batch", "critical delay", "Guideline step", "tau=16",
                        "B_simple"})
    REQUIRE_THAT(o.out, Contains(s));
}

TEST_CASE("the local-ratio estimators never exceed the exact M_grad and M_curv on least squares", "[cli]") {
  const auto* f = problems::find_problem_family("least_squares");
  for (const std::string cond : {"1", "30"})
    for (const std::string noise : {"0", "0.2"}) {
      const std::string kind = cond == "1" ? "identity" : "geometric";
      const auto raw = sgdcheck::test::raw_params(
          {{"n", "60"}, {"d", "6"}, {"spectrum.kind", kind}, {"spectrum.cond", cond}, {"noise", noise}});
      const auto params = sgdcheck::validate(f->schema, raw, "problem");
      const auto p = f->build(params, problems::BuildContext{});
      const auto& c = p->constants();
      const auto est = problems::estimate_m(*p, c.x_star, p->initial_point(), c.L, 5, 300);
      INFO("cond " << cond << ", noise " << noise << ": estimate " << est.M_grad << " / " << est.M_curv << ", exact "
                   << c.M_grad << " / " << c.M_curv);
      REQUIRE(est.M_grad <= c.M_grad * (1 + 1e-9));
      REQUIRE(est.M_grad >= 0.3 * c.M_grad);  // and it is not vacuous
      if (noise == "0") REQUIRE(est.M_curv <= c.M_curv * (1 + 1e-9));
    }
}

TEST_CASE("theta_b equals the variance of batch means over all batches, with and without replacement", "[cli]") {
  // Scalars v_i, n = 7, b = 3: enumerate every ordered tuple (with replacement, n^b) and every subset
  // (without, C(n, b)); the variance of the batch mean over them is θ_b times the single-sample variance.
  const std::vector<double> v = {0.3, -1.2, 2.5, 0.0, 4.1, -0.7, 1.9};
  const int n = 7, b = 3;
  double mean = 0, var1 = 0;
  for (double x : v) mean += x / n;
  for (double x : v) var1 += (x - mean) * (x - mean) / n;
  double s = 0, s2 = 0, count = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      for (int k = 0; k < n; ++k) {
        const double m = (v[i] + v[j] + v[k]) / b;
        s += m, s2 += m * m, ++count;
      }
  REQUIRE_THAT(s2 / count - (s / count) * (s / count),
               WithinRel(problems::batch_variance_factor(b, n, problems::Sampling::kWithReplacement) * var1, 1e-12));
  s = s2 = count = 0;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j)
      for (int k = j + 1; k < n; ++k) {
        const double m = (v[i] + v[j] + v[k]) / b;
        s += m, s2 += m * m, ++count;
      }
  const double theta_wo = problems::batch_variance_factor(b, n, problems::Sampling::kWithoutReplacement);
  REQUIRE_THAT(theta_wo, WithinRel((7.0 - 3.0) / (3.0 * 6.0), 1e-15));
  REQUIRE_THAT(s2 / count - (s / count) * (s / count), WithinRel(theta_wo * var1, 1e-12));

  // The samplers the runners use: 200000 draws each, tolerance 5 SE of the variance estimate.
  sgdcheck::Rng rng(11);
  std::vector<sgdcheck::Index> perm(n), idx;
  for (int i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = i;
  for (auto sampling : {problems::Sampling::kWithReplacement, problems::Sampling::kWithoutReplacement}) {
    const int R = 200000;
    double a2 = 0, a4 = 0;
    for (int r = 0; r < R; ++r) {
      if (sampling == problems::Sampling::kWithReplacement)
        problems::sample_with_replacement(n, b, rng, idx);
      else
        problems::sample_without_replacement(n, b, rng, perm, idx);
      double m = 0;
      for (auto i : idx) m += v[static_cast<std::size_t>(i)] / b;
      const double dev = m - mean;
      a2 += dev * dev, a4 += dev * dev * dev * dev;
    }
    const double var = a2 / R;
    const double se = std::sqrt((a4 / R - var * var) / R);
    REQUIRE_THAT(var, WithinAbs(problems::batch_variance_factor(b, n, sampling) * var1, 5 * se));
  }
}

TEST_CASE("bad input to critical is one line on stderr and exit code 2", "[cli]") {
  sgdcheck::test::TempDir dir;
  require_bad_input("--data '" + (dir.path() / "missing.libsvm").string() + "'", "missing.libsvm");
  require_bad_input("--data '" + dir.write("bad.libsvm", "1 1:0.5\n-1 2:x\n") + "'", "bad.libsvm:2");
  require_bad_input("--data '" + dir.write("nan.csv", "a,b,label\n1,2,1\n3,nan,0\n") + "' --format csv", "nan.csv:3");
  require_bad_input("--data '" + dir.write("one.libsvm", "1 1:0.5 2:1\n") + "'", "n = 1 sample(s)");
  require_bad_input("--data '" + dir.write("lab.libsvm", "1 1:0.5\n2 2:1\n-1 1:1\n") + "' --objective logistic",
                    "lab.libsvm:2");
  require_bad_input("--data '" + dir.write("nolabel.csv", "a,b,y\n1,2,1\n3,4,0\n") + "' --format csv", "label");
  require_bad_input("--data '" + dir.write("zero.libsvm", "1 1:0.5\n-1\n1 2:1\n") + "'", "zero.libsvm:2: row 2 is all zero");
  require_bad_input("--problem '{family: least_squares, n: 1}'", "problem.n = 1 violates");
  require_bad_input("--problem '{family: least_square}'", "family is one of");
  require_bad_input("--problem '{family: least_squares, dd: 3}'", "did you mean");
  require_bad_input("--problem '[1, 2]'", "expected a YAML map");
  require_bad_input("", "exactly one of --problem");
  require_bad_input("--problem '{family: least_squares}' --intercept", "--intercept applies to --data only");
  require_bad_input("--data x.libsvm --lambda 0.1", "--lambda applies to --objective logistic only");
}

TEST_CASE("critical reports the valid noise pair and which one it is", "[cli]") {
  // Noisy least squares: (2 M_grad, 2 sigma2) by Young's inequality, never (M_grad, sigma2 at x*).
  const auto j = critical_json("--problem '{family: least_squares, n: 60, d: 4, noise: 0.3}'");
  REQUIRE(j["sigma2"].get<double>() > 0.0);
  REQUIRE_THAT(j["valid_noise_pair"]["M"].get<double>(), WithinRel(2.0 * j["M_grad"].get<double>(), 1e-12));
  REQUIRE_THAT(j["valid_noise_pair"]["sigmaM2"].get<double>(), WithinRel(2.0 * j["sigma2"].get<double>(), 1e-12));
  REQUIRE_THAT(j["valid_noise_pair"]["source"].get<std::string>(), Contains("Young"));
  // Realizable: (M_grad, 0).
  const auto r = critical_json("--problem '{family: least_squares, n: 60, d: 4, noise: 0}'");
  REQUIRE_THAT(r["valid_noise_pair"]["M"].get<double>(), WithinRel(r["M_grad"].get<double>(), 1e-12));
  REQUIRE(r["valid_noise_pair"]["sigmaM2"].get<double>() == 0.0);
  // Streaming Gaussian design, noise independent of the design: (M_grad, sigma2) = (d + 1, s2 tr H).
  const auto s = critical_json("--problem '{family: random_design_ls, d: 5, noise: 0.5}'");
  REQUIRE_THAT(s["valid_noise_pair"]["M"].get<double>(), WithinRel(6.0, 1e-12));
  REQUIRE_THAT(s["valid_noise_pair"]["sigmaM2"].get<double>(), WithinRel(s["sigma2"].get<double>(), 1e-12));
  // Logistic: M = 0 with the variance bound mean |a_i|^2; the estimated M_grad is not used.
  const auto l = critical_json("--problem '{family: logistic, n: 100, d: 3, lambda: 0.1}'");
  REQUIRE(l["valid_noise_pair"]["M"].get<double>() == 0.0);
  REQUIRE(l["valid_noise_pair"]["sigmaM2"].get<double>() > 0.0);
  REQUIRE_FALSE(l["M_exact"].get<bool>());
  const auto text = run_cli("critical --problem '{family: least_squares, n: 60, d: 4, noise: 0.3}'");
  REQUIRE_THAT(text.out, Contains("Valid noise pair") && Contains("NOT valid"));
}

TEST_CASE("critical --method iterative agrees with --method dense and says which one it used", "[cli][critical]") {
  sgdcheck::test::TempDir dir;
  sgdcheck::Rng rng(11);
  std::ostringstream text;
  text.precision(17);
  for (int i = 0; i < 1200; ++i) {
    text << rng.normal();
    for (int j = 1; j <= 150; ++j)
      if (rng.uniform() < 0.05 || j == (i % 150) + 1) text << " " << j << ":" << rng.normal();
    text << "\n";
  }
  const auto file = dir.write("sparse.libsvm", text.str());
  const auto dn = critical_json("--data '" + file + "' --method dense");
  const auto it = critical_json("--data '" + file + "' --method iterative");
  REQUIRE_THAT(dn["constants_method"].get<std::string>(), Contains("exact (dense eigendecomposition)"));
  REQUIRE_THAT(it["constants_method"].get<std::string>(), Contains("iterative (Lanczos, tol 1e-08"));
  REQUIRE_THAT(it["M_method"].get<std::string>(), Contains("iterative (Lanczos"));
  REQUIRE(it.contains("constants_work"));
  // Stated tolerance 1e-8 on the eigenpair residuals; 10x for the CG solves inside.
  for (const char* k : {"L", "mu"}) REQUIRE_THAT(it[k].get<double>(), WithinRel(dn[k].get<double>(), 1e-7));
  for (const char* k : {"M_grad", "M_curv"})
    REQUIRE_THAT(it[k].get<double>() + 1.0, WithinRel(dn[k].get<double>() + 1.0, 1e-7));
  REQUIRE_THAT(it["sigma2"].get<double>(), WithinRel(dn["sigma2"].get<double>(), 1e-8));
  // auto is dense at d = 150.
  const auto au = critical_json("--data '" + file + "'");
  REQUIRE_THAT(au["constants_method"].get<std::string>(), Contains("exact"));
  const auto o = run_cli("critical --data '" + file + "' --method iterative");
  REQUIRE(o.code == 0);
  REQUIRE_THAT(o.out, Contains("Constants: iterative (Lanczos, tol"));
  REQUIRE_THAT(o.out, Contains("M_grad      = "));
  REQUIRE_THAT(o.out, Contains("iterative (tol 1e-08)"));
}

TEST_CASE("critical --jobs: the iterative constants print the same bytes on 1 and 2 threads", "[cli][critical]") {
  sgdcheck::test::TempDir dir;
  sgdcheck::Rng rng(12);
  std::ostringstream text;
  text.precision(17);
  for (int i = 0; i < 1500; ++i) {
    text << rng.normal();
    for (int j = 1; j <= 120; ++j)
      if (rng.uniform() < 0.05 || j == (i % 120) + 1) text << " " << j << ":" << rng.normal();
    text << "\n";
  }
  const auto file = dir.write("sparse.libsvm", text.str());
  const auto one = run_cli("critical --data '" + file + "' --method iterative --json --jobs 1");
  const auto two = run_cli("critical --data '" + file + "' --method iterative --json -j 2");
  REQUIRE(one.code == 0);
  REQUIRE(two.code == 0);
  REQUIRE(one.out == two.out);
  REQUIRE_THAT(one.out, Contains("iterative (Lanczos"));
  const auto bad = run_cli("critical --data '" + file + "' --jobs 0");
  REQUIRE(bad.code != 0);
  REQUIRE_THAT(bad.err, Contains("--jobs"));
}

TEST_CASE("critical --method: misuse, rank deficiency and d beyond the dense limit are one-line errors",
          "[cli][critical]") {
  sgdcheck::test::TempDir dir;
  require_bad_input("--problem '{family: least_squares}' --method dense", "--method applies to --data only");
  require_bad_input("--data x.libsvm --objective logistic --method iterative", "--method applies to --objective least_squares");
  const auto wide = dir.write("wide.libsvm", "1 1:1 6000:1\n-1 2:1\n1 3:2\n");
  require_bad_input("--data '" + wide + "' --method dense", "exceeds the limit d <= 5000");
  require_bad_input("--data '" + wide + "'", "full-rank");
  // Duplicated column: A is singular; the iterative path refuses, the dense one reports the rank.
  std::string dup;
  for (int i = 0; i < 40; ++i)
    dup += std::to_string(i % 3) + " 1:" + std::to_string(1 + i % 5) + " 2:" + std::to_string(1 + i % 5) + " " +
           std::to_string(3 + i % 10) + ":1\n";
  const auto dfile = dir.write("dup.libsvm", dup);
  require_bad_input("--data '" + dfile + "' --method iterative", "full-rank");
  const auto dn = critical_json("--data '" + dfile + "' --method dense");
  REQUIRE(dn["rank"].get<int>() < dn["d"].get<int>());
}
