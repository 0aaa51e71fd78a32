#include "runners/update_rule.hpp"

#include <fmt/format.h>

#include <cmath>

namespace sgdcheck::runners {

std::string to_string(UpdateRuleKind k) {
  switch (k) {
    case UpdateRuleKind::kSgd: return "sgd";
    case UpdateRuleKind::kHeavyBall: return "heavy_ball";
    case UpdateRuleKind::kAdamW: return "adamw";
  }
  return "?";
}

std::string UpdateRuleSpec::describe() const {
  switch (kind) {
    case UpdateRuleKind::kSgd: return "sgd";
    case UpdateRuleKind::kHeavyBall: return fmt::format("heavy_ball(momentum = {})", momentum);
    case UpdateRuleKind::kAdamW:
      return fmt::format("adamw(beta1 = {}, beta2 = {}, eps = {}, weight_decay = {})", beta1, beta2, eps, weight_decay);
  }
  return "?";
}

namespace {

/// worker.g = the mean gradient of the drawn batch. apply_step is x ← x − γ ĝ for every problem, so
/// γ = −1 on a zero vector gives ĝ exactly (0 − (−1)·v = v), whatever the problem stores in ws.
void dense_gradient(const problems::Problem& problem, WorkerState& worker) {
  worker.g.setZero();
  problem.apply_step(-1.0, worker.ws, worker.g);
}

class SgdRule final : public UpdateRule {
 public:
  void apply(const problems::Problem& problem, double gamma, WorkerState& worker, Vec& x) const override {
    problem.apply_step(gamma, worker.ws, x);
  }
  void step(const problems::Problem& problem,
            double gamma,
            problems::Sampling s,
            WorkerState& worker,
            Vec& x) const override {
    problem.sgd_step(gamma, x, worker.batch, s, worker.rng, worker.ws);
  }
  void step_all(const problems::Problem& problem,
                double gamma,
                problems::Sampling s,
                std::span<WorkerState> /*workers*/,
                std::span<const problems::StepSlot> slots) const override {
    problem.sgd_steps(gamma, s, slots);
  }
  bool local_steps(const problems::Problem& problem,
                   problems::Sampling s,
                   std::span<WorkerState> /*workers*/,
                   std::span<const problems::StepSlot> slots,
                   const problems::LocalStepRun& run) const override {
    return problem.local_sgd_steps(s, slots, run);
  }
};

class HeavyBallRule final : public UpdateRule {
 public:
  explicit HeavyBallRule(double beta) : beta_(beta) {}
  void prepare(const problems::Problem& problem, WorkerState& worker) const override {
    worker.g.setZero(problem.dim());  // setZero(n) keeps the buffer when its size is already n
    worker.state.resize(1);
    worker.state[0].setZero(problem.dim());
  }
  void apply(const problems::Problem& problem, double gamma, WorkerState& worker, Vec& x) const override {
    dense_gradient(problem, worker);
    Vec& m = worker.state[0];
    m *= beta_;
    m.noalias() -= gamma * worker.g;
    x += m;
    ++worker.updates;
  }

 private:
  double beta_;
};

class AdamWRule final : public UpdateRule {
 public:
  explicit AdamWRule(const UpdateRuleSpec& s) : s_(s) {}
  void prepare(const problems::Problem& problem, WorkerState& worker) const override {
    worker.g.setZero(problem.dim());
    worker.state.resize(2);
    for (Vec& s : worker.state) s.setZero(problem.dim());
  }
  void apply(const problems::Problem& problem, double gamma, WorkerState& worker, Vec& x) const override {
    dense_gradient(problem, worker);
    Vec& m = worker.state[0];
    Vec& v = worker.state[1];
    ++worker.updates;
    const auto k = static_cast<double>(worker.updates);
    const double c1 = 1.0 - std::pow(s_.beta1, k);
    const double c2 = 1.0 - std::pow(s_.beta2, k);
    const Index d = x.size();
    for (Index i = 0; i < d; ++i) {
      const double g = worker.g[i];
      m[i] = s_.beta1 * m[i] + (1.0 - s_.beta1) * g;
      v[i] = s_.beta2 * v[i] + (1.0 - s_.beta2) * g * g;
      const double mhat = m[i] / c1;
      const double vhat = v[i] / c2;
      x[i] -= gamma * (mhat / (std::sqrt(vhat) + s_.eps) + s_.weight_decay * x[i]);
    }
  }

 private:
  UpdateRuleSpec s_;
};

}  // namespace

std::shared_ptr<const UpdateRule> make_update_rule(const UpdateRuleSpec& spec) {
  switch (spec.kind) {
    case UpdateRuleKind::kSgd: return std::make_shared<SgdRule>();
    case UpdateRuleKind::kHeavyBall: return std::make_shared<HeavyBallRule>(spec.momentum);
    case UpdateRuleKind::kAdamW: return std::make_shared<AdamWRule>(spec);
  }
  return std::make_shared<SgdRule>();
}

std::vector<Field> update_fields() {
  return {
      choice_field("update.rule",
                   "sgd",
                   {"sgd", "heavy_ball", "adamw"},
                   "per-worker update: sgd x <- x - γg; heavy_ball m <- βm - γg, x <- x + m; adamw (decoupled "
                   "weight decay, bias-corrected moments). The paper bounds are about sgd only"),
      real_field("update.momentum", 0.9, 0.0, 1.0, "β of heavy_ball (0 <= β < 1)", false, true),
      real_field("update.beta1", 0.9, 0.0, 1.0, "β1 of adamw (first-moment decay, < 1)", false, true),
      real_field("update.beta2", 0.999, 0.0, 1.0, "β2 of adamw (second-moment decay, < 1)", false, true),
      real_field("update.eps", 1e-8, 0.0, kInf, "ε of adamw (added to sqrt(v̂))", true),
      real_field("update.weight_decay", 0.0, 0.0, kInf, "λ of adamw: decoupled decay x <- x - γλx"),
  };
}

}  // namespace sgdcheck::runners
