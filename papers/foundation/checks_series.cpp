// Generic checks on series (first used for Patel & Dieuleveut 2019):
//   identity          two cells' curves agree: per repetition (paired, same random numbers), in the
//                     mean (k combined SE), or a bound/oracle series (exact identities)
//   reference_values  a bound/oracle (or the MC mean) reproduces stored values to a tolerance
//   beats             a bound/oracle is below a baseline bound/oracle in every cell
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "papers/foundation/checks.hpp"
#include "pipeline/checks_support.hpp"

namespace sgdcheck::papers::foundation {

using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::checks;

namespace {

// ---- identity -------------------------------------------------------------------------------------

CheckOutcome identity(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "identity";
  const std::string metric = p.get_string("metric"), bound = p.get_string("series"), mode = p.get_string("mode");
  const std::string reference = p.get_string("reference");
  const double tol = p.get_real("rel_tol"), k = p.get_real("k");
  const std::int64_t from = p.get_int("from_iter");
  const auto ref_filter = filter_of(rs, p, "reference");  // non-empty (checked at plan time)
  const auto where_filter = filter_of(rs, p, "where");
  const auto named = ref_filter.named_keys(rs.sweep_keys.size());
  out.subject = (bound.empty() ? metric + " (" + mode + ")" : bound) + " vs cells " + reference;
  bool ok = true;
  int pairs = 0;
  double worst = 0.0;  // rel diff (paired / bound) or z (mean)
  for (const auto& c : rs.cells) {
    if (!where_filter.matches(c.sweep_values) || ref_filter.matches(c.sweep_values)) continue;
    const std::string label = rs.cell_label(c);
    const CellResult* ref = nullptr;
    for (const auto& r : rs.cells)
      if (ref_filter.matches(r.sweep_values) &&
          analysis::group_key(r.sweep_values, named) == analysis::group_key(c.sweep_values, named))
        ref = &r;
    if (!ref) {
      ok = false;
      out.details.push_back(label + ": FAIL — no reference cell " + reference + " with the same other sweep values");
      continue;
    }
    ++pairs;
    const std::string rlabel = rs.cell_label(*ref);
    std::string txt = "no common points";
    double cell_worst = 0.0;
    bool cell_ok = true;
    if (!bound.empty()) {
      const BoundSeries *a = c.bound(bound), *b = ref->bound(bound);
      if (!a || !b || !a->applicable || !b->applicable) {
        ok = false;
        out.details.push_back(label + ": FAIL — " + bound + " not evaluated or not applicable in this cell or " + rlabel);
        continue;
      }
      for (std::size_t i = 0; i < a->iters.size(); ++i) {
        if (a->iters[i] < from) continue;
        const double vb = b->at(a->iters[i]);
        if (std::isnan(vb)) continue;
        const double r = rel_diff(a->values[i], vb);
        if (r >= cell_worst) {
          cell_worst = r;
          txt = fmt::format("largest relative difference {:.3g} at iter {}: {:.12g} vs {:.12g}", r, a->iters[i],
                            a->values[i], vb);
        }
      }
      cell_ok = cell_worst <= tol;
    } else {
      const MetricSeries *a = metric_of(c, metric), *b = metric_of(*ref, metric);
      if (!a || !b) {
        ok = false;
        out.details.push_back(label + ": FAIL — metric " + metric + " not recorded");
        continue;
      }
      std::map<std::int64_t, std::size_t> bidx;
      for (std::size_t j = 0; j < b->size(); ++j) bidx[b->points[j].iter] = j;
      if (mode == "paired" && a->seeds != b->seeds) {
        ok = false;
        out.details.push_back(label + ": FAIL — paired comparison needs the same seeds in both cells");
        continue;
      }
      for (std::size_t i = 0; i < a->size(); ++i) {
        const auto it = a->points[i].iter;
        if (it < from || !bidx.count(it)) continue;
        const std::size_t j = bidx[it];
        if (mode == "paired") {
          for (std::size_t r = 0; r < a->values.size() && r < b->values.size(); ++r) {
            const double va = a->values[r][i], vb = b->values[r][j];
            if (std::isnan(va) && std::isnan(vb)) continue;
            // Relative to max(|a|, |b|, |reference mean|): a repetition whose value is near 0 (w̄ crossing w*)
            // would otherwise turn rounding noise of the order 1e-16·|w| into a large relative difference.
            const double scale = std::max({std::abs(va), std::abs(vb), std::abs(b->mean[j])});
            const double d = std::isnan(va) || std::isnan(vb) ? INFINITY
                             : va == vb                      ? 0.0
                             : std::isfinite(scale) && scale > 0 ? std::abs(va - vb) / scale
                                                             : INFINITY;
            if (d >= cell_worst) {
              cell_worst = d;
              txt = fmt::format("largest relative difference {:.3g} at iter {}, rep {}: {:.15g} vs {:.15g}", d, it, r,
                                va, vb);
            }
          }
        } else {
          const double se = std::sqrt(a->se[i] * a->se[i] + b->se[j] * b->se[j]);
          const double diff = std::abs(a->mean[i] - b->mean[j]);
          const double z = se > 0 ? diff / se : (diff <= tol * std::abs(b->mean[j]) ? 0.0 : INFINITY);
          if (diff > k * se + tol * std::abs(b->mean[j])) cell_ok = false;
          if (z >= cell_worst) {
            cell_worst = z;
            txt = fmt::format("largest |difference of means| at iter {}: {:.6g} vs {:.6g}, {:.3g} combined SE (SE {:.3g})",
                              it, a->mean[i], b->mean[j], z, se);
          }
        }
      }
      if (mode == "paired") cell_ok = cell_worst <= tol;
    }
    worst = std::max(worst, cell_worst);
    ok = ok && cell_ok;
    out.details.push_back(label + " vs " + rlabel + ": " + (cell_ok ? "ok" : "FAIL") + " — " + txt);
  }
  if (pairs == 0) {
    ok = false;
    out.details.insert(out.details.begin(), "no (cell, reference) pair was selected: nothing was checked");
  }
  out.passed = ok;
  out.values = {{"pairs", pairs}, {"largest", worst}};
  out.summary = bound.empty() && mode == "mean"
                    ? fmt::format("{} pairs: |mean - reference mean| <= {}·SE (+ {} rel) at every point; largest {:.3g} SE",
                                  pairs, k, tol, worst)
                    : fmt::format("{} pairs: relative difference <= {:.3g} at every point{}; largest {:.3g}", pairs, tol,
                                  bound.empty() ? " and repetition" : "", worst);
  return out;
}

// ---- reference_values / beats -----------------------------------------------------------------------

CheckOutcome reference_values(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "reference_values";
  const std::string bound = p.get_string("series"), metric = p.get_string("metric"), where = p.get_string("where");
  const auto where_filter = filter_of(rs, p, "where");
  const std::string divide_by = p.get_string("divide_by");
  const auto& values = p.get_list("values");
  const double tol = p.get_real("rel_tol");
  const std::int64_t at = p.get_int("iter");
  out.subject = (bound.empty() ? "mean " + metric : bound) + (divide_by.empty() ? "" : " / " + divide_by) +
                (where.empty() ? "" : " where " + where);
  bool ok = true;
  std::size_t n = 0;
  double worst = 0.0;
  for (const auto& c : rs.cells) {
    if (!where_filter.matches(c.sweep_values)) continue;
    const std::string label = rs.cell_label(c);
    if (n >= values.size()) {
      ok = false;
      out.details.push_back(label + ": FAIL — more selected cells than values");
      ++n;
      continue;
    }
    const double want = values[n++];
    double got = NAN;
    std::int64_t it = at;
    if (!bound.empty()) {
      const BoundSeries* b = c.bound(bound);
      if (b && b->applicable && !b->iters.empty()) {
        if (it == 0) it = b->iters.back();
        got = b->at(it);
        if (!divide_by.empty()) {
          const BoundSeries* q = c.bound(divide_by);
          got = q && q->applicable ? got / q->at(it) : NAN;
        }
      }
    } else if (const MetricSeries* m = metric_of(c, metric)) {
      for (std::size_t i = 0; i < m->size(); ++i)
        if ((at == 0 && i + 1 == m->size()) || m->points[i].iter == at) {
          it = m->points[i].iter;
          got = m->mean[i];
        }
    }
    const double r = std::abs(got - want) / std::abs(want);
    const bool cell_ok = std::isfinite(got) && r <= tol;
    worst = std::max(worst, std::isfinite(r) ? r : INFINITY);
    ok = ok && cell_ok;
    out.details.push_back(fmt::format("{}: {} — at iter {}: {:.12g} vs stored {:.12g} (relative difference {:.3g})", label,
                                      cell_ok ? "ok" : "FAIL", it, got, want, r));
  }
  if (n != values.size()) {
    ok = false;
    out.details.push_back(fmt::format("FAIL — {} cells selected for {} stored values", n, values.size()));
  }
  out.passed = ok;
  out.values = {{"values", static_cast<double>(values.size())}, {"largest_relative_difference", worst}};
  out.summary = fmt::format("{} stored values, relative tolerance {:.3g}; largest relative difference {:.3g}",
                            values.size(), tol, worst);
  return out;
}

CheckOutcome beats(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "beats";
  const std::string bound = p.get_string("bound"), baseline = p.get_string("baseline");
  const auto where_filter = filter_of(rs, p, "where");
  const double margin = p.get_real("margin");
  const std::int64_t at = p.get_int("iter");
  out.subject = bound + " < " + baseline;
  bool ok = true;
  int n = 0;
  double worst = 0.0;
  for (const auto& c : rs.cells) {
    if (!where_filter.matches(c.sweep_values)) continue;
    const std::string label = rs.cell_label(c);
    const BoundSeries *a = c.bound(bound), *b = c.bound(baseline);
    if (!a || !b || !a->applicable || !b->applicable || a->iters.empty()) {
      ok = false;
      out.details.push_back(label + ": FAIL — a series is not evaluated or not applicable");
      continue;
    }
    ++n;
    const std::int64_t it = at == 0 ? a->iters.back() : at;
    const double va = a->at(it), vb = b->at(it);
    const double ratio = va / vb;
    const bool cell_ok = std::isfinite(ratio) && ratio < 1.0 - margin;
    worst = std::max(worst, std::isfinite(ratio) ? ratio : INFINITY);
    ok = ok && cell_ok;
    out.details.push_back(fmt::format("{}: {} — at iter {}: {:.6g} vs baseline {:.6g} (ratio {:.4f})", label,
                                      cell_ok ? "ok" : "FAIL", it, va, vb, ratio));
  }
  if (n == 0) {
    ok = false;
    out.details.insert(out.details.begin(), "no cell selected: nothing was checked");
  }
  out.passed = ok;
  out.values = {{"cells", n}, {"largest_ratio", worst}};
  out.summary = fmt::format("{} cells: value / baseline < {} at iter {}; largest ratio {:.4f}", n, 1.0 - margin,
                            at == 0 ? std::string("last") : std::to_string(at), worst);
  return out;
}

}  // namespace

std::vector<CheckKind> series_check_kinds() {
  std::vector<CheckKind> kinds;
  {
    CheckKind k;
    k.schema = {"identity",
                "each selected cell's curve equals that of its reference cell (same other sweep values): per "
                "repetition, in the mean, or as a bound/oracle series (the derived identities of local SGD)",
                {string_field("reference", std::nullopt,
                              "key=value[, key=value] selecting the reference cells; each compared cell is paired with "
                              "the reference cell that agrees on every other sweep key"),
                 string_field("metric", "dist2", "recorded metric compared (when bound is empty)"),
                 string_field("series", "", "compare this bound/oracle series (an id listed under bounds:) instead of the "
                              "metric (empty: the metric)"),
                 choice_field("mode", "paired", {"paired", "mean"},
                              "paired: every repetition's value (same random numbers) within rel_tol, relative to max(|a|, |b|, "
                              "reference mean); mean: the means "
                              "within k combined standard errors (+ rel_tol relative)"),
                 real_field("rel_tol", 1e-12, 0.0, 1.0, "relative tolerance (paired values, bound series, mean slack)"),
                 real_field("k", 4.0, 0.0, kInf, "mean mode: allowed combined standard errors sqrt(SE_a^2 + SE_b^2)"),
                 int_field("from_iter", 0, 0, kInf, "first iteration compared")}};
    k.run = identity;
    k.roles = {{"reference", OptionRole::kFilter}, {"series", OptionRole::kSeriesId}};
    k.check_options = [](const Params& p) {
      if (p.get_string("reference").empty()) p.fail("reference", "reference names at least one key=value");
    };
    k.per_run_metrics = [](const Params& p) {
      return p.get_string("series").empty() && p.get_string("mode") == "paired" ? std::vector<std::string>{p.get_string("metric")}
                                                                               : std::vector<std::string>{};
    };
    kinds.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"reference_values",
                "a bound/oracle (or the Monte Carlo mean) reproduces stored reference values, one per selected cell "
                "in cell order",
                {list_field("values", std::nullopt, "stored values, one per selected cell (cells in results order)"),
                 string_field("series", "", "bound/oracle id listed under bounds: (empty: the seed mean of metric)"),
                 string_field("metric", "dist2", "recorded metric (when bound is empty)"),
                 string_field("divide_by", "", "compare bound / this bound at the same iteration (e.g. error / floor)"),
                 int_field("iter", 0, 0, kInf, "iteration compared (0: the last point)"),
                 real_field("rel_tol", 1e-8, 0.0, 1.0, "relative tolerance")}};
    k.run = reference_values;
    k.roles = {{"series", OptionRole::kSeriesId}, {"divide_by", OptionRole::kSeriesId}};
    kinds.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"beats",
                "a bound/oracle is strictly below a baseline bound/oracle in every selected cell (e.g. the exact "
                "error of power(beta) against rounds(C) with the same C)",
                {string_field("bound", std::nullopt, "bound/oracle id that must be smaller"),
                 string_field("baseline", std::nullopt, "bound/oracle id it is compared with"),
                 int_field("iter", 0, 0, kInf, "iteration compared (0: the last point)"),
                 real_field("margin", 0.0, 0.0, 1.0, "required relative margin: value < (1 - margin)·baseline")}};
    k.run = beats;
    k.roles = {{"bound", OptionRole::kSeriesId}, {"baseline", OptionRole::kSeriesId}};
    kinds.push_back(std::move(k));
  }
  return kinds;
}

}  // namespace sgdcheck::papers::foundation
