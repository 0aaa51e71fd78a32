#include "runners/adaptive_local.hpp"
#include "runners/coupled_sgd.hpp"
#include "runners/delayed_sgd.hpp"
#include "runners/local_sgd.hpp"
#include "runners/minibatch_sgd.hpp"
#include "runners/ps_runner.hpp"
#include "runners/runner.hpp"

namespace sgdcheck::runners {

const std::vector<RunnerKind>& runner_kinds() {
  // One line per runner kind; `sgdcheck list runners` prints them in this order.
  static const std::vector<RunnerKind> kinds = {
      MinibatchSgd::kind(),
      LocalSgd::kind(),
      DelayedSgd::kind(),
      CoupledSgd::kind(),
      PsSgd::kind(),
      AdaptiveLocalSgd::kind(),
  };
  return kinds;
}

const RunnerKind* find_runner_kind(const std::string& name) {
  for (const auto& k : runner_kinds())
    if (k.schema.name == name) return &k;
  return nullptr;
}

}  // namespace sgdcheck::runners
