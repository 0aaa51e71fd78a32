#include "runners/run_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "runners/delay_source.hpp"
#include "runners/delayed_sgd.hpp"

namespace sgdcheck::runners {

std::string to_string(IterateKind k) {
  switch (k) {
    case IterateKind::kLast: return "last";
    case IterateKind::kAverage: return "average";
    case IterateKind::kTailAverage: return "tail_average";
    case IterateKind::kPolyakRuppert: return "pr";
  }
  return "?";
}

std::string to_string(TargetMetric m) {
  switch (m) {
    case TargetMetric::kNone: return "none";
    case TargetMetric::kSubopt: return "subopt";
    case TargetMetric::kDist2: return "dist2";
    case TargetMetric::kGrad2: return "grad2";
  }
  return "?";
}

std::string to_string(Algorithm a) {
  switch (a) {
    case Algorithm::kMinibatch: return "minibatch_sgd";
    case Algorithm::kDelayed: return "delayed_sgd";
    case Algorithm::kLocal: return "local_sgd";
    case Algorithm::kStraggler: return "ps_sgd";
  }
  return "?";
}

bool RunSpec::equal_batches() const {
  return std::all_of(batches.begin(), batches.end(), [&](std::int64_t b) { return b == batches.front(); });
}

std::int64_t RunSpec::total_batch() const {
  std::int64_t s = 0;
  for (auto b : batches) s += b;
  return s;
}

std::int64_t max_gap_of(const std::vector<std::int64_t>& steps, std::int64_t local_steps) {
  std::int64_t prev = 0, gap = 0;
  for (auto t : steps) {
    gap = std::max(gap, t - prev);
    prev = t;
  }
  return std::max(gap, local_steps - prev);
}

Point scheduled_point(const RunSpec& spec, std::int64_t t) {
  Point p;
  p.iter = t;
  if (__builtin_mul_overflow(t, spec.total_batch(), &p.samples)) p.samples = INT64_MAX;  // horizons past 9e18 samples
  if (spec.communication) {
    const auto& S = spec.communication->steps();
    p.rounds = static_cast<std::int64_t>(std::upper_bound(S.begin(), S.end(), t) - S.begin());
  } else {
    p.rounds = t;
  }
  p.vtime = static_cast<double>(t);
  return p;
}

std::int64_t axis_range(const RunSpec& spec, RecordAxis axis) {
  switch (axis) {
    case RecordAxis::kSamples: return spec.iterations * spec.total_batch();
    case RecordAxis::kRounds: return spec.communication ? spec.communication->rounds() : spec.iterations;
    case RecordAxis::kIter:
    case RecordAxis::kVtime: break;
  }
  return spec.iterations;
}

std::vector<std::int64_t> record_iterations(const RunSpec& spec) {
  const int per_decade = static_cast<int>(spec.per_decade);
  const std::vector<std::int64_t> grid = log_spaced_iterations(axis_range(spec, spec.record_axis), per_decade);
  if (spec.record_axis == RecordAxis::kIter || spec.record_axis == RecordAxis::kVtime ||
      (spec.record_axis == RecordAxis::kRounds && !spec.communication))
    return grid;
  std::vector<std::int64_t> out;
  out.reserve(grid.size());
  for (const std::int64_t g : grid) {
    std::int64_t t = 0;
    if (g > 0) {
      if (spec.record_axis == RecordAxis::kSamples) {
        const std::int64_t B = spec.total_batch();
        t = (g + B - 1) / B;  // the first t with t·B >= g
      } else {
        t = spec.communication->steps()[static_cast<std::size_t>(g - 1)];  // the g-th round
      }
    }
    if (out.empty() || t > out.back()) out.push_back(t);
  }
  return out;
}

namespace {

/// Doubles a run may keep per cell (2e8 doubles = 1.6 GB): larger rings or worker sets are a config error.
constexpr double kMaxStoredDoubles = 2e8;

/// Per-worker batches: `worker_batches` when given (one integer >= 1 per worker), else P × batch.
std::vector<std::int64_t> resolve_batches(const Params& p, std::int64_t workers, const problems::Problem& problem,
                                          problems::Sampling sampling) {
  const std::int64_t b = p.get_int("batch");
  std::vector<std::int64_t> out(static_cast<std::size_t>(workers), b);
  if (!p.has("worker_batches") || p.get_list("worker_batches").empty()) return out;
  const auto& list = p.get_list("worker_batches");
  if (static_cast<std::int64_t>(list.size()) != workers)
    p.fail("worker_batches", fmt::format("one batch size per worker ({} entries for workers = {})", list.size(), workers));
  if (p.is_explicit("batch"))
    p.fail("batch", "batch unset when worker_batches is given (worker_batches sets every worker's batch)");
  for (std::size_t k = 0; k < list.size(); ++k) {
    const double v = list[k];
    if (!(v >= 1.0) || v > 1e9 || std::floor(v) != v)
      p.fail("worker_batches", fmt::format("integer entries in [1, 1e9] (entry {} is {})", k, v));
    out[k] = static_cast<std::int64_t>(v);
    const auto n = problem.n();
    if (sampling == problems::Sampling::kWithoutReplacement && n > 0 && out[k] > n)
      p.fail("worker_batches", fmt::format("entries <= n = {} when sampling without replacement", n));
  }
  return out;
}

DelaySpec resolve_delay(const Params& p) {
  DelaySpec d;
  d.source = make_delay_source(p);
  d.kind = parse_choice(p,
                        "delay.kind",
                        {{"fixed", DelayKind::kFixed}, {"uniform", DelayKind::kUniform}, {"file", DelayKind::kFile}},
                        DelayKind::kFixed);
  d.max_delay = d.source->max_delay();
  d.fixed = d.source->is_fixed();
  d.text = d.source->describe();
  return d;
}

}  // namespace

UpdateRuleSpec resolve_update(const Params& p) {
  UpdateRuleSpec u;
  u.kind = parse_choice(p,
                        "update.rule",
                        {{"sgd", UpdateRuleKind::kSgd}, {"heavy_ball", UpdateRuleKind::kHeavyBall},
                         {"adamw", UpdateRuleKind::kAdamW}},
                        UpdateRuleKind::kSgd);
  if (p.has("update.momentum")) u.momentum = p.get_real("update.momentum");
  if (p.has("update.beta1")) u.beta1 = p.get_real("update.beta1");
  if (p.has("update.beta2")) u.beta2 = p.get_real("update.beta2");
  if (p.has("update.eps")) u.eps = p.get_real("update.eps");
  if (p.has("update.weight_decay")) u.weight_decay = p.get_real("update.weight_decay");
  return u;
}

RunSpec resolve_run_spec(Algorithm algorithm, const Params& p, const problems::Problem& problem) {
  RunSpec s;
  s.algorithm = algorithm;
  const bool local = algorithm == Algorithm::kLocal;
  s.iterations = local ? p.get_int("local_steps") : p.get_int("iterations");
  s.workers = local ? p.get_int("workers") : 1;
  s.sampling = parse_choice(p,
                            "sampling",
                            {{"with_replacement", problems::Sampling::kWithReplacement},
                             {"without_replacement", problems::Sampling::kWithoutReplacement}},
                            problems::Sampling::kWithReplacement);
  // Every worker keeps a few vectors of dimension d: refuse what cannot fit in memory before any run.
  if (static_cast<double>(s.workers) * static_cast<double>(problem.dim()) > kMaxStoredDoubles / 4.0)
    p.fail("workers", fmt::format("workers·d <= {:.0e} (every worker keeps its iterate and buffers: they must fit in memory)",
                                  kMaxStoredDoubles / 4.0));
  s.batches = resolve_batches(p, s.workers, problem, s.sampling);
  s.theta_b = problems::batch_variance_factor(s.batch(), problem.n(), s.sampling);
  s.iterate = parse_choice(p,
                           "iterate",
                           {{"last", IterateKind::kLast}, {"average", IterateKind::kAverage},
                            {"tail_average", IterateKind::kTailAverage}, {"pr", IterateKind::kPolyakRuppert}},
                           IterateKind::kLast);
  if (p.has("tail_fraction")) s.tail_fraction = p.get_real("tail_fraction");
  if (p.has("pr_include_w0")) s.pr_include_w0 = p.get_bool("pr_include_w0");
  s.divergence_factor = p.get_real("divergence_factor");
  s.target_metric = parse_choice(p,
                                 "target.metric",
                                 {{"none", TargetMetric::kNone}, {"subopt", TargetMetric::kSubopt},
                                  {"dist2", TargetMetric::kDist2}, {"grad2", TargetMetric::kGrad2}},
                                 TargetMetric::kNone);
  s.target_value = p.get_real("target.value");
  s.per_decade = p.get_int("record.per_decade");
  s.record_axis = parse_choice(p,
                               "record.axis",
                               {{"iterations", RecordAxis::kIter}, {"samples", RecordAxis::kSamples},
                                {"rounds", RecordAxis::kRounds}, {"vtime", RecordAxis::kVtime}},
                               RecordAxis::kIter);
  s.running_metrics = p.has("running_metrics") && p.get_bool("running_metrics");
  s.update = resolve_update(p);
  if (algorithm == Algorithm::kDelayed) {
    s.delay = resolve_delay(p);
    // The delayed runner keeps τ_max + 1 iterates of dimension d: refuse what cannot fit in memory
    // before any run (a config error, not an allocation failure mid-run).
    const double ring = (static_cast<double>(s.delay.max_delay) + 1.0) * static_cast<double>(problem.dim());
    if (ring > kMaxStoredDoubles)
      p.fail(s.delay.kind == DelayKind::kFile ? "delay.file" : "delay.tau",
             fmt::format("(max delay + 1)·d <= {:.0e} (the ring of stale iterates must fit in memory; here {:.3g})",
                         kMaxStoredDoubles, ring));
  }
  s.step = make_step_schedule(p, problem, s.batch(), s.sampling, s.delay.max_delay);
  if (local) {
    s.communication = make_communication_schedule(p, s.iterations);
    s.max_gap = max_gap_of(s.communication->steps(), s.iterations);
    if (s.record_axis == RecordAxis::kRounds && s.communication->rounds() == 0)
      p.fail("record.axis", "a communication set with at least one round when record.axis = rounds");
  }
  // Sample counts are int64 and recorded exactly as doubles: T·Σb must stay below 2^53.
  if (s.record_axis == RecordAxis::kSamples &&
      static_cast<double>(s.iterations) * static_cast<double>(s.total_batch()) > 9007199254740992.0)
    p.fail("record.axis", "iterations·(total batch) <= 2^53 when record.axis = samples");
  return s;
}

}  // namespace sgdcheck::runners
