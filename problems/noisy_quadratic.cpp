#include "problems/noisy_quadratic.hpp"

#include <fmt/format.h>

#include <cmath>

namespace sgdcheck::problems {

NoisyQuadratic::NoisyQuadratic(Vec lambda, Vec w_star, Vec x0, double sigma2) {
  view_.lambda = std::move(lambda);
  view_.w_star = std::move(w_star);
  view_.x0 = std::move(x0);
  view_.sigma2 = sigma2;
  auto& c = constants_;
  c.L = view_.lambda.maxCoeff();
  c.mu = view_.lambda.minCoeff();
  c.sigma2 = sigma2;
  c.M_grad = 0.0;
  c.M_curv = 0.0;
  c.grad_variance_max = sigma2;
  c.f_star = 0.0;
  c.x_star = view_.w_star;
  c.convexity = Convexity::kStronglyConvex;
  c.exact_L = c.exact_mu = c.exact_sigma2 = c.exact_M = true;
  c.ground_truth = "closed form (w* given)";
}

double NoisyQuadratic::value(const Vec& x) const {
  double s = 0.0;
  for (Index i = 0; i < x.size(); ++i) {
    const double e = x[i] - view_.w_star[i];
    s += view_.lambda[i] * e * e;
  }
  return 0.5 * s;
}

void NoisyQuadratic::gradient(const Vec& x, Vec& g) const {
  g = view_.lambda.cwiseProduct(x - view_.w_star);
}

void NoisyQuadratic::stochastic_gradient(const Vec& x, Index b, Sampling, Rng& rng, Workspace&, Vec& g) const {
  const double sd = std::sqrt(view_.sigma2 / (static_cast<double>(dim()) * static_cast<double>(b)));
  rng.fill_normal(g.data(), static_cast<std::size_t>(x.size()));  // the draws of x.size() calls of normal()
  for (Index i = 0; i < x.size(); ++i) g[i] = view_.lambda[i] * (x[i] - view_.w_star[i]) + sd * g[i];
}

std::string NoisyQuadratic::describe() const {
  return fmt::format("noisy_quadratic d={} lambda in [{:g}, {:g}] sigma2={:g}", dim(), constants_.mu, constants_.L,
                     view_.sigma2);
}

ProblemFamily noisy_quadratic_family() {
  ProblemFamily f;
  f.schema.name = "noisy_quadratic";
  f.schema.description =
      "F = 1/2 sum lambda_i (w_i - w*_i)^2 with additive gradient noise N(0, sigma2/(d b) I) per batch of b "
      "(Dutta et al. 2018): exact L, mu, sigma2, M = 0 and an exact error oracle for fresh gradients";
  f.schema.fields = {
      int_field("d", 20, 1, 1e6, "dimension (taken from lambda when lambda is given)"),
      real_field("lambda_min", 0.5, 0.0, kInf, "smallest curvature (lambda_i evenly spaced on [lambda_min, lambda_max])", true),
      real_field("lambda_max", 1.0, 0.0, kInf, "largest curvature", true),
      list_field("lambda", std::vector<double>{}, "explicit curvatures lambda_i > 0 (overrides lambda_min/max)"),
      real_field("sigma2", 10.0, 0.0, kInf, "per-sample gradient noise sigma^2 (a batch of b has sigma^2/b)"),
      real_field("init.value", 10.0, -1e150, 1e150, "starting point w0 = w* + value * (1, ..., 1)"),
      real_field("w_star", 0.0, -1e150, 1e150, "every coordinate of the optimum w*"),
  };
  f.build = [](const Params& p, const BuildContext&) -> std::unique_ptr<Problem> {
    Vec lambda;
    const auto& list = p.get_list("lambda");
    if (!list.empty()) {
      for (const char* k : {"lambda_min", "lambda_max", "d"})
        if (p.is_explicit(k)) p.fail(k, std::string(k) + " unset when lambda is given");
      for (double v : list)
        if (!(v > 0.0) || !std::isfinite(v)) p.fail("lambda", "every lambda_i finite and > 0");
      lambda = Eigen::Map<const Vec>(list.data(), static_cast<Index>(list.size()));
    } else {
      const double lo = p.get_real("lambda_min"), hi = p.get_real("lambda_max");
      if (lo > hi) p.fail("lambda_min", fmt::format("lambda_min <= lambda_max = {}", hi));
      const Index d = p.get_int("d");
      lambda.resize(d);
      for (Index i = 0; i < d; ++i)
        lambda[i] = d == 1 ? lo : lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(d - 1);
    }
    const Index d = lambda.size();
    Vec w = Vec::Constant(d, p.get_real("w_star"));
    Vec x0 = w + Vec::Constant(d, p.get_real("init.value"));
    return std::make_unique<NoisyQuadratic>(lambda, w, x0, p.get_real("sigma2"));
  };
  return f;
}

}  // namespace sgdcheck::problems
