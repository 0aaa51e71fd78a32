// Generic checks of a metric against a bound / oracle series and of a rate:
//   bound_holds    mean ± k·SE <= bound at every recorded point
//   tightness      bound / mean at the last point <= max_ratio
//   matches_exact  |MC mean - exact| <= k·SE (+ rel_tol) at every point
//   slope          log-log slope of the mean curve: bootstrap CI contains the expected exponent
// A point whose mean or SE is not finite fails; a bound that applies to no selected cell skips the check.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "papers/foundation/checks.hpp"
#include "pipeline/checks_support.hpp"

namespace sgdcheck::papers::foundation {

using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::checks;

namespace {

constexpr double kRelSlack = 1e-12;  // floating-point slack on comparisons with a bound

double axis_value(const Point& p, const std::string& axis) {
  if (axis == "samples") return static_cast<double>(p.samples);
  if (axis == "rounds") return static_cast<double>(p.rounds);
  if (axis == "vtime") return p.vtime;
  return static_cast<double>(p.iter);
}

/// Heavy tails of the per-run values at point i (needs MetricSeries::values): the share of the sum
/// carried by the largest ⌈0.1 % of n⌉ runs and the sample kurtosis m4/m2² (3 for a normal law).
/// SE-based tolerances assume the mean is near normal and its SE well estimated; the relative
/// standard error of the SE estimate is about sqrt((kurtosis − 1)/n)/2, and a few runs carrying much
/// of the mean make the sample mean skewed. `unreliable` is set when the top runs carry >= 5 % of the
/// sum or the SE itself is uncertain by >= 25 % ((kurtosis − 1)/n >= 0.25). Empty without per-run values.
struct Tails {
  std::string text;
  bool unreliable = false;
  double top_share = NAN, kurtosis = NAN;
};

Tails tails_at(const MetricSeries& m, std::size_t i) {
  Tails t;
  const TailStats st = tail_stats(m, i);
  if (st.n < 2) return t;
  const auto n = static_cast<std::size_t>(st.n), top = static_cast<std::size_t>(st.top);
  t.kurtosis = st.kurtosis;
  t.top_share = st.top_share;
  const double se_rel = std::isfinite(t.kurtosis) ? std::sqrt(std::max(0.0, t.kurtosis - 1) / static_cast<double>(n)) / 2 : 0;
  // The top runs count as heavy when they carry >= 5 % of the sum and >= 10 times their fair share.
  t.unreliable = (t.top_share >= 0.05 && t.top_share >= 10.0 * static_cast<double>(top) / static_cast<double>(n)) || se_rel >= 0.25;
  // NaN kurtosis: zero spread (every run has the same value, e.g. at iteration 0), where m4/m2² is 0/0.
  t.text = fmt::format("tails at iter {}: the top 0.1 % of runs ({} of {}) carry {} of the mean, kurtosis {}{}",
                       m.points[i].iter, top, n,
                       std::isfinite(t.top_share) ? fmt::format("{:.3g} %", 100 * t.top_share) : std::string("n/a"),
                       std::isnan(t.kurtosis) ? std::string("undefined (no spread)") : fmt::format("{:.3g}", t.kurtosis),
                       t.unreliable ? " — heavy tails: SE-based tolerances are unreliable here (the mean is skewed by "
                                      "rare large runs; more seeds or a quantile check)"
                                    : "");
  return t;
}

/// Heavy-tail diagnostics over the cells of one check.
struct HeavyTails {
  double top_share = NAN, kurtosis = NAN;
  std::size_t unreliable_cells = 0;
  bool any = false;
};

void note_tails(const Tails& t, std::string& txt, HeavyTails& h) {
  if (t.text.empty()) return;
  txt += "; " + t.text;
  h.any = true;
  if (std::isfinite(t.top_share)) h.top_share = std::isnan(h.top_share) ? t.top_share : std::max(h.top_share, t.top_share);
  if (std::isfinite(t.kurtosis)) h.kurtosis = std::isnan(h.kurtosis) ? t.kurtosis : std::max(h.kurtosis, t.kurtosis);
  h.unreliable_cells += t.unreliable;
}

void finish_tails(CheckOutcome& out, const HeavyTails& h) {
  if (!h.any) return;
  if (std::isfinite(h.top_share)) out.values.emplace_back("top_share_max", h.top_share);
  if (std::isfinite(h.kurtosis)) out.values.emplace_back("kurtosis_max", h.kurtosis);
  if (h.unreliable_cells > 0)
    out.details.insert(out.details.begin(),
                       fmt::format("warning: heavy tails in {} cell(s) (top 0.1 % of runs carry up to {:.3g} % of the "
                                   "mean, kurtosis up to {:.3g}): SE-based tolerances are unreliable there",
                                   h.unreliable_cells, 100 * h.top_share, h.kurtosis));
}

/// Shared walk for checks that compare a metric with a bound/oracle point by point.
template <class PointFn>
CheckOutcome compare_with_bound(const std::string& kind, const std::string& bound_id, const ResultSet& rs,
                                const Params& p, PointFn&& fn, bool skip_vacuous = false) {
  CheckOutcome out;
  out.check = kind;
  out.subject = bound_id;
  int applicable = 0, selected_cells = 0;
  std::string first_reason;
  bool ok = true;
  for (const CellResult* cp : cells_where(rs, p)) {
    const CellResult& c = *cp;
    ++selected_cells;
    const BoundSeries* b = c.bound(bound_id);
    const std::string label = rs.cell_label(c);
    CellVerdict v;
    v.cell = label;
    auto note = [&](CheckStatus st, std::string msg) {
      out.details.push_back(label + ": " + msg);
      v.status = st;
      v.message = std::move(msg);
      out.cells.push_back(std::move(v));
    };
    if (!b) {
      note(CheckStatus::kFail, "bound not evaluated");
      ok = false;
      continue;
    }
    if (!b->applicable) {
      if (first_reason.empty()) first_reason = b->reason;
      note(CheckStatus::kSkipped, "not applicable (" + b->reason + ")");
      continue;
    }
    const MetricSeries* m = metric_of(c, b->metric);
    if (!m) {
      note(CheckStatus::kFail, "metric " + b->metric + " not recorded");
      ok = false;
      continue;
    }
    if (skip_vacuous && bound_state(c, *b) == BoundState::kVacuous) {
      // Admissible but says nothing: skipped with the reason, never counted as a pass (a non-finite
      // measured point still fails below).
      bool finite = true;
      for (std::size_t i = 0; i < m->size() && finite; ++i) finite = non_finite(*m, i).empty();
      if (finite) {
        out.details.push_back(label + ": skipped, vacuous (never below the initial value, or infinite)");
        if (first_reason.empty()) first_reason = "vacuous";
        continue;
      }
    }
    ++applicable;
    std::string worst;
    const bool cell_ok = fn(*b, *m, worst, v);
    ok = ok && cell_ok;
    note(cell_ok ? CheckStatus::kPass : CheckStatus::kFail, std::string(cell_ok ? "ok" : "FAIL") + " — " + worst);
  }
  out.passed = ok;
  out.values.emplace_back("cells_selected", selected_cells);
  out.values.emplace_back("cells_applicable", applicable);
  if (ok && applicable == 0) {
    out.skip(selected_cells == 0 ? "no cell selected"
                                 : "the bound applies to no selected cell: " + first_reason);
    out.details.insert(out.details.begin(), "skipped: " + out.reason + " (nothing was checked)");
  }
  return out;
}

CheckOutcome bound_holds(const Params& p, const ResultSet& rs) {
  const std::string id = p.get_string("bound");
  const double k = p.get_real("k");
  const bool strict = p.get_string("side") == "strict";
  const std::int64_t from = p.get_int("from_iter");
  const double floor_rel = p.get_real("floor");
  double worst_ratio = 0.0;
  HeavyTails heavy;
  auto out = compare_with_bound("bound_holds", id, rs, p, [&](const BoundSeries& b, const MetricSeries& m, std::string& worst, CellVerdict& v) {
    bool ok = true;
    double wr = -INFINITY;
    std::string wtxt = "no points";
    std::size_t wi = m.size();
    for (std::size_t i = 0; i < m.size(); ++i) {
      const auto it = m.points[i].iter;
      if (it < from) continue;
      const double B = b.at(it);
      if (std::isnan(B)) continue;
      if (floor_rel > 0 && !b.values.empty() && B < floor_rel * b.values.front()) continue;  // see matches_exact
      if (const auto bad = non_finite(m, i); !bad.empty()) {
        ok = false;
        worst = bad;
        worst_ratio = INFINITY;
        v.values = {{"observed", m.mean[i]}, {"se", m.se[i]}, {"k", k}, {"bound", B}, {"iter", static_cast<double>(it)}};
        return false;
      }
      const double lhs = strict ? m.mean[i] + k * m.se[i] : m.mean[i] - k * m.se[i];
      const double ratio = lhs / B;
      const bool pt_ok = lhs <= B * (1 + kRelSlack) || (std::isinf(B) && B > 0);
      if (!pt_ok) ok = false;
      if (ratio > wr || (!pt_ok && ok)) {
        wr = ratio;
        wi = i;
        wtxt = fmt::format("worst at iter {}: mean {:.6g} {} {}·SE {:.3g} = {:.6g} vs bound {:.6g} (ratio {:.4g})", it,
                           m.mean[i], strict ? "+" : "-", k, m.se[i], lhs, B, ratio);
        v.values = {{"observed", m.mean[i]}, {"se", m.se[i]}, {"k", k},
                    {"bound", B}, {"ratio", ratio}, {"iter", static_cast<double>(it)}};
      }
    }
    worst_ratio = std::max(worst_ratio, wr);
    worst = wtxt;
    if (wi < m.size()) note_tails(tails_at(m, wi), worst, heavy);
    return ok;
  }, /*skip_vacuous=*/true);
  out.values.emplace_back("worst_ratio", worst_ratio);
  finish_tails(out, heavy);
  out.summary = fmt::format("{}: mean {} {}·SE <= bound at every recorded point from iter {}; worst ratio {:.4g}",
                            id, strict ? "+" : "-", k, from, worst_ratio);
  return out;
}

CheckOutcome tightness(const Params& p, const ResultSet& rs) {
  const std::string id = p.get_string("bound");
  const double max_ratio = p.get_real("max_ratio");
  double worst = 0.0;
  auto out = compare_with_bound("tightness", id, rs, p, [&](const BoundSeries& b, const MetricSeries& m, std::string& txt, CellVerdict& v) {
    if (m.size() == 0) {
      txt = "no recorded points";
      return false;
    }
    const std::size_t last = m.size() - 1;
    if (const auto bad = non_finite(m, last); !bad.empty()) {
      txt = bad;
      worst = INFINITY;
      return false;
    }
    const double B = b.at(m.points[last].iter);
    const double ratio = B / m.mean[last];
    worst = std::max(worst, ratio);
    v.values = {{"observed", m.mean[last]}, {"se", m.se[last]}, {"bound", B}, {"ratio", ratio},
                {"max_ratio", max_ratio}, {"iter", static_cast<double>(m.points[last].iter)}};
    txt = fmt::format("at iter {}: bound {:.6g} / mean {:.6g} = {:.4g} (max {})", m.points[last].iter, B,
                      m.mean[last], ratio, max_ratio);
    return ratio <= max_ratio;
  });
  out.values.emplace_back("worst_ratio", worst);
  out.summary = fmt::format("{}: bound / empirical mean at the last point <= {}; worst {:.4g}", id, max_ratio, worst);
  return out;
}

CheckOutcome matches_exact(const Params& p, const ResultSet& rs) {
  const std::string id = p.get_string("oracle");
  const double k = p.get_real("k");
  const double rel = p.get_real("rel_tol");
  const std::int64_t from = p.get_int("from_iter");
  const double floor_rel = p.get_real("floor");
  const bool null_se = p.get_string("se") == "exact";
  double worst_z = 0.0;
  HeavyTails heavy;
  auto out = compare_with_bound("matches_exact", id, rs, p, [&](const BoundSeries& b, const MetricSeries& m, std::string& txt, CellVerdict& v) {
    bool ok = true;
    double wz = 0.0;
    txt = "no points";
    std::size_t wi = m.size();
    for (std::size_t i = 0; i < m.size(); ++i) {
      const auto it = m.points[i].iter;
      if (it < from) continue;
      const double E = b.at(it);
      if (std::isnan(E)) continue;
      // Below the floating-point floor (floor · exact value at the first point) the run cannot follow the
      // oracle: ‖x − x*‖² of a double iterate stalls near (1e-16‖x*‖)². Not compared.
      if (floor_rel > 0 && !b.values.empty() && E < floor_rel * b.values.front()) continue;
      if (const auto bad = non_finite(m, i); !bad.empty()) {
        txt = bad;
        worst_z = INFINITY;
        v.values = {{"observed", m.mean[i]}, {"se", m.se[i]}, {"k", k}, {"bound", E}, {"iter", static_cast<double>(it)}};
        return false;
      }
      const double diff = std::abs(m.mean[i] - E);
      // se: exact — the SE from the spread about the exact value E, s0² = (1/n) Σ (x_j − E)² =
      // ((n−1) sd² + n (mean − E)²) / n, SE0 = s0/√n (the score test of H0: E[x] = E; literature). Under H0
      // s0² is unbiased for Var x like sd², but it does not shrink with the mean when a right-skewed sample
      // has missed its rare large runs (the sample mean and sd are then low together). z0 ≤ √n always, so
      // with k ≥ √n the point could never fail: such a point fails instead (more seeds needed).
      const double n_runs = i < m.n.size() ? static_cast<double>(m.n[i]) : 0.0;
      double se = m.se[i];
      if (null_se && n_runs >= 2) {
        se = std::sqrt(((n_runs - 1) * m.sd[i] * m.sd[i] + n_runs * diff * diff) / n_runs / n_runs);
        if (k >= std::sqrt(n_runs) && se > 0) {
          txt = fmt::format("se: exact with k = {} >= sqrt(n) = {:.3g} at iter {}: the check cannot fail there; use "
                            "more seeds or a smaller k", k, std::sqrt(n_runs), it);
          v.values = {{"observed", m.mean[i]}, {"se", se}, {"k", k}, {"bound", E}, {"iter", static_cast<double>(it)}};
          worst_z = INFINITY;
          return false;
        }
      }
      const double tol = k * se + rel * std::abs(E);
      const bool pt_ok = diff <= tol;
      const double z = se > 0 ? diff / se : (diff <= rel * std::abs(E) ? 0.0 : INFINITY);
      if (!pt_ok) ok = false;
      if (z >= wz || !pt_ok) {
        wz = std::max(wz, z);
        wi = i;
        txt = null_se ? fmt::format("largest |mean - exact| at iter {}: mean {:.6g}, exact {:.6g}, {:.3g} SE0 (SE0 {:.3g} "
                                    "about the exact value; sample SE {:.3g})",
                                    it, m.mean[i], E, z, se, m.se[i])
                      : fmt::format("largest |mean - exact| at iter {}: mean {:.6g}, exact {:.6g}, {:.3g} SE (SE {:.3g})",
                                    it, m.mean[i], E, z, m.se[i]);
        v.values = {{"observed", m.mean[i]}, {"se", se}, {"k", k}, {"bound", E},
                    {"z", z}, {"ratio", m.mean[i] / E}, {"iter", static_cast<double>(it)}};
      }
    }
    worst_z = std::max(worst_z, wz);
    if (wi < m.size()) note_tails(tails_at(m, wi), txt, heavy);
    return ok;
  });
  out.values.emplace_back("largest_z", worst_z);
  finish_tails(out, heavy);
  out.summary = fmt::format("{}: |MC mean - exact| <= {}·SE at every point from iter {}; largest {:.3g} SE", id, k,
                            from, worst_z);
  return out;
}

/// Slope of log(mean curve) against log(axis) over [from, to].
double curve_slope(const MetricSeries& m, const std::vector<double>& mean, const std::string& axis, std::int64_t from,
                   std::int64_t to) {
  std::vector<double> x, y;
  for (std::size_t i = 0; i < m.size(); ++i) {
    const auto it = m.points[i].iter;
    if (it < from || (to > 0 && it > to)) continue;
    const double xv = axis_value(m.points[i], axis);
    if (!(xv > 0) || !(mean[i] > 0) || !std::isfinite(mean[i])) continue;
    x.push_back(std::log(xv));
    y.push_back(std::log(mean[i]));
  }
  if (x.size() < 2) return NAN;
  return analysis::ols_slope(x, y);
}

CheckOutcome slope(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "slope";
  const std::string metric = p.get_string("metric");
  const std::string axis = p.get_string("x");
  const double expected = p.get_real("expected");
  const double tol = p.get_real("tolerance");
  const auto from = p.get_int("from_iter");
  const auto to = p.get_int("to_iter");
  const auto B = p.get_int("bootstrap");
  const double level = p.get_real("level");
  out.subject = metric + " vs " + axis;
  bool ok = false;
  int checked = 0;
  double worst_gap = 0.0;  // distance of the expected exponent outside the CI (0 inside)
  for (const CellResult* cp : cells_where(rs, p)) {
    const CellResult& c = *cp;
    if (checked++ == 0) ok = true;
    const MetricSeries* m = metric_of(c, metric);
    const std::string label = rs.cell_label(c);
    if (!m) {
      ok = false;
      out.details.push_back(label + ": metric " + metric + " not recorded");
      out.cells.push_back({label, CheckStatus::kFail, "metric " + metric + " not recorded", {}});
      continue;
    }
    const double s = curve_slope(*m, m->mean, axis, from, to);
    // Bootstrap over repetitions (analysis/statistics.hpp convention: unit = this cell).
    Rng rng = analysis::bootstrap_stream(c.id);
    const std::size_t R = m->values.size();
    std::vector<double> boot;
    std::vector<double> mean(m->size());
    std::vector<std::size_t> reps(R);
    for (std::int64_t b = 0; b < B && R > 1; ++b) {
      analysis::draw_resample(rng, reps);
      std::fill(mean.begin(), mean.end(), 0.0);
      for (std::size_t r : reps) {
        const auto& row = m->values[r];
        for (std::size_t i = 0; i < mean.size(); ++i) mean[i] += row[i] / static_cast<double>(R);
      }
      const double sb = curve_slope(*m, mean, axis, from, to);
      if (std::isfinite(sb)) boot.push_back(sb);
    }
    double lo = s, hi = s;
    if (!boot.empty()) std::tie(lo, hi) = analysis::central_interval(boot, level);
    const bool cell_ok = std::isfinite(s) && expected >= lo - tol && expected <= hi + tol;
    worst_gap = std::max(worst_gap, std::isfinite(s) ? std::max({0.0, lo - expected, expected - hi}) : INFINITY);
    ok = ok && cell_ok;
    const std::string msg = fmt::format("{} — fitted slope {:.4f}, {:.0f}% bootstrap CI [{:.4f}, {:.4f}] ± {} vs expected {}",
                                        cell_ok ? "ok" : "FAIL", s, 100 * level, lo, hi, tol, expected);
    out.details.push_back(label + ": " + msg);
    out.cells.push_back({label, cell_ok ? CheckStatus::kPass : CheckStatus::kFail, msg,
                         {{"observed", s}, {"bound", expected}, {"ci_low", lo}, {"ci_high", hi}, {"tolerance", tol}}});
    out.values.emplace_back("slope", s);
    out.values.emplace_back("ci_low", lo);
    out.values.emplace_back("ci_high", hi);
  }
  if (checked == 0) out.details.push_back("no cell selected: nothing was checked");
  out.passed = ok;
  out.values.emplace_back("largest_gap_outside_ci", worst_gap);
  out.summary = fmt::format("log-log slope of {} vs {} over iter [{}, {}] contains {} (± {})", metric, axis, from,
                            to > 0 ? std::to_string(to) : std::string("end"), expected, tol);
  return out;
}

}  // namespace

std::vector<CheckKind> bound_check_kinds() {
  std::vector<CheckKind> kinds;
  {
    CheckKind k;
    k.schema = {"bound_holds",
                "the empirical mean stays below an upper bound at every recorded point",
                {string_field("bound", std::nullopt, "bound id (listed under bounds:)"),
                 real_field("k", 3.0, 0.0, kInf, "standard errors added (strict) or subtracted (lenient)"),
                 choice_field("side", "strict", {"strict", "lenient"},
                              "strict: mean + k·SE <= bound (confidence that it holds); lenient: mean - k·SE <= "
                              "bound (fails only on a significant violation; for bounds tight to equality)"),
                 int_field("from_iter", 0, 0, kInf, "first iteration checked"),
                 real_field("floor", 0.0, 0.0, 1.0,
                            "skip points where the bound is below floor × its value at the first point "
                            "(floating-point floor of the simulation, e.g. 1e-20; 0: check every point)")}};
    k.run = bound_holds;
    k.roles = {{"bound", OptionRole::kSeriesId}};
    kinds.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"tightness",
                "an upper bound is not loose beyond a factor at the last recorded point",
                {string_field("bound", std::nullopt, "bound id (listed under bounds:)"),
                 real_field("max_ratio", 10.0, 1.0, kInf, "largest allowed bound / empirical mean")}};
    k.run = tightness;
    k.roles = {{"bound", OptionRole::kSeriesId}};
    kinds.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"matches_exact",
                "the Monte Carlo mean agrees with an exact oracle within k standard errors at every point",
                {string_field("oracle", std::nullopt, "id of an exact oracle (listed under bounds:)"),
                 real_field("k", 3.0, 0.0, kInf, "allowed standard errors"),
                 real_field("rel_tol", 1e-9, 0.0, 1.0, "relative slack for deterministic points (SE = 0)"),
                 int_field("from_iter", 0, 0, kInf, "first iteration checked"),
                 real_field("floor", 0.0, 0.0, 1.0,
                            "skip points where the exact value is below floor × its value at the first point "
                            "(floating-point floor of the simulation, e.g. 1e-20; 0: compare every point)"),
                 choice_field("se", "sample", {"sample", "exact"},
                              "sample: SE = sd/sqrt(n); exact: SE from the spread about the exact value, "
                              "sqrt(mean((x - exact)^2)/n) (score test; for right-skewed per-run values whose "
                              "sample sd is low whenever the mean is; needs k < sqrt(n))")}};
    k.run = matches_exact;
    k.roles = {{"oracle", OptionRole::kSeriesId}};
    kinds.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"slope",
                "the log-log slope of the mean curve has a bootstrap CI containing the expected exponent",
                {string_field("metric", std::nullopt, "recorded metric (dist2, subopt, grad2, …)"),
                 real_field("expected", std::nullopt, -kInf, kInf, "theoretical exponent, e.g. -1"),
                 choice_field("x", "iter", {"iter", "samples", "rounds", "vtime"}, "x-axis of the fit"),
                 int_field("from_iter", 1, 0, kInf, "fit window start (iteration)"),
                 int_field("to_iter", 0, 0, kInf, "fit window end (0: last point)"),
                 real_field("tolerance", 0.0, 0.0, kInf, "slack added to both ends of the CI"),
                 int_field("bootstrap", 1000, 0, 1e6, "bootstrap resamples over repetitions"),
                 real_field("level", 0.95, 0.0, 1.0, "confidence level", true, true)}};
    k.run = slope;
    k.per_run_metrics = bootstrapped_metric;
    kinds.push_back(std::move(k));
  }
  return kinds;
}

}  // namespace sgdcheck::papers::foundation
