#pragma once
/// \file The Problem interface: an objective with its oracles and its ground truth.
///
/// Conventions (stated once, used everywhere):
/// - finite sums are means: f(x) = (1/n) Σ f_i(x); a batch gradient is the **mean** over the batch,
///   so a step size γ means the same at every batch size;
/// - least squares f_i(x) = ½(a_iᵀx − y_i)², i.e. f(x) = (1/2n)‖Ax − y‖²;
/// - logistic f_i(x) = log(1 + exp(−y_i a_iᵀx)) + (λ/2)‖x‖² with y_i ∈ {−1, +1};
/// - streaming problems (n() == 0) draw fresh i.i.d. samples on every call.
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "core/types.hpp"

namespace sgdcheck::problems {

enum class Convexity { kStronglyConvex, kConvex, kNonconvex };
std::string to_string(Convexity c);

/// How a mini-batch of a finite sum is drawn. Streaming problems ignore it (always i.i.d.).
enum class Sampling { kWithReplacement, kWithoutReplacement };
std::string to_string(Sampling s);

/// Variance scaling θ_b of a b-sample batch mean relative to one sample (Stich et al. 2021 §2,
/// checked): 1/b with replacement or i.i.d. streaming, (n − b)/(b(n − 1)) without replacement.
/// `n == 0` means streaming. The one place runners, bounds and oracles take θ_b from.
double batch_variance_factor(std::int64_t b, std::int64_t n, Sampling s);

/// Constants and ground truth, exactly as the bounds use them. Values that are not known are NaN;
/// each `exact_*` flag says whether the value is exact (closed form / direct solve) or an estimate.
struct ProblemConstants {
  double L = NAN;       ///< smoothness of f: λ_max of the Hessian (or an upper bound, see exact_L)
  double L_max = NAN;   ///< max_i smoothness of f_i (finite sums); NaN for streaming
  double mu = NAN;      ///< strong convexity on range(A) (0 for convex / nonconvex)
  double sigma2 = NAN;  ///< σ² = E‖∇f_i(x*)‖²: single-sample gradient noise at the optimum
  double M_grad = NAN;  ///< critical parameter, gradient-norm form (Stich et al. 2021 §3.1)
  double M_curv = NAN;  ///< critical parameter, function-value form
  double f_star = NAN;  ///< f(x*) (for nonconvex: f at the reported stationary point)
  /// sup_x E‖∇f_i(x) − ∇f(x)‖² when the sample-gradient variance is bounded everywhere (e.g. logistic
  /// losses: ≤ (1/n)Σ‖a_i‖² since |ℓ'| ≤ 1), else NaN. Gives the (M = 0, σ²) noise model.
  double grad_variance_max = NAN;
  Vec x_star;           ///< minimiser (or stationary point for nonconvex problems)
  Convexity convexity = Convexity::kStronglyConvex;
  bool exact_L = false;
  bool exact_mu = false;
  bool exact_sigma2 = false;
  bool exact_M = false;
  /// How x*, f* were obtained, e.g. "direct solve (LDLT)", "Newton, ||grad|| = 3e-14",
  /// "stationary point from gradient descent (nonconvex: f_low, not a global minimum)".
  std::string ground_truth;
  /// Notes a user must see, e.g. "rank-deficient: A has rank 7 < d = 10; constants on range(A)".
  std::vector<std::string> notes;
};

/// Scratch memory of one worker, allocated once per run so that inner loops never allocate.
struct Workspace {
  std::vector<Index> indices;  ///< the current batch
  std::vector<Index> perm;     ///< persistent permutation for sampling without replacement
  Vec sample;                  ///< one streaming sample a (dimension d)
  Vec grad;                    ///< the drawn mean gradient (default draw_step)
  std::vector<double> coeffs;  ///< per-sample coefficients of a drawn GLM step (least squares: residuals)
};

/// One of several independent iterates that Problem::sgd_steps moves together: the iterate, its
/// batch size, its stream and its workspace (local SGD: one per worker). Not owned.
struct StepSlot {
  Vec* x = nullptr;
  Index batch = 1;
  Rng* rng = nullptr;
  Workspace* ws = nullptr;
};

/// A run of local SGD steps between two events of the step loop (a recording, a divergence check),
/// for Problem::local_sgd_steps: step k (0 ≤ k < gammas.size()) moves every slot by one SGD step of
/// size gammas[k], then sets wbar[k] = (x_0 + x_1 + … + x_{P−1})·inv_p (summed in slot order), and
/// when average[k] is non-zero sets every slot's iterate to wbar[k]. `wbar` holds gammas.size()
/// vectors of size d.
struct LocalStepRun {
  std::span<const double> gammas;
  std::span<const std::uint8_t> average;
  double inv_p = 1.0;
  Vec* wbar = nullptr;
};

/// Finite-sum least-squares data, for exact oracles (Stich O1/O2). Not owned: views into the problem.
struct FiniteLeastSquaresView {
  const RowMat* dense = nullptr;  ///< exactly one of dense / sparse is set
  const SpMat* sparse = nullptr;
  const Vec* y = nullptr;
};

/// Random-design least squares a = √h ⊙ z (z_i i.i.d., mean 0, variance 1, E z⁴ = kurtosis),
/// y = ⟨w*, a⟩ + ε, E ε² = noise_var, for exact oracles (Stich O3/O4, Patel §3).
struct RandomDesignView {
  Vec h;                   ///< diagonal of H = E[aaᵀ] (covariance is diagonal in the canonical basis)
  double kurtosis = 3.0;   ///< E z⁴: Gaussian 3, Rademacher 1, Bernoulli(p)-Gaussian 3/p
  double density = 1.0;    ///< P(z_i ≠ 0) of every coordinate: Bernoulli(p)-Gaussian p, otherwise 1
  double noise_var = 0.0;  ///< s² = E ε²
  Vec w_star;
};

struct Dataset;
struct LeastSquaresConstants;
class StabilityModel;
struct NoisyQuadraticView;  // problems/noisy_quadratic.hpp

/// What a problem can do, for code that must not know its class (bound adapters, `sgdcheck
/// critical`): queried through Problem::capabilities() and the typed views below, never dynamic_cast.
struct Capabilities {
  bool finite_sum = false;              ///< n() > 0: f = (1/n) Σ f_i
  bool per_sample_gradients = false;    ///< sample_gradient(i, ·) is available (finite sums)
  bool finite_least_squares = false;    ///< finite_least_squares() is set
  bool random_design = false;           ///< random_design() is set (random-design least squares)
  bool logistic_teacher_model = false;  ///< logistic_teacher() is set (well-specified Gaussian logistic)
};

class Problem {
 public:
  virtual ~Problem() = default;

