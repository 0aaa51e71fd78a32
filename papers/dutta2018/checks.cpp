// Check kinds of Dutta et al. (2018) (spec papers/dutta2018_slow_stale.md §5), registered as
// dutta2018.<kind>:
//   dutta2018.runtime      C1–C4 per cell from the per-run scalars of ps_sgd: the mean time per
//                          update against the cell's runtime formula (exact: within k SE; upper:
//                          below formula + k SE), the mean staleness within rel_tol of (P−K)/K or
//                          (P−1)/K (sync: exactly 0), no K-batch-sync update slower than its X_{K:P},
//                          no learner twice in one K-async update.
//   dutta2018.staleness_bound  item 5: the delayed-SGD bound D1 (general bounds, derived) evaluated per run
//                          with τ = that run's realised max staleness, averaged over runs, bounds the
//                          mean dist2 (conditionally on the delays, which come from the timing streams,
//                          independent of the data streams, D1 holds with τ = τ_r; E over runs of the
//                          per-run bound bounds the mean error).
//   dutta2018.time_to_eps  C6/C7: the virtual time t(ε) at which the seed-mean curve first reaches ε,
//                          compared between cells (faster / reaches / never reaches).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "bounds/general_bounds.hpp"
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


std::string option_of(const CellResult& c, const std::string& key) {
  const auto it = c.options.find(key);
  return it == c.options.end() ? std::string() : it->second;
}

double run_scalar(const RunScalars& rs, const std::string& name) {
  for (const auto& [n, v] : rs)
    if (n == name) return v;
  return NAN;
}

CheckOutcome staleness_bound(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "dutta2018.staleness_bound";
  out.subject = "D1 with tau = realised max staleness (dist2)";
  const double k = p.get_real("k");
  std::size_t n = 0, bad = 0, vacuous = 0;
  double worst = 0.0;
  for (const CellResult* cp : cells_where(rs, p)) {
    const CellResult& c = *cp;
    const std::string label = rs.cell_label(c);
    const std::string variant = option_of(c, "runner.variant");
    const double K = option_real(c, "runner.k");
    const bool sync = variant == "k_sync" || variant == "k_batch_sync";
    if (variant.empty() || (!sync && K != 1.0)) {
      out.details.push_back(label + ": not applicable (D1 models one gradient per update: sync variants or K = 1)");
      continue;
    }
    if (option_of(c, "runner.record.axis") != "iterations" || option_of(c, "runner.adasync.enabled") == "true" ||
        option_of(c, "runner.step.rule") != "constant" || option_of(c, "runner.step.staleness_c") != "0") {
      out.details.push_back(label + ": not applicable (needs record.axis iterations, a constant step, no AdaSync)");
      continue;
    }
    const double L = c.constant("L"), mu = c.constant("mu"), r0 = c.constant("r0"), noise = c.constant("gradient_noise");
    const double gamma = c.constant("gamma");
    if (!(mu > 0) || !std::isfinite(L) || !std::isfinite(r0) || !std::isfinite(noise) || !std::isfinite(gamma)) {
      out.details.push_back(label + ": not applicable (needs a strongly convex problem with bounded gradient variance)");
      continue;
    }
    const MetricSeries* m = metric_of(c, "dist2");
    if (!m || m->size() == 0 || c.run_scalars.empty()) {
      out.details.push_back(label + ": dist2 or per-run scalars not recorded");
      continue;
    }
    // Per run: D1 at every recorded update with τ = the run's max staleness; the mean over runs.
    std::vector<double> mean_bound(m->size(), 0.0);
    double tau_max = 0, tau_sum = 0;
    std::size_t runs = 0, inf_runs = 0;
    for (const auto& sc : c.run_scalars) {
      const double tau = sync ? 0.0 : run_scalar(sc, "max_staleness");
      if (std::isnan(tau)) continue;
      bounds::DelayedSgdParams d;
      d.L = L;
      d.mu = mu;
      d.noise = {0.0, sync ? noise / K : noise};
      d.tau = static_cast<std::int64_t>(tau);
      d.gamma = gamma;
      d.r0 = r0;
      const bool ok = !bounds::delayed_sc_violated(d).has_value();
      if (!ok) ++inf_runs;
      for (std::size_t i = 0; i < m->size(); ++i)
        mean_bound[i] += ok ? bounds::delayed_sc_dist2_bound(d, m->points[i].iter) : INFINITY;
      tau_max = std::max(tau_max, tau);
      tau_sum += tau;
      ++runs;
    }
    if (runs == 0) continue;
    for (double& b : mean_bound) b /= static_cast<double>(runs);
    ++n;
    if (inf_runs == runs) {
      ++vacuous;
      out.details.push_back(fmt::format("{}: vacuous (the step violates D1's conditions at every run's tau; max tau {})",
                                        label, tau_max));
      continue;
    }
    double cell_worst = 0;
    std::size_t at = 0;
    for (std::size_t i = 0; i < m->size(); ++i) {
      const double r = (m->mean[i] + k * (std::isfinite(m->se[i]) ? m->se[i] : 0.0)) / mean_bound[i];
      if (r > cell_worst) {
        cell_worst = r;
        at = i;
      }
    }
    worst = std::max(worst, cell_worst);
    const bool ok = cell_worst <= 1.0;
    if (!ok) ++bad;
    const std::size_t last = m->size() - 1;
    out.details.push_back(fmt::format(
        "{}: {} runs, realised max staleness mean {:.3g}, max {}; worst (mean + {}SE)/bound {:.3g} at iter {}; "
        "bound/mean at iter {}: {:.3g}{}",
        label, runs, tau_sum / static_cast<double>(runs), tau_max, k, cell_worst, m->points[at].iter,
        m->points[last].iter, mean_bound[last] / m->mean[last], ok ? "" : "  FAIL"));
  }
  if (n == 0) {
    out.skip("no applicable cell");
    return out;
  }
  if (vacuous == n) {
    out.report("the bound is vacuous in every cell (step too large for D1 at the realised staleness)");
    return out;
  }
  out.passed = bad == 0;
  out.values = {{"cells", static_cast<double>(n)}, {"failed", static_cast<double>(bad)}, {"worst_ratio", worst}};
  out.summary = fmt::format("mean dist2 + {}SE <= mean over runs of D1(tau = run's max staleness) in {} of {} cells "
                            "(worst ratio {:.3g}; {} vacuous)",
                            k, n - bad - vacuous, n, worst, vacuous);
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
    k.schema = {"dutta2018.staleness_bound",
                "staleness-aware upper bound of a ps_sgd run (sync variants, or K = 1): the delayed-SGD bound D1 "
                "(general bounds, derived) evaluated per run with tau = the run's realised max staleness, averaged "
                "over runs; the mean dist2 + k SE must stay below it at every recorded update",
                {real_field("k", 3.0, 0.0, kInf, "standard errors added to the mean")}};
    k.run = staleness_bound;
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
