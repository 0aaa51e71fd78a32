#include "runners/local_sgd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "runners/iterate_averager.hpp"
#include "runners/minibatch_sgd.hpp"
#include "runners/recorder.hpp"

namespace sgdcheck::runners {

void SgdLocalUpdate::step(const problems::Problem& problem,
                          std::int64_t /*t*/,
                          double gamma,
                          LocalWorker& worker) const {
  problem.draw_step(worker.w, batch_, sampling_, worker.rng, worker.ws);
  problem.apply_step(gamma, worker.ws, worker.w);
}

LocalSgdOptions LocalSgdOptions::from(const Params& p) {
  LocalSgdOptions o;
  o.workers = p.get_int("workers");
  o.local_steps = p.get_int("local_steps");
  o.batch = p.get_int("batch");
  o.sampling = p.get_string("sampling") == "with_replacement" ? problems::Sampling::kWithReplacement
                                                               : problems::Sampling::kWithoutReplacement;
  o.pr = p.get_string("iterate") == "pr";
  o.pr_include_w0 = p.get_bool("pr_include_w0");
  o.divergence_factor = p.get_real("divergence_factor");
  o.target_metric = p.get_string("target.metric");
  o.target_value = p.get_real("target.value");
  o.per_decade = p.get_int("record.per_decade");
  return o;
}

LocalSgd::LocalSgd(LocalSgdOptions options,
                   StepSchedule step,
                   CommunicationSchedule schedule,
                   std::shared_ptr<const LocalUpdate> update)
    : options_(std::move(options)), step_(step), schedule_(std::move(schedule)), update_(std::move(update)) {
  if (options_.workers < 1 || options_.local_steps < 1 || options_.batch < 1)
    throw std::logic_error("LocalSgd: workers, local_steps and batch must be >= 1 (validate the Params first)");
  if (schedule_.local_steps() != options_.local_steps)
    throw std::logic_error("LocalSgd: the communication schedule was built for another local_steps");
  if (!update_) update_ = std::make_shared<SgdLocalUpdate>(options_.batch, options_.sampling);
}

RunResult LocalSgd::run(const problems::Problem& problem,
                        const RunKey& key,
                        const std::vector<std::int64_t>& record_iters) const {
  return run_observed(problem, key, record_iters, nullptr);
}

RunResult LocalSgd::run_observed(const problems::Problem& problem,
                                 const RunKey& key,
                                 const std::vector<std::int64_t>& record_iters,
                                 const LocalSgdObserver& observer) const {
  const Index d = problem.dim();
  const std::int64_t P = options_.workers;
  const std::int64_t N = options_.local_steps;
  const double inv_p = 1.0 / static_cast<double>(P);
  const Vec w0 = problem.initial_point();

  // Everything is allocated here; the step loop below does not allocate.
  std::vector<LocalWorker> workers(static_cast<std::size_t>(P));
  for (std::int64_t p = 0; p < P; ++p) {
    LocalWorker& wk = workers[static_cast<std::size_t>(p)];
    wk.index = p;
    wk.w = w0;
    wk.g = Vec::Zero(d);
    wk.rng = make_stream(key.seed, key.rep, StreamPurpose::kAlgorithm, static_cast<std::uint64_t>(p));
    wk.ws = problem.make_workspace(update_->max_batch());
    update_->prepare(problem, wk);
  }
  Vec wbar = w0;
  Vec acc = options_.pr_include_w0 ? w0 : Vec(Vec::Zero(d));  // Σ w̄_s for the PR average
  std::int64_t acc_count = options_.pr_include_w0 ? 1 : 0;
  Vec reported = w0;
  const std::vector<std::int64_t>& comm = schedule_.steps();
  std::size_t next_comm = 0;

  Recorder rec(problem, record_iters, {"step", "spread"});
  rec.set_divergence(w0, options_.divergence_factor);
  const TargetTest target(options_.target_metric, options_.target_value);
  // Mean squared distance of the workers to their average, (1/P)Σ_p ‖w^p − w̄‖² (0 right after a round).
  auto spread = [&]() {
    double s = 0.0;
    for (const auto& wk : workers) s += (wk.w - wbar).squaredNorm();
    return s * inv_p;
  };

  Point pt;
  if (rec.due(0)) rec.record(pt, reported, {step_.at(1), 0.0});
  for (std::int64_t t = 1; t <= N; ++t) {
    const double gamma = step_.at(t);
    for (auto& wk : workers) update_->step(problem, t, gamma, wk);
    // w̄_t = mean_p w^p (summed in worker order; with P = 1 this is w^0 exactly).
    wbar = workers[0].w;
    for (std::int64_t p = 1; p < P; ++p) wbar += workers[static_cast<std::size_t>(p)].w;
    wbar *= inv_p;
    if (next_comm < comm.size() && comm[next_comm] == t) {
      ++next_comm;
      for (auto& wk : workers) wk.w = wbar;
      update_->after_average(workers);
    }
    acc += wbar;
    ++acc_count;
    pt.iter = t;
    pt.samples += P * update_->samples_at(t);
    pt.rounds = static_cast<std::int64_t>(next_comm);
    pt.vtime = static_cast<double>(t);

    const bool due = rec.due(t);
    if ((due || (t & 63) == 0) && rec.diverged(wbar)) {
      rec.record(pt, wbar, {gamma, spread()});
      return rec.finish(Termination::kDiverged, fmt::format("virtual average diverged at local step {}", t), t, pt);
    }
    if (due) {
      if (options_.pr)
        reported = acc / static_cast<double>(acc_count);
      else
        reported = wbar;
      rec.record(pt, reported, {gamma, spread()});
      if (target.reached(problem, reported))
        return rec.finish(Termination::kConverged,
                          fmt::format("{} <= {} at local step {}", options_.target_metric, options_.target_value, t),
                          t,
                          pt);
    }
    if (observer && observer(t, wbar, workers) == ObserverAction::kStop)
      return rec.finish(Termination::kStoppedByCallback, fmt::format("observer stopped at local step {}", t), t, pt);
  }
  return rec.finish(Termination::kMaxIterations,
                    fmt::format("ran {} local steps on {} workers, {}", N, P, schedule_.describe()),
                    N,
                    pt);
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
    (void)make_communication_schedule(p, p.get_int("local_steps"));
  };
  k.make = [](const Params& p, const problems::Problem& problem) -> std::unique_ptr<Runner> {
    auto o = LocalSgdOptions::from(p);
    auto schedule = make_communication_schedule(p, o.local_steps);
    auto step = make_step_schedule(p, problem, o.batch, o.sampling, 0);
    return std::make_unique<LocalSgd>(o, step, std::move(schedule));
  };
  return k;
}

}  // namespace sgdcheck::runners
