// Regatti et al. (2019) check kinds (spec §6):
//   regatti2019.coupling          C1: delta exactly 0 before the first batch containing j; tau = 0 is plain SGD bit for bit
//   regatti2019.lipschitz         C2: |f(x;z) - f(x';z)| <= L delta for every run and z (lip_excess <= tol)
//   regatti2019.stability_bounds  C3: mean - k SE <= every applicable, admissible, non-vacuous regatti.* bound
//   regatti2019.d2_cap            C4: under d2_cap measured <= d2_delay at every tau and the bound strictly decreases in tau
//   regatti2019.golden            C5: the bounds' golden values
//   regatti2019.baseline          C6: bound/measured at the last point against a stored baseline (regression signal)
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "bounds/formula.hpp"
#include "pipeline/checks_support.hpp"

namespace sgdcheck::papers::regatti2019 {
using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::checks;

std::vector<bounds::Formula> formulas();  // bounds.cpp

namespace {

constexpr double kRelSlack = 1e-12;

double scalar_of(const RunScalars& s, const std::string& name) {
  for (const auto& [n, v] : s)
    if (n == name) return v;
  return NAN;
}

CheckOutcome coupling(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "regatti2019.coupling";
  out.subject = "C1: delta = 0 before the first draw of j; tau = 0 equals plain SGD bit for bit";
  std::size_t runs = 0, plain_runs = 0, bad = 0;
  for (const CellResult* c : cells_where(rs, p)) {
    std::size_t cell_bad = 0, cell_plain = 0;
    for (const auto& s : c->run_scalars) {
      const double pre = scalar_of(s, "c1_pre_j_diff"), mis = scalar_of(s, "c1_sgd_mismatch");
      if (std::isnan(pre)) continue;
      ++runs;
      if (pre != 0.0) ++cell_bad;
      if (!std::isnan(mis)) {
        ++cell_plain;
        if (mis != 0.0) ++cell_bad;
      }
    }
    plain_runs += cell_plain;
    bad += cell_bad;
    out.details.push_back(fmt::format("{}: {} ({} draws, {} with the plain-SGD comparison)", rs.cell_label(*c),
                                      cell_bad ? "FAIL" : "ok", c->run_scalars.size(), cell_plain));
  }
  out.passed = runs > 0 && bad == 0;
  if (runs == 0) out.skip("no coupled_sgd run recorded c1_pre_j_diff");
  out.values = {{"runs", static_cast<double>(runs)}, {"plain_sgd_runs", static_cast<double>(plain_runs)},
                {"violations", static_cast<double>(bad)}};
  out.summary = fmt::format("{} draws checked ({} against plain SGD), {} violations", runs, plain_runs, bad);
  return out;
}

CheckOutcome lipschitz(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "regatti2019.lipschitz";
  out.subject = "C2: |f(x_t;z) - f(x'_t;z)| <= L delta_t pathwise";
  const double tol = p.get_real("tol");
  double worst = -INFINITY;
  int cells = 0;
  bool ok = true;
  for (const CellResult* c : cells_where(rs, p)) {
    const MetricSeries* m = metric_of(*c, "lip_excess");
    if (!m) continue;
    ++cells;
    double w = -INFINITY;
    for (std::size_t i = 0; i < m->size(); ++i) w = std::max(w, m->max[i]);
    const bool cell_ok = w <= tol;
    ok = ok && cell_ok;
    worst = std::max(worst, w);
    out.details.push_back(fmt::format("{}: {} — largest |df| - L delta {:.3g}", rs.cell_label(*c), cell_ok ? "ok" : "FAIL", w));
  }
  out.passed = ok && cells > 0;
  if (cells == 0) out.skip("no cell recorded lip_excess");
  out.values = {{"worst_excess", worst}};
  out.summary = fmt::format("largest |df| - L delta over runs, z and points: {:.3g} (tolerance {:.3g})", worst, tol);
  return out;
}

/// mean − k·SE <= B at every point from `from` on; +inf points (vacuous there) are counted apart.
struct Comparison {
  bool ok = true;
  int compared = 0, vacuous_points = 0;
  double worst_ratio = -INFINITY;
  std::string worst;
};
Comparison compare(const BoundSeries& b, const MetricSeries& m, double k, std::int64_t from) {
  Comparison r;
  for (std::size_t i = 0; i < m.size(); ++i) {
    const std::int64_t it = m.points[i].iter;
    if (it < from) continue;
    const double B = b.at(it);
    if (std::isnan(B)) continue;
    if (B == INFINITY) {
      ++r.vacuous_points;
      continue;
    }
    ++r.compared;
    const std::string bad = non_finite(m, i);
    const double lhs = m.mean[i] - k * m.se[i];
    const bool pt_ok = bad.empty() && lhs <= B * (1 + kRelSlack) + 1e-300;
    r.ok = r.ok && pt_ok;
    const double ratio = m.mean[i] / B;
    if (!pt_ok || ratio > r.worst_ratio) {
      r.worst_ratio = std::max(r.worst_ratio, ratio);
      r.worst = bad.empty() ? fmt::format("iter {}: mean {:.4g} - {}·SE {:.3g} vs bound {:.4g}", it, m.mean[i], k, m.se[i], B)
                            : bad;
    }
  }
  return r;
}

CheckOutcome stability_bounds(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "regatti2019.stability_bounds";
  out.subject = "C3: measured <= every applicable, admissible, non-vacuous regatti bound";
  const double k = p.get_real("k");
  const std::int64_t from = p.get_int("from_iter");
  int compared = 0, skipped = 0, failed = 0;
  double worst = -INFINITY;
  std::map<std::string, std::string> skip_reasons;
  for (const CellResult* c : cells_where(rs, p)) {
    for (const BoundSeries& b : c->bounds) {
      if (b.id.rfind("regatti.", 0) != 0) continue;
      const std::string label = rs.cell_label(*c) + " " + b.id;
      if (!b.applicable) {
        ++skipped;
        skip_reasons.emplace(b.id, "not admissible: " + b.reason);
        continue;
      }
      const MetricSeries* m = metric_of(*c, b.metric);
      if (!m) continue;
      const Comparison r = compare(b, *m, k, from);
      if (r.compared == 0) {
        ++skipped;
        skip_reasons.emplace(b.id, "vacuous at every point (eps >= sup f)");
        out.details.push_back(label + ": skipped, vacuous");
        continue;
      }
      ++compared;
      worst = std::max(worst, r.worst_ratio);
      if (!r.ok) ++failed;
      out.details.push_back(fmt::format("{}: {} — {} points{} — worst {}", label, r.ok ? "ok" : "FAIL", r.compared,
                                        r.vacuous_points ? fmt::format(" ({} vacuous points skipped)", r.vacuous_points) : "",
                                        r.worst));
    }
  }
  for (const auto& [id, why] : skip_reasons) out.details.push_back(fmt::format("skipped {}: {}", id, why));
  out.passed = failed == 0 && compared > 0;
  if (compared == 0) out.skip("no applicable, non-vacuous regatti bound in the selected cells");
  out.values = {{"compared", compared}, {"skipped", skipped}, {"failed", failed}, {"worst_ratio", worst}};
  out.summary = fmt::format("{} bound series compared ({} failed), {} skipped (inadmissible or vacuous, not counted); "
                            "largest mean/bound {:.3g}",
                            compared, failed, skipped, worst);
  return out;
}

CheckOutcome d2_cap(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "regatti2019.d2_cap";
  out.subject = "C4: under d2_cap, delta <= d2_delay at every tau and the bound strictly decreases in tau";
  const double k = p.get_real("k");
  const std::string id = "regatti.d2_delay.delta";
  const std::vector<const CellResult*> cells = cells_where(rs, p);
  bool ok = !cells.empty();
  int compared = 0;
  for (const auto& g : groups_along(rs, cells, "runner.delay.tau")) {
    double previous = INFINITY;
    for (std::size_t q = 0; q < g.cells.size(); ++q) {
      const CellResult& c = *g.cells[q];
      const BoundSeries* b = c.bound(id);
      const MetricSeries* m = metric_of(c, "delta");
      if (!b || !b->applicable || !m || b->values.empty()) {
        ok = false;
        out.details.push_back(rs.cell_label(c) + ": FAIL — d2_delay not applicable" + (b ? " (" + b->reason + ")" : ""));
        continue;
      }
      const Comparison r = compare(*b, *m, k, 1);
      const double last = b->values.back();
      const bool decreasing = last < previous;
      ok = ok && r.ok && decreasing && r.compared > 0;
      ++compared;
      out.details.push_back(fmt::format("{} (tau {}): {} — bound at T {:.4g}{}; {}", rs.cell_label(c), g.x[q],
                                        r.ok && decreasing ? "ok" : "FAIL", last,
                                        decreasing ? "" : " not below the previous tau", r.worst));
      previous = last;
    }
  }
  out.passed = ok && compared > 0;
  out.values = {{"cells", compared}};
  out.summary = fmt::format("{} cells under d2_cap", compared);
  return out;
}

CheckOutcome golden(const Params&, const ResultSet&) {
  CheckOutcome out;
  out.check = "regatti2019.golden";
  out.subject = "C5: golden values of the stability bounds";
  struct Case {
    const char* id;
    std::map<std::string, double> args;
    const char* output;
    double expected, tol;
  };
  const std::vector<Case> cases = {
      {"regatti.d2_delay", {{"L", 1}, {"beta", 0.1}, {"n", 100}, {"T", 3000}, {"alpha", 0.5}}, "eps", 65.477, 5e-4},
      {"regatti.d2_delay", {{"L", 1}, {"beta", 0.1}, {"n", 100}, {"T", 3000}, {"alpha", 0.5}, {"tau", 4}}, "eps", 76.432, 5e-4},
      {"regatti.d2_delay", {{"L", 1}, {"beta", 0.25}, {"n", 100}, {"T", 3000}, {"alpha", 2.0 / 8.25}, {"tau", 16}}, "eps", 44.346, 5e-4},
      {"regatti.hrs_cvx", {{"L", 1}, {"beta", 0.25}, {"n", 100}, {"T", 3000}, {"alpha", 0.5}}, "eps", 30.0, 1e-9},
      {"regatti.hrs_nc", {{"L", 1}, {"beta", 0.25}, {"n", 500}, {"T", 3000}, {"c", 2}}, "eps", 0.21849, 5e-6},
      {"regatti.nc_numeric", {{"L", 1}, {"beta", 0.25}, {"n", 500}, {"T", 3000}, {"c", 2}}, "eps", 0.2002, 5e-5},
      {"regatti.hrs_sc", {{"L", 2}, {"beta", 1}, {"gamma", 0.1}, {"n", 100}, {"T", 1000000}, {"alpha", 0.5}}, "dist", 0.4, 1e-9},
      {"regatti.hrs_sc", {{"L", 2}, {"beta", 1}, {"gamma", 0.1}, {"n", 100}, {"T", 1000000}, {"alpha", 0.5}}, "eps", 0.8, 1e-9},
      {"regatti.d1_delay", {{"L", 1}, {"beta", 0.25}, {"n", 100}, {"T", 50}, {"alpha", 0.1}}, "dist", 0.19357, 5e-6},
  };
  const auto all = formulas();
  bool ok = true;
  for (const auto& c : cases) {
    const auto f = std::find_if(all.begin(), all.end(), [&](const bounds::Formula& g) { return g.info.id == c.id; });
    double v = NAN;
    if (f != all.end()) {
      const bounds::FormulaArgs a = bounds::validate_formula_args(*f, c.args, false);
      if (!f->hypotheses(a))
        for (const auto& o : f->evaluate(a).outputs)
          if (o.name == c.output) v = o.value;
    }
    const bool good = std::abs(v - c.expected) <= c.tol;
    ok = ok && good;
    out.details.push_back(fmt::format("{} {} = {:.6g}, golden {} ± {}: {}", c.id, c.output, v, c.expected, c.tol,
                                      good ? "ok" : "FAIL"));
  }
  out.passed = ok;
  out.summary = fmt::format("{} golden values", cases.size());
  return out;
}


/// The baseline file of C6: relative to the experiment file, no "..", a .json name.
std::filesystem::path baseline_path(const Params& p) {
  const std::string& file = p.get_string("file");
  std::filesystem::path path = file;
  const std::string origin = p.where("file").file;
  if (!origin.empty()) path = std::filesystem::path(origin).parent_path() / path;
  return path;
}

void check_baseline_options(const Params& p) {
  const std::string& file = p.get_string("file");
  const std::filesystem::path f = file;
  bool up = false;
  for (const auto& part : f) up = up || part == "..";
  if (file.empty() || f.is_absolute() || up || f.extension() != ".json")
    p.fail("file", "a relative .json path below the experiment file's directory (no '..')");
}

/// ρ = bound/mean at the last recorded point of every applicable, finite regatti bound series.
struct Rho {
  std::string key;  ///< "<cell label> | <bound id> | T=<T> n=<n>"
  double rho, rel_se;
};
std::vector<Rho> current_rhos(const ResultSet& rs, const Params& p) {
  std::vector<Rho> out;
  for (const CellResult* c : cells_where(rs, p))
    for (const BoundSeries& b : c->bounds) {
      if (b.id.rfind("regatti.", 0) != 0 || !b.applicable || b.values.empty()) continue;
      const MetricSeries* m = metric_of(*c, b.metric);
      if (!m || m->size() == 0) continue;
      const std::size_t last = m->size() - 1;
      const double B = b.at(m->points[last].iter), mean = m->mean[last];
      if (!std::isfinite(B) || !(mean > 0) || !std::isfinite(m->se[last])) continue;
      // T and n are part of the key: a baseline of the quick form is never compared with the full form.
      const auto n = c->options.find("problem.n");
      out.push_back({fmt::format("{} | {} | T={} n={}", rs.cell_label(*c), b.id, m->points[last].iter,
                                 n == c->options.end() ? std::string("?") : n->second),
                     B / mean, m->se[last] / mean});
    }
  return out;
}

CheckOutcome baseline(const Params& p, const ResultSet& rs) {
  CheckOutcome out;
  out.check = "regatti2019.baseline";
  out.subject = "C6: tightness rho = bound/measured at T against the stored baseline " + p.get_string("file");
  const double factor = p.get_real("factor"), k = p.get_real("k");
  const std::vector<Rho> now = current_rhos(rs, p);
  // The current values, for regenerating the baseline (scripts/regatti_baseline.py reads checks.json).
  for (const auto& r : now) out.values.emplace_back("rho " + r.key, r.rho);
  const std::filesystem::path path = baseline_path(p);
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    out.skip("baseline file " + path.string() + " not found (regenerate it: scripts/regatti_baseline.py)");
    return out;
  }
  if (size > (1u << 20)) {
    out.details.push_back("baseline file larger than 1 MiB");
    return out;
  }
  std::ifstream in(path);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("rho") || !j["rho"].is_object()) {
    out.details.push_back("baseline file " + path.string() + " is not a JSON object with a \"rho\" object");
    return out;
  }
  const auto& base = j["rho"];
  int compared = 0, flagged = 0, missing = 0;
  double worst = 0.0;
  for (const auto& r : now) {
    if (!base.contains(r.key) || !base[r.key].is_number()) {
      ++missing;
      continue;
    }
    const double b = base[r.key].get<double>();
    if (!(b > 0)) continue;
    ++compared;
    // log ρ moves by more than log(factor) beyond k standard errors of log(measured) ≈ SE/mean.
    const double change = std::abs(std::log(r.rho / b));
    const double allowed = std::log(factor) + k * r.rel_se;
    worst = std::max(worst, change);
    if (change > allowed) {
      ++flagged;
      out.details.push_back(fmt::format("{}: FLAG — rho {:.4g} vs baseline {:.4g} (|log change| {:.3g} > {:.3g})", r.key,
                                        r.rho, b, change, allowed));
    }
  }
  if (missing) out.details.push_back(fmt::format("{} series not in the baseline (not compared)", missing));
  out.passed = compared > 0 && flagged == 0;
  if (compared == 0) out.skip("no series of the baseline is in these results");
  out.values.emplace_back("compared", compared);
  out.values.emplace_back("flagged", flagged);
  out.summary = fmt::format("{} series compared with the baseline, {} changed by more than {}x (beyond {} SE); largest "
                            "|log change| {:.3g}",
                            compared, flagged, factor, k, worst);
  return out;
}

}  // namespace

