// Check kinds of Dutta et al. (2018) (spec papers/dutta2018_slow_stale.md §5), registered as
// dutta2018.<kind>:
//   dutta2018.runtime      C1–C4 per cell from the per-run scalars of ps_sgd: the mean time per
//                          update against the cell's runtime formula (exact: within k SE; upper:
//                          below formula + k SE), the mean staleness within rel_tol of (P−K)/K or
//                          (P−1)/K (sync: exactly 0), no K-batch-sync update slower than its X_{K:P},
//                          no learner twice in one K-async update.
//   dutta2018.time_to_eps  C6/C7: the virtual time t(ε) at which the seed-mean curve first reaches ε,
//                          compared between cells (faster / reaches / never reaches).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "pipeline/checks_support.hpp"

namespace sgdcheck::papers::dutta2018 {

using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::checks;

namespace {

double scalar_mean(const CellResult& c, const std::string& name) {
  const auto it = c.scalars.find(name);
  return it == c.scalars.end() ? NAN : it->second.mean;
}

/// SE of a cell's mean update time: across reps when there are >= 2, else the run's batch-means SE.
double time_se(const CellResult& c, const std::string& scalar) {
  const auto it = c.scalars.find(scalar);
  if (it != c.scalars.end() && it->second.n >= 2) return it->second.se;
  return scalar_mean(c, "iter_time_se");
}

CheckOutcome runtime(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "dutta2018.runtime";
  const std::string what = p.get_string("what");
  out.subject = what;
  const double k = p.get_real("k"), rel = p.get_real("rel_tol");
  std::size_t n = 0, bad = 0;
  double worst = 0.0;
  for (const CellResult* cp : cells_where(rs, p)) {
    const CellResult& c = *cp;
    const std::string label = rs.cell_label(c);
    bool ok = true;
    std::string line;
    if (what == "time") {
      const double f = c.constant("expected_iter_time");
      const double exact = c.constant("expected_iter_time_exact");
      if (std::isnan(f)) {
        out.details.push_back(label + ": no runtime formula (skipped)");
        continue;
      }
      const double m = scalar_mean(c, "burnt_mean_iter_time"), se = time_se(c, "burnt_mean_iter_time");
      const double z = (m - f) / se;
      ok = exact == 1.0 ? std::fabs(z) <= k : z <= k;
      worst = std::max(worst, exact == 1.0 ? std::fabs(z) : z);
      line = fmt::format("{}: mean T {:.6g} +- {:.2g}, formula {:.6g} ({}), z = {:.2f}", label, m, se, f,
                         exact == 1.0 ? "exact" : "upper", z);
    } else if (what == "staleness") {
      const double f = c.constant("expected_staleness");
      const double m = scalar_mean(c, "burnt_mean_staleness");
      const double dev = f == 0.0 ? std::fabs(m) : std::fabs(m / f - 1.0);
      ok = f == 0.0 ? m == 0.0 : dev <= rel;
      worst = std::max(worst, dev);
      line = fmt::format("{}: mean staleness {:.6g}, formula {:.6g}, relative deviation {:.3g}", label, m, f, dev);
    } else if (what == "batch_sync") {
      const double v = scalar_mean(c, "batch_sync_violations");
      ok = v == 0.0;
      worst = std::max(worst, v);
      line = fmt::format("{}: {} updates with T > X_(K:P) of their first draws (mean per run)", label, v);
    } else {
      const double v = scalar_mean(c, "async_duplicates");
      ok = v == 0.0;
      worst = std::max(worst, v);
      line = fmt::format("{}: {} K-async updates with a learner twice (mean per run)", label, v);
    }
    if (std::isnan(worst)) ok = false;
    ++n;
    if (!ok) ++bad;
    out.details.push_back(line + (ok ? "" : "  FAIL"));
  }
  if (n == 0) {
    out.skip("no cell with a formula");
    return out;
  }
  out.passed = bad == 0;
  out.values = {{"cells", static_cast<double>(n)}, {"failed", static_cast<double>(bad)}, {"worst", worst}};
  out.summary = fmt::format("{}: {} of {} cells pass (worst {} = {:.3g})", what, n - bad, n,
                            what == "time" ? "z" : (what == "staleness" ? "relative deviation" : "count"), worst);
  return out;
}

/// First grid point (interpolated linearly in log error between neighbours) where the mean reaches ε.
double time_to(const MetricSeries& m, double eps) {
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m.mean[i] <= eps) {
      if (i == 0) return m.points[0].vtime;
      const double a = std::log(m.mean[i - 1]), b = std::log(std::max(m.mean[i], 1e-300)), e = std::log(eps);
      const double f = a == b ? 1.0 : (a - e) / (a - b);
      return m.points[i - 1].vtime + f * (m.points[i].vtime - m.points[i - 1].vtime);
    }
  }
  return INFINITY;
}

