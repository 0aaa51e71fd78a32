#include "runners/minibatch_sgd.hpp"

#include <fmt/format.h>

#include <cmath>

#include "runners/sgd_loop.hpp"

namespace sgdcheck::runners {

std::vector<Field> runner_common_fields() {
  return {
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
      int_field("record.per_decade", 10, 1, 1000, "recorded points per factor 10 of iterations (log-spaced)"),
      bool_field("running_metrics",
                 false,
                 "also record avg_subopt and avg_grad2, the running means of f(x_s) - f* and ||grad f(x_s)||^2 "
                 "over s = 0..t (what convex / nonconvex rates bound; costs one full gradient per step)"),
  };
}

CommonRunOptions CommonRunOptions::from(const Params& p) {
  CommonRunOptions o;
  o.iterations = p.get_int("iterations");
  o.batch = p.get_int("batch");
  o.sampling = p.get_string("sampling") == "with_replacement" ? problems::Sampling::kWithReplacement
                                                               : problems::Sampling::kWithoutReplacement;
  const auto& it = p.get_string("iterate");
  o.iterate = it == "last" ? IterateKind::kLast : it == "average" ? IterateKind::kAverage : IterateKind::kTailAverage;
  o.tail_fraction = p.get_real("tail_fraction");
  o.divergence_factor = p.get_real("divergence_factor");
  o.target_metric = p.get_string("target.metric");
  o.target_value = p.get_real("target.value");
  o.per_decade = p.get_int("record.per_decade");
  o.running_metrics = p.get_bool("running_metrics");
  return o;
}

void validate_common(const Params& p, const problems::Problem& problem) {
  const auto n = problem.n();
  if (p.get_string("sampling") == "without_replacement" && n > 0 && p.get_int("batch") > n)
    p.fail("batch", fmt::format("batch <= n = {} when sampling without replacement", n));
  if (p.get_string("target.metric") != "none" && p.get_real("target.value") <= 0.0)
    p.fail("target.value", "target.value > 0 when target.metric is set");
}

MinibatchSgd::MinibatchSgd(CommonRunOptions options, StepSchedule step, double theta_b)
    : options_(std::move(options)), step_(step), theta_b_(theta_b) {}

std::vector<std::pair<std::string, double>> MinibatchSgd::derived_constants() const {
  return {{"gamma", step_.at(1)}, {"theta_b", theta_b_}, {"batch", static_cast<double>(options_.batch)}};
}

RunResult MinibatchSgd::run(const problems::Problem& problem,
                            const RunKey& key,
                            const std::vector<std::int64_t>& record_iters) const {
  Rng rng = make_stream(key.seed, key.rep, StreamPurpose::kAlgorithm, 0);
  problems::Workspace ws = problem.make_workspace(options_.batch);
  Vec x = problem.initial_point();
  return run_sgd_loop(
      problem,
      options_,
      step_,
      record_iters,
      x,
      {},
      [&](std::int64_t, double gamma) -> const Vec& {
        problem.draw_step(x, options_.batch, options_.sampling, rng, ws);
        problem.apply_step(gamma, ws, x);
        return x;
      },
      [](const Point&, std::vector<double>&) {});
}

RunnerKind MinibatchSgd::kind() {
  RunnerKind k;
  k.schema.name = "minibatch_sgd";
  k.schema.description = "mini-batch SGD x <- x - γ_t·(mean gradient over b samples)";
  k.schema.fields = runner_common_fields();
  for (auto& f : step_fields()) k.schema.fields.push_back(std::move(f));
  k.validate = [](const Params& p, const problems::Problem& problem) { validate_common(p, problem); };
  k.make = [](const Params& p, const problems::Problem& problem) -> std::unique_ptr<Runner> {
    auto o = CommonRunOptions::from(p);
    return std::make_unique<MinibatchSgd>(o,
                                          make_step_schedule(p, problem, o.batch, o.sampling, 0),
                                          problems::batch_variance_factor(o.batch, problem.n(), o.sampling));
  };
  k.metrics = {"subopt", "dist2", "grad2", "test_loss", "step", "avg_subopt", "avg_grad2"};
  return k;
}

}  // namespace sgdcheck::runners
