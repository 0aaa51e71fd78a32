// Check kinds of Lau et al. (2024) adaptive batches (spec lau2024_adaptive_batch.md §5), registered
// as lau2024.<kind>:
//   lau2024.mono            MONO: every worker's batch b_k^m is non-decreasing over the recorded points
//                           of every run and stays in [b0, b_max] (per-run values of batch_w0..batch_w7).
//   lau2024.rounds_samples  ROUNDS and SAMPLES: the adaptive cell reaches the target in fewer rounds than
//                           the smallest fixed batch and at most slack·rounds(largest) + add, with fewer
//                           samples than the largest fixed batch (at most samples_ratio times as many).
//   lau2024.eta_shape       ETA_SHAPE: along a sweep key (η), rounds to target do not fall and samples do
//                           not rise (relative slack), over cells whose runs reach the target below b_max.
//   lau2024.comm            COMM: exactly one model all-reduce per round; the local variant without batch
//                           sync moves no test traffic.
//   lau2024.oracle          ORACLE: the mean recorded proposal_ratio (sample / exact proposal at the same
//                           iterate) lies in [min, max] in every selected cell.
// Rounds and samples to target come from the adaptive_local_sgd run scalars (rounds_run,
// samples_run) of runs that stopped `converged`; a cell with a run that never reached the target has
// infinite rounds and samples.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

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
              out.details.push_back(
                  fmt::format("cell {} rep {} worker {}: b = {} after {} (b0 = {}, b_max = {})",
                              c.id,
                              r,
                              m,
                              v,
                              prev,
                              b0,
                              b_max));
            ++violations;
          }
          prev = v;
        }
      }
    }
  }
  out.passed = violations == 0 && series > 0;
  out.summary = fmt::format("{} violations in {} batch trajectories of {} cells", violations, series, cells);
  out.values = {{"violations", static_cast<double>(violations)},
                {"trajectories", static_cast<double>(series)}};
  return out;
}

/// Mean rounds and samples to target of a cell (+inf when a run did not converge), with SEs.
struct ToTarget {
  double rounds = INFINITY, samples = INFINITY, rounds_se = 0, samples_se = 0, final_batch = NAN;
  std::size_t runs = 0;
};

double scalar_of(const RunScalars& s, const std::string& name) {
  for (const auto& [n, v] : s)
    if (n == name) return v;
  return NAN;
}

ToTarget to_target(const CellResult& c) {
  ToTarget t;
  std::vector<double> r, sm;
  double fb = 0;
  for (std::size_t i = 0; i < c.runs.size() && i < c.run_scalars.size(); ++i) {
    if (c.runs[i].termination != "converged") return t;
    r.push_back(scalar_of(c.run_scalars[i], "rounds_run"));
    sm.push_back(scalar_of(c.run_scalars[i], "samples_run"));
    fb = std::max(fb, scalar_of(c.run_scalars[i], "final_batch_mean"));
  }
  if (r.empty()) return t;
  auto mean_se = [](const std::vector<double>& v, double& se) {
    double m = 0;
    for (double x : v) m += x;
    m /= static_cast<double>(v.size());
    double ss = 0;
    for (double x : v) ss += (x - m) * (x - m);
    se = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1) / static_cast<double>(v.size()))
                      : 0.0;
    return m;
  };
  t.rounds = mean_se(r, t.rounds_se);
  t.samples = mean_se(sm, t.samples_se);
  t.final_batch = fb;
  t.runs = r.size();
  return t;
}

/// The one cell selected by filter option `key`; nullptr (and a detail line) otherwise.
const CellResult* one_cell(const ResultSet& rs, const Params& p, const std::string& key, CheckOutcome& out) {
  const auto cells = cells_where(rs, p, key);
  if (cells.size() != 1) {
    out.details.push_back(
        fmt::format("{} = '{}' selects {} cells (needs exactly one)", key, p.get_string(key), cells.size()));
    return nullptr;
  }
  return cells.front();
}

