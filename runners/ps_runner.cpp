#include "runners/ps_runner.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.hpp"
#include "runners/minibatch_sgd.hpp"
#include "runners/iterate_averager.hpp"
#include "runners/recorder.hpp"

namespace sgdcheck::runners {

namespace {

constexpr std::size_t kMaxTimes = 10000000;

bounds::ComputeKind parse_kind(const std::string& kind, const std::string& where) {
  using K = bounds::ComputeKind;
  for (K k : {K::kExp, K::kShiftedExp, K::kPareto, K::kWeibull, K::kLogNormal, K::kList})
    if (bounds::to_string(k) == kind) return k;
  throw ConfigError(fmt::format("{}: kind = {}: expected exp, shifted_exp, pareto, weibull, lognormal or list", where,
                                kind.empty() ? "(missing)" : kind));
}

}  // namespace

std::vector<double> load_compute_times(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DataError(fmt::format("{}: cannot read the compute-time file", path));
  std::vector<double> out;
  std::string line;
  std::int64_t no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream ss(line);
    std::string tok;
    if (!(ss >> tok)) continue;
    std::string extra;
    if (ss >> extra) throw DataError(fmt::format("{}:{}: '{}' after the value: expected one compute time per line", path, no, extra));
    char* end = nullptr;
    const double v = std::strtod(tok.c_str(), &end);
    if (end != tok.c_str() + tok.size() || !std::isfinite(v) || v < 0.0)
      throw DataError(fmt::format("{}:{}: '{}': expected a finite compute time >= 0", path, no, tok));
    if (out.size() >= kMaxTimes) throw DataError(fmt::format("{}:{}: more than 1e7 compute times", path, no));
    out.push_back(v);
  }
  if (out.empty()) throw DataError(fmt::format("{}: no compute times", path));
  return out;
}

bounds::ComputeTime make_compute_time(const ComputeTimeFields& f, const std::string& where, const std::string& base_dir) {
  bounds::ComputeTime c;
  c.kind = parse_kind(f.kind, where);
  c.rate = f.rate;
  c.shift = f.shift;
  c.scale = f.scale;
  c.shape = f.shape;
  c.meanlog = f.meanlog;
  c.sdlog = f.sdlog;
  c.comm = f.comm;
  if (c.kind == bounds::ComputeKind::kList) {
    if (!f.file.empty() && !f.values.empty())
      throw ConfigError(fmt::format("{}: file = {}: expected either values or file, not both", where, f.file));
    if (!f.file.empty()) {
      std::filesystem::path p = f.file;
      if (p.is_relative() && !base_dir.empty()) p = std::filesystem::path(base_dir) / p;
      c.values = load_compute_times(p.string());
    } else {
      c.values = f.values;
    }
  }  // values / file are read only for kind = list (so a sweep over delay.kind may set them once)
  if (auto e = bounds::validate_compute_time(c)) throw ConfigError(fmt::format("{}: {}", where, *e));
  return c;
}

std::vector<double> vtime_grid(double horizon, std::int64_t per_decade, std::int64_t decades) {
  std::vector<double> g{0.0};
  const std::int64_t n = per_decade * decades;
  for (std::int64_t i = 0; i <= n; ++i) {
    const double v = horizon * std::pow(10.0, -static_cast<double>(n - i) / static_cast<double>(per_decade));
    if (v > g.back()) g.push_back(v);
  }
  g.back() = horizon;
  return g;
}

namespace {

/// Gradients of the straggler simulator: learner l's gradient is drawn at w_j when it starts (data
/// stream make_stream(seed, rep, kAlgorithm, l)); an update applies the mean of the collected
/// gradients in arrival order. Records on the vtime grid (state at time g: every update at a time
/// <= g applied) or at the recording iterations.
class GradientModel {
 public:
  GradientModel(const problems::Problem& problem, const RunSpec& spec, const RunKey& key,
                const std::vector<std::int64_t>& record_iters)
      : problem_(problem), spec_(spec), ps_(*spec.ps), vtime_(spec.record_axis == RecordAxis::kVtime),
        rec_(vtime_ ? Recorder(problem, RecordPlan{RecordAxis::kVtime, ps_.vtime_grid}, extra_names())
                    : Recorder(problem, record_iters, extra_names(), spec.record_axis)),
        target_(problem, spec.target_metric, spec.target_value) {
    const auto P = static_cast<std::size_t>(ps_.sim.workers);
    w_ = problem.initial_point();
    x0_ = w_;
    sum_ = Vec::Zero(problem.dim());
    grads_.assign(P, Vec::Zero(problem.dim()));
    if (ps_.adaptive_c > 0) read_.assign(P, w_);
    for (std::size_t l = 0; l < P; ++l) {
      rngs_.push_back(make_stream(key.seed, key.rep, StreamPurpose::kAlgorithm, l));
      ws_.push_back(problem.make_workspace(spec.batch()));
    }
    stale_sum_ = 0;
    k_ = ps_.sim.k;
    rec_.set_divergence(x0_, spec.divergence_factor);
    if (ps_.adasync.enabled) {
      f0_ = objective(w_);
      next_eval_ = ps_.adasync.t0;
    }
    values_.reserve(8);
  }

