#include "problems/cosine_toy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace sgdcheck::problems {

CosineToy::CosineToy(Index d, double c, double omega, double sigma0, double sigma1, const InitOptions& init)
    : d_(d), c_(c), omega_(omega), sigma0_(sigma0), sigma1_(sigma1) {
  if (d < 1) throw std::logic_error("CosineToy: d must be >= 1");
  if (!(c >= 0.0 && omega >= 0.0 && sigma0 >= 0.0 && sigma1 >= 0.0) ||
      !std::isfinite(c * omega * omega + sigma0 + sigma1))
    throw std::logic_error("CosineToy: need finite c, omega, sigma0, sigma1 >= 0");
  auto& k = constants_;
  k.L = 1.0 + c * omega * omega;
  k.exact_L = true;
  k.mu = 0.0;
  k.sigma2 = sigma0 * sigma0;
  k.exact_sigma2 = true;
  k.convexity = c * omega * omega > 1.0 ? Convexity::kNonconvex : Convexity::kStronglyConvex;
  if (k.convexity == Convexity::kStronglyConvex) {
    // c·ω² <= 1: F is convex with Hessian >= 1 − cω²; strictly so when < 1, and then x* = 0, F* = c·d.
    if (c * omega * omega < 1.0) {
      k.mu = 1.0 - c * omega * omega;
      k.exact_mu = true;
      k.x_star = Vec::Zero(d);
      k.f_star = c * static_cast<double>(d);
      k.ground_truth = "c*omega^2 < 1: strongly convex, x* = 0, F* = c*d (closed form)";
    } else {
      k.convexity = Convexity::kConvex;
      k.ground_truth = "c*omega^2 = 1: convex, x* = 0, F* = c*d (closed form)";
      k.x_star = Vec::Zero(d);
      k.f_star = c * static_cast<double>(d);
    }
  } else {
    // F is separable: F* = d·min φ, φ(t) = t²/2 + c·cos(ωt). Every stationary point has |t| = cω|sin ωt| <= cω,
    // so a grid of spacing 1/(16ω) on [0, cω] (φ is even) lands in the basin of the global minimiser, and
    // Newton on φ' = t − cω sin(ωt) refines it. Not a closed form: a numerical global minimum.
    const double hi = c * omega, step = 1.0 / (16.0 * omega);
    const double n_grid_real = std::ceil(hi / step) + 1.0;  // compared as a double: c·ω² may be ~1e18
    const auto phi = [&](double t) { return 0.5 * t * t + c * std::cos(omega * t); };
    k.x_star = Vec::Zero(d);  // 0 is always a stationary point (the fallback)
    if (n_grid_real <= 4.0e6) {
      const auto n_grid = static_cast<std::int64_t>(n_grid_real);
      double best = 0.0, fbest = phi(0.0);
      for (std::int64_t i = 1; i < n_grid; ++i) {
        const double t = std::min(hi, static_cast<double>(i) * step);
        if (phi(t) < fbest) {
          fbest = phi(t);
          best = t;
        }
      }
      for (int it = 0; it < 100; ++it) {
        const double d1 = best - c * omega * std::sin(omega * best), d2 = 1.0 - c * omega * omega * std::cos(omega * best);
        if (!(d2 > 0.0)) break;
        const double next = best - d1 / d2;
        if (!(phi(next) <= phi(best))) break;
        const bool done = std::abs(next - best) <= 1e-15 * std::max(1.0, std::abs(best));
        best = next;
        if (done) break;
      }
      k.x_star = Vec::Constant(d, best);
      k.f_star = static_cast<double>(d) * phi(best);
      k.ground_truth = fmt::format(
          "nonconvex: no closed-form F*; global minimiser x*_j = {:.15g} of the separable 1-d problem by a grid over "
          "all stationary points and Newton (numerical); F* = {:.15g} >= -c*d = {}",
          best, k.f_star, f_lower_bound());
    } else {
      k.ground_truth = fmt::format(
          "nonconvex: F* not known (c*omega^2 too large for the 1-d grid); F >= -c*d = {} (lower bound only); "
          "x* = 0 is a stationary point, not a minimiser", f_lower_bound());
    }
  }
  k.notes.push_back(
      "per-sample gradient = grad F + N(0, (sigma0^2 + sigma1^2 |grad F|^2)/d I): the noise covariance is exact; "
      "sigma2 = sigma0^2 at stationary points");
  if (k.convexity == Convexity::kNonconvex)
    k.notes.push_back(fmt::format("nonconvex: F* is a numerical global minimum (no closed form); F >= -c*d = {} "
                                  "is the analytic lower bound; report grad2 / avg_grad2", f_lower_bound()));
  x0_ = make_initial_point(init, Vec::Zero(d), Vec::Unit(d, 0));
}