CheckOutcome time_to_eps(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "dutta2018.time_to_eps";
  const std::string metric = p.get_string("metric"), expect = p.get_string("expect");
  const double eps = p.get_real("eps"), ratio = p.get_real("max_ratio");
  out.subject = fmt::format("{} <= {:g}", metric, eps);
  auto times = [&](const std::vector<const CellResult*>& cells, double& best, double& worst) {
    best = INFINITY;
    worst = 0.0;
    for (const CellResult* c : cells) {
      const MetricSeries* m = metric_of(*c, metric);
      const double t = m ? time_to(*m, eps) : INFINITY;
      out.details.push_back(fmt::format("{}: t = {:.4g}", rs.cell_label(*c), t));
      best = std::min(best, t);
      worst = std::max(worst, t);
    }
  };
  const auto cells = cells_where(rs, p);
  if (cells.empty()) {
    out.skip("no cell selected by where");
    return out;
  }
  double best = 0, worst = 0;
  times(cells, best, worst);
  if (expect == "never") {
    out.passed = std::isinf(best);
    out.summary = fmt::format("selected cells never reach {} <= {:g}: first time {:.4g}", metric, eps, best);
  } else if (expect == "reaches") {
    out.passed = std::isfinite(worst);
    out.summary = fmt::format("selected cells reach {} <= {:g} by t = {:.4g}", metric, eps, worst);
  } else {
    const auto base = cells_where(rs, p, "baseline");
    double bbest = 0, bworst = 0;
    times(base, bbest, bworst);
    out.passed = std::isfinite(worst) && worst <= ratio * bbest;
    out.values = {{"t", worst}, {"t_baseline", bbest}};
    out.summary = fmt::format("t({} <= {:g}) = {:.4g} <= {:g} x {:.4g} (best baseline cell)", metric, eps, worst, ratio, bbest);
  }
  return out;
}

}  // namespace

std::vector<CheckKind> check_kinds() {
  std::vector<CheckKind> kinds;
  {
    CheckKind k;
    k.schema = {"dutta2018.runtime",
                "straggler runtime checks per ps_sgd cell (Dutta et al. 2018 C1-C4): what = time (mean update time "
                "after burn-in against the cell's formula: exact within k SE, upper below formula + k SE), staleness "
                "(mean staleness within rel_tol of (P-K)/K or (P-1)/K; sync exactly 0), batch_sync (no K-batch-sync "
                "update slower than X_(K:P) of its first draws), duplicates (no learner twice in a K-async update)",
                {choice_field("what", "time", {"time", "staleness", "batch_sync", "duplicates"}, "which claim"),
                 real_field("k", 4.0, 0.0, kInf, "standard errors allowed (time)"),
                 real_field("rel_tol", 0.02, 0.0, 1.0, "relative tolerance (staleness)")}};
    k.run = runtime;
    kinds.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"dutta2018.time_to_eps",
                "virtual time t(eps) at which the seed-mean curve (record.axis vtime) first reaches eps, "
                "interpolated in log error: expect = faster (the slowest selected cell within max_ratio x the fastest "
                "baseline cell), reaches, or never (Dutta et al. 2018 C6, C7)",
                {string_field("metric", "subopt", "recorded metric"),
                 real_field("eps", std::nullopt, 0.0, kInf, "target eps", true),
                 choice_field("expect", "faster", {"faster", "reaches", "never"}, "the claim"),
                 string_field("baseline", "", "expect = faster: key=value[, key=value] selecting the baseline cells"),
                 real_field("max_ratio", 1.0, 0.0, kInf, "expect = faster: t <= max_ratio x t_baseline", true)}};
    k.run = time_to_eps;
    k.roles = {{"baseline", OptionRole::kFilter}, {"metric", OptionRole::kMetric}};
    kinds.push_back(std::move(k));
  }
  return kinds;
}

}  // namespace sgdcheck::papers::dutta2018
