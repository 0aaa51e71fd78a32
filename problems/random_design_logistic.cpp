#include "problems/random_design_logistic.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "problems/logistic_math.hpp"

namespace sgdcheck::problems {

namespace {

/// Trapezoid rule for E[F(Z)], Z ~ N(0, 1), on [−zmax, zmax] with spacing h: for the analytic integrands
/// here (poles of σ at distance π/‖w‖ from the real axis) the error is ~exp(−2π²/(h‖w‖)), below 1e-13
/// for h = 1/16 and ‖w‖ <= 10; truncation at 12 standard deviations costs e^{−72}.
void gaussian_rule(double h, double zmax, std::vector<double>& nodes, std::vector<double>& weights) {
  nodes.clear();
  weights.clear();
  const auto k_max = static_cast<int>(std::ceil(zmax / h));
  double total = 0.0;
  for (int k = -k_max; k <= k_max; ++k) {
    const double z = k * h;
    nodes.push_back(z);
    weights.push_back(std::exp(-0.5 * z * z));
    total += weights.back();
  }
  for (double& w : weights) w /= total;  // exact normalisation (the rule integrates 1 exactly then)
}

/// Orthonormal basis of span{w*, x} in which w* = (r, 0) and x = (p1, p2) with p2 >= 0.
struct PlaneCoords {
  Vec e1, e2;
  double r = 0.0, p1 = 0.0, p2 = 0.0;
};

PlaneCoords plane(const Vec& w_star, const Vec& x) {
  PlaneCoords c;
  const Index d = x.size();
  c.r = w_star.norm();
  if (c.r > 0.0) {
    c.e1 = w_star / c.r;
  } else {
    const double xn = x.norm();
    c.e1 = xn > 0.0 ? Vec(x / xn) : Vec(Vec::Unit(d, 0));
  }
  c.p1 = c.e1.dot(x);
  Vec rest = x - c.p1 * c.e1;
  c.p2 = rest.norm();
  if (c.p2 > 1e-14 * (1.0 + std::abs(c.p1))) {
    c.e2 = rest / c.p2;
  } else {
    c.p2 = 0.0;
    c.e2 = Vec::Zero(d);
  }
  return c;
}

}  // namespace

RandomDesignLogistic::RandomDesignLogistic(Vec w_star, const InitOptions& init, double label_flip)
    : w_star_(std::move(w_star)), label_flip_(label_flip) {
  const Index d = w_star_.size();
  if (d < 1 || !w_star_.allFinite()) throw std::logic_error("RandomDesignLogistic: need a finite w* with d >= 1");
  if (!(label_flip >= 0.0 && label_flip < 0.5)) throw std::logic_error("RandomDesignLogistic: label_flip in [0, 0.5)");
  gaussian_rule(1.0 / 16.0, 12.0, nodes_, weights_);
  const double r = w_star_.norm();
  auto& c = constants_;
  if (label_flip_ == 0.0) {
    for (std::size_t k = 0; k < nodes_.size(); ++k) {
      const double z = nodes_[k], s = sigmoid(r * z), ds = s * (1.0 - s);
      h_along_ += weights_[k] * ds * z * z;
      h_across_ += weights_[k] * ds;
    }
    c.x_star = w_star_;
    c.sigma2 = h_along_ + static_cast<double>(d - 1) * h_across_;
  } else {
    // x* = t·w*: by rotational symmetry about w* the minimiser lies on span{w*}; Newton on the scalar
    // g(t) = E[(σ(t r z) − q(r z)) z] (g' = E[σ'(t r z) r z²] > 0, g(0) < 0 < g(1) for r > 0).
    const double p = label_flip_;
    double t = 1.0;
    for (int it = 0; it < 100 && r > 0.0; ++it) {
      double g = 0.0, dg = 0.0;
      for (std::size_t k = 0; k < nodes_.size(); ++k) {
        const double z = nodes_[k], s = sigmoid(t * r * z), q = p + (1.0 - 2.0 * p) * sigmoid(r * z);
        g += weights_[k] * (s - q) * z;
        dg += weights_[k] * s * (1.0 - s) * r * z * z;
      }
      const double step = g / dg;
      t -= step;
      if (std::abs(step) < 1e-15 * std::max(1.0, std::abs(t))) break;
    }
    double v_along = 0.0, v_across = 0.0;
    for (std::size_t k = 0; k < nodes_.size(); ++k) {
      const double z = nodes_[k], s = sigmoid(t * r * z), q = p + (1.0 - 2.0 * p) * sigmoid(r * z);
      const double ds = s * (1.0 - s), w2 = s * s - 2.0 * s * q + q;  // E_y[(σ(v) − y)²]
      h_along_ += weights_[k] * ds * z * z;
      h_across_ += weights_[k] * ds;
      v_along += weights_[k] * w2 * z * z;
      v_across += weights_[k] * w2;
    }
    c.x_star = t * w_star_;
    c.sigma2 = v_along + static_cast<double>(d - 1) * v_across;
  }
  c.f_star = value(c.x_star);
  c.L = 0.25;
  c.mu = d > 1 ? std::min(h_along_, h_across_) : h_along_;
  c.grad_variance_max = static_cast<double>(d);
  c.convexity = Convexity::kConvex;
  c.exact_L = false;
  c.exact_mu = false;
  c.exact_sigma2 = true;
  c.exact_M = false;
  if (label_flip_ == 0.0) {
    c.ground_truth = "well-specified model: x* = w* (closed form); f, grad f, H* by Gaussian quadrature";
    c.notes.push_back(fmt::format(
        "mu = lambda_min(H*) = {:.6g} is the local strong convexity at w* only; L = 1/4 is an upper bound; "
        "sigma2 = tr H* (gradient covariance = Hessian at w*)", c.mu));
  } else {
    c.ground_truth = fmt::format(
        "labels flipped with probability {}: f, x*, f* refer to the flipped distribution; x* = {:.15g} w* by "
        "Newton on the quadrature", label_flip_, c.x_star.norm() / std::max(r, 1e-300));
    c.notes.push_back(fmt::format(
        "label_flip = {}: misspecified model; mu = {:.6g} is the local strong convexity at x* only; L = 1/4 "
        "is an upper bound; sigma2 = E|grad f_i(x*)|^2 by quadrature", label_flip_, c.mu));
  }
  x0_ = make_initial_point(init, c.x_star, Vec::Zero(d));
}

double RandomDesignLogistic::draw_label(Rng& rng, const Vec& a, bool& flipped) const {
  const double y = rng.bernoulli(sigmoid(w_star_.dot(a))) ? 1.0 : 0.0;
  flipped = label_flip_ > 0.0 && rng.bernoulli(label_flip_);
  return flipped ? 1.0 - y : y;
}

double RandomDesignLogistic::value(const Vec& x) const {
  // f(x) = E[log(1 + e^v) − σ(u)·v], u = ⟨w*, a⟩ = r·z1, v = ⟨x, a⟩ = p1·z1 + p2·z2.
  const PlaneCoords pc = plane(w_star_, x);
  double s = 0.0;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const double z1 = nodes_[i], su = label_flip_ + (1.0 - 2.0 * label_flip_) * sigmoid(pc.r * z1);
    if (pc.p2 == 0.0) {
      const double v = pc.p1 * z1;
      s += weights_[i] * (log1p_exp(v) - su * v);
      continue;
    }
    double inner = 0.0;
    for (std::size_t j = 0; j < nodes_.size(); ++j) {
      const double v = pc.p1 * z1 + pc.p2 * nodes_[j];
      inner += weights_[j] * (log1p_exp(v) - su * v);
    }
    s += weights_[i] * inner;
  }
  return s;
}