CheckOutcome rounds_samples(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "lau2024.rounds_samples";
  out.subject = p.get_string("adaptive");
  const CellResult* a = one_cell(rs, p, "adaptive", out);
  // The fixed cells: the smallest and the largest value of batch_key among them.
  const CellResult* small = nullptr;
  const CellResult* large = nullptr;
  const std::string key = p.get_string("batch_key");
  for (const CellResult* c : cells_where(rs, p, "fixed")) {
    const double b = option_real(*c, key);
    if (std::isnan(b)) continue;
    if (!small || b < option_real(*small, key)) small = c;
    if (!large || b > option_real(*large, key)) large = c;
  }
  if (!a || !small || !large || small == large) {
    out.summary = "needs one adaptive cell and fixed cells with at least two batch sizes";
    return out;
  }
  const ToTarget ta = to_target(*a), ts = to_target(*small), tl = to_target(*large);
  const double slack = p.get_real("rounds_slack"), add = p.get_real("rounds_add"),
               ratio = p.get_real("samples_ratio");
  const bool rounds_ok =
      std::isfinite(ta.rounds) && ta.rounds < ts.rounds && ta.rounds <= slack * tl.rounds + add;
  const bool samples_ok =
      std::isfinite(ta.samples) && ta.samples < tl.samples && ta.samples <= ratio * tl.samples;
  out.passed = rounds_ok && samples_ok;
  out.summary = fmt::format(
      "rounds: adaptive {:.1f} (SE {:.2f}), fixed smallest {:.1f}, fixed largest {:.1f} (limit {:.1f}) {}; "
      "samples: adaptive "
      "{:.3g}, fixed largest {:.3g} (ratio {:.3f}, limit {}) {}",
      ta.rounds,
      ta.rounds_se,
      ts.rounds,
      tl.rounds,
      slack * tl.rounds + add,
      rounds_ok ? "ok" : "FAIL",
      ta.samples,
      tl.samples,
      ta.samples / tl.samples,
      ratio,
      samples_ok ? "ok" : "FAIL");
  out.values = {{"rounds_adaptive", ta.rounds},
                {"rounds_fixed_small", ts.rounds},
                {"rounds_fixed_large", tl.rounds},
                {"samples_adaptive", ta.samples},
                {"samples_fixed_large", tl.samples},
                {"samples_ratio", ta.samples / tl.samples}};
  return out;
}

CheckOutcome eta_shape(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "lau2024.eta_shape";
  out.subject = p.get_string("along");
  const double tol = p.get_real("tolerance");
  std::size_t compared = 0, bad = 0;
  for (const SweepGroup& g : groups_along(rs, cells_where(rs, p), p.get_string("along"))) {
    std::vector<double> R, S;
    std::vector<double> xs;
    for (std::size_t i = 0; i < g.cells.size(); ++i) {
      const ToTarget t = to_target(*g.cells[i]);
      const double b_max = option_real(*g.cells[i], "runner.batch.b_max");
      if (!std::isfinite(t.rounds) || !(t.final_batch < b_max)) continue;  // not reached before the cap
      R.push_back(t.rounds);
      S.push_back(t.samples);
      xs.push_back(g.x[i]);
    }
    for (std::size_t i = 1; i < R.size(); ++i) {
      ++compared;
      const bool ok = R[i] >= R[i - 1] * (1 - tol) && S[i] <= S[i - 1] * (1 + tol);
      if (!ok) ++bad;
      out.details.push_back(
          fmt::format("{}: {} {} -> {}: rounds {:.1f} -> {:.1f}, samples {:.3g} -> {:.3g}{}",
                      g.label,
                      p.get_string("along"),
                      xs[i - 1],
                      xs[i],
                      R[i - 1],
                      R[i],
                      S[i - 1],
                      S[i],
                      ok ? "" : "  (against the shape)"));
    }
  }
  out.passed = compared > 0 && bad == 0;
  out.summary = fmt::format(
      "{} of {} steps against the shape (rounds non-decreasing, samples non-increasing, slack {})",
      bad,
      compared,
      tol);
  out.values = {{"steps", static_cast<double>(compared)}, {"against", static_cast<double>(bad)}};
  return out;
}

CheckOutcome comm(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "lau2024.comm";
  out.subject = "allreduces";
  std::size_t runs = 0, bad = 0;
  for (const CellResult* cp : cells_where(rs, p)) {
    auto opt = [&](const std::string& k, const std::string& def) {
      return cp->options.count(k) ? cp->options.at(k) : def;
    };
    // The local variant without batch sync moves no test traffic (sync is a scalar all-reduce).
    const bool local =
        opt("runner.batch.variant", "local") == "local" && opt("runner.batch.sync", "none") == "none";
    for (const auto& sc : cp->run_scalars) {
      ++runs;
      const double K = scalar_of(sc, "rounds_run"), ar = scalar_of(sc, "allreduces"),
                   bt = scalar_of(sc, "bytes_test");
      if (!(ar == K) || (local && bt != 0.0)) {
        ++bad;
        out.details.push_back(
            fmt::format("cell {}: {} all-reduces in {} rounds, {} test bytes", cp->id, ar, K, bt));
      }
    }
  }
  out.passed = runs > 0 && bad == 0;
  out.summary = fmt::format(
      "{} of {} runs with other than one model all-reduce per round (or local test traffic)", bad, runs);
  return out;
}

