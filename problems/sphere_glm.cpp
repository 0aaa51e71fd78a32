#include "problems/sphere_glm.hpp"

#include <fmt/format.h>

#include <cmath>

#include "problems/logistic_math.hpp"

namespace sgdcheck::problems {

SphereGlm::SphereGlm(SphereLoss loss, Index d, Index n, double label_noise, double lambda, std::uint64_t seed)
    : loss_(loss), d_(d), n_(n), label_noise_(label_noise), lambda_(lambda) {
  Rng rng = make_stream(seed, 0, StreamPurpose::kProblemData, 0);
  w_star_.resize(d_);
  for (Index j = 0; j < d_; ++j) w_star_[j] = rng.normal();
  w_star_ /= w_star_.norm();
  X_.resize(n_, d_);
  y_.resize(n_);
  Vec x(d_);
  for (Index i = 0; i < n_; ++i) {
    y_[i] = draw(rng, x);
    X_.row(i) = x.transpose();
  }
  constants_.L = beta();  // smoothness of f (per sample, hence of the mean): β of the stability spec
  constants_.L_max = beta();
  constants_.mu = gamma();
  constants_.convexity = convex() ? (gamma() > 0 ? Convexity::kStronglyConvex : Convexity::kConvex) : Convexity::kNonconvex;
  constants_.exact_L = false;  // an upper bound (sup of |loss''|)
  constants_.ground_truth = "none: a stability test problem (no minimiser is computed)";
  constants_.notes.push_back(fmt::format("stability constants: Lipschitz {:.6g}, smoothness beta {:.6g}, strong convexity "
                                         "gamma {:.6g}, sup f {:.6g} (derived)",
                                         L(), beta(), gamma(), sup_f()));
}

std::string SphereGlm::family() const {
  switch (loss_) {
    case SphereLoss::kLogistic: return "sphere_logistic";
    case SphereLoss::kRidgeLogistic: return "ridge_logistic_projected";
    case SphereLoss::kSigmoid: return "sigmoid_loss";
  }
  return "sphere_logistic";
}

double SphereGlm::draw(Rng& rng, Eigen::Ref<Vec> x) const {
  double norm2 = 0.0;
  do {
    for (Index j = 0; j < d_; ++j) x[j] = rng.normal();
    norm2 = x.squaredNorm();
  } while (!(norm2 > 0.0));
  x /= std::sqrt(norm2);
  double y = x.dot(w_star_) >= 0.0 ? 1.0 : -1.0;
  if (rng.uniform() < label_noise_) y = -y;
  return y;
}

double SphereGlm::loss(double m, double y, double w_norm2) const {
  switch (loss_) {
    case SphereLoss::kLogistic: return log1p_exp(-y * m);
    case SphereLoss::kRidgeLogistic: return log1p_exp(-y * m) + 0.5 * lambda_ * w_norm2;
    case SphereLoss::kSigmoid: return sigmoid(-y * m);
  }
  return NAN;
}

double SphereGlm::coefficient(double m, double y) const {
  // d/dw ℓ(−y⟨w,x⟩) = −y ℓ′(−y m) x.
  const double s = sigmoid(-y * m);
  switch (loss_) {
    case SphereLoss::kLogistic:
    case SphereLoss::kRidgeLogistic: return -y * s;
    case SphereLoss::kSigmoid: return -y * s * (1.0 - s);
  }
  return NAN;
}

double SphereGlm::radius() const { return loss_ == SphereLoss::kRidgeLogistic ? 1.0 / lambda_ : INFINITY; }

double SphereGlm::L() const {
  switch (loss_) {
    case SphereLoss::kLogistic: return 1.0;
    case SphereLoss::kRidgeLogistic: return 2.0;
    case SphereLoss::kSigmoid: return 0.25;
  }
  return NAN;
}

double SphereGlm::beta() const {
  switch (loss_) {
    case SphereLoss::kLogistic: return 0.25;
    case SphereLoss::kRidgeLogistic: return 0.25 + lambda_;
    case SphereLoss::kSigmoid: return std::sqrt(3.0) / 18.0;
  }
  return NAN;
}

double SphereGlm::sup_f() const {
  switch (loss_) {
    case SphereLoss::kLogistic: return INFINITY;
    case SphereLoss::kRidgeLogistic: {
      const double r = radius();
      return log1p_exp(r) + 0.5 * lambda_ * r * r;
    }
    case SphereLoss::kSigmoid: return 1.0;
  }
  return NAN;
}

double SphereGlm::value(const Vec& w) const {
  const Vec m = X_ * w;
  const double w2 = w.squaredNorm();
  double s = 0.0;
  for (Index i = 0; i < n_; ++i) s += loss(m[i], y_[i], w2);
  return s / static_cast<double>(n_);
}

void SphereGlm::gradient(const Vec& w, Vec& g) const {
  const Vec m = X_ * w;
  Vec c(n_);
  for (Index i = 0; i < n_; ++i) c[i] = coefficient(m[i], y_[i]);
  g.noalias() = X_.transpose() * c / static_cast<double>(n_);
  g += ridge() * w;
}

void SphereGlm::sample_gradient(Index i, const Vec& w, Vec& g) const {
  const double m = X_.row(i).dot(w);
  g = coefficient(m, y_[i]) * X_.row(i).transpose() + ridge() * w;
}

std::string SphereGlm::describe() const {
  return fmt::format("{} n={} d={} label_noise={}{}", family(), n_, d_, label_noise_,
                     loss_ == SphereLoss::kRidgeLogistic ? fmt::format(" lambda={} radius={}", lambda_, radius()) : "");
}

std::vector<ProblemFamily> sphere_glm_families() {
  auto family = [](SphereLoss loss, const char* name, const char* what) {
    ProblemFamily f;
    f.schema = Schema{name,
                      what,
                      {int_field("n", 200, 2, 1e7, "training set size n (the stability runner draws S, S' of this size)"),
                       int_field("d", 10, 1, 5000, "dimension (x uniform on the unit sphere of R^d)"),
                       real_field("label_noise", 0.1, 0.0, 0.5, "probability that y = sign(<w*, x>) is flipped"),
                       int_field("seed", 0, 0, kMaxSeed, "seed of w* and of the reference draw")}};
    if (loss == SphereLoss::kRidgeLogistic)
      f.schema.fields.push_back(real_field("lambda", 0.1, 1e-6, 1e6, "ridge lambda = strong convexity gamma; projection "
                                                                    "radius 1/lambda"));
    f.build = [loss](const Params& p, const BuildContext&) -> std::unique_ptr<Problem> {
      const double lambda = loss == SphereLoss::kRidgeLogistic ? p.get_real("lambda") : 0.0;
      if (static_cast<double>(p.get_int("n")) * static_cast<double>(p.get_int("d")) > 1e8)
        p.fail("n", "n * d <= 1e8");
      return std::make_unique<SphereGlm>(loss, p.get_int("d"), p.get_int("n"), p.get_real("label_noise"), lambda,
                                         static_cast<std::uint64_t>(p.get_int("seed")));
    };
    return f;
  };
  return {family(SphereLoss::kLogistic, "sphere_logistic",
                 "stability test (Regatti 2019): logistic loss, x on the unit sphere, 10% label flips; convex, L = 1, "
                 "beta = 1/4"),
          family(SphereLoss::kRidgeLogistic, "ridge_logistic_projected",
                 "stability test: ridge logistic projected on ||w|| <= 1/lambda; L = 2, beta = 1/4 + lambda, gamma = lambda"),
          family(SphereLoss::kSigmoid, "sigmoid_loss",
                 "stability test: sigmoid loss sigma(-y<w,x>) in [0,1]; nonconvex, L = 1/4, beta = sqrt(3)/18")};
}

}  // namespace sgdcheck::problems
