// Check kinds of Patel & Dieuleveut (2019) (spec papers/patel2019_localsgd.md §4.3, §5):
//   identity          two cells' curves agree: per repetition (paired, same random numbers), in the
//                     mean (k combined SE), or a bound/oracle series (exact identities of §4.3)
//   threshold         C*(ε): the smallest (log-interpolated) round count C with err(C) <= (1+ε)·err(MBA),
//                     from paired differences over repetitions; gate C* <= max_ratio·P·√N (one-sided, §4.2)
//   monotone          err(OSA)/err(MBA) rises (or falls) along a sweep key, e.g. with P at fixed N, α
//   reference_values  a bound/oracle (or the MC mean) reproduces stored spec values to a tolerance
//   beats             a bound/oracle is below a baseline bound/oracle in every cell (E3: power(β) beats
//                     rounds(C) at equal C)
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "pipeline/checks.hpp"
#include "pipeline/components.hpp"

namespace sgdcheck::pipeline {

namespace {

using Terms = std::vector<std::pair<std::string, std::string>>;

Terms parse_terms(const std::string& where) {
  Terms out;
  std::size_t pos = 0;
  while (pos < where.size()) {
    std::size_t end = where.find(',', pos);
    if (end == std::string::npos) end = where.size();
    std::string term = where.substr(pos, end - pos);
    pos = end + 1;
    term.erase(0, term.find_first_not_of(' '));
    term.erase(term.find_last_not_of(' ') + 1);
    if (term.empty()) continue;
    const auto eq = term.find('=');
    if (eq == std::string::npos) throw ConfigError("checks: " + where + ": expected key=value[, key=value]");
    out.emplace_back(term.substr(0, eq), term.substr(eq + 1));
  }
  return out;
}

bool key_matches(const std::string& sweep_key, const std::string& key) {
  return sweep_key == key || sweep_key.substr(sweep_key.find('.') + 1) == key;
}

/// Index of a sweep key (full or without its scope); throws ConfigError if it is not one.
std::size_t sweep_index(const ResultSet& rs, const std::string& key, const std::string& what) {
  for (std::size_t k = 0; k < rs.sweep_keys.size(); ++k)
    if (key_matches(rs.sweep_keys[k], key)) return k;
  throw ConfigError("checks: " + what + " = " + key + " is not a sweep key of this experiment");
}

/// Sweep keys named in `terms` (their indices).
std::vector<bool> named_keys(const ResultSet& rs, const Terms& terms, const std::string& what) {
  std::vector<bool> named(rs.sweep_keys.size(), false);
  for (const auto& t : terms) named[sweep_index(rs, t.first, what)] = true;
  return named;
}

/// Key of a cell over the sweep keys not in `skip`.
std::string group_key(const CellResult& c, const std::vector<bool>& skip) {
  std::string k;
  for (std::size_t i = 0; i < c.sweep_values.size(); ++i)
    if (!skip[i]) k += c.sweep_values[i] + "\x1f";
  return k;
}

std::string group_label(const ResultSet& rs, const CellResult& c, const std::vector<bool>& skip) {
  std::string s;
  for (std::size_t i = 0; i < c.sweep_values.size(); ++i) {
    if (skip[i]) continue;
    if (!s.empty()) s += ", ";
    s += rs.sweep_keys[i] + "=" + c.sweep_values[i];
  }
  return s.empty() ? "all" : s;
}

double option_real(const CellResult& c, const std::string& key) {
  auto it = c.options.find(key);
  if (it == c.options.end()) return NAN;
  try {
    return std::stod(it->second);
  } catch (...) {
    return NAN;
  }
}

const MetricSeries* metric_of(const CellResult& c, const std::string& metric) {
  auto it = c.metrics.find(metric);
  return it == c.metrics.end() ? nullptr : &it->second;
}

double rel_diff(double a, double b) {
  if (a == b) return 0.0;  // also both ±inf of the same sign
  const double s = std::max(std::abs(a), std::abs(b));
  if (!std::isfinite(s)) return INFINITY;
  return std::abs(a - b) / (s > 0 ? s : 1.0);
}

// ---- identity -------------------------------------------------------------------------------------

CheckOutcome identity(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "identity";
  const std::string metric = p.get_string("metric"), bound = p.get_string("series"), mode = p.get_string("mode");
  const std::string reference = p.get_string("reference"), where = p.get_string("where");
  const double tol = p.get_real("rel_tol"), k = p.get_real("k");
  const std::int64_t from = p.get_int("from_iter");
  const Terms ref_terms = parse_terms(reference);
  if (ref_terms.empty()) throw ConfigError("checks: identity: reference must name at least one key=value");
  const auto named = named_keys(rs, ref_terms, "identity reference");
  out.subject = (bound.empty() ? metric + " (" + mode + ")" : bound) + " vs cells " + reference;
  bool ok = true;
  int pairs = 0;
  double worst = 0.0;  // rel diff (paired / bound) or z (mean)
  for (const auto& c : rs.cells) {
    if (!selected(rs, c, where) || selected(rs, c, reference)) continue;
    const std::string label = rs.cell_label(c);
    const CellResult* ref = nullptr;
    for (const auto& r : rs.cells)
      if (selected(rs, r, reference) && group_key(r, named) == group_key(c, named)) ref = &r;
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
  out.summary = bound.empty() && mode == "mean"
                    ? fmt::format("{} pairs: |mean - reference mean| <= {}·SE (+ {} rel) at every point; largest {:.3g} SE",
                                  pairs, k, tol, worst)
                    : fmt::format("{} pairs: relative difference <= {:.3g} at every point{}; largest {:.3g}", pairs, tol,
                                  bound.empty() ? " and repetition" : "", worst);
  return out;
}

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
                                       const std::string& bound, const std::string& where,
                                       std::vector<std::string>& problems) {
  std::map<std::string, RoundsGroup> groups;
  std::vector<std::string> order;
  for (const auto& c : rs.cells) {
    if (!selected(rs, c, where)) continue;
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
  const std::size_t R = std::min(c.err.size(), mba.err.size());
  double sd = 0, sm = 0, n = 0;
  std::vector<double> d;
  for (std::size_t r = 0; r < R; ++r) {
    if (!std::isfinite(c.err[r]) || !std::isfinite(mba.err[r])) continue;
    d.push_back(c.err[r] - mba.err[r]);
    sd += d.back();
    sm += mba.err[r];
    n += 1;
  }
  if (n < 2) return {NAN, NAN};
  const double md = sd / n, mm = sm / n;
  double v = 0;
  for (double x : d) v += (x - md) * (x - md);
  v /= (n - 1);
  return {md / mm, std::sqrt(v / n) / mm};
}

CheckOutcome threshold(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "threshold";
  const std::string metric = p.get_string("metric"), over = p.get_string("over"), where = p.get_string("where");
  const double eps = p.get_real("eps"), max_ratio = p.get_real("max_ratio");
  std::vector<bool> skip(rs.sweep_keys.size(), false);
  skip[sweep_index(rs, over, "threshold over")] = true;
  std::vector<std::string> problems;
  const auto groups = rounds_groups(rs, skip, metric, "", where, problems);
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
  out.summary = fmt::format(
      "smallest log-interpolated C with mean paired err(C) - err(MBA) <= {}·err(MBA), walking down from MBA; gate "
      "C* <= {}·P·sqrt(N) (one-sided); largest C*/(P·sqrt(N)) {:.3g} over {} groups",
      eps, max_ratio, worst, groups.size());
  return out;
}

CheckOutcome monotone(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "monotone";
  const std::string metric = p.get_string("metric"), over = p.get_string("over"), along = p.get_string("along");
  const std::string bound = p.get_string("series"), where = p.get_string("where");
  const bool increasing = p.get_string("direction") == "increasing";
  const double k = p.get_real("k");
  std::vector<bool> skip(rs.sweep_keys.size(), false);
  skip[sweep_index(rs, over, "monotone over")] = true;
  const std::size_t ai = sweep_index(rs, along, "monotone along");
  std::vector<std::string> problems;
  const auto groups = rounds_groups(rs, skip, metric, bound, where, problems);
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
    series[key].emplace_back(std::stod(c.sweep_values[ai]), ratio, se,
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
  out.summary = fmt::format("err(smallest C >= 1)/err(MBA) at the last point is {} in {} (a step may go against it "
                            "by at most {}·SE); {} steps compared",
                            increasing ? "increasing" : "decreasing", along, k, compared);
  return out;
}

// ---- reference_values / beats -----------------------------------------------------------------------

CheckOutcome reference_values(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "reference_values";
  const std::string bound = p.get_string("series"), metric = p.get_string("metric"), where = p.get_string("where");
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
    if (!selected(rs, c, where)) continue;
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
  out.summary = fmt::format("{} stored values, relative tolerance {:.3g}; largest relative difference {:.3g}",
                            values.size(), tol, worst);
  return out;
}

CheckOutcome beats(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "beats";
  const std::string bound = p.get_string("bound"), baseline = p.get_string("baseline"), where = p.get_string("where");
  const double margin = p.get_real("margin");
  const std::int64_t at = p.get_int("iter");
  out.subject = bound + " < " + baseline;
  bool ok = true;
  int n = 0;
  double worst = 0.0;
  for (const auto& c : rs.cells) {
    if (!selected(rs, c, where)) continue;
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
  out.summary = fmt::format("{} cells: value / baseline < {} at iter {}; largest ratio {:.4f}", n, 1.0 - margin,
                            at == 0 ? std::string("last") : std::to_string(at), worst);
  return out;
}

CheckOutcome oracle_slope(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "oracle_slope";
  const std::string bound = p.get_string("bound"), where = p.get_string("where");
  const std::int64_t from = p.get_int("from_iter"), to = p.get_int("to_iter");
  const double lo = p.get_real("min"), hi = p.get_real("max");
  out.subject = bound;
  bool ok = true;
  int n = 0;
  double smin = INFINITY, smax = -INFINITY;
  for (const auto& c : rs.cells) {
    if (!selected(rs, c, where)) continue;
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
    const double s = x.size() >= 2 ? ols_slope(x, y) : NAN;
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
  out.summary = fmt::format("least-squares slope of log {} against log iter (= log T - log(P·b)) in [{}, {}] over iter "
                            "[{}, {}]; observed [{:.4f}, {:.4f}] over {} cells",
                            bound, lo, hi, from, to > 0 ? std::to_string(to) : std::string("end"), smin, smax, n);
  return out;
}

}  // namespace

std::vector<CheckKind> patel_check_kinds() {
  std::vector<CheckKind> kinds;
  {
    CheckKind k;
    k.schema = {"identity",
                "each selected cell's curve equals that of its reference cell (same other sweep values): per "
                "repetition, in the mean, or as a bound/oracle series (Patel §4.3 identities)",
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
    k.per_run_metrics = [](const Params& p) {  // paired: rep-by-rep comparison (common random numbers)
      return p.get_string("series").empty() && p.get_string("mode") == "paired"
                 ? std::vector<std::string>{p.get_string("metric")} : std::vector<std::string>{};
    };
    kinds.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"threshold",
                "round threshold C*(eps) of local SGD from paired differences: the smallest log-interpolated C with "
                "err(C) <= (1+eps)·err(MBA); gate C* <= max_ratio·P·sqrt(N) (Patel §4.2, one-sided)",
                {string_field("over", std::nullopt,
                              "sweep key that varies the communication set (e.g. schedule.rounds); cells agreeing on "
                              "every other sweep key form one group, which needs its MBA cell (C = N)"),
                 string_field("metric", "dist2", "recorded metric (the run's iterate, e.g. the PR average)"),
                 real_field("eps", 0.1, 0.0, kInf, "relative excess over MBA that defines the threshold", true),
                 real_field("max_ratio", 1.0, 0.0, kInf, "gate: C* <= max_ratio·P·sqrt(N)", true)}};
    k.run = threshold;
    k.per_run_metrics = [](const Params& p) {  // paired excess over MBA, rep by rep
      return std::vector<std::string>{p.get_string("metric")};
    };
    kinds.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"monotone",
                "err(OSA)/err(MBA) at the last point (OSA: the smallest C >= 1 of the group) rises or falls along a "
                "sweep key, e.g. with P at fixed N and alpha (Patel §5 E5)",
                {string_field("over", std::nullopt, "sweep key that varies the communication set (defines the groups)"),
                 string_field("along", std::nullopt, "sweep key along which the ratio must be monotone (e.g. workers)"),
                 string_field("metric", "dist2", "recorded metric"),
                 string_field("series", "", "use this bound/oracle (an id listed under bounds:) at the last point instead "
                              "of the Monte Carlo mean"),
                 choice_field("direction", "increasing", {"increasing", "decreasing"}, "expected direction"),
                 real_field("k", 0.0, 0.0, kInf, "a step may go against the direction by at most k paired SE (0: strict)")}};
    k.run = monotone;
    k.per_run_metrics = [](const Params& p) {  // paired excess over MBA unless a bound series is compared
      return p.get_string("series").empty() ? std::vector<std::string>{p.get_string("metric")} : std::vector<std::string>{};
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
    kinds.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"oracle_slope",
                "the log-log slope of a deterministic bound/oracle series against the iteration lies in [min, max] "
                "(e.g. the exact PR error against T, Patel §5 E4)",
                {string_field("bound", std::nullopt, "bound/oracle id"),
                 int_field("from_iter", 1, 0, kInf, "fit window start (iteration)"),
                 int_field("to_iter", 0, 0, kInf, "fit window end (0: last point)"),
                 real_field("min", std::nullopt, -kInf, kInf, "smallest allowed slope"),
                 real_field("max", std::nullopt, -kInf, kInf, "largest allowed slope")}};
    k.run = oracle_slope;
    kinds.push_back(std::move(k));
  }
  return kinds;
}

}  // namespace sgdcheck::pipeline
