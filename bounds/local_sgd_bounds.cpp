#include "bounds/local_sgd_bounds.hpp"

#include <fmt/format.h>

#include <boost/math/constants/constants.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <limits>

namespace sgdcheck::bounds {

namespace {

template <class P>
void require_valid(const P& p, const char* what) {
  if (auto why = hypotheses_violated(p)) throw HypothesisViolated(std::string(what) + ": " + *why);
}

/// σ′(u) = σ(u)(1 − σ(u)) = 1/(4 cosh²(u/2)); 0 (not NaN) once cosh overflows.
double logistic_derivative(double u) {
  const double ch = std::cosh(0.5 * u);
  return 0.25 / (ch * ch);
}

/// 2∫_0^∞ f(z) φ(z) dz for an even integrand f (φ the standard normal density).
template <class F>
double gaussian_even_expectation(F f) {
  const double inv_sqrt_2pi = boost::math::constants::one_div_root_two_pi<double>();
  auto integrand = [&](double z) { return 2.0 * f(z) * inv_sqrt_2pi * std::exp(-0.5 * z * z); };
  double error = 0.0;
  return boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
      integrand, 0.0, std::numeric_limits<double>::infinity(), 15, 1e-13, &error);
}

}  // namespace

bool alpha_admissible(double alpha) { return alpha > 0.5 && alpha < 1.0; }

double local_sgd_step(double c, double alpha, std::int64_t t) {
  if (t < 1) throw std::invalid_argument(fmt::format("local_sgd_step: t = {} violates t >= 1", t));
  return c * std::pow(static_cast<double>(t), -alpha);
}

std::optional<std::string> hypotheses_violated(const LocalSgdCommParams& p) {
  if (!(p.workers >= 1.0) || !std::isfinite(p.workers)) return fmt::format("workers = {} violates P >= 1", p.workers);
  if (!(p.total_gradients >= p.workers) || !std::isfinite(p.total_gradients))
    return fmt::format("total_gradients = {} violates T >= P = {} (at least one local step)", p.total_gradients, p.workers);
  if (!alpha_admissible(p.alpha))
    return fmt::format("alpha = {} violates 1/2 < alpha < 1 (step exponents of Dieuleveut & Patel 2019)", p.alpha);
  return std::nullopt;
}

double comm_reduction_factor(double total_gradients, double workers) {
  return std::sqrt(total_gradients) / std::pow(workers, 1.5);
}

double comm_reduction_factor(const LocalSgdCommParams& p) {
  require_valid(p, "comm_reduction_factor");
  return comm_reduction_factor(p.total_gradients, p.workers);
}

std::int64_t rounds_mba(std::int64_t local_steps) { return local_steps; }
std::int64_t rounds_osa() { return 1; }

double rounds_local_pred(double total_gradients, double workers) { return std::sqrt(workers * total_gradients); }

double rounds_local_pred(const LocalSgdCommParams& p) {
  require_valid(p, "rounds_local_pred");
  return rounds_local_pred(p.total_gradients, p.workers);
}

std::optional<std::string> hypotheses_violated(const LsFloorParams& p) {
  if (p.h.size() == 0) return std::string("h is non-empty (d >= 1)");
  for (Index i = 0; i < p.h.size(); ++i)
    if (!(p.h[i] > 0.0) || !std::isfinite(p.h[i]))
      return fmt::format("h[{}] = {} violates h > 0 (tr(H^-1) finite)", i, p.h[i]);
  if (!(p.s2 >= 0.0) || !std::isfinite(p.s2)) return fmt::format("s2 = {} violates s2 >= 0", p.s2);
  if (!(p.total_gradients > 0.0) || !std::isfinite(p.total_gradients))
    return fmt::format("total_gradients = {} violates T > 0", p.total_gradients);
  return std::nullopt;
}

double ls_floor(const LsFloorParams& p) {
  require_valid(p, "ls_floor");
  return p.s2 * p.h.cwiseInverse().sum() / p.total_gradients;
}