  static std::vector<std::string> extra_names() { return {"step", "k", "staleness_mean", "staleness_max", "iter_time"}; }

  void start(int l) {
    const auto i = static_cast<std::size_t>(l);
    problem_.stochastic_gradient(w_, spec_.batch(), spec_.sampling, rngs_[i], ws_[i], grads_[i]);
    if (!read_.empty()) read_[i] = w_;
  }
  void collect(int l, std::int64_t staleness) {
    const auto i = static_cast<std::size_t>(l);
    stale_sum_ += staleness;
    ++stale_n_;
    stale_max_ = std::max(stale_max_, staleness);
    sum_ += grads_[i];
    if (!read_.empty()) {
      // Staleness-adaptive step: the largest ‖w_j − w_τ‖² of the update's gradients.
      const double d2 = (w_ - read_[i]).squaredNorm();
      drift_ = std::max(drift_, d2);
    }
  }
  /// Called by the simulator before update j is applied at time `now`; `stats` is read for the
  /// staleness extras.
  bool update(double now, int count) {
    if (vtime_) record_vtime_before(now);
    double eta = spec_.step.at(j_ + 1);
    if (!read_.empty() && drift_ > 0) eta = std::min(ps_.adaptive_c / drift_, eta);
    drift_ = 0;
    eta_ = eta;
    w_ -= (eta / static_cast<double>(count)) * sum_;
    sum_.setZero();
    ++j_;
    samples_ += static_cast<std::int64_t>(count) * spec_.batch();
    now_ = now;
    if (j_ == ps_.sim.burn_in) burn_time_ = now;
    if (ps_.adasync.enabled && now >= next_eval_) {
      while (next_eval_ <= now) next_eval_ += ps_.adasync.t0;
      adapt_k();
    }
    const bool due = !vtime_ && rec_.due(j_);
    if ((due || (j_ & 63) == 0) && rec_.diverged(w_)) {
      diverged_ = true;
      if (due) record(point_at(now));
      return false;
    }
    if (due) {
      record(point_at(now));
      if (target_.reached(problem_, w_)) {
        converged_ = true;
        return false;
      }
    }
    return true;
  }
  std::int64_t k(double, std::int64_t) const { return k_; }

  /// Records x0 at t = 0 (both axes).
  void record_start() {
    Point p;
    record(p);
    if (vtime_) next_grid_ = 1;
  }
  RunResult finish(bool horizon_reached) {
    if (diverged_)
      return rec_.finish(Termination::kDiverged, fmt::format("iterate diverged at update {}", j_), j_, point_at(now_));
    if (converged_)
      return rec_.finish(Termination::kConverged,
                         fmt::format("{} <= {} at update {}", to_string(spec_.target_metric), spec_.target_value, j_), j_,
                         point_at(now_));
    if (vtime_ && horizon_reached) {
      // No update happens between the last one and the horizon: the remaining grid points hold w.
      while (next_grid_ < ps_.vtime_grid.size()) {
        Point p = point_at(now_);
        p.vtime = ps_.vtime_grid[next_grid_++];
        record(p);
      }
    }
    return rec_.finish(Termination::kMaxIterations,
                       horizon_reached ? fmt::format("virtual time horizon {} reached after {} updates", ps_.sim.horizon, j_)
                                       : fmt::format("{} updates", j_),
                       j_, point_at(now_));
  }
  std::int64_t final_k() const { return k_; }
  std::int64_t updates() const { return j_; }
  double now() const { return now_; }

