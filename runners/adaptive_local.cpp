#include "runners/adaptive_local.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "bounds/lau_bounds.hpp"
#include "runners/minibatch_sgd.hpp"
#include "runners/sgd_loop.hpp"

namespace sgdcheck::runners {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInfD = std::numeric_limits<double>::infinity();
constexpr std::size_t kRecordedWorkers = 8;
/// Doubles of per-sample gradient matrices a cell may hold (P·b_max·d).
constexpr double kMaxGradDoubles = 5e7;
}  // namespace

std::string to_string(BatchVariant v) {
  switch (v) {
    case BatchVariant::kFixed:
      return "fixed";
    case BatchVariant::kLocal:
      return "local";
    case BatchVariant::kGlobal:
      return "global";
    case BatchVariant::kOracleRound:
      return "oracle_round";
    case BatchVariant::kOracleStep:
      return "oracle_step";
  }
  return "?";
}

double exact_gradient_variance(const problems::Problem& problem, const Vec& x, Vec& g, Vec& gi) {
  if (const auto* rd = problem.random_design()) {
    // lau_lsq_sigma2_diag(x − w*, h, s, κ) coordinate by coordinate: no temporary (called every step).
    double tr = 0.0, ehe = 0.0, he2 = 0.0;
    for (Index j = 0; j < x.size(); ++j) {
      const double e = x[j] - rd->w_star[j], h = rd->h[j];
      tr += h;
      ehe += e * e * h;
      he2 += e * e * h * h;
    }
    return ehe * tr + (rd->kurtosis - 2.0) * he2 + rd->noise_var * tr;
  }
  if (const double v = problem.exact_gradient_variance(x); !std::isnan(v)) return v;
  if (problem.n() > 0) {
    problem.gradient(x, g);
    double s = 0.0;
    for (Index i = 0; i < problem.n(); ++i) {
      problem.sample_gradient(i, x, gi);
      s += (gi - g).squaredNorm();
    }
    return s / static_cast<double>(problem.n());
  }
  return kNaN;
}

double exact_norm_proposal(
    const problems::Problem& problem, problems::Sampling s, const Vec& x, double eta, Vec& g, Vec& gi) {
  const double sigma2 = exact_gradient_variance(problem, x, g, gi);
  if (std::isnan(sigma2)) return kNaN;
  problem.gradient(x, g);
  const double g2 = g.squaredNorm();
  const double iid = bounds::oracle_proposal(sigma2, g2, eta);
  if (problem.n() > 0 && s == problems::Sampling::kWithoutReplacement && std::isfinite(iid)) {
    const double n = static_cast<double>(problem.n());
    return sigma2 * n / (eta * eta * g2 * (n - 1.0) + sigma2);
  }
  return iid;
}

AdaptiveLocalSgd::AdaptiveLocalSgd(AdaptiveLocalSpec spec)
    : spec_(std::move(spec)), rule_(make_update_rule(spec_.run.update)) {
  if (spec_.run.workers < 1 || spec_.local_steps < 1 || spec_.rounds < 1 || spec_.batch.b0 < 1 ||
      spec_.batch.b_max < spec_.batch.b0 || spec_.run.iterations != spec_.rounds * spec_.local_steps)
    throw std::logic_error("AdaptiveLocalSgd: inconsistent spec (validate the Params first)");
}

std::vector<std::pair<std::string, double>> AdaptiveLocalSgd::derived_constants() const {
  return {{"alpha", spec_.run.step.gamma},
          {"eta", spec_.batch.eta},
          {"b0", static_cast<double>(spec_.batch.b0)},
          {"b_max", static_cast<double>(spec_.batch.b_max)}};
}