double CosineToy::value(const Vec& x) const {
  double s = 0.0;
  for (Index j = 0; j < d_; ++j) s += 0.5 * x[j] * x[j] + c_ * std::cos(omega_ * x[j]);
  return s;
}

void CosineToy::gradient(const Vec& x, Vec& g) const {
  for (Index j = 0; j < d_; ++j) g[j] = x[j] - c_ * omega_ * std::sin(omega_ * x[j]);
}

double CosineToy::noise_variance(const Vec& x) const {
  double g2 = 0.0;
  for (Index j = 0; j < d_; ++j) {
    const double gj = x[j] - c_ * omega_ * std::sin(omega_ * x[j]);
    g2 += gj * gj;
  }
  return sigma0_ * sigma0_ + sigma1_ * sigma1_ * g2;
}

void CosineToy::stochastic_gradient(const Vec& x, Index b, Sampling, Rng& rng, Workspace& ws, Vec& g) const {
  if (b < 1) throw std::logic_error("CosineToy::stochastic_gradient: b must be >= 1");
  Vec& noise = ws.sample;
  gradient(x, g);
  const double scale = std::sqrt(noise_variance(x) / static_cast<double>(d_));
  noise.setZero();
  for (Index k = 0; k < b; ++k)
    for (Index j = 0; j < d_; ++j) noise[j] += rng.normal();
  g.noalias() += (scale / static_cast<double>(b)) * noise;
}

void CosineToy::draw_step_with_sample_gradients(const Vec& x, Index b, Sampling, Rng& rng, Workspace& ws,
                                                RowMat& grads) const {
  if (b < 1 || grads.rows() < b || grads.cols() != dim())
    throw std::logic_error("CosineToy::draw_step_with_sample_gradients: b >= 1 rows of size d needed");
  Vec& mean = ws.sample;
  Vec& g = ws.grad;
  gradient(x, mean);
  const double scale = std::sqrt(noise_variance(x) / static_cast<double>(d_));
  g.setZero();
  for (Index k = 0; k < b; ++k) {
    for (Index j = 0; j < d_; ++j) {
      grads(k, j) = mean[j] + scale * rng.normal();
      g[j] += grads(k, j);
    }
  }
  g /= static_cast<double>(b);
}

std::string CosineToy::describe() const {
  return fmt::format("cosine_toy d={} c={} omega={} sigma0={} sigma1={} L={}", d_, c_, omega_, sigma0_, sigma1_,
                     constants_.L);
}

ProblemFamily cosine_toy_family() {
  ProblemFamily f;
  f.schema.name = "cosine_toy";
  f.schema.description =
      "streaming nonconvex toy F(x) = sum_j x_j^2/2 + c cos(omega x_j), per-sample gradient grad F + "
      "N(0, (sigma0^2 + sigma1^2 |grad F|^2)/d I); exact L = 1 + c omega^2 and noise covariance, F* unknown "
      "(F >= -c d)";
  f.schema.fields = {
      int_field("d", 10, 1, 1e7, "dimension"),
      int_field("seed", 0, 0, kMaxSeed, "problem instance seed (x0)"),
      real_field("c", 1.0, 0.0, 1e6, "amplitude c of the cosine term (nonconvex when c omega^2 > 1)"),
      real_field("omega", 2.0, 0.0, 1e6, "frequency omega of the cosine term"),
      real_field("sigma0", 1.0, 0.0, 1e6, "additive noise level: E|g_1 - grad F|^2 = sigma0^2 + sigma1^2 |grad F|^2"),
      real_field("sigma1", 0.0, 0.0, 1e6, "multiplicative noise level (see sigma0)"),
      choice_field("init.kind", "gaussian", {"zeros", "gaussian"},
                   "starting point x0: zeros (a stationary point), or radius * (random unit direction)"),
      real_field("init.radius", 3.0, 0.0, 1e6, "norm of x0 (unused for init.kind zeros)"),
  };
  f.build = [](const Params& p, const BuildContext&) -> std::unique_ptr<Problem> {
    InitOptions o;
    o.kind = parse_init_kind(p.get_string("init.kind"));
    o.radius = p.get_real("init.radius");
    o.seed = static_cast<std::uint64_t>(p.get_int("seed"));
    return std::make_unique<CosineToy>(p.get_int("d"), p.get_real("c"), p.get_real("omega"), p.get_real("sigma0"),
                                       p.get_real("sigma1"), o);
  };
  return f;
}

}  // namespace sgdcheck::problems