std::vector<CheckKind> check_kinds() {
  std::vector<CheckKind> out;
  {
    CheckKind k;
    k.schema = {"regatti2019.coupling", "C1: exact zero divergence before the first draw of j; tau = 0 equals plain SGD", {}};
    k.run = coupling;
    out.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"regatti2019.lipschitz", "C2: pathwise |f(x;z) - f(x';z)| <= L delta (lip_excess <= tol)",
                {real_field("tol", 1e-9, 0.0, 1.0, "floating-point tolerance on |df| - L delta")}};
    k.run = lipschitz;
    out.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"regatti2019.stability_bounds",
                "C3: mean - k SE <= every applicable, admissible, non-vacuous regatti.* bound listed under bounds: "
                "(inadmissible or vacuous bounds are reported as skipped, never as passes)",
                {real_field("k", 3.0, 0.0, 100.0, "standard errors"),
                 int_field("from_iter", 1, 0, 1e12, "first recorded iteration compared")}};
    k.run = stability_bounds;
    out.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"regatti2019.d2_cap",
                "C4: in the selected (d2_cap, unprojected convex) cells delta <= regatti.d2_delay.delta at every tau and "
                "the bound at T strictly decreases in runner.delay.tau",
                {real_field("k", 3.0, 0.0, 100.0, "standard errors")}};
    k.run = d2_cap;
    out.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"regatti2019.golden", "C5: golden values of the regatti.* formulas", {}};
    k.run = golden;
    out.push_back(std::move(k));
  }
  {
    CheckKind k;
    k.schema = {"regatti2019.baseline",
                "C6 (regression signal, not a theory claim): rho = bound/measured at the last point of every regatti.* "
                "series against a stored baseline; fails when log rho moves by more than log(factor) + k SE/mean",
                {string_field("file", std::nullopt, "baseline JSON, relative to the experiment file (no '..')"),
                 real_field("factor", 2.0, 1.0, 1e6, "allowed change of rho"),
                 real_field("k", 3.0, 0.0, 100.0, "standard errors of the measured mean added to the allowance")}};
    k.run = baseline;
    k.check_options = check_baseline_options;
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace sgdcheck::papers::regatti2019
