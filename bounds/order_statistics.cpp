#include "bounds/order_statistics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/quadrature/exp_sinh.hpp>
#include <boost/math/quadrature/tanh_sinh.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/numbers.hpp"

namespace sgdcheck::bounds {

namespace {


void require_kp(std::int64_t K, std::int64_t P) {
  if (!(K >= 1 && K <= P)) throw std::invalid_argument(fmt::format("order statistic: need 1 <= K <= P (K = {}, P = {})", K, P));
}

/// log(K·C(P,K)) = log Γ(P+1) − log Γ(K) − log Γ(P−K+1): the quantile-form density coefficient.
double log_order_coeff(std::int64_t K, std::int64_t P) {
  const double k = static_cast<double>(K), p = static_cast<double>(P);
  return std::lgamma(p + 1.0) - std::lgamma(k) - std::lgamma(p - k + 1.0);
}

/// F⁻¹ at u given both u and v = 1 − u (v exact near u = 1: the tail of a heavy-tailed quantile).
double quantile_uv(const ComputeTime& c, double u, double v) {
  double x = 0.0;
  switch (c.kind) {
    case ComputeKind::kExp: x = -std::log(v) / c.rate; break;
    case ComputeKind::kShiftedExp: x = c.shift - std::log(v) / c.rate; break;
    case ComputeKind::kPareto: x = c.scale * std::pow(v, -1.0 / c.shape); break;
    case ComputeKind::kWeibull: x = c.scale * std::pow(-std::log(v), 1.0 / c.shape); break;
    case ComputeKind::kLogNormal: {
      // Φ⁻¹(u) = −√2 erfc⁻¹(2u) = √2 erfc⁻¹(2v).
      const double z = u < 0.5 ? -std::sqrt(2.0) * boost::math::erfc_inv(2.0 * u) : std::sqrt(2.0) * boost::math::erfc_inv(2.0 * v);
      x = std::exp(c.meanlog + c.sdlog * z);
      break;
    }
    case ComputeKind::kList: return c.quantile(u);
  }
  return x + c.comm;
}

/// ∫₀¹ h(u, 1−u) · K·C(P,K) u^{K−1}(1−u)^{P−K} du by tanh_sinh, with 1 − u taken from the
/// integrator's complement argument (exact near u = 1, where the Pareto quantile is singular).
template <class H>
double beta_weighted_integral(H h, std::int64_t K, std::int64_t P) {
  const double lc = log_order_coeff(K, P);
  const double a = static_cast<double>(K - 1), b = static_cast<double>(P - K);
  auto f = [&](double u, double uc) {
    // Boost: uc = a − u (< 0) on the left half of [0, 1], 1 − u (> 0) on the right half.
    const double uu = uc < 0 ? -uc : u;
    const double v = uc > 0 ? uc : 1.0 - u;
    if (uu <= 0.0 || v <= 0.0) return 0.0;
    const double w = std::exp(lc + a * std::log(uu) + b * std::log(v));
    if (w == 0.0) return 0.0;
    return h(uu, v) * w;
  };
  boost::math::quadrature::tanh_sinh<double> integrator;
  return integrator.integrate(f, 0.0, 1.0);
}

}  // namespace

std::string to_string(ComputeKind k) {
  switch (k) {
    case ComputeKind::kExp: return "exp";
    case ComputeKind::kShiftedExp: return "shifted_exp";
    case ComputeKind::kPareto: return "pareto";
    case ComputeKind::kWeibull: return "weibull";
    case ComputeKind::kLogNormal: return "lognormal";
    case ComputeKind::kList: return "list";
  }
  return "?";
}

double ComputeTime::quantile(double u) const {
  double x = 0.0;
  switch (kind) {
    case ComputeKind::kExp: x = -std::log1p(-u) / rate; break;
    case ComputeKind::kShiftedExp: x = shift - std::log1p(-u) / rate; break;
    case ComputeKind::kPareto: x = scale * std::pow(1.0 - u, -1.0 / shape); break;
    case ComputeKind::kWeibull: x = scale * std::pow(-std::log1p(-u), 1.0 / shape); break;
    case ComputeKind::kLogNormal:
      // Φ⁻¹(u) = −√2 erfc⁻¹(2u); u = 0 is the support minimum 0 (erfc⁻¹(2) is infinite).
      x = u <= 0.0 ? 0.0 : std::exp(meanlog - sdlog * std::sqrt(2.0) * boost::math::erfc_inv(2.0 * u));
      break;
    case ComputeKind::kList: {
      const auto n = values.size();
      auto i = static_cast<std::size_t>(u * static_cast<double>(n));
      if (i >= n) i = n - 1;
      x = values[i];
      break;
    }
  }
  return x + comm;
}

double ComputeTime::cdf(double x) const {
  const double y = x - comm;
  switch (kind) {
    case ComputeKind::kExp: return y <= 0.0 ? 0.0 : -std::expm1(-rate * y);
    case ComputeKind::kShiftedExp: return y <= shift ? 0.0 : -std::expm1(-rate * (y - shift));
    case ComputeKind::kPareto: return y <= scale ? 0.0 : 1.0 - std::pow(scale / y, shape);
    case ComputeKind::kWeibull: return y <= 0.0 ? 0.0 : -std::expm1(-std::pow(y / scale, shape));
    case ComputeKind::kLogNormal:
      return y <= 0.0 ? 0.0 : 0.5 * std::erfc(-(std::log(y) - meanlog) / (sdlog * std::sqrt(2.0)));
    case ComputeKind::kList: {
      const auto it = std::upper_bound(sorted.begin(), sorted.end(), y);
      return static_cast<double>(it - sorted.begin()) / static_cast<double>(sorted.size());
    }
  }
  return 0.0;
}

double ComputeTime::mean() const {
  double m = 0.0;
  switch (kind) {
    case ComputeKind::kExp: m = 1.0 / rate; break;
    case ComputeKind::kShiftedExp: m = shift + 1.0 / rate; break;
    case ComputeKind::kPareto: m = shape <= 1.0 ? kInf : shape * scale / (shape - 1.0); break;
    case ComputeKind::kWeibull: m = scale * std::tgamma(1.0 + 1.0 / shape); break;
    case ComputeKind::kLogNormal: m = std::exp(meanlog + 0.5 * sdlog * sdlog); break;
    case ComputeKind::kList: {
      double s = 0.0;
      for (double v : values) s += v;
      m = s / static_cast<double>(values.size());
      break;
    }
  }
  return m + comm;
}

double ComputeTime::variance() const {
  switch (kind) {
    case ComputeKind::kExp:
    case ComputeKind::kShiftedExp: return 1.0 / (rate * rate);
    case ComputeKind::kPareto:
      return shape <= 2.0 ? kInf : scale * scale * shape / ((shape - 1.0) * (shape - 1.0) * (shape - 2.0));
    case ComputeKind::kWeibull: {
      const double g1 = std::tgamma(1.0 + 1.0 / shape);
      return scale * scale * (std::tgamma(1.0 + 2.0 / shape) - g1 * g1);
    }
    case ComputeKind::kLogNormal: return std::expm1(sdlog * sdlog) * std::exp(2.0 * meanlog + sdlog * sdlog);
    case ComputeKind::kList: {
      const double m = mean() - comm;
      double s = 0.0;
      for (double v : values) s += (v - m) * (v - m);
      return s / static_cast<double>(values.size());
    }
  }
  return kInf;
}

double ComputeTime::support_min() const {
  switch (kind) {
    case ComputeKind::kShiftedExp: return shift + comm;
    case ComputeKind::kPareto: return scale + comm;
    case ComputeKind::kList: return (sorted.empty() ? *std::min_element(values.begin(), values.end()) : sorted.front()) + comm;
    default: return comm;
  }
}

std::string ComputeTime::describe() const {
  std::string s;
  switch (kind) {
    case ComputeKind::kExp: s = fmt::format("exp(rate={:g})", rate); break;
    case ComputeKind::kShiftedExp: s = fmt::format("shifted_exp(shift={:g}, rate={:g})", shift, rate); break;
    case ComputeKind::kPareto: s = fmt::format("pareto(scale={:g}, shape={:g})", scale, shape); break;
    case ComputeKind::kWeibull: s = fmt::format("weibull(shape={:g}, scale={:g})", shape, scale); break;
    case ComputeKind::kLogNormal: s = fmt::format("lognormal(meanlog={:g}, sdlog={:g})", meanlog, sdlog); break;
    case ComputeKind::kList: s = fmt::format("list({} values)", values.size()); break;
  }
  if (comm != 0.0) s += fmt::format(" + comm {:g}", comm);
  return s;
}

std::optional<std::string> validate_compute_time(ComputeTime& c) {
  auto positive = [](const char* name, double v) -> std::optional<std::string> {
    if (!(v > 0.0) || !std::isfinite(v)) return fmt::format("{} = {}: expected a finite number > 0", name, v);
    return std::nullopt;
  };
  if (!(c.comm >= 0.0) || !std::isfinite(c.comm)) return fmt::format("comm = {}: expected a finite number >= 0", c.comm);
  switch (c.kind) {
    case ComputeKind::kExp: return positive("rate", c.rate);
    case ComputeKind::kShiftedExp:
      if (!(c.shift >= 0.0) || !std::isfinite(c.shift)) return fmt::format("shift = {}: expected a finite number >= 0", c.shift);
      return positive("rate", c.rate);
    case ComputeKind::kPareto:
      if (auto e = positive("scale", c.scale)) return e;
      if (auto e = positive("shape", c.shape)) return e;
      if (c.shape <= 1.0) return fmt::format("shape = {}: pareto with shape <= 1 has an infinite mean (expected > 1)", c.shape);
      return std::nullopt;
    case ComputeKind::kWeibull:
      if (auto e = positive("scale", c.scale)) return e;
      if (auto e = positive("shape", c.shape)) return e;
      if (c.shape < 0.02) return fmt::format("shape = {}: expected >= 0.02 (the moments overflow a double)", c.shape);
      return std::nullopt;
    case ComputeKind::kLogNormal:
      if (!std::isfinite(c.meanlog) || std::fabs(c.meanlog) > 300)
        return fmt::format("meanlog = {}: expected a finite number in [-300, 300]", c.meanlog);
      if (auto e = positive("sdlog", c.sdlog)) return e;
      if (c.sdlog > 10) return fmt::format("sdlog = {}: expected <= 10 (the mean overflows a double)", c.sdlog);
      return std::nullopt;
    case ComputeKind::kList:
      if (c.values.empty()) return std::string("values = []: expected at least one compute time");
      if (c.values.size() > 10000000) return fmt::format("values: {} entries, expected at most 1e7", c.values.size());
      for (std::size_t i = 0; i < c.values.size(); ++i)
        if (!(c.values[i] >= 0.0) || !std::isfinite(c.values[i]))
          return fmt::format("values[{}] = {}: expected a finite number >= 0", i, c.values[i]);
      c.sorted = c.values;
      std::sort(c.sorted.begin(), c.sorted.end());
      return std::nullopt;
  }
  return std::string("unknown kind");
}

double harmonic(std::int64_t n) {
  double s = 0.0;
  for (std::int64_t i = n; i >= 1; --i) s += 1.0 / static_cast<double>(i);  // small terms first
  return s;
}

double expected_order_statistic(const ComputeTime& c, std::int64_t K, std::int64_t P) {
  require_kp(K, P);
  switch (c.kind) {
    case ComputeKind::kExp: return c.comm + (harmonic(P) - harmonic(P - K)) / c.rate;
    case ComputeKind::kShiftedExp: return c.comm + c.shift + (harmonic(P) - harmonic(P - K)) / c.rate;
    case ComputeKind::kPareto: {
      const double p = static_cast<double>(P), k = static_cast<double>(K), ia = 1.0 / c.shape;
      if (!(p - k + 1.0 > ia)) return kInf;
      // x_m Γ(P+1)Γ(P−K+1−1/α) / (Γ(P−K+1)Γ(P+1−1/α)) by lgamma (Γ(171) overflows a double).
      return c.comm + c.scale * std::exp(std::lgamma(p + 1.0) + std::lgamma(p - k + 1.0 - ia) - std::lgamma(p - k + 1.0) -
                                         std::lgamma(p + 1.0 - ia));
    }
    case ComputeKind::kList: {
      // Σ_i v_(i)·[I_{i/n}(K, P−K+1) − I_{(i−1)/n}(K, P−K+1)]: P(X_{K:P} = v_(i)) summed exactly.
      const auto n = c.sorted.size();
      const double a = static_cast<double>(K), b = static_cast<double>(P - K + 1);
      double s = 0.0, prev = 0.0;
      for (std::size_t i = 1; i <= n; ++i) {
        const double cur = i == n ? 1.0 : boost::math::ibeta(a, b, static_cast<double>(i) / static_cast<double>(n));
        s += c.sorted[i - 1] * (cur - prev);
        prev = cur;
      }
      return s + c.comm;
    }
    case ComputeKind::kWeibull:
    case ComputeKind::kLogNormal: return order_statistic_quantile_form(c, K, P);
  }
  return kInf;
}

double order_statistic_quantile_form(const ComputeTime& c, std::int64_t K, std::int64_t P) {
  require_kp(K, P);
  if (c.kind == ComputeKind::kPareto &&
      !(static_cast<double>(P - K + 1) > 1.0 / c.shape))
    return kInf;
  return beta_weighted_integral([&](double u, double v) { return quantile_uv(c, u, v); }, K, P);
}

double order_statistic_survival_form(const ComputeTime& c, std::int64_t K, std::int64_t P) {
  require_kp(K, P);
  if (c.kind == ComputeKind::kList) return expected_order_statistic(c, K, P);
  if (c.kind == ComputeKind::kPareto && !(static_cast<double>(P - K + 1) > 1.0 / c.shape)) return kInf;
  const double a = c.support_min();
  const double ka = static_cast<double>(K), kb = static_cast<double>(P - K + 1);
  auto s = [&](double x) {
    const double F = c.cdf(x);
    if (F <= 0.0) return 1.0;
    if (F >= 1.0) return 0.0;
    return boost::math::ibetac(ka, kb, F);
  };
  boost::math::quadrature::exp_sinh<double> integrator;
  return a + integrator.integrate([&](double t) { return s(a + t); }, 0.0, kInf);
}

double order_statistic_variance(const ComputeTime& c, std::int64_t K, std::int64_t P) {
  require_kp(K, P);
  if (c.kind == ComputeKind::kExp || c.kind == ComputeKind::kShiftedExp) {
    double s = 0.0;
    for (std::int64_t i = P - K + 1; i <= P; ++i) s += 1.0 / (static_cast<double>(i) * static_cast<double>(i));
    return s / (c.rate * c.rate);
  }
  if (c.kind == ComputeKind::kPareto && !(static_cast<double>(P - K + 1) > 2.0 / c.shape)) return kInf;
  const double m = expected_order_statistic(c, K, P);
  double m2 = 0.0;
  if (c.kind == ComputeKind::kList) {
    const auto n = c.sorted.size();
    const double a = static_cast<double>(K), b = static_cast<double>(P - K + 1);
    double prev = 0.0;
    for (std::size_t i = 1; i <= n; ++i) {
      const double cur = i == n ? 1.0 : boost::math::ibeta(a, b, static_cast<double>(i) / static_cast<double>(n));
      const double v = c.sorted[i - 1] + c.comm;
      m2 += v * v * (cur - prev);
      prev = cur;
    }
  } else {
    m2 = beta_weighted_integral(
        [&](double u, double v) {
          const double q = quantile_uv(c, u, v);
          return q * q;
        },
        K, P);
  }
  return std::max(0.0, m2 - m * m);
}

std::string to_string(PsVariant v) {
  switch (v) {
    case PsVariant::kKSync: return "k_sync";
    case PsVariant::kKBatchSync: return "k_batch_sync";
    case PsVariant::kKAsync: return "k_async";
    case PsVariant::kKBatchAsync: return "k_batch_async";
  }
  return "?";
}

std::optional<PsVariant> parse_ps_variant(const std::string& name) {
  for (PsVariant v : {PsVariant::kKSync, PsVariant::kKBatchSync, PsVariant::kKAsync, PsVariant::kKBatchAsync})
    if (to_string(v) == name) return v;
  return std::nullopt;
}

RuntimeFormula expected_iteration_time(PsVariant v, const ComputeTime& c, std::int64_t K, std::int64_t P) {
  require_kp(K, P);
  RuntimeFormula r;
  switch (v) {
    case PsVariant::kKSync:
      r.value = expected_order_statistic(c, K, P);
      r.formula = "E[X_{K:P}]";
      r.variance = order_statistic_variance(c, K, P);
      break;
    case PsVariant::kKBatchSync:
      if (c.memoryless()) {
        // T ~ Gamma(K, Pμ): the superposition of P exp(μ) renewal streams is Poisson(Pμ).
        r.value = static_cast<double>(K) / (static_cast<double>(P) * c.rate);
        r.formula = "K/(P mu)";
        r.variance = static_cast<double>(K) / (static_cast<double>(P) * c.rate * static_cast<double>(P) * c.rate);
      } else {
        r.value = expected_order_statistic(c, K, P);
        r.guarantee = Guarantee::kUpper;
        r.formula = "E[X_{K:P}] (T <= X_{K:P} on every path)";
      }
      break;
    case PsVariant::kKAsync:
      if (c.memoryless()) {
        r.value = expected_order_statistic(c, K, P);
        r.formula = "E[X_{K:P}] (memoryless residuals)";
        r.variance = order_statistic_variance(c, K, P);
      } else if (c.new_longer_than_used()) {
        r.value = expected_order_statistic(c, K, P);
        r.guarantee = Guarantee::kUpper;
        r.label = Label::kUnverified;
        r.formula = "E[X_{K:P}] (new-longer-than-used F)";
      } else {
        r.formula = "none";
      }
      break;
    case PsVariant::kKBatchAsync:
      r.value = static_cast<double>(K) * c.mean() / static_cast<double>(P);
      r.formula = "K E[X]/P (renewal, long run)";
      break;
  }
  return r;
}

double expected_staleness(PsVariant v, std::int64_t K, std::int64_t P) {
  switch (v) {
    case PsVariant::kKAsync: return static_cast<double>(P - K) / static_cast<double>(K);
    case PsVariant::kKBatchAsync: return static_cast<double>(P - 1) / static_cast<double>(K);
    default: return 0.0;
  }
}

double sync_async_ratio(const ComputeTime& c, std::int64_t P) {
  return static_cast<double>(P) * expected_order_statistic(c, P, P) / c.mean();
}

}  // namespace sgdcheck::bounds
