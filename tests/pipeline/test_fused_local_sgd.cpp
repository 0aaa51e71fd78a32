// Local SGD on the random design takes the steps between two events of the step loop in one fused call
// (problems::RandomDesignLs::local_sgd_steps: the workers' iterates and streams stay in SIMD lanes).
// An observer sees every step, so run_observed takes them one by one: the two must record the same
// bits. Here, not in the runners tests, because it needs the real problem (the runners tests do not
// link problems/).
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "core/trace.hpp"
#include "problems/random_design_ls.hpp"
#include "runners/local_sgd.hpp"
#include "support/same_run.hpp"
#include "support/step_schedules.hpp"

using namespace sgdcheck;
using namespace sgdcheck::runners;
using sgdcheck::test::power_step;
using sgdcheck::test::require_same_run;

namespace {

problems::RandomDesignLs design(Index d, problems::Design kind, double noise) {
  Vec h(d), w_star(d);
  for (Index j = 0; j < d; ++j) {
    h[j] = 1.0 / (1.0 + static_cast<double>(j));
    w_star[j] = 0.5 - 0.25 * static_cast<double>(j);
  }
  problems::InitOptions init;
  init.seed = 7;
  return problems::RandomDesignLs(h, kind, 1.0, noise, w_star, init);
}

}  // namespace

TEST_CASE("local SGD records the same bits with the fused steps as step by step under an observer",
          "[pipeline]") {
  // P = 3 has no fused form (not whole groups of four): the same comparison then checks the fallback.
  // Schedules with rounds at every step, every 10 steps, at a growing spacing and never; the last
  // iterate and the Polyak–Ruppert average; a step size that diverges.
  const std::int64_t N = 700;
  const std::vector<std::int64_t> rec = log_spaced_iterations(N, 10);
  for (Index d : {Index{2}, Index{5}}) {
    for (auto kind : {problems::Design::kGaussian, problems::Design::kRademacher}) {
      const auto problem = design(d, kind, 0.5);
      for (std::int64_t P : {std::int64_t{3}, std::int64_t{4}, std::int64_t{8}, std::int64_t{16}}) {
        for (const auto& schedule : {CommunicationSchedule::mba(N),
                                     CommunicationSchedule::periodic(10, N),
                                     CommunicationSchedule::power(2.0, N),
                                     CommunicationSchedule::none(N)}) {
          for (bool pr : {false, true}) {
            for (double c : {0.3, 6.0}) {  // a constant 6.0: diverges within the run
              LocalSgdOptions o;
              o.workers = P;
              o.local_steps = N;
              o.pr = pr;
              const LocalSgd runner(o, power_step(c, c > 1.0 ? 0.0 : 0.6), schedule);
              INFO(problem.describe()
                   << ", P = " << P << ", " << schedule.describe() << ", pr = " << pr << ", c = " << c);
              const RunKey key{11, 2};
              const RunResult fused = runner.run(problem, key, rec);
              std::int64_t seen = 0;
              const RunResult stepped = runner.run_observed(
                  problem, key, rec, [&](std::int64_t, const Vec&, std::span<const LocalWorker>) {
                    ++seen;
                    return ObserverAction::kContinue;
                  });
              require_same_run(fused, stepped);
              // every step was observed (the step at which a run diverges ends it before its observer)
              if (c > 1.0) {
                REQUIRE(fused.termination == Termination::kDiverged);
                REQUIRE(seen == stepped.iterations - 1);
              } else {
                REQUIRE(seen == stepped.iterations);
              }
              // the pipeline's form: one scratch reused by consecutive runs
              const auto scratch = runner.make_scratch(problem, rec);
              RunResult reused;
              runner.run_reusing(problem, RunKey{3, 0}, rec, scratch.get(), reused);
              runner.run_reusing(problem, key, rec, scratch.get(), reused);
              require_same_run(reused, stepped);
            }
          }
        }
      }
    }
  }
}
