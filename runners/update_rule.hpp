#pragma once
/// \file Per-worker update rules of the step loop: what a worker does with the mini-batch step it has
/// drawn. Every runner (minibatch, delayed, local) draws a batch at its gradient point with
/// Problem::draw_step and hands it to the rule, which moves the worker's iterate:
/// - sgd:        x ← x − γ g;
/// - heavy_ball: m ← β m − γ g, x ← x + m (Polyak: x_{t+1} = x_t − γ g_t + β (x_t − x_{t−1}), m₀ = 0);
/// - adamw:      m ← β₁ m + (1 − β₁) g, v ← β₂ v + (1 − β₂) g², m̂ = m/(1 − β₁^k), v̂ = v/(1 − β₂^k),
///               x ← x − γ (m̂ / (√v̂ + ε) + λ x)   (Loshchilov & Hutter 2019, decoupled decay; k counts
///               the worker's updates from 1).
/// g is the drawn mean gradient. Rules never allocate in step(): their buffers are sized in prepare().
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "core/rng.hpp"
#include "problems/problem.hpp"

namespace sgdcheck::runners {

/// One worker of a run: its iterate, random stream, batch size and scratch (allocated once per run).
struct WorkerState {
  std::int64_t index = 0;  ///< p = 0..P−1
  std::int64_t batch = 1;  ///< b_p: samples this worker draws per step
  Vec w;                   ///< the worker's iterate
  Vec g;                   ///< gradient buffer (dense rules)
  Rng rng;                 ///< make_stream(seed, rep, kAlgorithm, p)
  problems::Workspace ws;  ///< sampling scratch, sized for `batch`
  std::vector<Vec> state;  ///< the rule's buffers (momentum, second moments), sized in prepare()
  std::int64_t updates = 0;  ///< updates applied so far (AdamW's bias correction)
};

enum class UpdateRuleKind { kSgd, kHeavyBall, kAdamW };
std::string to_string(UpdateRuleKind k);

/// The rule and its constants (only the ones of `kind` are read).
struct UpdateRuleSpec {
  UpdateRuleKind kind = UpdateRuleKind::kSgd;
  double momentum = 0.9;      ///< β of heavy ball
  double beta1 = 0.9;         ///< AdamW
  double beta2 = 0.999;       ///< AdamW
  double eps = 1e-8;          ///< AdamW
  double weight_decay = 0.0;  ///< AdamW λ (decoupled, multiplied by γ)
  std::string describe() const;
};

/// A worker's update (strategy, shared read-only by concurrent runs).
class UpdateRule {
 public:
  virtual ~UpdateRule() = default;
  /// Sets the worker's buffers to their start-of-run state, before the step loop (default: none).
  /// Allocates only the first time: a worker reused for the next run keeps its buffers.
  virtual void prepare(const problems::Problem& /*problem*/, WorkerState& /*worker*/) const {}
  /// Moves `x` with the step γ and the batch drawn into worker.ws (Problem::draw_step). `x` is
  /// usually worker.w; the delayed runner passes its current iterate (the batch was drawn at a stale
  /// one). Never allocates.
  virtual void apply(const problems::Problem& problem, double gamma, WorkerState& worker, Vec& x) const = 0;
  /// Draws the worker's batch at `x` and moves `x` (draw_step, then apply): the update of a runner
  /// whose gradient point is the point it moves (local SGD, mini-batch SGD without delay). The SGD
  /// rule does both in the problem's one fused call (Problem::sgd_step, the same bits).
  virtual void step(const problems::Problem& problem,
                    double gamma,
                    problems::Sampling s,
                    WorkerState& worker,
                    Vec& x) const {
    problem.draw_step(x, worker.batch, s, worker.rng, worker.ws);
    apply(problem, gamma, worker, x);
  }
  /// step(problem, γ, s, workers[k], workers[k].w) for every worker, where slots[k] points at
  /// workers[k]'s iterate, batch, stream and workspace: the same bits. The SGD rule moves them in one
  /// Problem::sgd_steps call (the random design steps four workers at a time in SIMD lanes).
  virtual void step_all(const problems::Problem& problem,
                        double gamma,
                        problems::Sampling s,
                        std::span<WorkerState> workers,
                        std::span<const problems::StepSlot> /*slots*/) const {
    for (WorkerState& wk : workers) step(problem, gamma, s, wk, wk.w);
  }
  /// Called after a communication round set every worker's iterate to the average (default: keep
  /// each worker's buffers).
  virtual void after_average(std::span<WorkerState> /*workers*/) const {}
  /// Local SGD's steps between two events of the step loop in one call (Problem::local_sgd_steps):
  /// the same bits as step_all per step, the average into run.wbar and, after the steps run.average
  /// marks, every worker's iterate set to it. Returns false, having changed nothing, when the rule or
  /// the problem has no fused form (the default). Only a rule whose after_average does nothing may
  /// have one (the SGD rule, which forwards to the problem).
  virtual bool local_steps(const problems::Problem& /*problem*/,
                           problems::Sampling /*s*/,
                           std::span<WorkerState> /*workers*/,
                           std::span<const problems::StepSlot> /*slots*/,
                           const problems::LocalStepRun& /*run*/) const {
    return false;
  }
};

/// The rule of `spec` (sgd reproduces Problem::apply_step bit for bit).
std::shared_ptr<const UpdateRule> make_update_rule(const UpdateRuleSpec& spec);

/// Schema fields update.rule, update.momentum, update.beta1, update.beta2, update.eps,
/// update.weight_decay.
std::vector<Field> update_fields();

}  // namespace sgdcheck::runners
