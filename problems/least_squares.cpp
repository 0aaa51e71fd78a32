#include "problems/least_squares.hpp"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "problems/least_squares_step.hpp"

namespace sgdcheck::problems {

LeastSquares::LeastSquares(Dataset data, const InitOptions& init, ConstantsMethod method) : data_(std::move(data)) {
  details_ = least_squares_constants(data_, method);
  auto& c = constants_;
  c.L = details_.L;
  c.L_max = details_.L_max;
  c.mu = details_.mu;
  c.sigma2 = details_.sigma2;
  c.M_grad = details_.M_grad;
  c.M_curv = details_.M_curv;
  c.f_star = details_.f_star;
  c.x_star = details_.x_star;
  c.convexity = details_.rank == details_.d ? Convexity::kStronglyConvex : Convexity::kConvex;
  // least_squares_constants throws on non-finite constants, so "exact" is never said of inf or NaN.
  c.exact_L = c.exact_mu = c.exact_sigma2 = c.exact_M = true;
  c.ground_truth = details_.iterative
                       ? fmt::format("{}: x* by CG on the normal equations, rank {}", details_.method, details_.rank)
                       : fmt::format("direct solve (eigendecomposition of A'A/n, rank {}, min-norm x*)", details_.rank);
  c.notes = details_.notes;
  view_.dense = data_.is_sparse ? nullptr : &data_.dense;
  view_.sparse = data_.is_sparse ? &data_.sparse : nullptr;
  view_.y = &data_.y;
  Vec direction;
  if (init.kind == InitKind::kTopEigenvector) {
    direction = details_.top_direction;
  } else if (init.kind == InitKind::kWorstCase) {
    direction = details_.worst_direction;
  }
  x0_ = make_initial_point(init, c.x_star, direction);
}

double LeastSquares::value(const Vec& x) const {
  double s = 0.0;
  for (Index i = 0; i < n(); ++i) {
    const double r = data_.row_dot(i, x) - data_.y[i];
    s += r * r;
  }
  return 0.5 * s / static_cast<double>(n());
}

void LeastSquares::gradient(const Vec& x, Vec& g) const {
  g.setZero();
  for (Index i = 0; i < n(); ++i) data_.add_row(i, data_.row_dot(i, x) - data_.y[i], g);
  g /= static_cast<double>(n());
}

namespace {
/// value_and_gradient's dense rows four at a time (dot4, axpy4) with the kernels of width W: adds each
/// residual's square to s and r·a to g, in the same order as the row-by-row loop, and returns the number
/// of rows done (a multiple of four).
template <int W>
[[gnu::always_inline]] inline Index dense_rows_value_gradient(const Dataset& data,
                                                              const Vec& x,
                                                              Vec& g,
                                                              double& s) {
  const Index d = data.dense.cols(), n = data.rows();
  const double* A = data.dense.data();
  Index i = 0;
  for (; i + 4 <= n; i += 4) {
    const double* rows[4] = {A + i * d, A + (i + 1) * d, A + (i + 2) * d, A + (i + 3) * d};
    double r[4];
    kernels::dot4<W>(rows, x.data(), d, r);
    for (int l = 0; l < 4; ++l) {
      r[l] -= data.y[i + l];
      s += r[l] * r[l];
    }
    kernels::axpy4<W>(r, rows, g.data(), d);
  }
  return i;
}
SGDCHECK_AVX2_TARGET Index dense_rows_value_gradient_avx2(const Dataset& data,
                                                          const Vec& x,
                                                          Vec& g,
                                                          double& s) {
  return dense_rows_value_gradient<4>(data, x, g, s);
}
}  // namespace

double LeastSquares::value_and_gradient(const Vec& x, Vec& g) const {
  g.setZero();
  double s = 0.0;
  Index i = 0;
  // Dense rows four at a time: each residual, the sum of squares and every g_j get the same operations
  // in the same order as the row-by-row loop below, so the same bits (on either build).
  if (!data_.is_sparse)
    i = avx2_ ? dense_rows_value_gradient_avx2(data_, x, g, s) : dense_rows_value_gradient<2>(data_, x, g, s);
  for (; i < n(); ++i) {
    const double r = data_.row_dot(i, x) - data_.y[i];
    s += r * r;
    data_.add_row(i, r, g);
  }
  g /= static_cast<double>(n());
  return 0.5 * s / static_cast<double>(n());
}

void LeastSquares::sample_gradient(Index i, const Vec& x, Vec& g) const {
  g.setZero();
  data_.add_row(i, data_.row_dot(i, x) - data_.y[i], g);
}

void LeastSquares::batch_gradient(std::span<const Index> idx, const Vec& x, Vec& g) const {
  g.setZero();
  for (Index i : idx) data_.add_row(i, data_.row_dot(i, x) - data_.y[i], g);
  g /= static_cast<double>(idx.size());
}

void LeastSquares::draw_step(const Vec& at, Index b, Sampling s, Rng& rng, Workspace& ws) const {
  if (s == Sampling::kWithReplacement)
    sample_with_replacement(n(), b, rng, ws.indices);
  else
    sample_without_replacement(n(), b, rng, ws.perm, ws.indices);
  if (avx2_)
    ls_step::residuals_avx2(data_, at, ws);
  else
    ls_step::residuals(data_, at, ws);
}

void LeastSquares::sgd_step(double gamma, Vec& x, Index b, Sampling s, Rng& rng, Workspace& ws) const {
  LeastSquares::draw_step(x, b, s, rng, ws);
  LeastSquares::apply_step(gamma, ws, x);
}

void LeastSquares::apply_step(double gamma, const Workspace& ws, Vec& x) const {
  if (avx2_)
    ls_step::apply_avx2(data_, gamma, ws, x);
  else
    ls_step::apply(data_, gamma, ws, x);
}

void LeastSquares::use_avx2(bool on) { avx2_ = on && kernels::cpu_has_avx2(); }

namespace {
/// The AVX2 builds of the two step phases for one dense width D (0: any width, and sparse rows).
struct StepPhasesAvx2 {
  void (*residuals)(const Dataset&, const Vec&, Workspace&);
  void (*apply)(const Dataset&, double, const Workspace&, Vec&);
};
template <int D>
SGDCHECK_AVX2_TARGET void residuals_avx2_d(const Dataset& data, const Vec& at, Workspace& ws) {
  ls_step::residuals<4, D>(data, at, ws);
}
template <int D>
SGDCHECK_AVX2_TARGET void apply_avx2_d(const Dataset& data, double gamma, const Workspace& ws, Vec& x) {
  ls_step::apply<4, D>(data, gamma, ws, x);
}
template <std::size_t... D>
constexpr std::array<StepPhasesAvx2, sizeof...(D)> step_phases_table(std::index_sequence<D...>) {
  return {StepPhasesAvx2{&residuals_avx2_d<static_cast<int>(D)>, &apply_avx2_d<static_cast<int>(D)>}...};
}
/// Entry D for D = 1 … kFixedMaxDim, entry 0 for the rest.
constexpr auto kStepPhasesAvx2 = step_phases_table(std::make_index_sequence<ls_step::kFixedMaxDim + 1>{});
const StepPhasesAvx2& step_phases_avx2(const Dataset& data) {
  const Index d = data.dense.cols();
  return kStepPhasesAvx2[!data.is_sparse && d <= ls_step::kFixedMaxDim ? static_cast<std::size_t>(d) : 0];
}
}  // namespace

void ls_step::residuals_avx2(const Dataset& data, const Vec& at, Workspace& ws) {
  step_phases_avx2(data).residuals(data, at, ws);
}
void ls_step::apply_avx2(const Dataset& data, double gamma, const Workspace& ws, Vec& x) {
  step_phases_avx2(data).apply(data, gamma, ws, x);
}

std::string LeastSquares::describe() const {
  return fmt::format("least_squares n={} d={} {} ({})", n(), dim(), data_.is_sparse ? "sparse" : "dense", data_.source);
}

}  // namespace sgdcheck::problems
