#include "runners/delayed_sgd.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "runners/run_spec.hpp"

namespace sgdcheck::runners {

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

std::shared_ptr<const DelaySource> make_delay_source(const Params& p) {
  enum class Kind { kFixed, kUniform, kFile };
  const Kind kind =
      parse_choice(p, "delay.kind", {{"fixed", Kind::kFixed}, {"uniform", Kind::kUniform}, {"file", Kind::kFile}}, Kind::kFixed);
  const std::string& file = p.get_string("delay.file");  // a path, not a choice
  if (kind == Kind::kFile) {
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
  if (kind == Kind::kUniform) return std::make_shared<UniformDelay>(tau);
  return std::make_shared<FixedDelay>(tau);
}

DelayedSgd::DelayedSgd(RunSpec spec) : spec_(std::move(spec)), rule_(make_update_rule(spec_.update)) {
  if (!spec_.delay.source) throw std::logic_error("DelayedSgd: no delay source");
  spec_.step.tabulate(spec_.iterations);  // γ_t once per cell, shared by every run (same doubles)
}

std::vector<std::pair<std::string, double>> DelayedSgd::derived_constants() const {
  return {{"gamma", spec_.step.at(1)},
          {"theta_b", spec_.theta_b},
          {"batch", static_cast<double>(spec_.batch())},
          {"tau", static_cast<double>(spec_.delay.max_delay)}};
}

RunResult DelayedSgd::run_with(const problems::Problem& problem,
                               const RunKey& key,
                               const std::vector<std::int64_t>& record_iters,
                               StepObserver* observer) const {
  return run_sequence(problem, spec_, *rule_, key, record_iters, observer);
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
  k.schema.fields.push_back(step_delay_policy_field());
  k.validate = [](const Params& p, const problems::Problem& problem) {
    validate_common(p, problem);
    (void)make_delay_source(p);
  };
  k.make = [](const Params& p, const problems::Problem& problem) -> std::unique_ptr<Runner> {
    return std::make_unique<DelayedSgd>(resolve_run_spec(Algorithm::kDelayed, p, problem));
  };
  k.metrics = {"subopt", "dist2", "grad2", "test_loss", "step", "delay_max", "delay_mean", "avg_subopt", "avg_grad2",
               "avg_subopt_read"};
  return k;
}

}  // namespace sgdcheck::runners
