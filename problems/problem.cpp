#include "problems/problem.hpp"

#include <stdexcept>

namespace sgdcheck::problems {

std::string to_string(Convexity c) {
  switch (c) {
    case Convexity::kStronglyConvex: return "strongly_convex";
    case Convexity::kConvex: return "convex";
    case Convexity::kNonconvex: return "nonconvex";
  }
  return "unknown";
}

std::string to_string(Sampling s) {
  return s == Sampling::kWithReplacement ? "with_replacement" : "without_replacement";
}

double batch_variance_factor(std::int64_t b, std::int64_t n, Sampling s) {
  if (b < 1) throw std::logic_error("batch_variance_factor: b must be >= 1");
  if (n == 0 || s == Sampling::kWithReplacement) return 1.0 / static_cast<double>(b);
  if (b > n) throw std::logic_error("batch_variance_factor: b > n without replacement");
  if (n == 1) return 0.0;
  return static_cast<double>(n - b) / (static_cast<double>(b) * static_cast<double>(n - 1));
}

void Problem::sample_gradient(Index, const Vec&, Vec&) const {
  throw std::logic_error(family() + ": sample_gradient is only defined for finite sums");
}

void Problem::batch_gradient(std::span<const Index> idx, const Vec& x, Vec& g) const {
  // Generic fallback; concrete problems override it without the temporary.
  Vec gi(dim());
  g.setZero();
  for (Index i : idx) {
    sample_gradient(i, x, gi);
    g += gi;
  }
  g /= static_cast<double>(idx.size());
}

Workspace Problem::make_workspace(Index b_max) const {
  Workspace ws;
  ws.indices.reserve(static_cast<std::size_t>(b_max));
  if (n() > 0) {
    ws.perm.resize(static_cast<std::size_t>(n()));
    for (Index i = 0; i < n(); ++i) ws.perm[static_cast<std::size_t>(i)] = i;
  }
  ws.sample.resize(dim());
  ws.grad.resize(dim());
  ws.coeffs.reserve(static_cast<std::size_t>(b_max));
  return ws;
}

void Problem::reset_workspace(Workspace& ws) const {
  ws.indices.clear();
  ws.coeffs.clear();
  for (std::size_t i = 0; i < ws.perm.size(); ++i) ws.perm[i] = static_cast<Index>(i);
}

void Problem::stochastic_gradient(const Vec& x, Index b, Sampling s, Rng& rng, Workspace& ws, Vec& g) const {
  if (n() == 0) throw std::logic_error(family() + ": streaming problems must override stochastic_gradient");
  if (s == Sampling::kWithReplacement)
    sample_with_replacement(n(), b, rng, ws.indices);
  else
    sample_without_replacement(n(), b, rng, ws.perm, ws.indices);
  batch_gradient(ws.indices, x, g);
}

void Problem::draw_step(const Vec& at, Index b, Sampling s, Rng& rng, Workspace& ws) const {
  stochastic_gradient(at, b, s, rng, ws, ws.grad);
}

void Problem::apply_step(double gamma, const Workspace& ws, Vec& x) const { x.noalias() -= gamma * ws.grad; }

void Problem::sgd_step(double gamma, Vec& x, Index b, Sampling s, Rng& rng, Workspace& ws) const {
  draw_step(x, b, s, rng, ws);
  apply_step(gamma, ws, x);
}

void Problem::sgd_steps(double gamma, Sampling s, std::span<const StepSlot> slots) const {
  for (const StepSlot& slot : slots) sgd_step(gamma, *slot.x, slot.batch, s, *slot.rng, *slot.ws);
}

bool Problem::local_sgd_steps(Sampling /*s*/,
                              std::span<const StepSlot> /*slots*/,
                              const LocalStepRun& /*run*/) const {
  return false;
}

void Problem::draw_step_with_sample_gradients(const Vec& at, Index b, Sampling s, Rng& rng, Workspace& ws,
                                              RowMat& grads) const {
  if (n() == 0) throw std::logic_error(family() + ": streaming problems must override draw_step_with_sample_gradients");
  if (grads.rows() < b || grads.cols() != dim())
    throw std::logic_error("draw_step_with_sample_gradients: the gradient matrix is too small");
  draw_step(at, b, s, rng, ws);
  for (Index k = 0; k < b; ++k) {
    sample_gradient(ws.indices[static_cast<std::size_t>(k)], at, ws.sample);  // ws.sample: a d-vector buffer
    grads.row(k) = ws.sample.transpose();
  }
}

Capabilities Problem::capabilities() const {
  Capabilities c;
  c.finite_sum = n() > 0;
  c.per_sample_gradients = n() > 0;
  c.finite_least_squares = finite_least_squares() != nullptr;
  c.random_design = random_design() != nullptr;
  c.logistic_teacher_model = logistic_teacher() != nullptr;
  return c;
}

void sample_without_replacement(Index n, Index b, Rng& rng, std::vector<Index>& perm, std::vector<Index>& out) {
  out.clear();
  for (Index k = 0; k < b; ++k) {
    const auto j = k + static_cast<Index>(rng.below(static_cast<std::uint64_t>(n - k)));
    std::swap(perm[static_cast<std::size_t>(k)], perm[static_cast<std::size_t>(j)]);
    out.push_back(perm[static_cast<std::size_t>(k)]);
  }
}

void sample_with_replacement(Index n, Index b, Rng& rng, std::vector<Index>& out) {
  out.resize(static_cast<std::size_t>(b));  // within the capacity of make_workspace(b_max): no allocation
  rng.fill_below(static_cast<std::uint64_t>(n), out.data(), out.size());
}

}  // namespace sgdcheck::problems
