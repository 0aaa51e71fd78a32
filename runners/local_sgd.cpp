#include "runners/local_sgd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "runners/iterate_averager.hpp"
#include "runners/minibatch_sgd.hpp"
#include "runners/recorder.hpp"
#include "runners/sgd_loop.hpp"

namespace sgdcheck::runners {

RunSpec LocalSgdOptions::to_spec(StepSchedule step, CommunicationSchedule schedule) const {
  RunSpec s;
  s.algorithm = Algorithm::kLocal;
  s.iterations = local_steps;
  s.workers = workers;
  s.batches.assign(static_cast<std::size_t>(std::max<std::int64_t>(workers, 1)), batch);
  s.sampling = sampling;
  s.step = step;
  s.iterate = pr ? IterateKind::kPolyakRuppert : IterateKind::kLast;
  s.pr_include_w0 = pr_include_w0;
  s.divergence_factor = divergence_factor;
  s.per_decade = per_decade;
  s.max_gap = max_gap_of(schedule.steps(), local_steps);
  s.communication = std::move(schedule);
  return s;
}

LocalSgd::LocalSgd(RunSpec spec) : spec_(std::move(spec)), rule_(make_update_rule(spec_.update)) {
  if (spec_.workers < 1 || spec_.iterations < 1 || static_cast<std::int64_t>(spec_.batches.size()) != spec_.workers ||
      std::any_of(spec_.batches.begin(), spec_.batches.end(), [](std::int64_t b) { return b < 1; }))
    throw std::logic_error("LocalSgd: workers, local_steps and batches must be >= 1 (validate the Params first)");
  if (!spec_.communication) throw std::logic_error("LocalSgd: no communication schedule");
  if (spec_.communication->local_steps() != spec_.iterations)
    throw std::logic_error("LocalSgd: the communication schedule was built for another local_steps");
  spec_.step.tabulate(spec_.iterations);  // γ_t once per cell, shared by every run (same doubles)
  // The messages once per cell too (the schedule's description is built from strings).
  text_.diverged = "virtual average";
  text_.unit = "local step";
  text_.finished = fmt::format("ran {} local steps on {} workers, {}", spec_.iterations, spec_.workers,
                               spec_.communication->describe());
}

LocalSgd::LocalSgd(const LocalSgdOptions& options, StepSchedule step, CommunicationSchedule schedule)
    : LocalSgd(options.to_spec(step, std::move(schedule))) {}

namespace {

/// The local SGD engine of run_step_loop: P workers, one local step each per t, averaging after the
/// steps in S. Everything is allocated in the constructor, except update_run's averages (grown to the
/// longest run of steps it is given, once per engine); start() (a new run) and update() do not
/// allocate with the SGD rule.
class LocalEngine {
 public:
  LocalEngine(const problems::Problem& problem, const RunSpec& spec, const UpdateRule& rule)
      : problem_(problem), spec_(spec), rule_(rule), inv_p_(1.0 / static_cast<double>(spec.workers)),
        comm_(spec.communication->steps()), total_batch_(spec.total_batch()), x0_(problem.initial_point()) {
    workers_.resize(static_cast<std::size_t>(spec.workers));
    for (std::int64_t p = 0; p < spec.workers; ++p) {
      WorkerState& wk = workers_[static_cast<std::size_t>(p)];
      wk.index = p;
      wk.batch = spec.batches[static_cast<std::size_t>(p)];
      wk.w = x0_;
      wk.g = Vec::Zero(problem.dim());
      wk.ws = problem.make_workspace(wk.batch);
    }
    // workers_ is never resized again: the slots' pointers stay valid for the engine's lifetime.
    for (WorkerState& wk : workers_) {
      slots_.push_back(problems::StepSlot{&wk.w, wk.batch, &wk.rng, &wk.ws});
      iterates_.push_back(wk.w.data());
    }
    wbar_ = x0_;
  }
  /// Sets every worker to the start of run `key`: w = w₀, a fresh stream, the workspace and the
  /// rule's buffers as at construction.
  void start(const RunKey& key) {
    for (auto& wk : workers_) {
      wk.w = x0_;
      wk.g.setZero();
      wk.rng = make_stream(key.seed, key.rep, StreamPurpose::kAlgorithm, static_cast<std::uint64_t>(wk.index));
      problem_.reset_workspace(wk.ws);
      wk.updates = 0;
      rule_.prepare(problem_, wk);
    }
    wbar_ = x0_;
    next_comm_ = 0;
  }
  const Vec& x0() const { return x0_; }
  std::int64_t next_delay() const { return 0; }
  const Vec& update(std::int64_t t, double gamma) {
    rule_.step_all(problem_, gamma, spec_.sampling, workers_, slots_);
    // w̄_t = mean_p w^p (summed in worker order, then scaled by 1/P; with P = 1 this is w^0 exactly):
    // for every coordinate ((w^0_j + w^1_j) + …) · (1/P), the additions of the vector form
    // w̄ = w^0; w̄ += w^1 … ; w̄ *= 1/P in the same order. Small d: coordinate by coordinate with the
    // sum in a register (the vector form stores and reloads w̄_j once per worker, a store-to-load
    // chain); larger d: worker by worker, each worker's iterate read once in order.
    const Index d = wbar_.size();
    double* wb = wbar_.data();
    const std::size_t P = workers_.size();
    double* const* w = iterates_.data();
    if (d <= kCoordinateMajorMaxDim) {
      for (Index j = 0; j < d; ++j) {
        double s = w[0][j];
        for (std::size_t p = 1; p < P; ++p) s += w[p][j];
        wb[j] = s * inv_p_;
      }
    } else {
      const double* w0 = w[0];
      for (Index j = 0; j < d; ++j) wb[j] = w0[j];
      for (std::size_t p = 1; p < P; ++p) {
        const double* wp = w[p];
        for (Index j = 0; j < d; ++j) wb[j] += wp[j];
      }
      for (Index j = 0; j < d; ++j) wb[j] *= inv_p_;
    }
    if (next_comm_ < comm_.size() && comm_[next_comm_] == t) {
      ++next_comm_;
      for (auto& wk : workers_) wk.w = wbar_;
      rule_.after_average(workers_);
    }
    return wbar_;
  }
  /// Updates t … t + gammas.size() − 1 (at most kMaxRun) in one call when the rule and the problem
  /// have a fused form (UpdateRule::local_steps; the random design keeps the workers in SIMD lanes for
  /// the whole run): the same bits as update() step by step. Returns the virtual averages w̄ of those
  /// steps (valid until the next call), or nullptr, nothing changed, when
  /// there is no fused form: update() then takes the steps.
  const Vec* update_run(std::int64_t t, std::span<const double> gammas) {
    const std::size_t n = gammas.size();
    if (!fused_ || n == 0 || n > kMaxRun) return nullptr;
    // Grown to the longest run asked for, once per engine (a scratch's engine serves many runs): the
    // runs between log-spaced recordings are short, and 64 vectors per engine cost more than they saved.
    if (run_wbar_.size() < n) run_wbar_.resize(n, x0_);
    const std::size_t comm_before = next_comm_;
    for (std::size_t k = 0; k < n; ++k) {
      const bool average = next_comm_ < comm_.size() && comm_[next_comm_] == t + static_cast<std::int64_t>(k);
      average_[k] = average ? 1 : 0;
      next_comm_ += average ? 1 : 0;
    }
    const problems::LocalStepRun run{gammas, {average_.data(), n}, inv_p_, run_wbar_.data()};
    if (!rule_.local_steps(problem_, spec_.sampling, workers_, slots_, run)) {
      fused_ = false;  // the same rule and problem for every later run of this engine
      next_comm_ = comm_before;
      return nullptr;
    }
    wbar_ = run_wbar_[n - 1];
    return run_wbar_.data();
  }
  /// False once update_run has found no fused form (the same for every later run of this engine):
  /// the loop then stops preparing runs for it.
  bool fused() const { return fused_; }
  /// The most steps update_run takes at once.
  static constexpr std::size_t kMaxRun = 64;
  void advance(Point& p) const {
    p.samples += total_batch_;
    p.rounds = static_cast<std::int64_t>(next_comm_);
  }
  /// spread: mean squared distance of the workers to their average, (1/P)Σ_p ‖w^p − w̄‖² (0 right
  /// after a round).
  void extras(const Point& /*p*/, std::vector<double>& values) const {
    double s = 0.0;
    for (const auto& wk : workers_) s += (wk.w - wbar_).squaredNorm();
    values.push_back(s * inv_p_);
  }
  std::span<const WorkerState> workers() const { return workers_; }