std::vector<std::string> AdaptiveLocalSgd::extra_names() {
  std::vector<std::string> n{"batch_mean",
                             "batch_min",
                             "batch_max",
                             "oracle_batch",
                             "bytes_model",
                             "bytes_test",
                             "wallclock",
                             "proposal_ratio"};
  for (std::size_t m = 0; m < kRecordedWorkers; ++m) n.push_back(fmt::format("batch_w{}", m));
  return n;
}

namespace {

/// The engine of run_step_loop. Allocates everything in the constructor (the b_max × d gradient
/// matrices included); update() does not allocate.
class AdaptiveEngine {
 public:
  AdaptiveEngine(const problems::Problem& problem,
                 const AdaptiveLocalSpec& spec,
                 const UpdateRule& rule,
                 const RunKey& key)
      : problem_(problem),
        spec_(spec),
        bs_(spec.batch),
        rule_(rule),
        P_(spec.run.workers),
        H_(spec.local_steps),
        inv_p_(1.0 / static_cast<double>(spec.run.workers)),
        target_(problem, spec.run.target_metric, spec.run.target_value) {
    const Index d = problem.dim();
    x0_ = problem.initial_point();
    workers_.resize(static_cast<std::size_t>(P_));
    const bool sample_test = bs_.variant == BatchVariant::kLocal || bs_.variant == BatchVariant::kGlobal;
    for (std::int64_t m = 0; m < P_; ++m) {
      WorkerState& wk = workers_[static_cast<std::size_t>(m)];
      wk.index = m;
      wk.batch = bs_.b0;
      wk.w = x0_;
      wk.g = Vec::Zero(d);
      wk.rng = make_stream(key.seed, key.rep, StreamPurpose::kAlgorithm, static_cast<std::uint64_t>(m));
      wk.ws = problem.make_workspace(bs_.variant == BatchVariant::kFixed ? bs_.b0 : bs_.b_max);
      rule.prepare(problem, wk);
    }
    if (sample_test) grads_.assign(static_cast<std::size_t>(P_), RowMat::Zero(bs_.b_max, d));
    blocks_.resize(static_cast<std::size_t>(P_));
    stats_.resize(static_cast<std::size_t>(P_));
    has_stats_.assign(static_cast<std::size_t>(P_), false);
    ratio_.assign(static_cast<std::size_t>(P_), kNaN);
    mean_ = Vec::Zero(d);
    sg_ = Vec::Zero(d);
    sgi_ = Vec::Zero(d);
    xbar_ = x0_;
    oracle_known_ = !std::isnan(exact_gradient_variance(problem, x0_, sg_, sgi_));
    if (!workers_.empty() && !workers_[0].state.empty()) state_sum_ = workers_[0].state;
  }
  const Vec& x0() const { return x0_; }
  std::int64_t next_delay() const { return 0; }