double ls_floor_risk(const LsFloorParams& p) {
  require_valid(p, "ls_floor_risk");
  return p.s2 * static_cast<double>(p.h.size()) / (2.0 * p.total_gradients);
}

LogisticGaussianHessian logistic_gaussian_hessian(double w_norm) {
  if (!(w_norm >= 0.0) || !std::isfinite(w_norm))
    throw std::invalid_argument(fmt::format("logistic_gaussian_hessian: w_norm = {} violates w_norm >= 0", w_norm));
  LogisticGaussianHessian out;
  out.along = gaussian_even_expectation([&](double z) { return logistic_derivative(w_norm * z) * z * z; });
  out.across = gaussian_even_expectation([&](double z) { return logistic_derivative(w_norm * z); });
  return out;
}

std::optional<std::string> hypotheses_violated(const LogisticFloorParams& p) {
  if (p.dim < 1) return fmt::format("dim = {} violates d >= 1", p.dim);
  if (!(p.w_norm >= 0.0) || !std::isfinite(p.w_norm)) return fmt::format("w_norm = {} violates ||w*|| >= 0", p.w_norm);
  if (!(p.total_gradients > 0.0) || !std::isfinite(p.total_gradients))
    return fmt::format("total_gradients = {} violates T > 0", p.total_gradients);
  return std::nullopt;
}

double logistic_floor(const LogisticFloorParams& p) {
  require_valid(p, "logistic_floor");
  const auto hs = logistic_gaussian_hessian(p.w_norm);
  const double tr_inv = 1.0 / hs.along + static_cast<double>(p.dim - 1) / hs.across;
  return tr_inv / p.total_gradients;
}

BoundInfo local_sgd_bound_info(LocalSgdBound which) {
  BoundInfo info;
  switch (which) {
    case LocalSgdBound::kCommReductionFactor:
      info.id = "patel.local_sgd.comm_reduction_factor";
      info.title = "communication reduction factor sqrt(T)/P^1.5 (order only)";
      info.reference = "Dieuleveut & Patel (2019), arXiv:1904.11325, abstract; order only, no constant or baseline";
      info.label = Label::kPaperStated;
      info.guarantee = Guarantee::kUpper;  // an order of magnitude, not a numeric guarantee
      info.metric = "comm_reduction";
      break;
    case LocalSgdBound::kRoundsLocalPred:
      info.id = "patel.local_sgd.rounds_local_pred";
      info.title = "sufficient rounds P*sqrt(N)";
      info.reference = "Dieuleveut & Patel (2019), arXiv:1904.11325, abstract; the round count is derived for sgdcheck";
      info.label = Label::kDerived;
      info.guarantee = Guarantee::kUpper;  // one-sided: the measured threshold C* must not exceed it
      info.metric = "rounds_threshold";
      break;
    case LocalSgdBound::kLsFloor:
      info.id = "patel.local_sgd.ls_floor.dist2";
      info.title = "least-squares PR floor s2 tr(H^-1)/T (asymptotic)";
      info.reference = "Polyak & Juditsky (1992); the constants are derived for sgdcheck";
      info.label = Label::kDerived;
      info.guarantee = Guarantee::kLower;  // asymptotic; finite-T lower bound not proven
      info.metric = "dist2";
      break;
    case LocalSgdBound::kLsFloorRisk:
      info.id = "patel.local_sgd.ls_floor.subopt";
      info.title = "least-squares PR floor s2 d/(2T) (asymptotic)";
      info.reference = "Polyak & Juditsky (1992); the constants are derived for sgdcheck";
      info.label = Label::kDerived;
      info.guarantee = Guarantee::kLower;
      info.metric = "subopt";
      break;
    case LocalSgdBound::kLogisticFloor:
      info.id = "patel.local_sgd.logistic_floor.dist2";
      info.title = "logistic PR floor tr(H*^-1)/T (asymptotic)";
      info.reference = "Polyak & Juditsky (1992); the constants are derived for sgdcheck";
      info.label = Label::kDerived;
      info.guarantee = Guarantee::kLower;
      info.metric = "dist2";
      break;
  }
  return info;
}

}  // namespace sgdcheck::bounds