  virtual std::string family() const = 0;
  virtual Index dim() const = 0;
  /// Number of samples; 0 for a streaming (population) problem.
  virtual Index n() const = 0;

  virtual double value(const Vec& x) const = 0;
  /// g = ∇f(x). `g` must have size dim().
  virtual void gradient(const Vec& x, Vec& g) const = 0;
  /// Returns f(x) and sets g = ∇f(x): what the recorder needs at every recorded point. The default
  /// calls gradient, then value; an override may share their work (least squares: one residual per
  /// row for both) but returns the same doubles as value and gradient.
  virtual double value_and_gradient(const Vec& x, Vec& g) const {
    gradient(x, g);
    return value(x);
  }
  /// g = ∇f_i(x) for a finite sum (logic_error for streaming problems).
  virtual void sample_gradient(Index i, const Vec& x, Vec& g) const;
  /// g = (1/|idx|) Σ_{i ∈ idx} ∇f_i(x). The default loops over sample_gradient; overrides avoid temporaries.
  virtual void batch_gradient(std::span<const Index> idx, const Vec& x, Vec& g) const;
  /// Mean of b stochastic gradients. Finite sums draw b indices (`s` decides replacement) into
  /// ws.indices and call batch_gradient; streaming problems draw b fresh samples.
  /// Never allocates once `ws` came from make_workspace(b_max) with b <= b_max.
  virtual void stochastic_gradient(const Vec& x, Index b, Sampling s, Rng& rng, Workspace& ws, Vec& g) const;

