// Check kinds of Lau et al. (2024) adaptive batches (spec lau2024_adaptive_batch.md §5), registered
// as lau2024.<kind>:
//   lau2024.mono  MONO: every worker's batch b_k^m is non-decreasing over the recorded points of
//                 every run and stays in [b0, b_max] (per-run values of batch_w0..batch_w7).
#include <fmt/format.h>

#include <cmath>

#include "pipeline/checks_support.hpp"

namespace sgdcheck::papers::lau2024 {

using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::checks;

namespace {

constexpr int kRecordedWorkers = 8;

CheckOutcome mono(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "lau2024.mono";
  out.subject = "batch_w*";
  std::size_t cells = 0, series = 0, violations = 0;
  for (const CellResult* cp : cells_where(rs, p)) {
    const CellResult& c = *cp;
    ++cells;
    const double P = option_real(c, "runner.workers");
    const double b0 = option_real(c, "runner.batch.b0");
    const double b_max = option_real(c, "runner.batch.b_max");
    for (int m = 0; m < kRecordedWorkers && m < P; ++m) {
      const MetricSeries* s = metric_of(c, fmt::format("batch_w{}", m));
      if (!s || s->values.empty()) {
        out.details.push_back(fmt::format("cell {}: no per-run values of batch_w{}", c.id, m));
        ++violations;
        continue;
      }
      for (std::size_t r = 0; r < s->values.size(); ++r) {
        ++series;
        double prev = -INFINITY;
        for (std::size_t k = 0; k < s->values[r].size(); ++k) {
          const double v = s->values[r][k];
          if (std::isnan(v)) continue;  // a run that stopped earlier has no such point
          if (v < prev || v < b0 || v > b_max) {
            if (violations < 10)
              out.details.push_back(fmt::format("cell {} rep {} worker {}: b = {} after {} (b0 = {}, b_max = {})", c.id,
                                                r, m, v, prev, b0, b_max));
            ++violations;
          }
          prev = v;
        }
      }
    }
  }
  out.passed = violations == 0 && series > 0;
  out.summary = fmt::format("{} violations in {} batch trajectories of {} cells", violations, series, cells);
  out.values = {{"violations", static_cast<double>(violations)}, {"trajectories", static_cast<double>(series)}};
  return out;
}

}  // namespace

std::vector<pipeline::CheckKind> check_kinds() {
  std::vector<CheckKind> kinds;
  CheckKind k;
  k.schema = {"lau2024.mono",
              "MONO: every worker's batch size is non-decreasing over the recorded points of every run and stays in "
              "[batch.b0, batch.b_max] (adaptive_local_sgd, workers 0-7)",
              {}};
  k.run = mono;
  k.per_run_metrics = [](const Params&) {
    std::vector<std::string> m;
    for (int i = 0; i < kRecordedWorkers; ++i) m.push_back(fmt::format("batch_w{}", i));
    return m;
  };
  kinds.push_back(std::move(k));
  return kinds;
}

}  // namespace sgdcheck::papers::lau2024
