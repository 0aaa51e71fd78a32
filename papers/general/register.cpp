// General bounds for delayed SGD and local SGD on identical data (bounds/general_bounds.hpp): the
// bound adapters (bounds.cpp) and the same pure functions as Formulas for `sgdcheck bound`, with
// the parameter names of the spec (L, mu, Lmax, sigma2, M, sigmaM2, b, tau, P, H, r0, F0, gamma, t/T).
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "bounds/general_bounds.hpp"
#include "papers/registry.hpp"

namespace sgdcheck::papers::general {

std::vector<pipeline::BoundAdapter> adapters();  // bounds.cpp

namespace {

using bounds::Formula;
using bounds::FormulaArgs;
using bounds::FormulaParam;
using bounds::FormulaResult;
using bounds::GeneralBound;

constexpr double kInf = std::numeric_limits<double>::infinity();

FormulaParam pos(std::string name, std::string meaning) {
  return {std::move(name), std::move(meaning), std::nullopt, false, 0.0, kInf};
}
FormulaParam nonneg(std::string name, std::string meaning, std::optional<double> def = std::nullopt) {
  return {std::move(name), std::move(meaning), def, false, 0.0, kInf};
}
FormulaParam integer(std::string name, std::string meaning, double min, std::optional<double> def = std::nullopt) {
  return {std::move(name), std::move(meaning), def, true, min, kInf};
}

std::int64_t as_int(const FormulaArgs& a, const char* name) { return static_cast<std::int64_t>(a.get(name)); }

/// Which noise constants a convex formula takes.
enum class Noise { kSmooth, kPair };

std::vector<FormulaParam> convex_noise_params(Noise n) {
  if (n == Noise::kSmooth)
    return {pos("Lmax", "max smoothness of the f_i (each convex)"),
            nonneg("sigma2", "E||grad f_i(x*)||^2, the gradient noise at the minimiser")};
  return {nonneg("M", "M of a valid pair: E||g - grad f||^2 <= M ||grad f||^2 + sigmaM2 at every x"),
          nonneg("sigmaM2", "sigmaM2 of that pair (not the noise at x* in general)")};
}

bounds::ConvexNoise convex_noise(const FormulaArgs& a, Noise n) {
  const double b = a.get("b");
  return n == Noise::kSmooth ? bounds::convex_noise_from_smoothness(a.get("Lmax"), a.get("sigma2"), b)
                             : bounds::convex_noise_from_m(a.get("L"), a.get("M"), a.get("sigmaM2"), b);
}

std::string noise_suffix(Noise n) { return n == Noise::kSmooth ? "" : ".m_noise"; }
std::string noise_words(Noise n) {
  return n == Noise::kSmooth ? " Noise (i): A = 2 Lmax/b, C = 2 sigma2/b."
                             : " Noise (ii): A = L M/b, C = sigmaM2/b from a valid (M, sigmaM2) pair.";
}

enum class Kind { kDelayed, kMinibatch, kLocal };
enum class Reg { kStronglyConvex, kConvex, kNonconvex };

bounds::BoundInfo info_of(Kind k, Reg r, Noise n) {
  const GeneralBound which =
      k == Kind::kLocal ? (r == Reg::kStronglyConvex ? GeneralBound::kLocalStronglyConvex
                           : r == Reg::kConvex       ? GeneralBound::kLocalConvex
                                                     : GeneralBound::kLocalNonconvex)
                        : (r == Reg::kStronglyConvex ? GeneralBound::kDelayedStronglyConvex
                           : r == Reg::kConvex       ? GeneralBound::kDelayedConvex
                                                     : GeneralBound::kDelayedNonconvex);
  bounds::BoundInfo info = bounds::general_bound_info(which);
  if (k == Kind::kMinibatch) {
    info.id = "minibatch_sgd" + info.id.substr(info.id.find('.'));
    info.title = "mini-batch" + info.title.substr(info.title.find(' '));
    if (r == Reg::kConvex) {
      info.id = "minibatch_sgd.convex.avg_subopt";
      info.metric = "avg_subopt";
    }
    info.reference += "; tau = 0 case of the delayed bound";
  }
  if (r != Reg::kNonconvex) info.id += noise_suffix(n);
  return info;
}

/// One general bound as a Formula, backed by the same pure functions as the adapters.
Formula make_formula(Kind k, Reg r, Noise n) {
  Formula f;
  f.info = info_of(k, r, n);
  f.paper = "general";
  f.params.push_back(pos("L", "smoothness of f (exact or an upper bound)"));
  if (r == Reg::kStronglyConvex) f.params.push_back(pos("mu", "strong convexity of f (exact or a lower bound), <= L"));
  if (r == Reg::kNonconvex) {
    f.params.push_back(nonneg("M", "M of a valid pair: E||g - grad f||^2 <= M ||grad f||^2 + sigmaM2 at every x"));
    f.params.push_back(nonneg("sigmaM2", "sigmaM2 of that pair (not the noise at x* in general)"));
  } else {
    for (auto& p : convex_noise_params(n)) f.params.push_back(std::move(p));
  }
  f.params.push_back(integer("b", "mini-batch size (with replacement)", 1, 1.0));
  if (k == Kind::kDelayed) f.params.push_back(integer("tau", "maximal delay (fixed or random delays <= tau)", 0, 0.0));
  if (k == Kind::kLocal) {
    f.params.push_back(integer("P", "number of workers", 1, 1.0));
    f.params.push_back(integer("H", "maximal number of local steps between synchronisations", 1, 1.0));
  }
  f.params.push_back(pos("gamma", "constant step size"));
  if (r == Reg::kNonconvex)
    f.params.push_back(nonneg("F0", "f(x0) - f_inf"));
  else
    f.params.push_back(nonneg("r0", "||x0 - x*||^2"));
  if (r == Reg::kStronglyConvex) {
    f.axis = std::string("t");
    f.params.push_back(integer("t", "number of completed steps", 0));
  } else {
    f.axis = std::string("T");
    f.params.push_back(integer("T", "number of steps averaged over (T >= 1)", 1));
  }
  f.info.title += noise_words(r == Reg::kNonconvex ? Noise::kPair : n);

  // The params of each case from the arguments.
  auto tau_of = [k](const FormulaArgs& a) { return k == Kind::kDelayed ? as_int(a, "tau") : std::int64_t{0}; };
  auto delayed = [=](const FormulaArgs& a) {
    return bounds::DelayedSgdParams{a.get("L"), r == Reg::kStronglyConvex ? a.get("mu") : 0.0, convex_noise(a, n),
                                    tau_of(a), a.get("gamma"), a.get("r0")};
  };
  auto delayed_nc = [=](const FormulaArgs& a) {
    return bounds::DelayedNonconvexParams{a.get("L"), bounds::nonconvex_noise(a.get("M"), a.get("sigmaM2"), a.get("b")),
                                          tau_of(a), a.get("gamma"), a.get("F0")};
  };
  auto local = [=](const FormulaArgs& a) {
    return bounds::LocalSgdParams{a.get("L"), r == Reg::kStronglyConvex ? a.get("mu") : 0.0, convex_noise(a, n),
                                  as_int(a, "P"), as_int(a, "H"), a.get("gamma"), a.get("r0")};
  };
  auto local_nc = [=](const FormulaArgs& a) {
    return bounds::LocalNonconvexParams{a.get("L"), bounds::nonconvex_noise(a.get("M"), a.get("sigmaM2"), a.get("b")),
                                        as_int(a, "P"), as_int(a, "H"), a.get("gamma"), a.get("F0")};
  };
  f.hypotheses = [=](const FormulaArgs& a) -> std::optional<std::string> {
    if (k == Kind::kLocal) {
      if (r == Reg::kNonconvex) return bounds::local_nonconvex_violated(local_nc(a));
      if (r == Reg::kStronglyConvex) return bounds::local_sc_violated(local(a));
      return bounds::local_convex_violated(local(a));
    }
    if (r == Reg::kNonconvex) return bounds::delayed_nonconvex_violated(delayed_nc(a));
    if (r == Reg::kStronglyConvex) return bounds::delayed_sc_violated(delayed(a));
    return bounds::delayed_convex_violated(delayed(a));
  };
  f.evaluate = [=](const FormulaArgs& a) {
    FormulaResult out;
    double value = NAN, sufficient = NAN, largest = NAN;
    if (k == Kind::kLocal) {
      if (r == Reg::kNonconvex) {
        const auto p = local_nc(a);
        value = bounds::local_nonconvex_avg_grad2_bound(p, as_int(a, "T"));
        sufficient = bounds::local_nonconvex_step_sufficient(p.L, p.noise.m, p.H);
        largest = bounds::local_nonconvex_step_max(p.L, p.noise.m, p.P, p.H);
      } else {
        const auto p = local(a);
        value = r == Reg::kStronglyConvex ? bounds::local_sc_dist2_bound(p, as_int(a, "t"))
                                          : bounds::local_convex_avg_subopt_bound(p, as_int(a, "T"));
        sufficient = bounds::local_convex_step_sufficient(p.L, p.noise.A, p.H);
        largest = bounds::local_convex_step_max(p.L, p.mu, p.noise.A, p.P, p.H);
      }
    } else if (r == Reg::kNonconvex) {
      const auto p = delayed_nc(a);
      value = bounds::delayed_nonconvex_avg_grad2_bound(p, as_int(a, "T"));
      sufficient = bounds::delayed_nonconvex_step_sufficient(p.L, p.noise.m, p.tau);
      largest = bounds::delayed_nonconvex_step_max(p.L, p.noise.m, p.tau);
    } else {
      const auto p = delayed(a);
      value = r == Reg::kStronglyConvex ? bounds::delayed_sc_dist2_bound(p, as_int(a, "t"))
                                        : bounds::delayed_convex_avg_subopt_bound(p, as_int(a, "T"));
      sufficient = bounds::delayed_convex_step_sufficient(p.L, p.noise.A, p.tau);
      largest = bounds::delayed_convex_step_max(p.L, p.mu, p.noise.A, p.tau);
    }
    out.outputs = {{f.info.metric, value}, {"gamma_sufficient", sufficient}, {"gamma_max", largest}};
    return out;
  };
  return f;
}

}  // namespace

/// Every general bound as a Formula (also used by the tests).
std::vector<Formula> formulas() {
  std::vector<Formula> out;
  for (const Kind k : {Kind::kDelayed, Kind::kMinibatch, Kind::kLocal})
    for (const Reg r : {Reg::kStronglyConvex, Reg::kConvex, Reg::kNonconvex})
      for (const Noise n : {Noise::kSmooth, Noise::kPair}) {
        if (r == Reg::kNonconvex && n == Noise::kSmooth) continue;  // (NM) only
        out.push_back(make_formula(k, r, n));
      }
  return out;
}

void register_paper(Registry& reg) {
  reg.add_bounds(adapters());
  for (auto& f : formulas()) reg.add_formula(std::move(f));
}

}  // namespace sgdcheck::papers::general
