#include "runners/minibatch_sgd.hpp"

#include <fmt/format.h>

#include <cmath>

#include "runners/delay_source.hpp"
#include "runners/sgd_loop.hpp"

namespace sgdcheck::runners {

std::vector<Field> runner_common_fields() {
  std::vector<Field> out = {
      int_field("iterations", 1000, 1, 1e12, "number of server updates T"),
      int_field("batch", 1, 1, 1e9, "mini-batch size b (per update; per worker for distributed runners)"),
      choice_field("sampling",
                   "with_replacement",
                   {"with_replacement", "without_replacement"},
                   "how a finite-sum batch is drawn (streaming problems always draw i.i.d.)"),
      choice_field("iterate",
                   "last",
                   {"last", "average", "tail_average"},
                   "reported point: last iterate, uniform average of x_0..x_t, or average of the last "
                   "tail_fraction of the iterates"),
      real_field("tail_fraction", 0.5, 0.0, 1.0, "fraction of iterates in the tail average", true),
      real_field("divergence_factor",
                 1e12,
                 1.0,
                 kInf,
                 "a run is diverged when ||x - x*||^2 > factor * (1 + ||x0 - x*||^2) or x is not finite",
                 true),
      choice_field("target.metric",
                   "none",
                   {"none", "subopt", "dist2", "grad2"},
                   "stop a run once this metric of the reported point is <= target.value (none: never)"),
      real_field("target.value", 0.0, 0.0, kInf, "threshold for target.metric"),
      int_field("record.per_decade", 10, 1, 1000, "recorded points per factor 10 of the record.axis (log-spaced)"),
      choice_field("record.axis",
                   "iterations",
                   {"iterations", "samples", "rounds", "vtime"},
                   "axis of the log-spaced recording grid: a run records at the first update that reaches each "
                   "grid value (samples: per-sample gradients over all workers; rounds: communication rounds of "
                   "local SGD, = iterations for the other runners; vtime: virtual time, = iterations today). "
                   "Every point carries all four values; seed statistics align points by this axis"),
      bool_field("running_metrics",
                 false,
                 "also record avg_subopt and avg_grad2, the running means of f(x_s) - f* and ||grad f(x_s)||^2 "
                 "over s = 0..t (what convex / nonconvex rates bound; costs one full gradient per step); with a "
                 "delay model also avg_subopt_read, the running mean of f(x_{s-tau_s}) - f* over the read points "
                 "of the updates so far (f(x_0) - f* at t = 0)"),
  };
  for (auto& f : update_fields()) out.push_back(std::move(f));
  return out;
}

void validate_common(const Params& p, const problems::Problem& problem) {
  const auto n = problem.n();
  const auto sampling = parse_choice(p,
                                     "sampling",
                                     {{"with_replacement", problems::Sampling::kWithReplacement},
                                      {"without_replacement", problems::Sampling::kWithoutReplacement}},
                                     problems::Sampling::kWithReplacement);
  if (sampling == problems::Sampling::kWithoutReplacement && n > 0 && p.get_int("batch") > n)
    p.fail("batch", fmt::format("batch <= n = {} when sampling without replacement", n));
  const auto metric = parse_choice(p,
                                   "target.metric",
                                   {{"none", TargetMetric::kNone}, {"subopt", TargetMetric::kSubopt},
                                    {"dist2", TargetMetric::kDist2}, {"grad2", TargetMetric::kGrad2}},
                                   TargetMetric::kNone);
  if (metric != TargetMetric::kNone && p.get_real("target.value") <= 0.0)
    p.fail("target.value", "target.value > 0 when target.metric is set");
}

namespace {

/// The single-sequence engine of run_step_loop. Ring of the last τ_max + 1 iterates: x_s lives in
/// slot s mod (τ_max + 1). Every slot starts at x₀, which is also the value of x_s for s < 0, so a
/// stale index below 0 needs no special case beyond clamping it to 0. Without a delay model the ring
/// has one slot and the update is x ← rule(x, g(x)): the mini-batch run, bit for bit.
class SequenceEngine {
 public:
  SequenceEngine(const problems::Problem& problem, const RunSpec& spec, const UpdateRule& rule, const RunKey& key)
      : problem_(problem), spec_(spec), rule_(rule), tau_max_(spec.delay.max_delay),
        slots_(static_cast<std::size_t>(tau_max_ + 1)), ring_(slots_, problem.initial_point()) {
    // Same sampling stream with and without delays; delays have their own (kDelays, in the source).
    worker_.index = 0;
    worker_.batch = spec.batch();
    worker_.rng = make_stream(key.seed, key.rep, StreamPurpose::kAlgorithm, 0);
    worker_.ws = problem.make_workspace(worker_.batch);
    rule.prepare(problem, worker_);
    if (spec.delay.source) cursor_ = spec.delay.source->start(key);
    read_mean_ = cursor_ && spec.running_metrics;
    if (read_mean_) read_subopt_ = problem.value(ring_[0]) - problem.constants().f_star;  // y_0 = x_0
  }
  const Vec& x0() const { return ring_[0]; }
  std::int64_t next_delay() {
    if (!cursor_) return 0;
    const std::int64_t tau = cursor_->next();
    if (tau < 0 || tau > tau_max_)
      throw std::logic_error(fmt::format("DelayedSgd: delay source gave {} outside [0, {}]", tau, tau_max_));
    delay_max_ = std::max(delay_max_, tau);
    delay_sum_ += static_cast<double>(tau);
    tau_ = tau;
    return tau;
  }
  /// Update s = t − 1: x_{s+1} = rule(x_s, g(x_{s−τ_s})).
  const Vec& update(std::int64_t t, double gamma) {
    if (slots_ == 1 && !read_mean_) {  // no delay: the gradient point is the point moved (one fused call)
      rule_.step(problem_, gamma, spec_.sampling, worker_, ring_[0]);
      return ring_[0];
    }
    // x_{s−τ} lives in slot (s − τ) mod (τ_max + 1), i.e. τ slots before cur_ = s mod (τ_max + 1)
    // (0 ≤ τ ≤ τ_max); before the start (s < τ) it is x₀ in slot 0. No division in the step.
    const std::int64_t s = t - 1;
    const auto tau = static_cast<std::size_t>(tau_);
    const std::size_t stale_slot = s < tau_ ? 0 : cur_ >= tau ? cur_ - tau : cur_ + slots_ - tau;
    const Vec& stale = ring_[stale_slot];
    if (read_mean_) {  // running mean of f(y_s) − f* over the read points of the updates so far
      const double f = problem_.value(stale) - problem_.constants().f_star;
      ++reads_;
      read_subopt_ = reads_ == 1 ? f : read_subopt_ + (f - read_subopt_) / static_cast<double>(reads_);
    }
    problem_.draw_step(stale, worker_.batch, spec_.sampling, worker_.rng, worker_.ws);
    const std::size_t next = cur_ + 1 == slots_ ? 0 : cur_ + 1;
    Vec& x = ring_[next];
    if (next != cur_) x = ring_[cur_];  // overwrites x_{s−τ_max}, no longer needed (the step is drawn)
    rule_.apply(problem_, gamma, worker_, x);
    cur_ = next;
    return x;
  }
  void advance(Point& p) const {
    p.samples += worker_.batch;
    p.rounds = p.iter;
  }
  void extras(const Point& p, std::vector<double>& values) const {
    if (!cursor_) return;
    values.push_back(static_cast<double>(delay_max_));
    values.push_back(p.iter > 0 ? delay_sum_ / static_cast<double>(p.iter) : 0.0);
    if (read_mean_) values.push_back(read_subopt_);
  }
  std::span<const WorkerState> workers() const { return {&worker_, 1}; }