void RandomDesignLogistic::gradient(const Vec& x, Vec& g) const {
  // ∇f(x) = E[(σ(v) − σ(u))·a] = E[(σ(v) − σ(u)) z1]·e1 + E[(σ(v) − σ(u)) z2]·e2.
  const PlaneCoords pc = plane(w_star_, x);
  double g1 = 0.0, g2 = 0.0;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const double z1 = nodes_[i], su = label_flip_ + (1.0 - 2.0 * label_flip_) * sigmoid(pc.r * z1);
    if (pc.p2 == 0.0) {
      g1 += weights_[i] * (sigmoid(pc.p1 * z1) - su) * z1;
      continue;
    }
    for (std::size_t j = 0; j < nodes_.size(); ++j) {
      const double z2 = nodes_[j], diff = sigmoid(pc.p1 * z1 + pc.p2 * z2) - su, w = weights_[i] * weights_[j];
      g1 += w * diff * z1;
      g2 += w * diff * z2;
    }
  }
  g = g1 * pc.e1;
  if (pc.p2 != 0.0) g += g2 * pc.e2;
}

void RandomDesignLogistic::stochastic_gradient(const Vec& x, Index b, Sampling, Rng& rng, Workspace& ws, Vec& g) const {
  if (b < 1) throw std::logic_error("RandomDesignLogistic::stochastic_gradient: b must be >= 1");
  Vec& a = ws.sample;
  g.setZero();
  for (Index k = 0; k < b; ++k) {
    rng.fill_normal(a.data(), static_cast<std::size_t>(dim()));
    bool flipped = false;
    const double y = draw_label(rng, a, flipped);
    g.noalias() += (sigmoid(a.dot(x)) - y) * a;
  }
  g /= static_cast<double>(b);
}