  const Vec& update(std::int64_t t, double gamma) {
    const std::int64_t h = (t - 1) % H_;  // local step within the round, 0..H−1
    const bool sample_test = bs_.variant == BatchVariant::kLocal || bs_.variant == BatchVariant::kGlobal;
    const std::int64_t test_h = bs_.test_step == TestStep::kFirst ? 0 : H_ - 1;
    const bool test_now = sample_test && (bs_.interval == TestInterval::kStep || h == test_h);
    step_samples_ = 0;
    double step_time = 0.0;  // modelled: the slowest worker's step
    for (auto& wk : workers_) {
      const auto m = static_cast<std::size_t>(wk.index);
      if (bs_.variant == BatchVariant::kOracleStep) {
        const double prop = exact_norm_proposal(problem_, spec_.run.sampling, wk.w, bs_.eta, sg_, sgi_);
        wk.batch = bounds::next_batch(wk.batch, prop, bs_.b_max);
      }
      if (test_now && wk.batch >= 2) {
        problem_.draw_step_with_sample_gradients(
            wk.w, wk.batch, spec_.run.sampling, wk.rng, wk.ws, grads_[m]);
        blocks_[m] = bounds::GradBlock{&grads_[m], wk.batch};
        if (bs_.variant == BatchVariant::kLocal) {
          stats_[m] = bounds::batch_stats(grads_[m], wk.batch, mean_);
          has_stats_[m] = true;
          if (oracle_known_) {
            const double exact = exact_norm_proposal(problem_, spec_.run.sampling, wk.w, bs_.eta, sg_, sgi_);
            ratio_[m] = bounds::proposal(bs_.test, stats_[m], bs_.eta) / exact;
          }
        }
      } else {
        problem_.draw_step(wk.w, wk.batch, spec_.run.sampling, wk.rng, wk.ws);
      }
      step_samples_ += wk.batch;
      step_time = std::max(
          step_time, spec_.step_time * std::max(1.0, static_cast<double>(wk.batch) / spec_.saturation_batch));
      rule_.apply(problem_, gamma, wk, wk.w);
    }
    wallclock_ += step_time;
    if (test_now && bs_.variant == BatchVariant::kGlobal) pool();
    if (test_now && bs_.interval == TestInterval::kStep) apply_tests();
    xbar_ = workers_[0].w;
    for (std::size_t m = 1; m < workers_.size(); ++m) xbar_ += workers_[m].w;
    xbar_ *= inv_p_;
    round_end_ = h == H_ - 1;
    if (round_end_) {
      ++rounds_;
      ++allreduces_;
      wallclock_ += spec_.comm_time;
      bytes_model_ += static_cast<double>(P_) * static_cast<double>(problem_.dim()) * 8.0;
      for (auto& wk : workers_) wk.w = xbar_;
      average_states();
      if (sample_test && bs_.interval == TestInterval::kRound) apply_tests();
      if (bs_.variant == BatchVariant::kOracleRound) {
        const double prop = exact_norm_proposal(problem_, spec_.run.sampling, xbar_, bs_.eta, sg_, sgi_);
        for (auto& wk : workers_) wk.batch = bounds::next_batch(wk.batch, prop, bs_.b_max);
      }
    }
    return xbar_;
  }

  void advance(Point& p) {
    samples_ += step_samples_;
    p.samples = samples_;
    p.rounds = rounds_;
  }

  std::optional<std::pair<Termination, std::string>> stop() {
    if (!round_end_) return std::nullopt;
    if (spec_.sample_budget > 0 && static_cast<double>(samples_) >= spec_.sample_budget)
      return std::make_pair(Termination::kMaxIterations,
                            fmt::format("sample budget {:g} reached after {} rounds ({} samples)",
                                        spec_.sample_budget,
                                        rounds_,
                                        samples_));
    if (spec_.run.target_metric != TargetMetric::kNone && target_.reached(problem_, xbar_))
      return std::make_pair(Termination::kConverged,
                            fmt::format("{} <= {} after {} rounds ({} samples)",
                                        to_string(spec_.run.target_metric),
                                        spec_.run.target_value,
                                        rounds_,
                                        samples_));
    return std::nullopt;
  }

  void extras(const Point& /*p*/, std::vector<double>& values) {
    double sum = 0.0, lo = kInfD, hi = 0.0;
    for (const auto& wk : workers_) {
      const auto b = static_cast<double>(wk.batch);
      sum += b;
      lo = std::min(lo, b);
      hi = std::max(hi, b);
    }
    values.push_back(sum * inv_p_);
    values.push_back(lo);
    values.push_back(hi);
    values.push_back(oracle_known_ ? std::min(static_cast<double>(bs_.b_max),
                                              std::ceil(exact_norm_proposal(
                                                  problem_, spec_.run.sampling, xbar_, bs_.eta, sg_, sgi_)))
                                   : kInfD);
    values.push_back(bytes_model_);
    values.push_back(bytes_test_);
    values.push_back(wallclock_);
    double rs = 0.0;
    int rn = 0;
    for (double r : ratio_)
      if (std::isfinite(r)) {
        rs += r;
        ++rn;
      }
    values.push_back(rn > 0 ? rs / rn : kInfD);
    for (std::size_t m = 0; m < kRecordedWorkers; ++m)
      values.push_back(m < workers_.size() ? static_cast<double>(workers_[m].batch) : kInfD);
  }

