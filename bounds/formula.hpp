#pragma once
/// \file Closed-form bounds and rates evaluable from named scalar parameters, without an experiment:
/// what `sgdcheck bound ID --set name=value --at t1,t2` evaluates and `sgdcheck list bounds` lists.
///
/// A Formula is the parameter-named face of a bound. Parameter names are the papers' specs' names
/// (L, mu, Lmax, sigma2, M, sigmaM2, b, tau, P, H, r0, F0, gamma, t / T, eta, alpha, K, n, beta, …).
/// Each paper registers its formulas with papers::Registry::add_formula (papers/<paper>/register.cpp).
/// The same pure function should back the experiment-side BoundAdapter, so that both agree.
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bounds/bound.hpp"

namespace sgdcheck::bounds {

/// One named scalar input of a formula.
struct FormulaParam {
  std::string name;                        ///< spec name, e.g. "gamma"
  std::string meaning;                     ///< one phrase, e.g. "constant step size"
  std::optional<double> default_value;     ///< nullopt: the user must set it
  bool integer = false;                    ///< must be an integer (tau, b, P, H, K, n)
  double min = -std::numeric_limits<double>::infinity();  ///< admissible range (inclusive): outside
  double max = std::numeric_limits<double>::infinity();   ///< it is bad input (exit 2), not a hypothesis
};

/// Values of a formula's parameters (every declared parameter is present when a formula is called:
/// defaults filled in, ranges and integrality checked by validate_formula_args).
class FormulaArgs {
 public:
  FormulaArgs() = default;
  explicit FormulaArgs(std::map<std::string, double> values) : values_(std::move(values)) {}
  /// The value of a declared parameter; std::logic_error for a name the formula did not declare.
  double get(const std::string& name) const;
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  void set(const std::string& name, double v) { values_[name] = v; }
  const std::map<std::string, double>& values() const { return values_; }

 private:
  std::map<std::string, double> values_;
};

/// One output of an evaluation: the first is the bound's value; more may follow (e.g. Regatti's
/// dist and eps = L·dist, or a rate and its constant).
struct FormulaOutput {
  std::string name;
  double value = 0;
};

struct FormulaResult {
  std::vector<FormulaOutput> outputs;  ///< non-empty; outputs[0] is the bound's value
  /// Set when the value is admissible but says nothing (e.g. a stability bound above the loss range,
  /// a probability bound >= 1): the reason. Such a bound is reported `vacuous`, never a pass.
  std::optional<std::string> vacuous;
};

struct Formula {
  /// id, title, reference, guarantee, metric and the label — paper-stated, literature, derived,
  /// checked or unverified (bounds::Label) — that `sgdcheck bound`, `list bounds` and Python show.
  BoundInfo info;
  std::string paper;                ///< "general", "stich2021", "patel2019", "dutta2018", "lau2024", "regatti2019"
  std::vector<FormulaParam> params;  ///< includes the axis parameter, if any
  /// Name of the point variable that `--at` sweeps ("t", "T", "K", "n"); empty: no axis.
  std::string axis;
  /// nullopt when the hypotheses (step-size condition, regime) hold at these args, else the reason
  /// in one line ("gamma = 0.5 > 1/(10(L+A)(tau+1)) = 0.0083"). May be empty: always holds.
  std::function<std::optional<std::string>(const FormulaArgs&)> hypotheses;
  /// The value(s) at these args (axis variable included). Called only when hypotheses hold.
  std::function<FormulaResult(const FormulaArgs&)> evaluate;
};

/// Fills defaults and checks a user's parameter values against the formula: unknown names (with a
/// "did you mean"), missing required ones, non-integers where integers are needed and values out of
/// range are reported by throwing ConfigError with one line naming the parameter.
/// `axis_values_given`: the axis parameter will be supplied per point (--at), so it is not missing.
FormulaArgs validate_formula_args(const Formula& f, const std::map<std::string, double>& given,
                                  bool axis_values_given);

}  // namespace sgdcheck::bounds
