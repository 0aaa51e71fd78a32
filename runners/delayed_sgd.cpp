#include "runners/delayed_sgd.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "runners/sgd_loop.hpp"

namespace sgdcheck::runners {

namespace {

std::vector<Field> delay_fields() {
  return {
      choice_field("delay.kind",
                   "fixed",
                   {"fixed", "uniform", "file"},
                   "delay model: fixed τ_t = tau; uniform τ_t i.i.d. on {0..tau} (own random stream); file: "
                   "delays read from delay.file, repeated when the run is longer"),
      int_field("delay.tau", 0, 0, 1e5,
                "maximum delay τ (fixed and uniform; a file defines its own maximum; τ + 1 iterates are kept)"),
      string_field("delay.file",
                   "",
                   "delay.kind file: text file with one integer delay >= 0 per line (# comments), relative to "
                   "the experiment file"),
  };
}

}  // namespace

std::shared_ptr<const DelaySource> make_delay_source(const Params& p) {
  const std::string& kind = p.get_string("delay.kind");
  const std::string& file = p.get_string("delay.file");
  if (kind == "file") {
    if (file.empty()) p.fail("delay.file", "delay.file set when delay.kind = file");
    if (p.is_explicit("delay.tau")) p.fail("delay.tau", "delay.tau unset when delay.kind = file (the file defines the delays)");
    std::filesystem::path path = file;
    const auto& origin = p.where("delay.file").file;
    if (path.is_relative() && !origin.empty()) path = std::filesystem::path(origin).parent_path() / path;
    return std::make_shared<DelaySequence>(DelaySequence::load(path));
  }
  if (!file.empty()) p.fail("delay.file", "delay.file unset unless delay.kind = file");
  const std::int64_t tau = p.get_int("delay.tau");
  if (tau < 0) p.fail("delay.tau", "tau >= 0");
  if (kind == "uniform") return std::make_shared<UniformDelay>(tau);
  return std::make_shared<FixedDelay>(tau);
}

DelayedSgd::DelayedSgd(CommonRunOptions options,
                       StepSchedule step,
                       double theta_b,
                       std::shared_ptr<const DelaySource> delays)
    : options_(std::move(options)), step_(step), theta_b_(theta_b), delays_(std::move(delays)) {
  if (!delays_) throw std::logic_error("DelayedSgd: no delay source");
}

std::vector<std::pair<std::string, double>> DelayedSgd::derived_constants() const {
  return {{"gamma", step_.at(1)},
          {"theta_b", theta_b_},
          {"batch", static_cast<double>(options_.batch)},
          {"tau", static_cast<double>(delays_->max_delay())}};
}

RunResult DelayedSgd::run(const problems::Problem& problem,
                          const RunKey& key,
                          const std::vector<std::int64_t>& record_iters) const {
  // Same sampling stream as MinibatchSgd; delays have their own (kDelays, inside the source).
  Rng rng = make_stream(key.seed, key.rep, StreamPurpose::kAlgorithm, 0);
  const auto cursor = delays_->start(key);
  const std::int64_t tau_max = delays_->max_delay();
  const auto slots = static_cast<std::size_t>(tau_max + 1);
  problems::Workspace ws = problem.make_workspace(options_.batch);
  // Ring of the last τ_max + 1 iterates: x_s lives in slot s mod (τ_max + 1). Every slot starts at
  // x₀, which is also the value of x_s for s < 0, so a stale index below 0 needs no special case
  // beyond clamping it to 0.
  std::vector<Vec> ring(slots, problem.initial_point());
  std::int64_t delay_max = 0;
  double delay_sum = 0.0;
  std::size_t cur = 0;  // slot of x_{t−1}
  return run_sgd_loop(
      problem,
      options_,
      step_,
      record_iters,
      ring[0],
      {"delay_max", "delay_mean"},
      [&](std::int64_t t, double gamma) -> const Vec& {
        // Update s = t − 1: x_{s+1} = x_s − γ g(x_{s−τ_s}).
        const std::int64_t s = t - 1;
        const std::int64_t tau = cursor->next();
        if (tau < 0 || tau > tau_max)
          throw std::logic_error(fmt::format("DelayedSgd: delay source gave {} outside [0, {}]", tau, tau_max));
        delay_max = std::max(delay_max, tau);
        delay_sum += static_cast<double>(tau);
        const std::int64_t stale_index = std::max<std::int64_t>(0, s - tau);
        const Vec& stale = ring[static_cast<std::size_t>(stale_index % (tau_max + 1))];
        problem.draw_step(stale, options_.batch, options_.sampling, rng, ws);
        const std::size_t next = slots == 1 ? 0 : (cur + 1) % slots;
        Vec& x = ring[next];
        if (next != cur) x = ring[cur];  // overwrites x_{s−τ_max}, no longer needed (the step is drawn)
        problem.apply_step(gamma, ws, x);
        cur = next;
        return x;
      },
      [&](const Point& p, std::vector<double>& values) {
        values.push_back(static_cast<double>(delay_max));
        values.push_back(p.iter > 0 ? delay_sum / static_cast<double>(p.iter) : 0.0);
      });
}

RunnerKind DelayedSgd::kind() {
  RunnerKind k;
  k.schema.name = "delayed_sgd";
  k.schema.description =
      "delayed (asynchronous) mini-batch SGD x_{t+1} = x_t - γ·g(x_{t-τ_t}), x_s = x_0 for s < 0 "
      "(Stich et al. 2021); records delay_max and delay_mean";
  k.schema.fields = runner_common_fields();
  for (auto& f : delay_fields()) k.schema.fields.push_back(std::move(f));
  for (auto& f : step_fields()) {
    if (f.name == "step.rule")
      f.description += "; with a delay the critical rule uses the maximum delay τ";
    k.schema.fields.push_back(std::move(f));
  }
  k.validate = [](const Params& p, const problems::Problem& problem) {
    validate_common(p, problem);
    (void)make_delay_source(p);
  };
  k.make = [](const Params& p, const problems::Problem& problem) -> std::unique_ptr<Runner> {
    auto o = CommonRunOptions::from(p);
    auto delays = make_delay_source(p);
    auto step = make_step_schedule(p, problem, o.batch, o.sampling, delays->max_delay());
    return std::make_unique<DelayedSgd>(o,
                                        step,
                                        problems::batch_variance_factor(o.batch, problem.n(), o.sampling),
                                        std::move(delays));
  };
  return k;
}

}  // namespace sgdcheck::runners