 private:
  double objective(const Vec& w) const {
    double f = problem_.value(w);
    if (ps_.adasync.use_suboptimality) f -= problem_.constants().f_star;
    return f;
  }
  void adapt_k() {
    const double f = objective(w_);
    double r = f > 0 ? ps_.adasync.k0 * std::sqrt(f0_ / f) : INFINITY;
    if (!std::isfinite(r)) r = static_cast<double>(ps_.sim.workers);
    const double rounded = ps_.adasync.rounding == AdaSyncRounding::kCeil ? std::ceil(r) : std::round(r);
    std::int64_t k = static_cast<std::int64_t>(std::min(static_cast<double>(ps_.sim.workers), std::max(1.0, rounded)));
    if (ps_.adasync.monotone) k = std::max(k, k_);
    k_ = k;
  }
  Point point_at(double now) const {
    Point p;
    p.iter = j_;
    p.samples = samples_;
    p.rounds = j_;
    p.vtime = now;
    return p;
  }
  void record_vtime_before(double now) {
    while (next_grid_ < ps_.vtime_grid.size() && ps_.vtime_grid[next_grid_] < now) {
      Point p = point_at(now);
      p.vtime = ps_.vtime_grid[next_grid_++];
      record(p);
    }
  }
  void record(const Point& p) {
    values_.clear();
    values_.push_back(eta_ > 0 ? eta_ : spec_.step.at(1));
    values_.push_back(static_cast<double>(k_));
    values_.push_back(stale_n_ > 0 ? static_cast<double>(stale_sum_) / static_cast<double>(stale_n_) : 0.0);
    values_.push_back(static_cast<double>(stale_max_));
    // Mean time per update so far (after the burn-in once it is over).
    const std::int64_t after = j_ - ps_.sim.burn_in;
    values_.push_back(after > 0 ? (now_ - burn_time_) / static_cast<double>(after) : (j_ > 0 ? now_ / static_cast<double>(j_) : 0.0));
    rec_.record(p, w_, values_);
  }

  const problems::Problem& problem_;
  const RunSpec& spec_;
  const PsRunSpec& ps_;
  bool vtime_;
  Recorder rec_;
  TargetTest target_;
  Vec w_, x0_, sum_;
  std::vector<Vec> grads_, read_;
  std::vector<Rng> rngs_;
  std::vector<problems::Workspace> ws_;
  std::vector<double> values_;
  std::size_t next_grid_ = 0;
  std::int64_t j_ = 0, samples_ = 0, k_ = 1;
  std::int64_t stale_sum_ = 0, stale_n_ = 0, stale_max_ = 0;
  double burn_time_ = 0;
  double now_ = 0, eta_ = 0, drift_ = 0, f0_ = 0, next_eval_ = INFINITY;
  bool diverged_ = false, converged_ = false;
};

}  // namespace

PsSgd::PsSgd(RunSpec spec) : spec_(std::move(spec)) {
  if (!spec_.ps) throw std::logic_error("PsSgd: no straggler spec");
}

std::vector<std::pair<std::string, double>> PsSgd::derived_constants() const {
  const auto& s = spec_.ps->sim;
  const auto f = bounds::expected_iteration_time(s.variant, s.compute, s.k, s.workers);
  std::vector<std::pair<std::string, double>> out{{"gamma", spec_.step.at(1)},
                                                  {"batch", static_cast<double>(spec_.batch())},
                                                  {"P", static_cast<double>(s.workers)},
                                                  {"K", static_cast<double>(s.k)},
                                                  {"mean_compute_time", s.compute.mean()},
                                                  {"expected_order_statistic", bounds::expected_order_statistic(s.compute, s.k, s.workers)},
                                                  {"expected_staleness", bounds::expected_staleness(s.variant, s.k, s.workers)}};
  if (std::isfinite(spec_.ps->gradient_noise)) out.emplace_back("gradient_noise", spec_.ps->gradient_noise);
  if (f.value) {
    out.emplace_back("expected_iter_time", *f.value);
    out.emplace_back("expected_iter_time_exact", f.guarantee == bounds::Guarantee::kExact ? 1.0 : 0.0);
  }
  return out;
}

