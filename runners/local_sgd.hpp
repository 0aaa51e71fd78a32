#pragma once
/// \file Local SGD (Patel & Dieuleveut 2019; sgdcheck spec `papers/patel2019_localsgd.md` §2).
///
/// P workers start at w₀ and each runs N local steps w ← w − γ_t g (g the mean gradient of b fresh
/// samples, γ_t from the step schedule, γ_1 = step.gamma). After the local step t ∈ S every worker is
/// set to the average w̄_t (one communication round). The recorded point is the virtual average
/// w̄_t = mean_p w_t^p at every t (averaging never changes it), or its Polyak–Ruppert average
/// (1/t)Σ_{s=1..t} w̄_s (`iterate: pr`; `pr_include_w0: true` gives (1/(t+1))Σ_{s=0..t} w̄_s).
///
/// **Counters.** In this runner one recorded `iter` is one *local step* t = 1..N (every worker
/// steps once), not one server update: `max_iterations()` is N = `local_steps`. The other axes:
/// `rounds` = |S ∩ [1, t]| (communication rounds so far; the final all-reduce of the PR average is
/// not counted), `samples` = P·b·t (gradients over all workers), `vtime` = t.
///
/// **Common random numbers.** Worker p draws from make_stream(seed, rep, kAlgorithm, p) and draws the
/// same number of samples at every step whatever S is, so runs that differ only in the schedule
/// (or in P, for the first workers) see the same samples: schedules compare pairwise.
#include <functional>
#include <memory>
#include <span>

#include "runners/communication_schedule.hpp"
#include "runners/runner.hpp"
#include "runners/step_size.hpp"

namespace sgdcheck::runners {

/// One worker: its iterate, gradient buffer, random stream and scratch (allocated once per run).
struct LocalWorker {
  std::int64_t index = 0;  ///< p = 0..P−1
  Vec w;                   ///< the local iterate w^p
  Vec g;                   ///< gradient buffer
  Rng rng;                 ///< make_stream(seed, rep, kAlgorithm, p)
  problems::Workspace ws;  ///< sampling scratch
  std::vector<Vec> state;  ///< extra buffers of the local update (e.g. momentum), sized in prepare()
};

/// The local update of one worker (strategy). Plain SGD today; momentum, adaptive batches and
/// heterogeneous data plug in here without touching the communication loop.
class LocalUpdate {
 public:
  virtual ~LocalUpdate() = default;
  /// Largest batch any step uses (sizes the worker's Workspace).
  virtual std::int64_t max_batch() const = 0;
  /// Allocates the worker's extra buffers, once per run before the step loop (default: none).
  virtual void prepare(const problems::Problem& /*problem*/, LocalWorker& /*worker*/) const {}
  /// Local step t with step γ. Draws only from worker.rng, never allocates, and must draw the same
  /// number of samples whatever the communication schedule is (common random numbers).
  virtual void step(const problems::Problem& problem, std::int64_t t, double gamma, LocalWorker& worker) const = 0;
  /// Samples one worker draws at step t (for the `samples` axis).
  virtual std::int64_t samples_at(std::int64_t t) const = 0;
  /// Called right after a round set every w^p to w̄ (default: nothing; momentum would average here).
  virtual void after_average(std::span<LocalWorker> /*workers*/) const {}
};

/// Plain SGD: w ← w − γ·(mean gradient over b samples).
class SgdLocalUpdate final : public LocalUpdate {
 public:
  SgdLocalUpdate(std::int64_t batch, problems::Sampling sampling) : batch_(batch), sampling_(sampling) {}
  std::int64_t max_batch() const override { return batch_; }
  void step(const problems::Problem& problem, std::int64_t t, double gamma, LocalWorker& worker) const override;
  std::int64_t samples_at(std::int64_t /*t*/) const override { return batch_; }

 private:
  std::int64_t batch_;
  problems::Sampling sampling_;
};

/// Options of local_sgd (schema in LocalSgd::kind()).
struct LocalSgdOptions {
  std::int64_t workers = 4;        ///< P
  std::int64_t local_steps = 1000; ///< N: local steps per worker (the horizon)
  std::int64_t batch = 1;          ///< b per worker and step
  problems::Sampling sampling = problems::Sampling::kWithReplacement;
  bool pr = false;                 ///< report the Polyak–Ruppert average instead of w̄_t
  bool pr_include_w0 = false;      ///< include w₀ in the PR average
  double divergence_factor = 1e12;
  std::string target_metric = "none";
  double target_value = 0.0;
  std::int64_t per_decade = 10;

  static LocalSgdOptions from(const Params& p);
};

/// What an observer tells the run to do next.
enum class ObserverAction { kContinue, kStop };

/// Called after every local step t (after the averaging of a round): `wbar` is w̄_t; `workers` the
/// worker states. Valid only during the call. Used by tests (paths) and paired-stability runs.
using LocalSgdObserver =
    std::function<ObserverAction(std::int64_t t, const Vec& wbar, std::span<const LocalWorker> workers)>;

class LocalSgd final : public Runner {
 public:
  /// `update` null = SgdLocalUpdate(options.batch, options.sampling).
  LocalSgd(LocalSgdOptions options,
           StepSchedule step,
           CommunicationSchedule schedule,
           std::shared_ptr<const LocalUpdate> update = nullptr);

  RunResult run(const problems::Problem& problem,
                const RunKey& key,
                const std::vector<std::int64_t>& record_iters) const override;
  /// run() with an observer called after every local step (kStop ends with kStoppedByCallback).
  RunResult run_observed(const problems::Problem& problem,
                         const RunKey& key,
                         const std::vector<std::int64_t>& record_iters,
                         const LocalSgdObserver& observer) const;
  /// N: one recorded iteration is one local step.
  std::int64_t max_iterations() const override { return options_.local_steps; }

  const LocalSgdOptions& options() const { return options_; }
  const CommunicationSchedule& schedule() const { return schedule_; }
  const StepSchedule& step() const { return step_; }

  static RunnerKind kind();

 private:
  LocalSgdOptions options_;
  StepSchedule step_;
  CommunicationSchedule schedule_;
  std::shared_ptr<const LocalUpdate> update_;  // shared, immutable: runs may execute concurrently
};

}  // namespace sgdcheck::runners
