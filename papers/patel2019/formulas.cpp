// The closed forms of Patel & Dieuleveut (2019) (spec papers/patel2019_localsgd.md §4.1–§4.2) as
// bounds::Formula for `sgdcheck bound`: the communication-reduction order √T/P^1.5 (paper-stated,
// order only), the sufficient round count P√N (derived) and the asymptotic Polyak–Ruppert floors
// (derived). Each calls the same pure function as the experiment-side adapter (bounds/local_sgd_bounds.hpp).
#include <cmath>
#include <cstdint>
#include <limits>

#include "bounds/formula.hpp"
#include "bounds/local_sgd_bounds.hpp"

namespace sgdcheck::papers::patel2019 {

namespace {

using bounds::Formula;
using bounds::FormulaArgs;
using bounds::FormulaParam;
using bounds::FormulaResult;

constexpr double kInf = std::numeric_limits<double>::infinity();

FormulaParam param(std::string name, std::string meaning, std::optional<double> def, double min, double max = kInf,
                   bool integer = false) {
  FormulaParam p;
  p.name = std::move(name);
  p.meaning = std::move(meaning);
  p.default_value = def;
  p.min = min;
  p.max = max;
  p.integer = integer;
  return p;
}

FormulaParam p_T() { return param("T", "total number of stochastic gradients over all workers (T = P N)", std::nullopt, 1); }
FormulaParam p_P() { return param("P", "number of workers", std::nullopt, 1, kInf, true); }
FormulaParam p_alpha() { return param("alpha", "step exponent of gamma_t = c t^(-alpha)", 0.75, 0, 1); }

FormulaResult one(std::string name, double v) { return FormulaResult{{{std::move(name), v}}, std::nullopt}; }

bounds::LocalSgdCommParams comm(const FormulaArgs& a) {
  bounds::LocalSgdCommParams p;
  p.total_gradients = a.get("T");
  p.workers = a.get("P");
  p.alpha = a.get("alpha");
  return p;
}

Formula comm_reduction_formula() {
  Formula f;
  f.info = bounds::local_sgd_bound_info(bounds::LocalSgdBound::kCommReductionFactor);
  f.info.regime = "smooth strongly convex (the paper's assumptions; order only, no constant)";
  f.paper = std::string("patel2019");
  f.params = {p_T(), p_P(), p_alpha()};
  f.axis = std::string("T");
  f.hypotheses = [](const FormulaArgs& a) { return bounds::hypotheses_violated(comm(a)); };
  f.evaluate = [](const FormulaArgs& a) {
    return one("sqrt(T)/P^1.5 (order)", bounds::comm_reduction_factor(comm(a)));
  };
  return f;
}

Formula rounds_formula() {
  Formula f;
  f.info = bounds::local_sgd_bound_info(bounds::LocalSgdBound::kRoundsLocalPred);
  f.info.regime = "smooth strongly convex (derived from the paper-stated order; one-sided)";
  f.paper = std::string("patel2019");
  f.params = {p_T(), p_P(), p_alpha()};
  f.axis = std::string("T");
  f.hypotheses = [](const FormulaArgs& a) { return bounds::hypotheses_violated(comm(a)); };
  f.evaluate = [](const FormulaArgs& a) { return one("rounds C <=", bounds::rounds_local_pred(comm(a))); };
  return f;
}

/// The least-squares floor for an isotropic design H = h·I_d (the general H needs its spectrum, which
/// the experiment-side adapter takes from the problem).
bounds::LsFloorParams ls(const FormulaArgs& a) {
  bounds::LsFloorParams p;
  p.h = Vec::Constant(static_cast<Eigen::Index>(a.get("d")), a.get("h"));
  p.s2 = a.get("s2");
  p.total_gradients = a.get("T");
  return p;
}

Formula ls_floor_formula(bool risk) {
  Formula f;
  f.info = bounds::local_sgd_bound_info(risk ? bounds::LocalSgdBound::kLsFloorRisk : bounds::LocalSgdBound::kLsFloor);
  f.info.guarantee = bounds::Guarantee::kPrediction;  // the limit of error·T, as the adapter reports it
  f.info.regime = std::string("random-design least squares, H = h I_d, noise variance s2 (exact constants)");
  f.paper = std::string("patel2019");
  f.params = {param("d", "dimension", std::nullopt, 1, 1e6, true),
              param("h", "eigenvalue of the isotropic design covariance H = h I_d", std::nullopt, 0),
              param("s2", "label-noise variance", std::nullopt, 0), p_T()};
  f.axis = std::string("T");
  f.hypotheses = [](const FormulaArgs& a) { return bounds::hypotheses_violated(ls(a)); };
  f.evaluate = [risk](const FormulaArgs& a) {
    const auto p = ls(a);
    return risk ? one("E f(w_PR) - f* ~", bounds::ls_floor_risk(p)) : one("E|w_PR - w*|^2 ~", bounds::ls_floor(p));
  };
  return f;
}

bounds::LogisticFloorParams logistic(const FormulaArgs& a) {
  bounds::LogisticFloorParams p;
  p.dim = static_cast<std::int64_t>(a.get("d"));
  p.w_norm = a.get("w_norm");
  p.total_gradients = a.get("T");
  return p;
}

Formula logistic_floor_formula() {
  Formula f;
  f.info = bounds::local_sgd_bound_info(bounds::LocalSgdBound::kLogisticFloor);
  f.info.guarantee = bounds::Guarantee::kPrediction;
  f.info.regime = std::string("well-specified logistic regression, x ~ N(0, I_d) (exact constants)");
  f.paper = std::string("patel2019");
  f.params = {param("d", "dimension", std::nullopt, 1, 1e6, true),
              param("w_norm", "norm |w*| of the teacher vector", std::nullopt, 0), p_T()};
  f.axis = std::string("T");
  f.hypotheses = [](const FormulaArgs& a) { return bounds::hypotheses_violated(logistic(a)); };
  f.evaluate = [](const FormulaArgs& a) { return one("E|w_PR - w*|^2 ~", bounds::logistic_floor(logistic(a))); };
  return f;
}

}  // namespace

std::vector<Formula> formulas() {
  return {comm_reduction_formula(), rounds_formula(), ls_floor_formula(false), ls_floor_formula(true),
          logistic_floor_formula()};
}

}  // namespace sgdcheck::papers::patel2019