 private:
  const problems::Problem& problem_;
  const RunSpec& spec_;
  const UpdateRule& rule_;
  std::int64_t tau_max_;
  std::size_t slots_;
  std::vector<Vec> ring_;
  WorkerState worker_;
  std::unique_ptr<DelayCursor> cursor_;
  std::size_t cur_ = 0;  // slot of x_{t−1}
  std::int64_t tau_ = 0;
  std::int64_t delay_max_ = 0;
  double delay_sum_ = 0.0;
  bool read_mean_ = false;     // record avg_subopt_read (a delay model and running_metrics)
  std::int64_t reads_ = 0;
  double read_subopt_ = 0.0;   // mean of f(y_s) − f* over the reads so far (before the first: f(x_0) − f*)
};

}  // namespace

RunResult run_sequence(const problems::Problem& problem,
                       const RunSpec& spec,
                       const UpdateRule& rule,
                       const RunKey& key,
                       const std::vector<std::int64_t>& record_iters,
                       StepObserver* observer) {
  SequenceEngine engine(problem, spec, rule, key);
  std::vector<std::string> extras =
      spec.has_delay_model() ? std::vector<std::string>{"delay_max", "delay_mean"} : std::vector<std::string>{};
  if (spec.has_delay_model() && spec.running_metrics) extras.push_back("avg_subopt_read");
  LoopText text;
  text.finished = fmt::format("ran {} iterations", spec.iterations);
  return run_step_loop(problem, spec, record_iters, engine.x0(), extras, engine, observer, text);
}

MinibatchSgd::MinibatchSgd(RunSpec spec) : spec_(std::move(spec)), rule_(make_update_rule(spec_.update)) {
  spec_.step.tabulate(spec_.iterations);  // γ_t once per cell, shared by every run (same doubles)
}

std::vector<std::pair<std::string, double>> MinibatchSgd::derived_constants() const {
  return {{"gamma", spec_.step.at(1)}, {"theta_b", spec_.theta_b}, {"batch", static_cast<double>(spec_.batch())}};
}

RunResult MinibatchSgd::run_with(const problems::Problem& problem,
                                 const RunKey& key,
                                 const std::vector<std::int64_t>& record_iters,
                                 StepObserver* observer) const {
  return run_sequence(problem, spec_, *rule_, key, record_iters, observer);
}

RunnerKind MinibatchSgd::kind() {
  RunnerKind k;
  k.schema.name = "minibatch_sgd";
  k.schema.description = "mini-batch SGD x <- x - γ_t·(mean gradient over b samples)";
  k.schema.fields = runner_common_fields();
  for (auto& f : step_fields()) k.schema.fields.push_back(std::move(f));
  k.validate = [](const Params& p, const problems::Problem& problem) { validate_common(p, problem); };
  k.make = [](const Params& p, const problems::Problem& problem) -> std::unique_ptr<Runner> {
    return std::make_unique<MinibatchSgd>(resolve_run_spec(Algorithm::kMinibatch, p, problem));
  };
  k.metrics = {"subopt", "dist2", "grad2", "test_loss", "step", "avg_subopt", "avg_grad2"};
  return k;
}

}  // namespace sgdcheck::runners