  std::span<const WorkerState> workers() const { return workers_; }

  /// Per-run scalars (run_scalars.csv): rounds, samples, model all-reduces and bytes at the end, and
  /// the final mean batch.
  void add_scalars(RunResult& r) const {
    double sum = 0.0;
    for (const auto& wk : workers_) sum += static_cast<double>(wk.batch);
    r.scalars.emplace_back("rounds_run", static_cast<double>(rounds_));
    r.scalars.emplace_back("samples_run", static_cast<double>(samples_));
    r.scalars.emplace_back("allreduces", static_cast<double>(allreduces_));
    r.scalars.emplace_back("bytes_model", bytes_model_);
    r.scalars.emplace_back("bytes_test", bytes_test_);
    r.scalars.emplace_back("final_batch_mean", sum * inv_p_);
    r.scalars.emplace_back("wallclock_run", wallclock_);
  }

 private:
  /// Global variant: the pooled statistics of every worker's test batch (the concatenation), one
  /// all-reduce of d + 2 doubles per worker (+2 for the inner-product / orthogonality spreads).
  void pool() {
    std::size_t k = 0;
    for (const auto& wk : workers_)
      if (wk.batch >= 2) blocks_[k++] = blocks_[static_cast<std::size_t>(wk.index)];
    if (k == 0) return;
    pooled_ = bounds::batch_stats(std::span<const bounds::GradBlock>(blocks_.data(), k), mean_);
    has_pooled_ = true;
    const double extra = bs_.test == bounds::BatchTestKind::kNorm ? 2.0 : 4.0;
    bytes_test_ += static_cast<double>(P_) * (static_cast<double>(problem_.dim()) + extra) * 8.0;
    if (oracle_known_) {
      const double exact =
          exact_norm_proposal(problem_, spec_.run.sampling, workers_[0].w, bs_.eta, sg_, sgi_);
      // Both are global batch sizes (the pooled proposal is split over the workers afterwards).
      for (auto& r : ratio_) r = bounds::proposal(bs_.test, pooled_, bs_.eta) / exact;
    }
  }

  void apply_tests() {
    if (bs_.variant == BatchVariant::kGlobal) {
      if (!has_pooled_) return;
      const double prop = bounds::proposal(bs_.test, pooled_, bs_.eta) / static_cast<double>(P_);
      const bool keep = bounds::zero_gradient(pooled_);
      for (auto& wk : workers_) wk.batch = bounds::next_batch(wk.batch, prop, bs_.b_max, keep);
      has_pooled_ = false;
    } else {
      for (auto& wk : workers_) {
        const auto m = static_cast<std::size_t>(wk.index);
        if (!has_stats_[m]) continue;
        wk.batch = bounds::test_next_batch(bs_.test, stats_[m], bs_.eta, wk.batch, bs_.b_max);
        has_stats_[m] = false;
      }
    }
    sync();
  }

  void sync() {
    if (bs_.sync == BatchSync::kNone) return;
    std::int64_t mx = 0;
    double sum = 0.0;
    for (const auto& wk : workers_) {
      mx = std::max(mx, wk.batch);
      sum += static_cast<double>(wk.batch);
    }
    const std::int64_t target =
        bs_.sync == BatchSync::kMax ? mx : static_cast<std::int64_t>(std::ceil(sum * inv_p_));
    for (auto& wk : workers_) wk.batch = std::max(wk.batch, std::min(target, bs_.b_max));
    bytes_test_ += static_cast<double>(P_) * 8.0;
  }