  /// One SGD update in two phases, so the gradient point `at` may be a stale iterate whose memory the
  /// caller reuses before applying (delayed SGD): draw_step draws a batch of b samples (the same random
  /// draws as stochastic_gradient) and stores in `ws` what the update needs; apply_step performs
  /// x ← x − γ·(mean gradient of that batch at `at`). The default keeps the dense mean gradient in
  /// ws.grad; finite-sum least squares keeps only the b residuals and touches only the batch rows
  /// (O(nnz of the batch) per step on sparse data instead of O(d)). Results equal
  /// stochastic_gradient + a dense update up to floating-point rounding.
  virtual void draw_step(const Vec& at, Index b, Sampling s, Rng& rng, Workspace& ws) const;
  virtual void apply_step(double gamma, const Workspace& ws, Vec& x) const;
  /// One SGD update in place, x ← x − γ·(mean gradient of b samples drawn at x): draw_step(x, …)
  /// followed by apply_step(γ, ws, x), the same draws and the same bits; afterwards `ws` holds what
  /// draw_step left or nothing meaningful (callers read only x). The random design overrides it to do
  /// both in one pass at b = 1, d <= 8 (at d = 2 the two phases' calls and set-up cost more than the
  /// draws); least squares calls its two phases without virtual dispatch. Never allocates.
  virtual void sgd_step(double gamma, Vec& x, Index b, Sampling s, Rng& rng, Workspace& ws) const;
  /// sgd_step(γ, *slot.x, slot.batch, s, *slot.rng, *slot.ws) for every slot: iterates that share
  /// nothing but γ (local SGD's workers), the same bits as the calls one by one in any order. The
  /// default makes those calls; the random design steps four slots at a time in SIMD lanes at b = 1,
  /// d <= 8 (their four streams advanced together). Never allocates.
  virtual void sgd_steps(double gamma, Sampling s, std::span<const StepSlot> slots) const;
  /// The steps of `run` (LocalStepRun) on the slots, fused: the same bits as sgd_steps per step, the
  /// average of the slots' iterates in slot order times inv_p, and the copy of it into every slot
  /// after a communication step. Returns false, having changed nothing, when the problem has no
  /// fused form for these slots (the default); the caller then takes the steps one by one. The random
  /// design keeps four slots' iterates and streams in SIMD lanes for the whole run (no load, store or
  /// transpose per step). Never allocates.
  virtual bool local_sgd_steps(Sampling s, std::span<const StepSlot> slots, const LocalStepRun& run) const;
  /// draw_step that also keeps the batch's per-sample gradients (the adaptive batch-size tests of
  /// runners/adaptive_local): row k of `grads` receives ∇f of the k-th drawn sample at `at` (needs
  /// grads.rows() >= b and grads.cols() == dim()), and `ws` is left so that apply_step moves by their
  /// mean. The random draws are those of draw_step. Finite sums: draw_step, then sample_gradient per
  /// drawn index; streaming problems override it (every family in problems/ does). Never allocates.
  virtual void draw_step_with_sample_gradients(const Vec& at, Index b, Sampling s, Rng& rng, Workspace& ws,
                                               RowMat& grads) const;

  /// Scratch for batches up to b_max.
  virtual Workspace make_workspace(Index b_max) const;
  /// Puts `ws` (from make_workspace) back into the state make_workspace gave it, for the next run,
  /// without allocating: the without-replacement permutation is the identity again. A problem that
  /// overrides make_workspace with more state overrides this too.
  virtual void reset_workspace(Workspace& ws) const;

  /// Default starting point x₀ (configured by the problem's `init` options).
  virtual Vec initial_point() const = 0;

  const ProblemConstants& constants() const { return constants_; }

  /// Data access for exact oracles; nullptr when the problem is not of that kind.
  virtual const FiniteLeastSquaresView* finite_least_squares() const { return nullptr; }
  virtual const RandomDesignView* random_design() const { return nullptr; }
  /// The rows and labels of a finite-sum GLM (least squares, logistic); nullptr otherwise.
  virtual const Dataset* dataset() const { return nullptr; }
  /// The full exact constant set of finite least squares (rank, Δ, notes); nullptr otherwise.
  virtual const LeastSquaresConstants* least_squares_details() const { return nullptr; }
  /// λ of an L2-regularised convex logistic loss on a dataset; nullopt otherwise.
  virtual std::optional<double> logistic_lambda() const { return std::nullopt; }
  /// Teacher w* of well-specified Gaussian logistic regression (labels drawn from σ(⟨w*, a⟩)).
  virtual const Vec* logistic_teacher() const { return nullptr; }
  /// The data distribution and per-sample loss of a stability test problem (problems/stability_model.hpp);
  /// nullptr otherwise.
  virtual const StabilityModel* stability_model() const { return nullptr; }
  /// The NoisyQuadratic of Dutta et al. 2018 (curvatures, w*, x₀, σ²) for its exact oracle.
  virtual const NoisyQuadraticView* noisy_quadratic() const { return nullptr; }
  /// E‖g_1 − ∇f(x)‖² of one stochastic sample gradient at x when a streaming problem knows it in
  /// closed form (problems/cosine_toy), else NaN. Must not allocate (called every step by oracle
  /// batch-size tests).
  virtual double exact_gradient_variance(const Vec& /*x*/) const { return NAN; }
  /// Everything above, in one struct.
  Capabilities capabilities() const;

  /// Loss on a held-out test set, if the problem has one.
  virtual std::optional<double> test_value(const Vec& /*x*/) const { return std::nullopt; }

  /// One line for logs and constants.csv, e.g. "least_squares n=2000 d=50 dense".
  virtual std::string describe() const = 0;

 protected:
  ProblemConstants constants_;
};

/// Draws b distinct indices from [0, n) into `out` by a partial Fisher–Yates shuffle of the
/// persistent permutation `perm` (size n): O(b) per draw, no allocation, uniform over b-subsets.
void sample_without_replacement(Index n, Index b, Rng& rng, std::vector<Index>& perm, std::vector<Index>& out);
/// Draws b i.i.d. uniform indices from [0, n) into `out`.
void sample_with_replacement(Index n, Index b, Rng& rng, std::vector<Index>& out);

}  // namespace sgdcheck::problems
