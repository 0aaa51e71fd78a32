// Check kinds specific to Patel & Dieuleveut (2019) (spec papers/patel2019_localsgd.md §4.2, §5),
// registered as patel2019.<kind> (papers/patel2019/register.cpp):
//   patel2019.threshold     C*(ε): the smallest (log-interpolated) round count C with err(C) <= (1+ε)·err(MBA),
//                           from paired differences over repetitions; gate C* <= max_ratio·P·√N (one-sided)
//   patel2019.monotone      err(OSA)/err(MBA) rises (or falls) along a sweep key, e.g. with P at fixed N, α
//   patel2019.oracle_slope  log-log slope of a deterministic bound/oracle series against the iteration
// The generic ones (identity, reference_values, beats) live in papers/foundation/checks_series.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "pipeline/checks_support.hpp"

namespace sgdcheck::papers::patel2019 {

using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::checks;

namespace {

std::string group_label(const ResultSet& rs, const CellResult& c, const std::vector<bool>& skip) {
  std::string s;
  for (std::size_t i = 0; i < c.sweep_values.size(); ++i) {
    if (skip[i]) continue;
    if (!s.empty()) s += ", ";
    s += rs.sweep_keys[i] + "=" + c.sweep_values[i];
  }
  return s.empty() ? "all" : s;
}

std::string group_key(const CellResult& c, const std::vector<bool>& skip) { return analysis::group_key(c.sweep_values, skip); }

// ---- threshold / monotone: per-group error against the round count --------------------------------

struct RoundsCell {
  const CellResult* cell = nullptr;
  std::int64_t C = 0;                 ///< rounds at the last point
  std::vector<double> err;            ///< per-rep value at the last point
  double mean = NAN;
  double bound_value = NAN;           ///< the bound series at the last point (when a bound is used)
};

struct RoundsGroup {
  std::string label;
  double P = NAN, N = NAN;
  std::vector<RoundsCell> cells;      ///< sorted by C descending
  const RoundsCell* mba = nullptr;    ///< C = N
  const RoundsCell* osa = nullptr;    ///< smallest C >= 1
};

/// Groups the selected cells by every sweep key except `skip`; reads C and the last-point errors.
std::vector<RoundsGroup> rounds_groups(const ResultSet& rs, const std::vector<bool>& skip, const std::string& metric,
                                       const std::string& bound, const Params& p,
                                       std::vector<std::string>& problems) {
  std::map<std::string, RoundsGroup> groups;
  std::vector<std::string> order;
  for (const CellResult* cp : cells_where(rs, p)) {
    const CellResult& c = *cp;
    const MetricSeries* m = metric_of(c, metric);
    if (!m || m->size() == 0) {
      problems.push_back(rs.cell_label(c) + ": metric " + metric + " not recorded");
      continue;
    }
    RoundsCell rc;
    rc.cell = &c;
    const std::size_t last = m->size() - 1;
    rc.C = m->points[last].rounds;
    for (const auto& row : m->values) rc.err.push_back(row[last]);
    rc.mean = m->mean[last];
    if (!bound.empty()) {
      const BoundSeries* b = c.bound(bound);
      if (!b || !b->applicable) {
        problems.push_back(rs.cell_label(c) + ": " + bound + " not evaluated or not applicable");
        continue;
      }
      rc.bound_value = b->at(m->points[last].iter);
    }
    const std::string key = group_key(c, skip);
    if (!groups.count(key)) {
      order.push_back(key);
      groups[key].label = group_label(rs, c, skip);
      groups[key].P = option_real(c, "runner.workers");
      groups[key].N = option_real(c, "runner.local_steps");
    }
    groups[key].cells.push_back(std::move(rc));
  }
  std::vector<RoundsGroup> out;
  for (const auto& k : order) {
    RoundsGroup g = std::move(groups[k]);
    std::stable_sort(g.cells.begin(), g.cells.end(), [](const RoundsCell& a, const RoundsCell& b) { return a.C > b.C; });
    out.push_back(std::move(g));
  }
  for (auto& g : out) {
    for (const auto& rc : g.cells) {
      if (static_cast<double>(rc.C) == g.N && !g.mba) g.mba = &rc;
      if (rc.C >= 1) g.osa = &rc;
    }
  }
  return out;
}

/// Paired relative excess (mean(e − e_MBA) / mean(e_MBA)) and its standard error.
std::pair<double, double> paired_excess(const RoundsCell& c, const RoundsCell& mba) {
  const auto pd = analysis::paired_difference(c.err, mba.err);
  if (pd.diff.n < 2) return {NAN, NAN};
  return {pd.diff.mean / pd.reference_mean, pd.diff.se / pd.reference_mean};
}

CheckOutcome threshold(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "patel2019.threshold";
  const std::string metric = p.get_string("metric"), over = p.get_string("over");
  const double eps = p.get_real("eps"), max_ratio = p.get_real("max_ratio");
  const auto keys = keys_of(rs);
  std::vector<bool> skip(rs.sweep_keys.size(), false);
  skip[keys.resolve(over, "checks.patel2019.threshold.over")] = true;
  std::vector<std::string> problems;
  const auto groups = rounds_groups(rs, skip, metric, "", p, problems);
  out.subject = fmt::format("C*({}) of {} over {}", eps, metric, over);
  bool ok = problems.empty();
  for (const auto& s : problems) out.details.push_back("FAIL — " + s);
  double worst = 0.0;
  for (const auto& g : groups) {
    if (!g.mba) {
      ok = false;
      out.details.push_back(fmt::format("{}: FAIL — no MBA cell (C = N = {}) in this group", g.label, g.N));
      continue;
    }
    if (g.cells.size() < 2) {
      ok = false;
      out.details.push_back(g.label + ": FAIL — needs at least two round counts");
      continue;
    }
    // Walk down from MBA: the first C whose paired excess exceeds ε; interpolate log C linearly in the excess.
    double prev_C = static_cast<double>(g.mba->C), prev_r = 0.0, cstar = NAN, r_at = NAN, se_at = NAN;
    bool crossed = false;
    for (const auto& rc : g.cells) {
      if (&rc == g.mba || rc.C < 1) continue;
      const auto [r, se] = paired_excess(rc, *g.mba);
      if (r > eps) {
        const double f = (eps - r) / (prev_r - r);  // in [0, 1)
        cstar = std::exp(std::log(static_cast<double>(rc.C)) + f * (std::log(prev_C) - std::log(static_cast<double>(rc.C))));
        r_at = r;
        se_at = se;
        crossed = true;
        break;
      }
      prev_C = static_cast<double>(rc.C);
      prev_r = r;
    }
    const double pred = g.P * std::sqrt(g.N);
    const auto [osa_r, osa_se] = g.osa && g.osa != g.mba ? paired_excess(*g.osa, *g.mba) : std::pair<double, double>{0, 0};
    const double cmin = g.osa ? static_cast<double>(g.osa->C) : NAN;
    const double shown = crossed ? cstar : cmin;  // not crossed: C* <= C_min
    const bool cell_ok = std::isfinite(shown) && shown <= max_ratio * pred;
    worst = std::max(worst, shown / pred);
    ok = ok && cell_ok;
    out.details.push_back(fmt::format(
        "{}: {} — C* {} {:.4g} (excess {:.3f} ± {:.3f} SE at the first C above ε), P·sqrt(N) = {:.4g}, C*/(P·sqrt(N)) "
        "{} {:.3g}; err(C={})/err(MBA) = {:.4f} ± {:.4f} (paired SE), err(MBA) = {:.6g}",
        g.label, cell_ok ? "ok" : "FAIL", crossed ? "=" : "<=", shown, crossed ? r_at : 0.0, crossed ? se_at : 0.0,
        pred, crossed ? "=" : "<=", shown / pred, cmin, 1.0 + osa_r, osa_se, g.mba->mean));
  }
  if (groups.empty()) {
    ok = false;
    out.details.insert(out.details.begin(), "no cell selected: nothing was checked");
  }
  out.passed = ok;
  out.values = {{"groups", static_cast<double>(groups.size())}, {"largest_cstar_over_P_sqrtN", worst}};
  out.summary = fmt::format(
      "smallest log-interpolated C with mean paired err(C) - err(MBA) <= {}·err(MBA), walking down from MBA; gate "
      "C* <= {}·P·sqrt(N) (one-sided); largest C*/(P·sqrt(N)) {:.3g} over {} groups",
      eps, max_ratio, worst, groups.size());
  return out;
}

CheckOutcome monotone(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "patel2019.monotone";
  const std::string metric = p.get_string("metric"), over = p.get_string("over"), along = p.get_string("along");
  const std::string bound = p.get_string("series");
  const bool increasing = p.get_string("direction") == "increasing";
  const double k = p.get_real("k");
  const auto keys = keys_of(rs);
  std::vector<bool> skip(rs.sweep_keys.size(), false);
  skip[keys.resolve(over, "checks.patel2019.monotone.over")] = true;
  const std::size_t ai = keys.resolve(along, "checks.patel2019.monotone.along");
  std::vector<std::string> problems;
  const auto groups = rounds_groups(rs, skip, metric, bound, p, problems);
  out.subject = fmt::format("err(OSA)/err(MBA) of {} {} along {}", bound.empty() ? metric : bound,
                            increasing ? "rises" : "falls", along);
  bool ok = problems.empty();
  for (const auto& s : problems) out.details.push_back("FAIL — " + s);
  // Series: groups that agree on every key except `along`.
  std::vector<bool> skip_along = skip;
  skip_along[ai] = true;
  std::map<std::string, std::vector<std::tuple<double, double, double, std::string>>> series;  // along, ratio, se, label
  std::vector<std::string> order;
  std::map<std::string, std::string> labels;
  for (const auto& g : groups) {
    if (!g.mba || !g.osa || g.osa == g.mba) {
      ok = false;
      out.details.push_back(g.label + ": FAIL — needs an MBA cell (C = N) and a cell with fewer rounds");
      continue;
    }
    double ratio, se;
    if (!bound.empty()) {
      ratio = g.osa->bound_value / g.mba->bound_value;
      se = 0.0;
    } else {
      const auto [r, s] = paired_excess(*g.osa, *g.mba);
      ratio = 1.0 + r;
      se = s;
    }
    const CellResult& c = *g.mba->cell;
    const std::string key = group_key(c, skip_along);
    if (!series.count(key)) {
      order.push_back(key);
      labels[key] = group_label(rs, c, skip_along);
    }
    series[key].emplace_back(analysis::parse_number(c.sweep_values[ai]).value_or(NAN), ratio, se,
                             fmt::format("{}={} C={}: {:.4f}", rs.sweep_keys[ai], c.sweep_values[ai], g.osa->C, ratio));
  }
  int compared = 0;
  for (const auto& key : order) {
    auto& s = series[key];
    std::sort(s.begin(), s.end());
    bool sok = s.size() >= 2;
    std::string txt;
    for (std::size_t i = 0; i < s.size(); ++i) {
      txt += (i ? ", " : "") + std::get<3>(s[i]);
      if (i == 0) continue;
      const double d = std::get<1>(s[i]) - std::get<1>(s[i - 1]);
      const double se = std::hypot(std::get<2>(s[i]), std::get<2>(s[i - 1]));
      const bool step_ok = increasing ? d > -k * se : d < k * se;
      sok = sok && step_ok && std::isfinite(d);
      ++compared;
    }
    ok = ok && sok;
    out.details.push_back(fmt::format("{}: {} — {}{}", labels[key],
                                      sok ? "ok" : "FAIL", txt, s.size() < 2 ? " (fewer than two values)" : ""));
  }
  if (compared == 0) {
    ok = false;
    out.details.insert(out.details.begin(), "no consecutive pair along " + along + ": nothing was checked");
  }
  out.passed = ok;
  out.values = {{"steps_compared", compared}};
  out.summary = fmt::format("err(smallest C >= 1)/err(MBA) at the last point is {} in {} (a step may go against it "
                            "by at most {}·SE); {} steps compared",
                            increasing ? "increasing" : "decreasing", along, k, compared);
  return out;
}

CheckOutcome oracle_slope(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "patel2019.oracle_slope";
  const std::string bound = p.get_string("bound");
  const std::int64_t from = p.get_int("from_iter"), to = p.get_int("to_iter");
  const double lo = p.get_real("min"), hi = p.get_real("max");
  out.subject = bound;
  bool ok = true;
  int n = 0;
  double smin = INFINITY, smax = -INFINITY;
  for (const CellResult* cp : cells_where(rs, p)) {
    const CellResult& c = *cp;
    const std::string label = rs.cell_label(c);
    const BoundSeries* b = c.bound(bound);
    if (!b || !b->applicable) {
      ok = false;
      out.details.push_back(label + ": FAIL — " + bound + " not evaluated or not applicable");
      continue;
    }
    std::vector<double> x, y;
    for (std::size_t i = 0; i < b->iters.size(); ++i) {
      const auto it = b->iters[i];
      if (it < from || (to > 0 && it > to) || it < 1 || !(b->values[i] > 0) || !std::isfinite(b->values[i])) continue;
      x.push_back(std::log(static_cast<double>(it)));
      y.push_back(std::log(b->values[i]));
    }
    ++n;
    const double s = x.size() >= 2 ? analysis::ols_slope(x, y) : NAN;
    const bool cell_ok = std::isfinite(s) && s >= lo && s <= hi;
    if (std::isfinite(s)) {
      smin = std::min(smin, s);
      smax = std::max(smax, s);
    }
    ok = ok && cell_ok;
    out.details.push_back(fmt::format("{}: {} — slope {:.4f} over {} points, iter [{}, {}]", label, cell_ok ? "ok" : "FAIL",
                                      s, x.size(), x.empty() ? 0 : static_cast<std::int64_t>(std::lround(std::exp(x.front()))),
                                      x.empty() ? 0 : static_cast<std::int64_t>(std::lround(std::exp(x.back())))));
  }
  if (n == 0) {
    ok = false;
    out.details.insert(out.details.begin(), "no cell selected: nothing was checked");
  }
  out.passed = ok;
  out.values = {{"cells", n}, {"slope_min", smin}, {"slope_max", smax}};
  out.summary = fmt::format("least-squares slope of log {} against log iter (= log T - log(P·b)) in [{}, {}] over iter "
                            "[{}, {}]; observed [{:.4f}, {:.4f}] over {} cells",
                            bound, lo, hi, from, to > 0 ? std::to_string(to) : std::string("end"), smin, smax, n);
  return out;
}

}  // namespace

std::vector<CheckKind> check_kinds() {
  std::vector<CheckKind> kinds;
  {
    CheckKind k;
    k.schema = {"patel2019.threshold",
                "round threshold C*(eps) of local SGD from paired differences: the smallest log-interpolated C with "
                "err(C) <= (1+eps)·err(MBA); gate C* <= max_ratio·P·sqrt(N) (derived from the paper-stated order, one-sided)",
                {string_field("over", std::nullopt,
                              "sweep key that varies the communication set (e.g. schedule.rounds); cells agreeing on "
                              "every other sweep key form one group, which needs its MBA cell (C = N)"),
                 string_field("metric", "dist2", "recorded metric (the run's iterate, e.g. the PR average)"),
                 real_field("eps", 0.1, 0.0, kInf, "relative excess over MBA that defines the threshold", true),
                 real_field("max_ratio", 1.0, 0.0, kInf, "gate: C* <= max_ratio·P·sqrt(N)", true)}};
    k.run = threshold;
    k.roles = {{"over", OptionRole::kSweepKey}};
    k.per_run_metrics = [](const Params& p) { return std::vector<std::string>{p.get_string("metric")}; };
    kinds.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"patel2019.monotone",
                "err(OSA)/err(MBA) at the last point (OSA: the smallest C >= 1 of the group) rises or falls along a "
                "sweep key, e.g. with P at fixed N and alpha (experiment patel_e5)",
                {string_field("over", std::nullopt, "sweep key that varies the communication set (defines the groups)"),
                 string_field("along", std::nullopt, "sweep key along which the ratio must be monotone (e.g. workers)"),
                 string_field("metric", "dist2", "recorded metric"),
                 string_field("series", "", "use this bound/oracle (an id listed under bounds:) at the last point instead "
                              "of the Monte Carlo mean"),
                 choice_field("direction", "increasing", {"increasing", "decreasing"}, "expected direction"),
                 real_field("k", 0.0, 0.0, kInf, "a step may go against the direction by at most k paired SE (0: strict)")}};
    k.run = monotone;
    k.roles = {{"over", OptionRole::kSweepKey}, {"along", OptionRole::kNumericSweepKey}, {"series", OptionRole::kSeriesId}};
    k.per_run_metrics = [](const Params& p) {
      return p.get_string("series").empty() ? std::vector<std::string>{p.get_string("metric")} : std::vector<std::string>{};
    };
    kinds.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"patel2019.oracle_slope",
                "the log-log slope of a deterministic bound/oracle series against the iteration lies in [min, max] "
                "(e.g. the exact PR error against T, experiment patel_e4)",
                {string_field("bound", std::nullopt, "bound/oracle id"),
                 int_field("from_iter", 1, 0, kInf, "fit window start (iteration)"),
                 int_field("to_iter", 0, 0, kInf, "fit window end (0: last point)"),
                 real_field("min", std::nullopt, -kInf, kInf, "smallest allowed slope"),
                 real_field("max", std::nullopt, -kInf, kInf, "largest allowed slope")}};
    k.run = oracle_slope;
    k.roles = {{"bound", OptionRole::kSeriesId}};
    kinds.push_back(std::move(k));
  }
  return kinds;
}

}  // namespace sgdcheck::papers::patel2019