  void average_states() {
    switch (spec_.state) {
      case StateAtAverage::kKeep:
        rule_.after_average(workers_);
        break;
      case StateAtAverage::kAverage:
        for (std::size_t j = 0; j < state_sum_.size(); ++j) {
          state_sum_[j] = workers_[0].state[j];
          for (std::size_t m = 1; m < workers_.size(); ++m) state_sum_[j] += workers_[m].state[j];
          state_sum_[j] *= inv_p_;
          for (auto& wk : workers_) wk.state[j] = state_sum_[j];
        }
        break;
      case StateAtAverage::kReset:
        for (auto& wk : workers_) {
          for (auto& v : wk.state) v.setZero();
          wk.updates = 0;
        }
        break;
    }
  }

  const problems::Problem& problem_;
  const AdaptiveLocalSpec& spec_;
  const AdaptiveBatchSpec& bs_;
  const UpdateRule& rule_;
  std::int64_t P_;
  std::int64_t H_;
  double inv_p_;
  TargetTest target_;
  std::vector<WorkerState> workers_;
  std::vector<RowMat> grads_;
  std::vector<bounds::GradBlock> blocks_;
  std::vector<bounds::BatchStats> stats_;
  std::vector<bool> has_stats_;
  std::vector<double> ratio_;
  std::vector<Vec> state_sum_;
  bounds::BatchStats pooled_;
  bool has_pooled_ = false;
  Vec mean_, sg_, sgi_, xbar_, x0_;
  bool oracle_known_ = false;
  bool round_end_ = false;
  std::int64_t rounds_ = 0;
  std::int64_t allreduces_ = 0;  ///< model all-reduces (COMM: one per round)
  std::int64_t samples_ = 0;
  std::int64_t step_samples_ = 0;
  double bytes_model_ = 0.0;
  double bytes_test_ = 0.0;
  double wallclock_ = 0.0;  ///< modelled: Σ_k [comm_time + Σ_h max_m step_time·max(1, b/saturation)]
};

}  // namespace

RunResult AdaptiveLocalSgd::run_with(const problems::Problem& problem,
                                     const RunKey& key,
                                     const std::vector<std::int64_t>& record_iters,
                                     StepObserver* observer) const {
  AdaptiveEngine engine(problem, spec_, *rule_, key);
  LoopText text;
  text.diverged = "virtual average";
  text.unit = "local step";
  text.finished = fmt::format(
      "ran {} rounds of {} local steps on {} workers", spec_.rounds, spec_.local_steps, spec_.run.workers);
  RunResult r =
      run_step_loop(problem, spec_.run, record_iters, engine.x0(), extra_names(), engine, observer, text);
  engine.add_scalars(r);
  return r;
}