CheckOutcome oracle(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "lau2024.oracle";
  out.subject = "proposal_ratio";
  const double lo = p.get_real("min"), hi = p.get_real("max");
  std::size_t cells = 0, bad = 0;
  for (const CellResult* cp : cells_where(rs, p)) {
    const MetricSeries* s = metric_of(*cp, "proposal_ratio");
    if (!s) continue;
    std::vector<double> v;
    for (double x : s->mean)
      if (std::isfinite(x)) v.push_back(x);
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    const double med = v[v.size() / 2];
    ++cells;
    const bool ok = med >= lo && med <= hi;
    if (!ok) ++bad;
    out.details.push_back(
        fmt::format("cell {}: median proposal ratio {:.3f}{}", cp->id, med, ok ? "" : "  (outside)"));
  }
  out.passed = cells > 0 && bad == 0;
  out.summary = fmt::format(
      "{} of {} cells with the median sample/exact proposal ratio outside [{}, {}]", bad, cells, lo, hi);
  return out;
}

}  // namespace

std::vector<pipeline::CheckKind> check_kinds() {
  std::vector<CheckKind> kinds;
  CheckKind k;
  k.schema = {
      "lau2024.mono",
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
  {
    CheckKind c;
    c.schema = {
        "lau2024.rounds_samples",
        "ROUNDS and SAMPLES: the adaptive cell reaches the target in fewer rounds than the smallest fixed "
        "batch "
        "and at most rounds_slack·rounds(largest fixed) + rounds_add, with at most samples_ratio times the "
        "samples of the largest fixed batch (adaptive_local_sgd runs with a target)",
        {string_field("adaptive", std::nullopt, "key=value[, key=value] selecting the adaptive cell"),
         string_field(
             "fixed",
             std::string("runner.batch.variant=fixed"),
             "filter selecting the fixed-batch cells (the smallest and largest batch_key are compared)"),
         string_field(
             "batch_key", std::string("runner.batch.b0"), "option holding a fixed cell's batch size"),
         real_field("rounds_slack", 1.05, 1.0, kInf, "allowed factor on the rounds of the largest batch"),
         real_field("rounds_add", 2.0, 0.0, kInf, "allowed extra rounds"),
         real_field(
             "samples_ratio", 0.5, 0.0, 1.0, "largest allowed samples(adaptive)/samples(largest)", true)}};
    c.run = rounds_samples;
    c.roles = {{"adaptive", OptionRole::kFilter}, {"fixed", OptionRole::kFilter}};
    kinds.push_back(std::move(c));
  }
  {
    CheckKind c;
    c.schema = {"lau2024.eta_shape",
                "ETA_SHAPE: along a numeric sweep key (eta), rounds to target are non-decreasing and samples "
                "non-increasing (relative slack), over cells whose runs reach the target before b_max",
                {string_field("along", std::string("runner.batch.eta"), "numeric sweep key"),
                 real_field("tolerance", 0.05, 0.0, 1.0, "relative slack of each step")}};
    c.run = eta_shape;
    c.roles = {{"along", OptionRole::kNumericSweepKey}};
    kinds.push_back(std::move(c));
  }
  {
    CheckKind c;
    c.schema = {"lau2024.comm",
                "COMM: every run made exactly one model all-reduce per round, and the local variant without "
                "batch sync "
                "moved no test traffic (adaptive_local_sgd run scalars)",
                {}};
    c.run = comm;
    kinds.push_back(std::move(c));
  }
  {
    CheckKind c;
    c.schema = {
        "lau2024.oracle",
        "ORACLE: in every selected cell the median over recorded points of the mean proposal_ratio (sample "
        "proposal / exact proposal at the same iterate) lies in [min, max]",
        {real_field("min", 1.0 / 3.0, 0.0, kInf, "smallest allowed median ratio"),
         real_field("max", 3.0, 0.0, kInf, "largest allowed median ratio")}};
    c.run = oracle;
    kinds.push_back(std::move(c));
  }
  return kinds;
}

}  // namespace sgdcheck::papers::lau2024
