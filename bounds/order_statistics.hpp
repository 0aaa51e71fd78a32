#pragma once
/// \file Compute-time distributions of the straggler simulator and the runtime formulas of Dutta et
/// al. 2018 (spec papers/dutta2018_slow_stale.md §3): E[X_{K:P}] in closed form (exp, shifted exp,
/// Pareto), by Boost.Math quadrature for any distribution (quantile form with tanh_sinh, survival form
/// with exp_sinh), exactly for an empirical list; the per-variant expected iteration time with its
/// guarantee, and the long-run mean staleness. Pure functions: no RNG, no I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bounds/bound.hpp"

namespace sgdcheck::bounds {

enum class ComputeKind { kExp, kShiftedExp, kPareto, kWeibull, kLogNormal, kList };
/// exp, shifted_exp, pareto, weibull, lognormal, list.
std::string to_string(ComputeKind k);

/// A compute-time distribution X = X₀ + comm: X₀ one of the kinds, comm a constant communication
/// cost (0 by default) folded into every draw.
struct ComputeTime {
  ComputeKind kind = ComputeKind::kExp;
  double rate = 1.0;     ///< μ of exp and shifted exp
  double shift = 0.0;    ///< Δ of shifted exp
  double scale = 1.0;    ///< x_m of Pareto, λ of Weibull
  double shape = 1.0;    ///< α of Pareto, k of Weibull
  double meanlog = 0.0;  ///< log-normal: mean of log X₀
  double sdlog = 1.0;    ///< log-normal: sd of log X₀
  std::vector<double> values;  ///< list: the values, drawn uniformly (sorted copy in `sorted`)
  std::vector<double> sorted;  ///< list values in increasing order (filled by validate_compute_time)
  double comm = 0.0;

  /// F⁻¹(u) for u in [0, 1) (inverse CDF; the simulator's one draw per compute time).
  double quantile(double u) const;
  /// P(X <= x).
  double cdf(double x) const;
  /// E[X]; +inf when infinite (Pareto with α <= 1).
  double mean() const;
  /// Var X; +inf when infinite.
  double variance() const;
  /// The smallest value X can take.
  double support_min() const;
  /// True for exp without communication cost (memoryless: the exact sync/async formulas).
  bool memoryless() const { return kind == ComputeKind::kExp && comm == 0.0; }
  /// New-longer-than-used (shifted exp; exp with a communication cost is a shifted exp).
  bool new_longer_than_used() const { return kind == ComputeKind::kExp || kind == ComputeKind::kShiftedExp; }
  /// One line, e.g. "shifted_exp(shift=0.5, rate=2)".
  std::string describe() const;
};

/// nullopt when `c` is a valid distribution with a finite mean (and fills c.sorted), else the reason
/// in one phrase ("shape = 0: expected > 0", "pareto with shape = 1 <= 1 has an infinite mean").
std::optional<std::string> validate_compute_time(ComputeTime& c);

/// H_n = Σ_{i<=n} 1/i (H_0 = 0).
double harmonic(std::int64_t n);

/// E[X_{K:P}], the K-th smallest of P i.i.d. copies: closed forms for exp / shifted exp / Pareto,
/// the exact sum for a list, the quantile-form quadrature otherwise. +inf when infinite (Pareto with
/// P−K+1 <= 1/α). Requires 1 <= K <= P.
double expected_order_statistic(const ComputeTime& c, std::int64_t K, std::int64_t P);
/// Quantile form K·C(P,K)·∫₀¹ F⁻¹(u) u^{K−1}(1−u)^{P−K} du by tanh_sinh (any distribution).
double order_statistic_quantile_form(const ComputeTime& c, std::int64_t K, std::int64_t P);
/// Survival form a + ∫_a^∞ ibetac(K, P−K+1, F(x)) dx by exp_sinh (continuous kinds; lists use the sum).
double order_statistic_survival_form(const ComputeTime& c, std::int64_t K, std::int64_t P);
/// Var X_{K:P} by the quantile form of E[X²_{K:P}] (+inf when infinite); exact for exp.
double order_statistic_variance(const ComputeTime& c, std::int64_t K, std::int64_t P);

enum class PsVariant { kKSync, kKBatchSync, kKAsync, kKBatchAsync };
/// k_sync, k_batch_sync, k_async, k_batch_async.
std::string to_string(PsVariant v);
std::optional<PsVariant> parse_ps_variant(const std::string& name);

/// The expected time per PS update of a variant, and what the value promises.
struct RuntimeFormula {
  std::optional<double> value;  ///< nullopt: no formula for this (variant, distribution)
  Guarantee guarantee = Guarantee::kExact;  ///< kExact or kUpper (meaningful when value is set)
  Label label = Label::kDerived;
  std::string formula;  ///< e.g. "E[X_{K:P}]", "K E[X]/P"
  std::optional<double> variance;  ///< Var T where known (K-sync under exp: μ⁻²Σ i⁻²; K-batch-sync exp)
};
/// K-sync: E[X_{K:P}] exact. K-batch-sync: K/(Pμ) exact under exp, else E[X_{K:P}] upper (T <= X_{K:P}
/// pathwise). K-async: E[X_{K:P}] exact under exp, upper for new-longer-than-used F (unverified
/// theorem), none otherwise. K-batch-async: K·E[X]/P exact (renewal, long run).
RuntimeFormula expected_iteration_time(PsVariant v, const ComputeTime& c, std::int64_t K, std::int64_t P);
/// Long-run mean staleness: K-async (P−K)/K, K-batch-async (P−1)/K, sync variants 0 (derived).
double expected_staleness(PsVariant v, std::int64_t K, std::int64_t P);
/// P·E[X_{P:P}]/E[X]: fully-sync over Async time per update (P·H_P for exp).
double sync_async_ratio(const ComputeTime& c, std::int64_t P);

}  // namespace sgdcheck::bounds