namespace {

AdaptiveLocalSpec resolve_adaptive(const Params& p, const problems::Problem& problem) {
  AdaptiveLocalSpec a;
  RunSpec& s = a.run;
  s.algorithm = Algorithm::kLocal;
  a.local_steps = p.get_int("local_steps");
  a.rounds = p.get_int("rounds");
  if (static_cast<double>(a.local_steps) * static_cast<double>(a.rounds) > 1e12)
    p.fail("rounds", "rounds·local_steps <= 1e12");
  s.iterations = a.local_steps * a.rounds;
  s.workers = p.get_int("workers");
  s.sampling = parse_choice(p,
                            "sampling",
                            {{"with_replacement", problems::Sampling::kWithReplacement},
                             {"without_replacement", problems::Sampling::kWithoutReplacement}},
                            problems::Sampling::kWithReplacement);
  a.sample_budget = p.get_real("sample_budget");
  auto& b = a.batch;
  b.test = parse_choice(p,
                        "batch.test",
                        {{"norm", bounds::BatchTestKind::kNorm},
                         {"inner_product", bounds::BatchTestKind::kInnerProduct},
                         {"orthogonality", bounds::BatchTestKind::kOrthogonality},
                         {"augmented", bounds::BatchTestKind::kAugmented}},
                        bounds::BatchTestKind::kNorm);
  b.variant = parse_choice(p,
                           "batch.variant",
                           {{"fixed", BatchVariant::kFixed},
                            {"local", BatchVariant::kLocal},
                            {"global", BatchVariant::kGlobal},
                            {"oracle_round", BatchVariant::kOracleRound},
                            {"oracle_step", BatchVariant::kOracleStep}},
                           BatchVariant::kLocal);
  b.eta = p.get_real("batch.eta");
  b.b0 = p.get_int("batch.b0");
  b.b_max = p.get_int("batch.b_max");
  b.test_step = parse_choice(
      p, "batch.test_step", {{"first", TestStep::kFirst}, {"last", TestStep::kLast}}, TestStep::kFirst);
  b.interval = parse_choice(p,
                            "batch.interval",
                            {{"round", TestInterval::kRound}, {"step", TestInterval::kStep}},
                            TestInterval::kRound);
  b.sync = parse_choice(p,
                        "batch.sync",
                        {{"none", BatchSync::kNone}, {"max", BatchSync::kMax}, {"mean", BatchSync::kMean}},
                        BatchSync::kNone);
  a.state = parse_choice(p,
                         "update.state_at_average",
                         {{"keep", StateAtAverage::kKeep},
                          {"average", StateAtAverage::kAverage},
                          {"reset", StateAtAverage::kReset}},
                         StateAtAverage::kKeep);
  if (b.variant == BatchVariant::kFixed) {
    if (b.b_max < b.b0) p.fail("batch.b_max", "b_max >= b0");
  } else {
    if (b.b0 < 2 && (b.variant == BatchVariant::kLocal || b.variant == BatchVariant::kGlobal))
      p.fail("batch.b0", "b0 >= 2 (the sample variance needs two gradients)");
    if (b.b_max < b.b0) p.fail("batch.b_max", fmt::format("b_max >= b0 = {}", b.b0));
  }
  const auto n = problem.n();
  if (n > 0 && s.sampling == problems::Sampling::kWithoutReplacement && b.b_max > n &&
      b.variant != BatchVariant::kFixed)
    p.fail("batch.b_max", fmt::format("b_max <= n = {} when sampling without replacement", n));
  if (n > 0 && s.sampling == problems::Sampling::kWithoutReplacement && b.b0 > n)
    p.fail("batch.b0", fmt::format("b0 <= n = {} when sampling without replacement", n));
  // Every worker keeps index / coefficient scratch for its largest batch, and the sample counter is
  // an int64 recorded exactly as a double: refuse what cannot fit before any run.
  const double cap =
      b.variant == BatchVariant::kFixed ? static_cast<double>(b.b0) : static_cast<double>(b.b_max);
  if (static_cast<double>(s.workers) * cap > 2e7)
    p.fail(b.variant == BatchVariant::kFixed ? "batch.b0" : "batch.b_max",
           "workers·(largest batch) <= 2e7 (every worker keeps scratch for its largest batch)");
  if (static_cast<double>(s.iterations) * static_cast<double>(s.workers) * cap > 9007199254740992.0)
    p.fail("rounds", "rounds·local_steps·workers·(largest batch) <= 2^53 (the sample count must stay exact)");
  const bool sample_test = b.variant == BatchVariant::kLocal || b.variant == BatchVariant::kGlobal;
  if (sample_test &&
      static_cast<double>(s.workers) * static_cast<double>(b.b_max) * static_cast<double>(problem.dim()) >
          kMaxGradDoubles)
    p.fail("batch.b_max",
           fmt::format("workers·b_max·d <= {:.0e} (the per-sample gradients of a test batch are kept)",
                       kMaxGradDoubles));
  if (b.variant == BatchVariant::kOracleRound || b.variant == BatchVariant::kOracleStep) {
    Vec g(problem.dim()), gi(problem.dim());
    if (std::isnan(exact_gradient_variance(problem, problem.initial_point(), g, gi)))
      p.fail("batch.variant",
             "fixed, local or global on a problem without an exact gradient covariance (oracle "
             "variants need random_design_ls, cosine_toy or a finite sum)");
  }
  s.batches.assign(static_cast<std::size_t>(s.workers), b.b0);
  s.theta_b = problems::batch_variance_factor(b.b0, n, s.sampling);
  s.divergence_factor = p.get_real("divergence_factor");
  s.target_metric = parse_choice(p,
                                 "target.metric",
                                 {{"none", TargetMetric::kNone},
                                  {"subopt", TargetMetric::kSubopt},
                                  {"dist2", TargetMetric::kDist2},
                                  {"grad2", TargetMetric::kGrad2}},
                                 TargetMetric::kNone);
  s.target_value = p.get_real("target.value");
  s.per_decade = p.get_int("record.per_decade");
  s.record_axis = parse_choice(p,
                               "record.axis",
                               {{"iterations", RecordAxis::kIter}, {"rounds", RecordAxis::kRounds}},
                               RecordAxis::kIter);
  s.update = resolve_update(p);
  s.running_metrics = p.get_bool("running_metrics");
  s.iterate = parse_choice(
      p, "iterate", {{"last", IterateKind::kLast}, {"average", IterateKind::kAverage}}, IterateKind::kLast);
  if (b.variant == BatchVariant::kOracleStep) s.exact_norm_test_eta = b.eta;
  s.batch_cap = b.b_max;
  a.comm_time = p.get_real("wallclock.comm");
  a.step_time = p.get_real("wallclock.step");
  a.saturation_batch = p.get_real("wallclock.saturation");
  // α: given, or the largest step of a derived bound at (L, η, P, H), times alpha_scale.
  const std::string rule = p.get_string("alpha_rule");
  double alpha = p.get_real("alpha");
  if (rule != "given") {
    const double L = problem.constants().L;
    if (!(L > 0) || !std::isfinite(L))
      p.fail("alpha_rule", "given (the problem has no known smoothness constant L)");
    alpha = rule == "alpha_max_convex" ? bounds::lau_alpha_max_convex(L, b.eta, s.workers, a.local_steps)
                                       : bounds::lau_alpha_max_nonconvex(L, b.eta, s.workers, a.local_steps);
    alpha *= p.get_real("alpha_scale");
  }
  s.step.rule = StepRule::kConstant;
  s.step.gamma = alpha;
  s.communication = CommunicationSchedule::periodic(a.local_steps, s.iterations);
  s.max_gap = a.local_steps;
  return a;
}

}  // namespace