 private:
  static constexpr Index kCoordinateMajorMaxDim = 16;  ///< w̄ coordinate by coordinate up to this d
  const problems::Problem& problem_;
  const RunSpec& spec_;
  const UpdateRule& rule_;
  double inv_p_;
  const std::vector<std::int64_t>& comm_;
  std::int64_t total_batch_;
  Vec x0_;
  std::vector<WorkerState> workers_;
  std::vector<problems::StepSlot> slots_;  ///< the workers' iterates, batches, streams, workspaces
  std::vector<double*> iterates_;          ///< workers_[p].w.data() (the average's inner loop)
  Vec wbar_;
  std::size_t next_comm_ = 0;
  bool fused_ = true;                          ///< update_run may try the fused form
  std::vector<Vec> run_wbar_;                  ///< update_run's averages (up to kMaxRun vectors of size d)
  std::array<std::uint8_t, kMaxRun> average_;  ///< update_run: whether step k communicates
};

/// Adapts a LocalSgdObserver to the step loop's observer.
class FunctionObserver final : public StepObserver {
 public:
  explicit FunctionObserver(const LocalSgdObserver& f) : f_(f) {}
  ObserverAction on_step(const StepEvent& e) override { return f_(e.t, e.point, e.workers); }

 private:
  const LocalSgdObserver& f_;
};

/// One thread's buffers for the runs of a cell: the engine and the step loop's state.
class LocalScratch final : public RunScratch {
 public:
  LocalScratch(const Runner* owner, const problems::Problem& problem, const RunSpec& spec, const UpdateRule& rule,
               const std::vector<std::int64_t>& record_iters)
      : RunScratch(owner), problem_(&problem), iters_(&record_iters), engine(problem, spec, rule),
        loop(problem, spec, record_iters, engine.x0(), kExtras) {}
  bool made_for(const problems::Problem& problem, const std::vector<std::int64_t>& record_iters) const {
    return &problem == problem_ && &record_iters == iters_;
  }
  static inline const std::vector<std::string> kExtras{"spread"};