RunResult PsSgd::run_with(const problems::Problem& problem,
                          const RunKey& key,
                          const std::vector<std::int64_t>& record_iters,
                          StepObserver* /*observer*/) const {
  PsSimulator sim(spec_.ps->sim);
  GradientModel model(problem, spec_, key, record_iters);
  model.record_start();
  const PsStats st = sim.run(key.seed, key.rep, model);
  RunResult r = model.finish(st.horizon_reached);
  r.scalars = {{"max_staleness", static_cast<double>(st.max_staleness)},
               {"mean_staleness", st.mean_staleness_all},
               {"mean_iter_time", st.updates > 0 ? st.vtime_end / static_cast<double>(st.updates) : 0.0},
               {"burnt_mean_iter_time", st.mean_time},
               {"burnt_mean_staleness", st.mean_staleness},
               {"iter_time_se", st.time_se},
               {"updates", static_cast<double>(st.updates)},
               {"vtime_end", st.vtime_end},
               {"event_hash", st.hash_scalar()},
               {"batch_sync_violations", static_cast<double>(st.batch_sync_violations)},
               {"async_duplicates", static_cast<double>(st.async_duplicates)},
               {"final_k", static_cast<double>(model.final_k())}};
  return r;
}

namespace {

std::vector<Field> ps_fields() {
  return {
      choice_field("variant", "k_sync", {"k_sync", "k_batch_sync", "k_async", "k_batch_async"},
                   "PS variant: k_sync (first K of P fresh gradients, stragglers cancelled), k_batch_sync (first K "
                   "batches at the same w), k_async (first K arrivals, possibly stale; the others keep running), "
                   "k_batch_async (update after every K arrivals, each learner restarts at once)"),
      int_field("workers", 8, 1, 100000, "number of learners P"),
      int_field("k", 1, 1, 100000, "K: gradients (or batches) per update, 1 <= K <= P (the initial K under AdaSync)"),
      choice_field("delay.kind", "exp", {"exp", "shifted_exp", "pareto", "weibull", "lognormal", "list"},
                   "compute-time distribution of one gradient (i.i.d. over learners and draws)"),
      real_field("delay.rate", 1.0, 0.0, kInf, "exp / shifted_exp: rate mu", true),
      real_field("delay.shift", 0.0, 0.0, kInf, "shifted_exp: deterministic part Delta"),
      real_field("delay.scale", 1.0, 0.0, kInf, "pareto: x_m; weibull: scale", true),
      real_field("delay.shape", 1.0, 0.0, kInf, "pareto: alpha (> 1: finite mean); weibull: k", true),
      real_field("delay.meanlog", 0.0, -300, 300, "lognormal: mean of log X"),
      real_field("delay.sdlog", 1.0, 0.0, 10, "lognormal: sd of log X", true),
      list_field("delay.values", std::vector<double>{}, "list: compute times drawn uniformly (ties possible)"),
      string_field("delay.file", "", "list: file of measured compute times, one per line (# comments), relative to "
                   "the experiment file"),
      real_field("delay.comm", 0.0, 0.0, kInf, "constant communication cost added to every compute time"),
      real_field("horizon", kInf, 0.0, kInf, "virtual time at which a run stops (required for record.axis vtime)", true),
      int_field("record.vtime_decades", 3, 1, 12, "record.axis vtime: decades of the log-spaced grid below the horizon"),
      int_field("burn_in", 0, 0, 1e12, "updates excluded from burnt_mean_iter_time and burnt_mean_staleness"),
      bool_field("adasync.enabled", false, "AdaSync: every adasync.T0 of virtual time set K = min(P, round(K0 sqrt(F(w0)/F(w_t))))"),
      real_field("adasync.K0", 1.0, 0.0, kInf, "AdaSync K0", true),
      real_field("adasync.T0", 60.0, 0.0, kInf, "AdaSync period T0 (virtual time)", true),
      choice_field("adasync.rounding", "ceil", {"ceil", "round"}, "AdaSync rounding of K0 sqrt(F0/F)"),
      bool_field("adasync.use_suboptimality", false, "AdaSync on F - F* instead of F (for F* > 0)"),
      bool_field("adasync.monotone", false, "AdaSync never lowers K"),
      real_field("step.staleness_c", 0.0, 0.0, kInf,
                 "staleness-adaptive step eta_j = min(C/||w_j - w_tau||^2, gamma) with C = this value (0: off)"),
  };
}

RunSpec resolve_ps(const Params& p, const problems::Problem& problem) {
  RunSpec s = resolve_run_spec(Algorithm::kMinibatch, p, problem);
  s.algorithm = Algorithm::kStraggler;
  auto ps = std::make_shared<PsRunSpec>();
  auto& sim = ps->sim;
  sim.variant = *bounds::parse_ps_variant(p.get_string("variant"));
  sim.workers = p.get_int("workers");
  sim.k = p.get_int("k");
  if (sim.k > sim.workers) p.fail("k", fmt::format("1 <= k <= workers = {}", sim.workers));
  if (static_cast<double>(sim.workers) * static_cast<double>(problem.dim()) > 5e7)
    p.fail("workers", "workers·d <= 5e7 (every learner keeps its gradient)");
  ComputeTimeFields f;
  f.kind = p.get_string("delay.kind");
  f.rate = p.get_real("delay.rate");
  f.shift = p.get_real("delay.shift");
  f.scale = p.get_real("delay.scale");
  f.shape = p.get_real("delay.shape");
  f.meanlog = p.get_real("delay.meanlog");
  f.sdlog = p.get_real("delay.sdlog");
  f.comm = p.get_real("delay.comm");
  f.values = p.get_list("delay.values");
  f.file = p.get_string("delay.file");
  std::string base;
  if (!f.file.empty()) {
    const auto& origin = p.where("delay.file").file;
    if (!origin.empty()) base = std::filesystem::path(origin).parent_path().string();
  }
  try {
    sim.compute = make_compute_time(f, "delay", base);
  } catch (const DataError&) {
    throw;
  } catch (const ConfigError& e) {
    p.fail("delay.kind", std::string("a valid compute-time distribution (") + e.what() + ")");
  }
  sim.iterations = s.iterations;
  sim.horizon = p.get_real("horizon");
  sim.burn_in = p.get_int("burn_in");
  if (sim.burn_in >= sim.iterations) p.fail("burn_in", "burn_in < iterations");
  sim.batches = 50;
  auto& a = ps->adasync;
  a.enabled = p.get_bool("adasync.enabled");
  a.k0 = p.get_real("adasync.K0");
  a.t0 = p.get_real("adasync.T0");
  a.rounding = p.get_string("adasync.rounding") == "round" ? AdaSyncRounding::kRound : AdaSyncRounding::kCeil;
  a.use_suboptimality = p.get_bool("adasync.use_suboptimality");
  a.monotone = p.get_bool("adasync.monotone");
  if (a.use_suboptimality && std::isnan(problem.constants().f_star))
    p.fail("adasync.use_suboptimality", "a problem with a known f* when adasync.use_suboptimality is true");
  ps->adaptive_c = p.get_real("step.staleness_c");
  if (s.record_axis == RecordAxis::kVtime) {
    if (!std::isfinite(sim.horizon)) p.fail("horizon", "a finite horizon when record.axis = vtime");
    ps->vtime_grid = vtime_grid(sim.horizon, s.per_decade, p.get_int("record.vtime_decades"));
  } else if (s.record_axis != RecordAxis::kIter) {
    p.fail("record.axis", "iterations or vtime for ps_sgd");
  }
  ps->gradient_noise = problem.constants().grad_variance_max / static_cast<double>(s.batch());
  s.workers = sim.workers;
  s.ps = std::move(ps);
  return s;
}

}  // namespace

RunnerKind PsSgd::kind() {
  RunnerKind k;
  k.schema.name = "ps_sgd";
  k.schema.description =
      "parameter-server SGD with P straggling learners in virtual time (Dutta et al. 2018): K-sync, "
      "K-batch-sync, K-async, K-batch-async, optional AdaSync; records k and staleness; per-run scalars "
      "max_staleness, mean_staleness, mean_iter_time, event_hash";
  k.schema.fields = runner_common_fields();
  for (auto& f : step_fields()) k.schema.fields.push_back(std::move(f));
  for (auto& f : ps_fields()) k.schema.fields.push_back(std::move(f));
  k.validate = [](const Params& p, const problems::Problem& problem) {
    validate_common(p, problem);
    (void)resolve_ps(p, problem);
  };
  k.make = [](const Params& p, const problems::Problem& problem) -> std::unique_ptr<Runner> {
    return std::make_unique<PsSgd>(resolve_ps(p, problem));
  };
  k.metrics = {"subopt", "dist2", "grad2", "test_loss", "step", "k", "staleness_mean", "staleness_max", "iter_time"};
  return k;
}

}  // namespace sgdcheck::runners
