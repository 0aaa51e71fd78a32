#include "problems/random_design_ls.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <stdexcept>
#include <utility>

#include "core/kernels.hpp"

namespace sgdcheck::problems {

Design parse_design(const std::string& name) {
  if (name == "gaussian") return Design::kGaussian;
  if (name == "rademacher") return Design::kRademacher;
  if (name == "bernoulli_gaussian") return Design::kBernoulliGaussian;
  throw std::logic_error("parse_design: unknown design '" + name + "'");
}

std::string to_string(Design d) {
  switch (d) {
    case Design::kGaussian: return "gaussian";
    case Design::kRademacher: return "rademacher";
    case Design::kBernoulliGaussian: return "bernoulli_gaussian";
  }
  return "?";
}

RandomDesignLs::RandomDesignLs(Vec h, Design design, double density, double noise, Vec w_star, const InitOptions& init)
    : design_(design), density_(density), noise_(noise) {
  const Index d = h.size();
  if (d < 1 || !(h.minCoeff() > 0.0) || !h.allFinite()) throw std::logic_error("RandomDesignLs: need h > 0, d >= 1");
  if (!(density > 0.0 && density <= 1.0)) throw std::logic_error("RandomDesignLs: density must be in (0, 1]");
  if (w_star.size() != d) throw std::logic_error("RandomDesignLs: w_star has the wrong size");
  view_.h = std::move(h);
  view_.w_star = std::move(w_star);
  view_.noise_var = noise * noise;
  view_.kurtosis = design == Design::kGaussian ? 3.0 : design == Design::kRademacher ? 1.0 : 3.0 / density;
  view_.density = design == Design::kBernoulliGaussian ? density : 1.0;
  sqrt_h_ = view_.h.cwiseSqrt();
  inv_sqrt_p_ = 1.0 / std::sqrt(density_);

  const Vec& hv = view_.h;
  const double tr = hv.sum(), kappa = view_.kurtosis;
  Index imax = 0;
  const double L = hv.maxCoeff(&imax);
  const double mu = hv.minCoeff();
  double mg = -INFINITY, mc = -INFINITY;
  Index worst = 0;
  for (Index i = 0; i < d; ++i) {
    const double g = tr / hv[i] + kappa - 1.0;
    if (g > mg) {
      mg = g;
      worst = i;
    }
    mc = std::max(mc, (tr + (kappa - 1.0) * hv[i]) / L);
  }
  auto& c = constants_;
  c.L = L;
  c.mu = mu;
  c.sigma2 = view_.noise_var * tr;
  c.M_grad = mg - 1.0;
  c.M_curv = mc - 1.0;
  c.f_star = 0.5 * view_.noise_var;
  c.x_star = view_.w_star;
  c.convexity = Convexity::kStronglyConvex;
  c.exact_L = c.exact_mu = c.exact_sigma2 = c.exact_M = true;
  c.ground_truth = "population minimiser x* = w* (closed form)";
  if (noise > 0.0)
    c.notes.push_back(
        "non-realizable (sigma2 > 0): (2 M_grad, 2 sigma2) is always a valid (M, sigma2) pair (by Young's inequality)");
  Vec direction;
  if (init.kind == InitKind::kTopEigenvector) direction = Vec::Unit(d, imax);
  if (init.kind == InitKind::kWorstCase) direction = Vec::Unit(d, worst);
  x0_ = make_initial_point(init, c.x_star, direction);
}

double RandomDesignLs::value(const Vec& x) const {
  double s = 0.0;
  for (Index j = 0; j < dim(); ++j) {
    const double e = x[j] - view_.w_star[j];
    s += view_.h[j] * e * e;
  }
  return 0.5 * s + 0.5 * view_.noise_var;
}

void RandomDesignLs::gradient(const Vec& x, Vec& g) const {
  g = view_.h.cwiseProduct(x - view_.w_star);
}

// Inlined into every caller, so in small_step<D> the dimension is a constant and the loops unroll.
[[gnu::always_inline]] inline double RandomDesignLs::draw_into(Rng& rng, double* a, Index d) const {
  // One loop per design (the switch hoisted out of the coordinate loop); same draws, same arithmetic.
  double y = 0.0;
  switch (design_) {
    case Design::kGaussian:
      // a_j = sqrt(h_j)·z_j with the draws of d calls of normal(), then y = Σ w*_j a_j in order.
      rng.fill_normal_scaled(a, sqrt_h_.data(), static_cast<std::size_t>(d));
      for (Index j = 0; j < d; ++j) y += view_.w_star[j] * a[j];
      break;
    case Design::kRademacher:
      rng.fill_rademacher_scaled(a, sqrt_h_.data(), static_cast<std::size_t>(d));
      for (Index j = 0; j < d; ++j) y += view_.w_star[j] * a[j];
      break;
    case Design::kBernoulliGaussian:
      for (Index j = 0; j < d; ++j) {
        const double z = rng.bernoulli(density_) ? rng.normal() * inv_sqrt_p_ : 0.0;
        a[j] = sqrt_h_[j] * z;
        y += view_.w_star[j] * a[j];
      }
      break;
  }
  if (noise_ > 0.0) y += noise_ * rng.normal();
  return y;
}

double RandomDesignLs::draw_sample(Rng& rng, Vec& a) const { return draw_into(rng, a.data(), dim()); }

void RandomDesignLs::stochastic_gradient(const Vec& x, Index b, Sampling, Rng& rng, Workspace& ws, Vec& g) const {
  if (b < 1) throw std::logic_error("RandomDesignLs::stochastic_gradient: b must be >= 1");
  Vec& a = ws.sample;
  if (b == 1) {
    // g = (a'x - y) a exactly as the loop below computes it for b = 1 (0 + r a, then / 1).
    const double y = draw_sample(rng, a);
    g.noalias() = (kernels::dot(a.data(), x.data(), a.size()) - y) * a;
    return;
  }
  g.setZero();
  for (Index k = 0; k < b; ++k) {
    const double y = draw_sample(rng, a);
    g.noalias() += (kernels::dot(a.data(), x.data(), a.size()) - y) * a;
  }
  g /= static_cast<double>(b);
}

void RandomDesignLs::draw_step(const Vec& at, Index b, Sampling s, Rng& rng, Workspace& ws) const {
  ws.coeffs.clear();
  if (b != 1) {
    stochastic_gradient(at, b, s, rng, ws, ws.grad);
    return;
  }
  if (avx2_)
    draw_one_avx2(at, rng, ws);
  else
    draw_one<2>(at, rng, ws);
}

template <int W>
[[gnu::always_inline]] inline void RandomDesignLs::draw_one(const Vec& at, Rng& rng, Workspace& ws) const {
  const double y = draw_into(rng, ws.sample.data(), dim());
  // capacity >= 1 from make_workspace: no allocation
  ws.coeffs.push_back(kernels::dot<W>(ws.sample.data(), at.data(), at.size()) - y);
}

void RandomDesignLs::apply_step(double gamma, const Workspace& ws, Vec& x) const {
  if (ws.coeffs.size() != 1) {
    x.noalias() -= gamma * ws.grad;
    return;
  }
  // x − γ·g with g = r·a, element by element as the default x.noalias() −= γ·g evaluates it.
  if (avx2_)
    sub_scaled_avx2(gamma, ws.coeffs[0], ws.sample.data(), x.data(), x.size());
  else
    kernels::sub_scaled(gamma, ws.coeffs[0], ws.sample.data(), x.data(), x.size());
}

template <int D>
void RandomDesignLs::small_step(double gamma, double* x, Rng& rng) const {
  // 16-byte aligned: the draws are stored in pairs and dot / sub_scaled load them as pairs.
  alignas(16) double a[D] = {};  // every element is drawn; zeroed so no path reads an unset one
  const double y = draw_into(rng, a, D);
  const double r = kernels::dot(a, x, D) - y;
  kernels::sub_scaled(gamma, r, a, x, D);
}

void RandomDesignLs::sgd_step(double gamma, Vec& x, Index b, Sampling s, Rng& rng, Workspace& ws) const {
  // b = 1, d <= 8: draw_step's r = a'x − y and apply_step's x − γ·(r·a) on a sample kept in a local
  // array (one instantiation per d); at d = 2 the two phases spent more instructions on loop set-up
  // and calls than on the three draws. Otherwise the two phases.
  using Step = void (RandomDesignLs::*)(double, double*, Rng&) const;
  static constexpr Step kSmallSteps[] = {nullptr,
                                         &RandomDesignLs::small_step<1>,
                                         &RandomDesignLs::small_step<2>,
                                         &RandomDesignLs::small_step<3>,
                                         &RandomDesignLs::small_step<4>,
                                         &RandomDesignLs::small_step<5>,
                                         &RandomDesignLs::small_step<6>,
                                         &RandomDesignLs::small_step<7>,
                                         &RandomDesignLs::small_step<8>};
  if (b == 1 && dim() < static_cast<Index>(std::size(kSmallSteps)))
    return (this->*kSmallSteps[dim()])(gamma, x.data(), rng);
  Problem::sgd_step(gamma, x, b, s, rng, ws);
}

namespace {
// One double per slot. A scalar operand of a lane operation is broadcast to every lane.
using Lanes = RngLanes::D;
}  // namespace

template <int D>
[[gnu::always_inline]] inline void RandomDesignLs::lane_update(double gamma,
                                                               RngLanes& lanes,
                                                               RngLanes::D* w) const {
  // small_step<D> for the four lanes at once, lane k doing slot k's scalar operations in their order:
  // its draws (RngLanes: the same bits as its Rng), y = Σ w*_j a_j in order, r = dot(a, x) in
  // kernels::dot's order, x_j − γ·(r·a_j) as kernels::sub_scaled rounds it. w[j] holds coordinate j
  // of the four iterates.
  Lanes a[D];
  if (design_ == Design::kGaussian) {
    for (int j = 0; j < D; ++j) {
      lanes.normal(a[j]);
      a[j] *= sqrt_h_[j];
    }
  } else {  // kRademacher (sgd_steps sends no other design here)
    for (int j = 0; j < D; ++j) {
      lanes.rademacher(a[j]);
      a[j] = sqrt_h_[j] * a[j];
    }
  }
  Lanes y = {0.0, 0.0, 0.0, 0.0};
  for (int j = 0; j < D; ++j) y += view_.w_star[j] * a[j];
  if (noise_ > 0.0) {
    Lanes e;
    lanes.normal(e);
    y += noise_ * e;
  }
  Lanes p0 = {0.0, 0.0, 0.0, 0.0}, p1 = p0, p2 = p0, p3 = p0;  // kernels::dot's four partial sums
  int j = 0;
  for (; j + 4 <= D; j += 4) {
    p0 += a[j] * w[j];
    p1 += a[j + 1] * w[j + 1];
    p2 += a[j + 2] * w[j + 2];
    p3 += a[j + 3] * w[j + 3];
  }
  Lanes dot = (p0 + p1) + (p2 + p3);
  for (; j < D; ++j) dot += a[j] * w[j];
  const Lanes r = dot - y;
  for (j = 0; j < D; ++j) w[j] -= gamma * (r * a[j]);
}

namespace {
/// The iterates of slots[0..3] as D lane vectors (w[j][k] = slot k's x_j), and back.
template <int D>
[[gnu::always_inline]] inline void load_iterates(const StepSlot* slots, Lanes* w) {
  for (int j = 0; j < D; ++j)
    for (int k = 0; k < RngLanes::kLanes; ++k) w[j][k] = slots[k].x->data()[j];
}
template <int D>
[[gnu::always_inline]] inline void store_iterates(const Lanes* w, const StepSlot* slots) {
  for (int j = 0; j < D; ++j)
    for (int k = 0; k < RngLanes::kLanes; ++k) slots[k].x->data()[j] = w[j][k];
}
template <int K>
[[gnu::always_inline]] inline void streams_of(const StepSlot* slots, Rng** rng) {
  for (int k = 0; k < K; ++k) rng[k] = slots[k].rng;
}
}  // namespace

template <int D>
[[gnu::always_inline]] inline void RandomDesignLs::lane_step(double gamma, const StepSlot* slots) const {
  Rng* rng[RngLanes::kLanes];
  streams_of<RngLanes::kLanes>(slots, rng);
  RngLanes lanes;
  lanes.load(rng);
  Lanes w[D];
  load_iterates<D>(slots, w);
  lane_update<D>(gamma, lanes, w);
  lanes.store(rng);
  store_iterates<D>(w, slots);
}

template <int D>
[[gnu::always_inline]] inline void RandomDesignLs::lane_run(std::span<const StepSlot> slots,
                                                            const LocalStepRun& run) const {
  // Up to kMaxLaneGroups groups of four slots, their iterates and streams in lanes for the whole run.
  constexpr int K = RngLanes::kLanes;
  const std::size_t groups = slots.size() / K;
  RngLanes lanes[kMaxLaneGroups];
  Lanes w[kMaxLaneGroups][D];
  Rng* rng[kMaxLaneGroups][K];
  for (std::size_t g = 0; g < groups; ++g) {
    streams_of<K>(slots.data() + g * K, rng[g]);
    lanes[g].load(rng[g]);
    load_iterates<D>(slots.data() + g * K, w[g]);
  }
  for (std::size_t step = 0; step < run.gammas.size(); ++step) {
    for (std::size_t g = 0; g < groups; ++g) lane_update<D>(run.gammas[step], lanes[g], w[g]);
    // LocalEngine::update's average: per coordinate ((x_0 + x_1) + …) · (1/P), in slot order.
    double* wb = run.wbar[step].data();
    for (int j = 0; j < D; ++j) {
      double sum = w[0][j][0];
      for (int k = 1; k < K; ++k) sum += w[0][j][k];
      for (std::size_t g = 1; g < groups; ++g)
        for (int k = 0; k < K; ++k) sum += w[g][j][k];
      wb[j] = sum * run.inv_p;
    }
    if (run.average[step])
      for (std::size_t g = 0; g < groups; ++g)
        for (int j = 0; j < D; ++j) w[g][j] = Lanes{wb[j], wb[j], wb[j], wb[j]};  // a copy (keeps −0)
  }
  for (std::size_t g = 0; g < groups; ++g) {
    lanes[g].store(rng[g]);
    store_iterates<D>(w[g], slots.data() + g * K);
  }
}

// lane_step compiled twice: for baseline x86-64 (each four-double vector in two SSE2 registers) and
// for AVX2 (one register), chosen by the CPU. Both perform the same integer operations and IEEE
// multiplies, adds and subtracts (no FMA: "avx2" does not enable it), so their results are identical.
template <int D>
void RandomDesignLs::lane_step_baseline(double gamma, const StepSlot* slots) const {
  lane_step<D>(gamma, slots);
}
template <int D>
SGDCHECK_AVX2_TARGET void RandomDesignLs::lane_step_avx2(double gamma, const StepSlot* slots) const {
  lane_step<D>(gamma, slots);
}
template <int D>
void RandomDesignLs::lane_run_baseline(std::span<const StepSlot> slots, const LocalStepRun& run) const {
  lane_run<D>(slots, run);
}
template <int D>
SGDCHECK_AVX2_TARGET void RandomDesignLs::lane_run_avx2(std::span<const StepSlot> slots,
                                                        const LocalStepRun& run) const {
  lane_run<D>(slots, run);
}
SGDCHECK_AVX2_TARGET void RandomDesignLs::draw_one_avx2(const Vec& at, Rng& rng, Workspace& ws) const {
  draw_one<4>(at, rng, ws);
}
SGDCHECK_AVX2_TARGET void RandomDesignLs::sub_scaled_avx2(
    double gamma, double r, const double* a, double* x, Index d) {
  kernels::sub_scaled<4>(gamma, r, a, x, d);
}

template <std::size_t... I>
constexpr std::array<RandomDesignLs::LaneStep, sizeof...(I) + 1> RandomDesignLs::lane_steps(
    bool avx2, std::index_sequence<I...>) {
  if (avx2) return {nullptr, &RandomDesignLs::lane_step_avx2<static_cast<int>(I) + 1>...};
  return {nullptr, &RandomDesignLs::lane_step_baseline<static_cast<int>(I) + 1>...};
}

template <std::size_t... I>
constexpr std::array<RandomDesignLs::LaneRun, sizeof...(I) + 1> RandomDesignLs::lane_runs(
    bool avx2, std::index_sequence<I...>) {
  if (avx2) return {nullptr, &RandomDesignLs::lane_run_avx2<static_cast<int>(I) + 1>...};
  return {nullptr, &RandomDesignLs::lane_run_baseline<static_cast<int>(I) + 1>...};
}

void RandomDesignLs::use_avx2(bool on) { avx2_ = on && kernels::cpu_has_avx2(); }

void RandomDesignLs::sgd_steps(double gamma, Sampling s, std::span<const StepSlot> slots) const {
  static constexpr auto kBaseline = lane_steps(false, std::make_index_sequence<kMaxLaneDim>{});
  static constexpr auto kAvx2 = lane_steps(true, std::make_index_sequence<kMaxLaneDim>{});
  const auto& kLaneSteps = avx2_ ? kAvx2 : kBaseline;
  constexpr std::size_t K = RngLanes::kLanes;
  std::size_t k = 0;
  if (design_ != Design::kBernoulliGaussian && dim() <= kMaxLaneDim) {
    const LaneStep step = kLaneSteps[static_cast<std::size_t>(dim())];
    for (; k + K <= slots.size(); k += K) {
      const StepSlot* group = slots.data() + k;
      if (group[0].batch == 1 && group[1].batch == 1 && group[2].batch == 1 && group[3].batch == 1)
        (this->*step)(gamma, group);
      else
        Problem::sgd_steps(gamma, s, slots.subspan(k, K));
    }
  }
  for (; k < slots.size(); ++k) sgd_step(gamma, *slots[k].x, slots[k].batch, s, *slots[k].rng, *slots[k].ws);
}

bool RandomDesignLs::local_sgd_steps(Sampling /*s*/,
                                     std::span<const StepSlot> slots,
                                     const LocalStepRun& run) const {
  // The lanes' conditions of sgd_steps, for every slot: whole groups of four, b = 1.
  constexpr std::size_t K = RngLanes::kLanes;
  if (design_ == Design::kBernoulliGaussian || dim() > kMaxLaneDim || slots.empty() ||
      slots.size() % K != 0 || slots.size() > K * kMaxLaneGroups ||
      std::any_of(slots.begin(), slots.end(), [](const StepSlot& slot) { return slot.batch != 1; }))
    return false;
  if (run.average.size() != run.gammas.size() || !run.wbar)
    throw std::logic_error("RandomDesignLs::local_sgd_steps: one average flag and one wbar vector per step");
  static constexpr auto kBaseline = lane_runs(false, std::make_index_sequence<kMaxLaneDim>{});
  static constexpr auto kAvx2 = lane_runs(true, std::make_index_sequence<kMaxLaneDim>{});
  (this->*(avx2_ ? kAvx2 : kBaseline)[static_cast<std::size_t>(dim())])(slots, run);
  return true;
}

void RandomDesignLs::draw_step_with_sample_gradients(const Vec& x, Index b, Sampling, Rng& rng, Workspace& ws,
                                                RowMat& grads) const {
  ws.coeffs.clear();  // apply_step then moves by ws.grad
  if (b < 1 || grads.rows() < b || grads.cols() != dim())
    throw std::logic_error("RandomDesignLs::draw_step_with_sample_gradients: b >= 1 rows of size d needed");
  Vec& a = ws.sample;
  Vec& g = ws.grad;
  g.setZero();
  for (Index k = 0; k < b; ++k) {
    const double y = draw_sample(rng, a);
    grads.row(k) = ((kernels::dot(a.data(), x.data(), a.size()) - y) * a).transpose();
    g.noalias() += grads.row(k).transpose();
  }
  g /= static_cast<double>(b);
}

std::string RandomDesignLs::describe() const {
  return fmt::format("random_design_ls d={} design={} kurtosis={} noise_var={} L={} mu={}",
                     dim(),
                     to_string(design_),
                     view_.kurtosis,
                     view_.noise_var,
                     constants_.L,
                     constants_.mu);
}

}  // namespace sgdcheck::problems