 private:
  const problems::Problem* problem_;
  const std::vector<std::int64_t>* iters_;

 public:
  LocalEngine engine;
  StepLoopState loop;
};

}  // namespace

RunResult LocalSgd::run_with(const problems::Problem& problem,
                             const RunKey& key,
                             const std::vector<std::int64_t>& record_iters,
                             StepObserver* observer) const {
  LocalEngine engine(problem, spec_, *rule_);
  engine.start(key);
  return run_step_loop(problem, spec_, record_iters, engine.x0(), LocalScratch::kExtras, engine, observer, text_);
}

std::unique_ptr<RunScratch> LocalSgd::make_scratch(const problems::Problem& problem,
                                                   const std::vector<std::int64_t>& record_iters) const {
  return std::make_unique<LocalScratch>(this, problem, spec_, *rule_, record_iters);
}

void LocalSgd::run_reusing(const problems::Problem& problem,
                           const RunKey& key,
                           const std::vector<std::int64_t>& record_iters,
                           RunScratch* scratch,
                           RunResult& out) const {
  if (!scratch) {
    out = run(problem, key, record_iters);
    return;
  }
  if (scratch->owner() != this) throw std::logic_error("LocalSgd::run_reusing: scratch of another runner");
  auto& s = static_cast<LocalScratch&>(*scratch);
  if (!s.made_for(problem, record_iters))
    throw std::logic_error("LocalSgd::run_reusing: scratch made for another problem or recording grid");
  s.engine.start(key);
  run_step_loop_into(problem, spec_, s.engine.x0(), s.engine, nullptr, text_, s.loop, out);
}

RunResult LocalSgd::run_observed(const problems::Problem& problem,
                                 const RunKey& key,
                                 const std::vector<std::int64_t>& record_iters,
                                 const LocalSgdObserver& observer) const {
  if (!observer) return run_with(problem, key, record_iters, nullptr);
  FunctionObserver adapter(observer);
  return run_with(problem, key, record_iters, &adapter);
}

RunnerKind LocalSgd::kind() {
  RunnerKind k;
  k.schema.name = "local_sgd";
  k.schema.description =
      "local SGD: P workers run N local SGD steps and average their models after the steps in S "
      "(Patel & Dieuleveut 2019); one recorded iteration is one local step";
  for (auto& f : runner_common_fields()) {
    // `iterations` is local_steps here; the reported iterate has its own choices (last | pr).
    if (f.name == "iterations" || f.name == "iterate" || f.name == "tail_fraction") continue;
    if (f.name == "batch") f.description = "mini-batch size b per worker and local step";
    k.schema.fields.push_back(std::move(f));
  }
  k.schema.fields.push_back(list_field("worker_batches",
                                       std::vector<double>{},
                                       "per-worker batch sizes b_1..b_P (one integer >= 1 per worker; empty: every "
                                       "worker uses batch). The Patel bounds assume equal batches"));
  k.schema.fields.push_back(int_field("workers", 4, 1, 1e5, "number of workers P (each keeps an iterate of size d)"));
  k.schema.fields.push_back(int_field(
      "local_steps", 1000, 1, 1e12, "N: local steps per worker (the horizon; one recorded iteration = one local step)"));
  for (auto& f : schedule_fields()) k.schema.fields.push_back(std::move(f));
  k.schema.fields.push_back(choice_field(
      "iterate",
      "last",
      {"last", "pr"},
      "reported point: last = virtual average w̄_t of the workers; pr = Polyak–Ruppert average of w̄_1..w̄_t"));
  k.schema.fields.push_back(bool_field("pr_include_w0", false, "include w_0 in the Polyak–Ruppert average"));
  for (auto& f : step_fields()) {
    // The paper's schedule γ_t = c·t^(−α) with α ∈ (1/2, 1) is the default here (γ_1 = step.gamma).
    if (f.name == "step.rule") f.default_value = Value{std::string("power")};
    if (f.name == "step.alpha") f.default_value = Value{0.6};
    k.schema.fields.push_back(std::move(f));
  }
  k.validate = [](const Params& p, const problems::Problem& problem) {
    validate_common(p, problem);
    (void)resolve_run_spec(Algorithm::kLocal, p, problem);
  };
  k.make = [](const Params& p, const problems::Problem& problem) -> std::unique_ptr<Runner> {
    return std::make_unique<LocalSgd>(resolve_run_spec(Algorithm::kLocal, p, problem));
  };
  k.metrics = {"subopt", "dist2", "grad2", "test_loss", "step", "spread", "avg_subopt", "avg_grad2"};
  return k;
}

}  // namespace sgdcheck::runners