RunnerKind AdaptiveLocalSgd::kind() {
  RunnerKind k;
  k.schema.name = "adaptive_local_sgd";
  k.schema.description =
      "local SGD / heavy ball / AdamW whose per-worker batch sizes grow by variance tests (Lau et al. 2024): "
      "P workers, H local steps per round, K rounds or a sample budget; one recorded iteration is one local "
      "step";
  for (auto& f : runner_common_fields()) {
    if (f.name == "iterations" || f.name == "iterate" || f.name == "tail_fraction" || f.name == "batch")
      continue;
    if (f.name == "record.axis") {
      f = choice_field(
          "record.axis",
          "iterations",
          {"iterations", "rounds"},
          "axis of the log-spaced recording grid: iterations (local steps) or rounds (samples are not "
          "known in advance with adaptive batches)");
    }
    k.schema.fields.push_back(std::move(f));
  }
  auto& F = k.schema.fields;
  F.push_back(choice_field("iterate",
                           "last",
                           {"last", "average"},
                           "reported point: last = virtual average x̄_t; average = (1/(t+1)) Σ_{s<=t} x̄_s"));
  F.push_back(int_field("workers", 4, 1, 1e4, "number of workers P"));
  F.push_back(int_field("local_steps", 4, 1, 1e6, "H: local steps per round"));
  F.push_back(int_field("rounds", 100, 1, 1e9, "K: rounds (model all-reduces) at most"));
  F.push_back(real_field(
      "sample_budget", 0.0, 0.0, 1e18, "stop at the first round end with samples >= this (0: no budget)"));
  F.push_back(real_field("alpha", 0.1, 0.0, kInf, "constant step size (alpha_rule: given)", true));
  F.push_back(
      choice_field("alpha_rule",
                   "given",
                   {"given", "alpha_max_nonconvex", "alpha_max_convex"},
                   "step size: `alpha`, or the largest step of the derived nonconvex / convex bound at "
                   "(L, batch.eta, P, H), times alpha_scale"));
  F.push_back(real_field("alpha_scale", 1.0, 0.0, kInf, "factor on the alpha_rule step", true));
  F.push_back(choice_field("batch.test",
                           "norm",
                           {"norm", "inner_product", "orthogonality", "augmented"},
                           "sample variance test of local / global"));
  F.push_back(
      choice_field("batch.variant",
                   "local",
                   {"fixed", "local", "global", "oracle_round", "oracle_step"},
                   "fixed b0; local (own batch); global (pooled statistics); oracle_round (exact norm test "
                   "at the average after each round); oracle_step (exact norm test before every step)"));
  F.push_back(real_field("batch.eta", 0.5, 0.0, kInf, "test parameter η (θ, ν of the other tests)", true));
  F.push_back(int_field("batch.b0", 8, 1, 1e9, "initial batch per worker (>= 2 for the sample tests)"));
  F.push_back(int_field("batch.b_max", 65536, 1, 1e9, "cap on every worker's batch"));
  F.push_back(choice_field("batch.test_step",
                           "first",
                           {"first", "last"},
                           "which local step of a round the test batch is (interval: round)"));
  F.push_back(
      choice_field("batch.interval",
                   "round",
                   {"round", "step"},
                   "round: test once per round, update b after the averaging; step: test and update every "
                   "local step"));
  F.push_back(choice_field("batch.sync",
                           "none",
                           {"none", "max", "mean"},
                           "after an update, set every worker's batch to the max / ceil(mean) over workers"));
  for (auto& f : update_fields()) {
    if (f.name == "update.beta2") f.default_value = Value{0.95};
    F.push_back(std::move(f));
  }
  F.push_back(real_field(
      "wallclock.comm", 50.0, 0.0, kInf, "modelled time of one model all-reduce (metric wallclock)"));
  F.push_back(real_field(
      "wallclock.step", 1.0, 0.0, kInf, "modelled time of one local step up to the saturation batch"));
  F.push_back(real_field("wallclock.saturation",
                         256.0,
                         1.0,
                         kInf,
                         "batch up to which a step takes wallclock.step; beyond it the time grows linearly"));
  F.push_back(
      choice_field("update.state_at_average",
                   "keep",
                   {"keep", "average", "reset"},
                   "optimizer buffers (momentum, moments) at each averaging: keep each worker's, average "
                   "them, or reset to zero (with AdamW's step count)"));
  k.validate = [](const Params& p, const problems::Problem& problem) {
    if (p.get_string("target.metric") != "none" && p.get_real("target.value") <= 0.0)
      p.fail("target.value", "target.value > 0 when target.metric is set");
    (void)resolve_adaptive(p, problem);
  };
  k.make = [](const Params& p, const problems::Problem& problem) -> std::unique_ptr<Runner> {
    return std::make_unique<AdaptiveLocalSgd>(resolve_adaptive(p, problem));
  };
  k.metrics = {"subopt", "dist2", "grad2", "test_loss", "step", "avg_subopt", "avg_grad2"};
  for (auto& n : extra_names()) k.metrics.push_back(n);
  return k;
}

}  // namespace sgdcheck::runners