void RandomDesignLogistic::draw_step_with_sample_gradients(const Vec& x, Index b, Sampling, Rng& rng, Workspace& ws,
                                                RowMat& grads) const {
  if (b < 1 || grads.rows() < b || grads.cols() != dim())
    throw std::logic_error("RandomDesignLogistic::draw_step_with_sample_gradients: b >= 1 rows of size d needed");
  Vec& a = ws.sample;
  Vec& g = ws.grad;
  g.setZero();
  for (Index k = 0; k < b; ++k) {
    rng.fill_normal(a.data(), static_cast<std::size_t>(dim()));
    bool flipped = false;
    const double y = draw_label(rng, a, flipped);
    grads.row(k) = ((sigmoid(a.dot(x)) - y) * a).transpose();
    g.noalias() += grads.row(k).transpose();
  }
  g /= static_cast<double>(b);
}

std::string RandomDesignLogistic::describe() const {
  return fmt::format("random_design_logistic d={} |w*|={} H*=({:.6g} along, {:.6g} across)", dim(), w_star_.norm(),
                     h_along_, h_across_);
}

ProblemFamily random_design_logistic_family() {
  ProblemFamily f;
  f.schema.name = "random_design_logistic";
  f.schema.description =
      "streaming well-specified logistic regression x ~ N(0, I_d), P(y=1|x) = sigmoid(<w*, x>); x* = w*, f and H* "
      "by quadrature";
  f.schema.fields = {
      int_field("d", 1, 1, 1e7, "dimension (taken from w_star when it is given)"),
      int_field("seed", 0, 0, kMaxSeed, "problem instance seed (x0)"),
      list_field("w_star", std::vector<double>{2.0}, "generating and optimal weights w* (size d; default (2) for d = 1)"),
      choice_field("init.kind", "gaussian", {"zeros", "gaussian"},
                   "starting point x0: zeros, or w* + radius * (random unit direction)"),
      real_field("init.radius", 1.0, 0.0, kInf, "distance of x0 from x* (unused for init.kind zeros; 0: start at x*)"),
      real_field("label_flip", 0.0, 0.0, 0.5, "probability p in [0, 0.5) that a drawn label is flipped; f, x*, f*, "
                 "sigma2 then refer to the flipped distribution (x* = t w*, 0 < t <= 1, by quadrature)",
                 false, true),
  };
  f.build = [](const Params& p, const BuildContext&) -> std::unique_ptr<Problem> {
    const auto& wl = p.get_list("w_star");
    if (wl.empty()) p.fail("w_star", "w_star is a non-empty list");
    const Vec w = Eigen::Map<const Vec>(wl.data(), static_cast<Index>(wl.size()));
    if (p.is_explicit("d") && p.get_int("d") != w.size()) p.fail("d", fmt::format("d = size of w_star = {}", w.size()));
    if (w.norm() > 10.0) p.fail("w_star", "||w_star|| <= 10 (quadrature accuracy)");
    InitOptions o;
    o.kind = parse_init_kind(p.get_string("init.kind"));
    o.radius = p.get_real("init.radius");
    o.seed = static_cast<std::uint64_t>(p.get_int("seed"));
    return std::make_unique<RandomDesignLogistic>(w, o, p.get_real("label_flip"));
  };
  return f;
}

}  // namespace sgdcheck::problems
