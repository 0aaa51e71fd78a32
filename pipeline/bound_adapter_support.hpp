#pragma once
/// \file Helpers shared by the bound adapters: what a run does (step, θ_b, iterate) and which
/// valid noise model (M, σ²) a problem admits. One place, so every adapter uses the same γ as the
/// runner and the same noise model.
#include <optional>
#include <string>
#include <vector>

#include "bounds/minibatch_sgd_bound.hpp"
#include "bounds/noise_model.hpp"
#include "bounds/step_schedule.hpp"
#include "core/types.hpp"
#include "pipeline/bound_registry.hpp"
#include "runners/run_spec.hpp"

namespace sgdcheck::pipeline {

/// The resolved step and batch of a synchronous run (runner options common to minibatch-type runners).
struct RunSetting {
  std::int64_t batch = 1;
  double theta_b = 1.0;
  bool constant_step = true;
  double gamma = 0.0;                ///< γ of the first update (the constant step when constant_step)
  bounds::StepSchedule oracle_step;  ///< γ_t with t = 0, 1, … (the update producing x_{t+1})
  std::string step_text;
  runners::IterateKind iterate = runners::IterateKind::kLast;
};
/// The two curves of an exact oracle or a pair of bounds: E‖x_t − x*‖² or E f(x_t) − f*. Chosen once
/// when the adapter is built (its id and metric), so evaluation compares no strings.
enum class CurveMetric { kDist2, kSubopt };
/// The metric name runners record: "dist2", "subopt".
std::string metric_name(CurveMetric m);
/// The requested curve of an oracle result with members dist2 and subopt.
template <class Curve>
std::vector<double> curve_of(const Curve& curve, CurveMetric m) {
  return m == CurveMetric::kDist2 ? curve.dist2 : curve.subopt;
}

/// From ctx.spec: the very step the runner uses (the critical γ already resolved with τ_max).
RunSetting run_setting(const CellContext& ctx);

/// The iterate option as the run reports it ("last", "average", "tail_average", "pr").
std::string iterate_text(const RunSetting& run);

// ---- What a bound's algorithm model needs of a run (BoundAdapter::not_about) -------------------
/// One sequence x_0, x_1, … with fresh gradients: no delay model, no communication schedule.
std::optional<std::string> not_single_sequence_without_delay(const runners::RunSpec& spec);
/// One sequence (fresh or delayed gradients): no communication schedule.
std::optional<std::string> not_single_sequence(const runners::RunSpec& spec);
/// One sequence with a delay model (max delay τ_max), no communication schedule.
std::optional<std::string> not_delayed_sequence(const runners::RunSpec& spec);
/// Local SGD: P workers with a communication schedule S (maximal gap H).
std::optional<std::string> not_local_sgd(const runners::RunSpec& spec);

/// Adds to every adapter's not_applicable what no paper bound covers, from the spec: an update rule
/// other than plain SGD, a step that depends on the delay τ_t, workers with different batch sizes.
std::vector<BoundAdapter> with_sgd_model_checks(std::vector<BoundAdapter> adapters);

/// A noise model (M, σ²) that provably holds for the problem, or nullopt with the reason in `why`:
/// - least squares, realizable: (M_grad, 0), gradient-norm form (exact, spec §3.1);
/// - least squares with σ > 0: (2·M_grad, 2σ²), gradient-norm form (spec §3.1, checked);
/// - convex finite sums of L_max-smooth f_i (logistic): function-value form with M + 1 = 2L_max/L,
///   σ² = 2σ*², from E‖∇f_i(x)‖² ≤ 4L_max(f(x) − f*) + 2σ*² (derived; standard);
/// - bounded sample-gradient variance (ProblemConstants::grad_variance_max): (0, that bound).
std::optional<bounds::NoiseModel> noise_model_for(const problems::Problem& problem, std::string& why);

/// A pair (M, σ_M²) valid for the gradient-norm noise inequality at every x, with its source
/// (bounds::NoisePair), or nullopt with the reason in `why`. Never built from an estimate:
/// - finite-sum least squares (exact M_grad): (M_grad, 0) realizable, else (2 M_grad, 2σ²);
/// - random-design least squares: (M_grad, σ²) (noise independent of the design);
/// - bounded sample-gradient variance (logistic losses): (0, grad_variance_max).
/// Used by the general bounds (papers/general) and reported by `sgdcheck critical`.
std::optional<bounds::NoisePair> valid_noise_pair(const problems::Problem& problem, std::string& why);

bool is_least_squares(const problems::Problem& problem);
bool is_realizable(const problems::ProblemConstants& c);
/// ‖x₀ − x*‖².
double initial_r0(const problems::Problem& problem);
/// A lower bound of f used for F0 = f(x0) − inf f (f* for convex problems, 0 for logistic-type losses).
double lower_bound_of_f(const problems::Problem& problem);
/// T = t + 1 for every recorded t (the horizon of an average over x_0..x_t).
std::vector<std::int64_t> horizons(const std::vector<std::int64_t>& iters);

/// R1's params for a cell (strongly convex problem, constant step, last iterate, valid noise model),
/// or nullopt with the reason in `why`. Shared by the mini-batch and the delayed (τ = 0) adapters.
std::optional<bounds::SgdStronglyConvexParams> strongly_convex_params(const CellContext& ctx, std::string& why);

/// Where the noise model `m` that noise_model_for chose for `problem` comes from, in words without
/// commas ("(2 M_grad; 2 sigma2) = (8.6; 0.63) gradient-norm form: least squares with sigma2 > 0 …").
std::string noise_model_text(const problems::Problem& problem, const bounds::NoiseModel& m);
/// "L = 0.93 (upper bound); noise …" for a params struct with members L and noise (NoiseModel).
std::string smoothness_and_noise_text(const problems::Problem& problem, double L, const bounds::NoiseModel& m);

/// Fills a.not_applicable and a.evaluate from two pieces every params-struct bound has:
/// `params(ctx, why)` gives the bound's params struct for the cell (or nullopt with the reason in
/// `why`), and `eval(p, ctx)` evaluates the pure bound at ctx.iters. The bound applies when the
/// params exist and bounds::hypotheses_violated(p) finds nothing (found by argument lookup).
/// When the params struct has members L and noise (a NoiseModel), a.constants says which L and
/// which noise model the bound used and where they came from, and a violated hypothesis quotes them.
template <class ParamsFn, class EvalFn>
void set_from_params(BoundAdapter& a, ParamsFn params, EvalFn eval) {
  auto constants = [params](const CellContext& ctx) -> std::string {
    std::string why;
    const auto p = params(ctx, why);
    if (!p) return {};
    if constexpr (requires { p->L; p->noise.M; p->noise.sigma2; })
      return smoothness_and_noise_text(ctx.problem, p->L, p->noise);
    else
      return {};
  };
  a.constants = constants;
  a.not_applicable = [params, constants](const CellContext& ctx) -> std::optional<std::string> {
    std::string why;
    const auto p = params(ctx, why);
    if (!p) return why;
    auto violated = hypotheses_violated(*p);
    if (violated) {
      const std::string text = constants(ctx);
      if (!text.empty()) *violated += " [constants: " + text + "]";
    }
    return violated;
  };
  a.evaluate = [params, eval](const CellContext& ctx) {
    std::string why;
    return eval(*params(ctx, why), ctx);
  };
}

/// Dense rows and residuals r_i = a_iᵀx* − y_i of a finite least-squares problem (for oracle O1/O2).
struct LeastSquaresRows {
  Mat rows;
  Vec residuals;
};
LeastSquaresRows least_squares_rows(const problems::Problem& problem);
/// Why the dense rows (n×d) and d×d matrices of the exact least-squares oracles cannot be formed for
/// this problem (d > kMaxGramDimension, or n·d above kMaxDenseOracleEntries), or nullopt when they
/// can. Data files may be wider than that (the iterative `critical` path), the exact oracles not.
std::optional<std::string> dense_oracle_too_large(const problems::Problem& problem);
/// Largest n·d the exact oracles copy into a dense matrix (8 bytes an entry: 400 MB).
constexpr double kMaxDenseOracleEntries = 5e7;

}  // namespace sgdcheck::pipeline
