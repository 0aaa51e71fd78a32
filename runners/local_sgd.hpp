#pragma once
/// \file Local SGD (Patel & Dieuleveut 2019; sgdcheck spec `papers/patel2019_localsgd.md` §2).
///
/// P workers start at w₀ and each runs N local steps w ← w − γ_t g (g the mean gradient of b_p fresh
/// samples, γ_t from the step schedule, γ_1 = step.gamma; update.rule may replace the SGD step by
/// heavy ball or AdamW, each worker keeping its own buffers). After the local step t ∈ S every worker is
/// set to the average w̄_t (one communication round). The recorded point is the virtual average
/// w̄_t = mean_p w_t^p at every t (averaging never changes it), or its Polyak–Ruppert average
/// (1/t)Σ_{s=1..t} w̄_s (`iterate: pr`; `pr_include_w0: true` gives (1/(t+1))Σ_{s=0..t} w̄_s).
///
/// **Counters.** In this runner one recorded `iter` is one *local step* t = 1..N (every worker
/// steps once), not one server update: `max_iterations()` is N = `local_steps`. The other axes:
/// `rounds` = |S ∩ [1, t]| (communication rounds so far; the final all-reduce of the PR average is
/// not counted), `samples` = (Σ_p b_p)·t (gradients over all workers), `vtime` = t.
///
/// **Common random numbers.** Worker p draws from make_stream(seed, rep, kAlgorithm, p) and draws the
/// same number of samples at every step whatever S is, so runs that differ only in the schedule
/// (or in P, for the first workers) see the same samples: schedules compare pairwise.
#include <functional>
#include <memory>
#include <span>

#include "runners/communication_schedule.hpp"
#include "runners/runner.hpp"
#include "runners/sgd_loop.hpp"
#include "runners/step_size.hpp"

namespace sgdcheck::runners {

/// One worker of local SGD (the step loop's WorkerState; `w` is the local iterate w^p).
using LocalWorker = WorkerState;

/// Options of local_sgd in the form tests build them by hand (the pipeline resolves a RunSpec from
/// the schema instead; to_spec() gives the same spec).
struct LocalSgdOptions {
  std::int64_t workers = 4;        ///< P
  std::int64_t local_steps = 1000; ///< N: local steps per worker (the horizon)
  std::int64_t batch = 1;          ///< b per worker and step
  problems::Sampling sampling = problems::Sampling::kWithReplacement;
  bool pr = false;                 ///< report the Polyak–Ruppert average instead of w̄_t
  bool pr_include_w0 = false;      ///< include w₀ in the PR average
  double divergence_factor = 1e12;
  std::int64_t per_decade = 10;

  RunSpec to_spec(StepSchedule step, CommunicationSchedule schedule) const;
};

/// Called after every local step t (after the averaging of a round): `wbar` is w̄_t; `workers` the
/// worker states. Valid only during the call. Used by tests (paths) and paired-stability runs.
using LocalSgdObserver =
    std::function<ObserverAction(std::int64_t t, const Vec& wbar, std::span<const LocalWorker> workers)>;

class LocalSgd final : public Runner {
 public:
  /// `spec.communication` must be set (the communication set S over spec.iterations = N steps).
  explicit LocalSgd(RunSpec spec);
  LocalSgd(const LocalSgdOptions& options, StepSchedule step, CommunicationSchedule schedule);

  RunResult run_with(const problems::Problem& problem,
                     const RunKey& key,
                     const std::vector<std::int64_t>& record_iters,
                     StepObserver* observer) const override;
  std::unique_ptr<RunScratch> make_scratch(const problems::Problem& problem,
                                           const std::vector<std::int64_t>& record_iters) const override;
  void run_reusing(const problems::Problem& problem,
                   const RunKey& key,
                   const std::vector<std::int64_t>& record_iters,
                   RunScratch* scratch,
                   RunResult& out) const override;
  /// run() with a function observer called after every local step (kStop ends with kStoppedByCallback).
  RunResult run_observed(const problems::Problem& problem,
                         const RunKey& key,
                         const std::vector<std::int64_t>& record_iters,
                         const LocalSgdObserver& observer) const;
  /// N: one recorded iteration is one local step.
  std::int64_t max_iterations() const override { return spec_.iterations; }
  const RunSpec& spec() const override { return spec_; }

  const CommunicationSchedule& schedule() const { return *spec_.communication; }
  const StepSchedule& step() const { return spec_.step; }

  static RunnerKind kind();

 private:
  RunSpec spec_;
  std::shared_ptr<const UpdateRule> rule_;  // shared, immutable: runs may execute concurrently
  LoopText text_;                           // the step loop's messages (the same for every run)
};

}  // namespace sgdcheck::runners
