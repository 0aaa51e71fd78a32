// Lau, Li, Xu, Liu & Kolar (2024), adaptive batch sizes for local gradient methods: the closed
// forms of spec §4 as Formulas for `sgdcheck bound` (all derived for sgdcheck, none the paper's).
#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <optional>
#include <string>

#include "bounds/lau_bounds.hpp"
#include "papers/registry.hpp"

namespace sgdcheck::papers::lau2024 {

namespace {

using bounds::Formula;
using bounds::FormulaArgs;
using bounds::FormulaParam;
using bounds::FormulaResult;

constexpr double kInf = std::numeric_limits<double>::infinity();
const char* kRef =
    "derived; technique of local-SGD drift bounds on the virtual average (Lau et al. 2024 setting)";

FormulaParam pos(const std::string& name, const std::string& meaning) {
  FormulaParam p{name, meaning, std::nullopt, false, 0.0, kInf};
  return p;
}
FormulaParam count(const std::string& name,
                   const std::string& meaning,
                   std::optional<double> def = std::nullopt) {
  FormulaParam p{name, meaning, def, true, 1.0, 1e15};
  return p;
}

/// Parameters are moved in one by one (an initializer list of them trips GCC 12's -Wrestrict).
template <class... Ps>
Formula make(const std::string& id,
             const std::string& title,
             bounds::Guarantee g,
             const std::string& metric,
             Ps&&... params) {
  Formula f;
  f.info.id = fmt::format("lau2024.{}", id);
  f.info.title = title;
  f.info.reference = kRef;
  f.info.label = bounds::Label::kDerived;
  f.info.guarantee = g;
  f.info.metric = metric;
  f.paper = "lau2024";
  (f.params.push_back(std::forward<Ps>(params)), ...);
  return f;
}

FormulaResult one(const std::string& name, double v) { return FormulaResult{{{name, v}}, std::nullopt}; }

std::int64_t as_int(const FormulaArgs& a, const std::string& n) {
  return static_cast<std::int64_t>(a.get(n));
}

using AlphaMax = double (*)(double L, double eta, std::int64_t P, std::int64_t H);

/// alpha_max(L, eta, P, H) at the formula's arguments.
double alpha_max_at(AlphaMax alpha_max, const FormulaArgs& a) {
  return alpha_max(a.get("L"), a.get("eta"), as_int(a, "P"), as_int(a, "H"));
}

/// The hypothesis of a bound that holds for steps alpha <= alpha_max (`name` says which alpha_max).
std::function<std::optional<std::string>(const FormulaArgs&)> alpha_at_most(AlphaMax alpha_max, const char* name) {
  return [alpha_max, name](const FormulaArgs& a) -> std::optional<std::string> {
    const double am = alpha_max_at(alpha_max, a);
    if (a.get("alpha") > am) return fmt::format("alpha = {:g} > {} = {:g}", a.get("alpha"), name, am);
    return std::nullopt;
  };
}

std::vector<Formula> formulas() {
  std::vector<Formula> out;
  {
    Formula f = make("alpha_max_nonconvex",
                     "largest step of the derived nonconvex bound",
                     bounds::Guarantee::kPrediction,
                     "step",
                     pos("L", "smoothness constant of F"),
                     pos("eta", "norm-test parameter"),
                     count("P", "number of workers"),
                     count("H", "local steps per round"));
    f.evaluate = [](const FormulaArgs& a) { return one("alpha", alpha_max_at(bounds::lau_alpha_max_nonconvex, a)); };
    out.push_back(std::move(f));
  }
  {
    Formula f = make("bound_nonconvex",
                     "mean squared gradient norm of the virtual average, nonconvex",
                     bounds::Guarantee::kUpper,
                     "grad2",
                     pos("Delta", "F(x0) - F_inf"),
                     pos("alpha", "constant step size"),
                     count("K", "rounds"),
                     count("H", "local steps per round"),
                     pos("L", "smoothness constant of F"),
                     pos("eta", "norm-test parameter"),
                     count("P", "number of workers"));
    f.axis = std::string("K");  // not = "K": GCC 12 -Wrestrict false positive
    f.hypotheses = alpha_at_most(bounds::lau_alpha_max_nonconvex, "alpha_max_nonconvex");
    f.evaluate = [](const FormulaArgs& a) {
      return one("grad2",
                 bounds::lau_bound_nonconvex(a.get("Delta"), a.get("alpha"), as_int(a, "K"), as_int(a, "H")));
    };
    out.push_back(std::move(f));
  }
  {
    Formula f = make("rounds_to_eps_nonconvex",
                     "rounds until the derived nonconvex bound is below eps",
                     bounds::Guarantee::kPrediction,
                     "rounds",
                     pos("Delta", "F(x0) - F_inf"),
                     pos("alpha", "constant step size"),
                     count("H", "local steps per round"),
                     pos("eps", "target mean squared gradient norm"));
    f.evaluate = [](const FormulaArgs& a) {
      return one(
          "K",
          bounds::lau_rounds_to_eps_nonconvex(a.get("Delta"), a.get("alpha"), as_int(a, "H"), a.get("eps")));
    };
    out.push_back(std::move(f));
  }
  {
    Formula f = make("pl_round_factor",
                     "per-round contraction of F(x) - F* under mu-PL",
                     bounds::Guarantee::kUpper,
                     "subopt",
                     pos("alpha", "constant step size"),
                     pos("mu", "PL constant"),
                     count("H", "local steps per round"));
    f.evaluate = [](const FormulaArgs& a) {
      return one("factor", bounds::lau_pl_round_factor(a.get("alpha"), a.get("mu"), as_int(a, "H")));
    };
    out.push_back(std::move(f));
  }
  {
    Formula f = make("alpha_max_convex",
                     "largest step of the derived convex bound",
                     bounds::Guarantee::kPrediction,
                     "step",
                     pos("L", "smoothness constant of F"),
                     pos("eta", "norm-test parameter"),
                     count("P", "number of workers"),
                     count("H", "local steps per round"));
    f.evaluate = [](const FormulaArgs& a) { return one("alpha", alpha_max_at(bounds::lau_alpha_max_convex, a)); };
    out.push_back(std::move(f));
  }
  {
    Formula f = make("bound_convex",
                     "suboptimality of the averaged virtual iterate, convex",
                     bounds::Guarantee::kUpper,
                     "subopt",
                     pos("D0", "distance |x0 - x*|"),
                     pos("alpha", "constant step size"),
                     count("K", "rounds"),
                     count("H", "local steps per round"),
                     pos("L", "smoothness constant of F"),
                     pos("eta", "norm-test parameter"),
                     count("P", "number of workers"));
    f.axis = std::string("K");  // not = "K": GCC 12 -Wrestrict false positive
    f.hypotheses = alpha_at_most(bounds::lau_alpha_max_convex, "alpha_max_convex");
    f.evaluate = [](const FormulaArgs& a) {
      return one("subopt",
                 bounds::lau_bound_convex(a.get("D0"), a.get("alpha"), as_int(a, "K"), as_int(a, "H")));
    };
    out.push_back(std::move(f));
  }
  {
    Formula f = make("lsq_sigma2",
                     "gradient covariance trace of isotropic Gaussian least squares",
                     bounds::Guarantee::kExact,
                     "sigma2",
                     count("d", "dimension"),
                     FormulaParam{"lambda", "design covariance Sigma = lambda I", 1.0, false, 0.0, kInf},
                     pos("e2", "squared distance |x - x*|^2"),
                     pos("s", "label noise standard deviation"));
    f.evaluate = [](const FormulaArgs& a) {
      return one("sigma2",
                 bounds::lau_lsq_sigma2_iso(as_int(a, "d"), a.get("lambda"), a.get("e2"), a.get("s")));
    };
    out.push_back(std::move(f));
  }
  {
    Formula f = make("oracle_batch",
                     "batch size of the exact norm test",
                     bounds::Guarantee::kPrediction,
                     "batch",
                     pos("sigma2", "gradient covariance trace at x"),
                     pos("grad2", "|grad F(x)|^2"),
                     pos("eta", "norm-test parameter"));
    f.evaluate = [](const FormulaArgs& a) {
      return one("b", bounds::lau_oracle_batch(a.get("sigma2"), a.get("grad2"), a.get("eta")));
    };
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

std::vector<pipeline::CheckKind> check_kinds();  // checks.cpp
std::vector<pipeline::BoundAdapter> adapters();  // bounds.cpp

void register_paper(Registry& r) {
  for (auto& f : formulas()) r.add_formula(std::move(f));
  for (auto& k : check_kinds()) r.add_check(std::move(k));
  r.add_bounds(adapters());
}

}  // namespace sgdcheck::papers::lau2024
