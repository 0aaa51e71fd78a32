#include "pipeline/result_set.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/csv.hpp"
#include "core/errors.hpp"

namespace sgdcheck::pipeline {

namespace fs = std::filesystem;

void MetricSeries::compute_stats() {
  const std::size_t K = points.size();
  n.assign(K, 0);
  mean.assign(K, NAN);
  sd.assign(K, NAN);
  se.assign(K, NAN);
  min.assign(K, NAN);
  max.assign(K, NAN);
  for (std::size_t k = 0; k < K; ++k) {
    double s = 0.0, lo = INFINITY, hi = -INFINITY;
    int cnt = 0;
    for (const auto& row : values) {
      const double v = row[k];
      if (std::isnan(v)) continue;
      s += v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      ++cnt;
    }
    n[k] = cnt;
    if (cnt == 0) continue;
    const double m = s / cnt;
    double ss = 0.0;
    for (const auto& row : values)
      if (!std::isnan(row[k])) ss += (row[k] - m) * (row[k] - m);
    mean[k] = m;
    sd[k] = cnt > 1 ? std::sqrt(ss / (cnt - 1)) : 0.0;
    if (!std::isfinite(m)) sd[k] = INFINITY;
    se[k] = sd[k] / std::sqrt(static_cast<double>(cnt));
    min[k] = lo;
    max[k] = hi;
  }
}

double BoundSeries::at(std::int64_t iter) const {
  auto it = std::lower_bound(iters.begin(), iters.end(), iter);
  if (it == iters.end() || *it != iter) return NAN;
  return values[static_cast<std::size_t>(it - iters.begin())];
}

const BoundSeries* CellResult::bound(const std::string& bid) const {
  for (const auto& b : bounds)
    if (b.id == bid) return &b;
  return nullptr;
}

double CellResult::constant(const std::string& cname) const {
  auto it = constants.find(cname);
  return it == constants.end() ? NAN : it->second.first;
}

std::string ResultSet::cell_label(const CellResult& c) const {
  if (sweep_keys.empty()) return "all";
  std::string out;
  for (std::size_t k = 0; k < sweep_keys.size(); ++k) {
    const auto& key = sweep_keys[k];
    const auto dot = key.find('.');
    out += (k ? ", " : "") + key.substr(dot + 1) + "=" + c.sweep_values[k];
  }
  return out;
}

namespace {

std::vector<std::string> lead(const CellResult& c) {
  std::vector<std::string> out{std::to_string(c.id)};
  out.insert(out.end(), c.sweep_values.begin(), c.sweep_values.end());
  return out;
}

std::vector<std::string> header(const std::vector<std::string>& sweep_keys, std::vector<std::string> rest) {
  std::vector<std::string> h{"cell"};
  h.insert(h.end(), sweep_keys.begin(), sweep_keys.end());
  h.insert(h.end(), rest.begin(), rest.end());
  return h;
}

template <class... S>
std::vector<std::string> cat(std::vector<std::string> a, S&&... rest) {
  (a.push_back(std::forward<S>(rest)), ...);
  return a;
}

std::int64_t to_i64(const std::string& s, const CsvTable& t) {
  try {
    return std::stoll(s);
  } catch (const std::exception&) {
    throw DataError(SourceLoc{t.source, 0}, "expected an integer, got '" + s + "'");
  }
}

double to_real(const std::string& s, const CsvTable& t) {
  try {
    return parse_real_strict(s);
  } catch (const std::exception&) {
    throw DataError(SourceLoc{t.source, 0}, "expected a number, got '" + s + "'");
  }
}

}  // namespace

void ResultSet::write(const fs::path& dir) const {
  {
    CsvWriter w(dir / "results.csv",
                header(sweep_keys, {"seed", "rep", "iter", "samples", "rounds", "vtime", "metric", "value"}));
    // Row order: cell, rep, point, metric (metrics in recording order).
    for (const auto& c : cells) {
      if (c.metrics.empty()) continue;
      const std::size_t reps = c.metrics.begin()->second.values.size();
      for (std::size_t r = 0; r < reps; ++r) {
        const auto& first = c.metrics.begin()->second;
        for (std::size_t k = 0; k < first.size(); ++k) {
          // A point is absent from a rep (the run stopped at its target earlier) when every metric is NaN.
          const bool present = std::any_of(c.metrics.begin(), c.metrics.end(),
                                           [&](const auto& ms) { return !std::isnan(ms.second.values[r][k]); });
          if (!present) continue;
          const Point& p = first.points[k];
          for (const auto& [m, s] : c.metrics)
            w.row(cat(lead(c),
                      std::to_string(s.seeds[r]),
                      std::to_string(r),
                      std::to_string(p.iter),
                      std::to_string(p.samples),
                      std::to_string(p.rounds),
                      format_real(p.vtime),
                      m,
                      format_real(s.values[r][k])));
        }
      }
    }
    w.close();
  }
  {
    CsvWriter w(dir / "summary.csv",
                header(sweep_keys,
                       {"iter", "samples", "rounds", "vtime", "metric", "n", "mean", "sd", "se", "min", "max"}));
    for (const auto& c : cells)
      for (const auto& [m, s] : c.metrics)
        for (std::size_t k = 0; k < s.size(); ++k) {
          const Point& p = s.points[k];
          w.row(cat(lead(c),
                    std::to_string(p.iter),
                    std::to_string(p.samples),
                    std::to_string(p.rounds),
                    format_real(p.vtime),
                    m,
                    std::to_string(s.n[k]),
                    format_real(s.mean[k]),
                    format_real(s.sd[k]),
                    format_real(s.se[k]),
                    format_real(s.min[k]),
                    format_real(s.max[k])));
        }
    w.close();
  }
  {
    CsvWriter w(dir / "runs.csv", header(sweep_keys, {"seed", "rep", "termination", "iterations", "message"}));
    for (const auto& c : cells)
      for (const auto& r : c.runs)
        w.row(cat(lead(c), std::to_string(r.seed), std::to_string(r.rep), r.termination,
                  std::to_string(r.iterations), r.message));
    w.close();
  }
  {
    CsvWriter w(dir / "constants.csv", header(sweep_keys, {"constant", "value", "exact"}));
    for (const auto& c : cells)
      for (const auto& [cname, ve] : c.constants)
        w.row(cat(lead(c), cname, format_real(ve.first), ve.second ? "true" : "false"));
    w.close();
  }
  {
    CsvWriter w(dir / "bounds.csv",
                header(sweep_keys,
                       {"bound", "title", "label", "guarantee", "metric", "applicable", "reason", "iter", "value"}));
    for (const auto& c : cells)
      for (const auto& b : c.bounds) {
        if (!b.applicable) {
          w.row(cat(lead(c), b.id, b.title, b.label, b.guarantee, b.metric, "false", b.reason, "", ""));
          continue;
        }
        for (std::size_t k = 0; k < b.iters.size(); ++k)
          w.row(cat(lead(c), b.id, b.title, b.label, b.guarantee, b.metric, "true", "",
                    std::to_string(b.iters[k]), format_real(b.values[k])));
      }
    w.close();
  }
  {
    std::vector<std::string> keys;
    if (!cells.empty())
      for (const auto& [k, v] : cells.front().options) keys.push_back(k);
    CsvWriter w(dir / "cells.csv", header(sweep_keys, keys));
    for (const auto& c : cells) {
      auto row = lead(c);
      for (const auto& k : keys) {
        auto it = c.options.find(k);
        row.push_back(it == c.options.end() ? "" : it->second);
      }
      w.row(row);
    }
    w.close();
  }
}

ResultSet ResultSet::load(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw DataError(SourceLoc{dir.string(), 0}, "not a results directory");
  ResultSet rs;
  rs.name = dir.filename().string();
  const CsvTable cells_t = read_csv(dir / "cells.csv");
  // Sweep keys are the columns between `cell` and the first resolved option.
  const CsvTable summary_t = read_csv(dir / "summary.csv");
  for (std::size_t i = 1; i < summary_t.header.size() && summary_t.header[i] != "iter"; ++i)
    rs.sweep_keys.push_back(summary_t.header[i]);
  const std::size_t nsw = rs.sweep_keys.size();
  for (const auto& row : cells_t.rows) {
    CellResult c;
    c.id = static_cast<std::size_t>(to_i64(row[0], cells_t));
    for (std::size_t k = 0; k < nsw; ++k) c.sweep_values.push_back(row[1 + k]);
    for (std::size_t k = 1 + nsw; k < cells_t.header.size(); ++k) c.options[cells_t.header[k]] = row[k];
    if (c.id != rs.cells.size()) throw DataError(SourceLoc{cells_t.source, 0}, "cells are not numbered 0, 1, …");
    rs.cells.push_back(std::move(c));
  }
  auto cell_of = [&](const std::vector<std::string>& row, const CsvTable& t) -> CellResult& {
    const auto id = static_cast<std::size_t>(to_i64(row[0], t));
    if (id >= rs.cells.size()) throw DataError(SourceLoc{t.source, 0}, "unknown cell " + row[0]);
    return rs.cells[id];
  };

  // results.csv → per-rep values.
  {
    const CsvTable t = read_csv(dir / "results.csv");
    const std::size_t c_seed = t.column("seed"), c_rep = t.column("rep"), c_iter = t.column("iter"),
                      c_samples = t.column("samples"), c_rounds = t.column("rounds"), c_vtime = t.column("vtime"),
                      c_metric = t.column("metric"), c_value = t.column("value");
    struct Acc {
      std::map<std::int64_t, Point> points;
      std::map<std::int64_t, double> vtime_sum;
      std::map<std::int64_t, int> vtime_n;
      std::map<std::int64_t, bool> vtime_varies;  // rows of one iter disagree on vtime
      std::map<std::pair<std::int64_t, std::int64_t>, double> vals;  // (rep, iter) → value
      std::map<std::int64_t, std::int64_t> seeds;
    };
    std::vector<std::map<std::string, Acc>> acc(rs.cells.size());
    for (const auto& row : t.rows) {
      CellResult& c = cell_of(row, t);
      Acc& a = acc[c.id][row[c_metric]];
      const auto rep = to_i64(row[c_rep], t);
      const auto iter = to_i64(row[c_iter], t);
      Point p{iter, to_i64(row[c_samples], t), to_i64(row[c_rounds], t), to_real(row[c_vtime], t)};
      const auto [first, fresh] = a.points.emplace(iter, p);
      if (!fresh && first->second.vtime != p.vtime) a.vtime_varies[iter] = true;
      a.vtime_sum[iter] += p.vtime;
      a.vtime_n[iter] += 1;
      a.vals[{rep, iter}] = to_real(row[c_value], t);
      a.seeds[rep] = to_i64(row[c_seed], t);
    }
    for (std::size_t id = 0; id < rs.cells.size(); ++id)
      for (auto& [m, a] : acc[id]) {
        MetricSeries s;
        std::vector<std::int64_t> iters;
        for (auto& [it, p] : a.points) {
          // Equal values are kept as written: summing n copies and dividing by n is not exact
          // ((0.1 + 0.1 + 0.1) / 3 != 0.1), which broke the bit-for-bit round trip of vtime.
          if (a.vtime_varies.count(it)) p.vtime = a.vtime_sum[it] / a.vtime_n[it];
          s.points.push_back(p);
          iters.push_back(it);
        }
        for (const auto& [rep, seed] : a.seeds) {
          std::vector<double> row(iters.size(), NAN);
          for (std::size_t k = 0; k < iters.size(); ++k) {
            auto f = a.vals.find({rep, iters[k]});
            if (f != a.vals.end()) row[k] = f->second;
          }
          s.values.push_back(std::move(row));
          s.seeds.push_back(seed);
        }
        s.compute_stats();
        rs.cells[id].metrics[m] = std::move(s);
      }
  }
  {
    const CsvTable t = read_csv(dir / "runs.csv");
    for (const auto& row : t.rows) {
      CellResult& c = cell_of(row, t);
      c.runs.push_back({to_i64(row[t.column("seed")], t), to_i64(row[t.column("rep")], t),
                        row[t.column("termination")], row[t.column("message")], to_i64(row[t.column("iterations")], t)});
    }
  }
  {
    const CsvTable t = read_csv(dir / "constants.csv");
    for (const auto& row : t.rows)
      cell_of(row, t).constants[row[t.column("constant")]] = {to_real(row[t.column("value")], t),
                                                              row[t.column("exact")] == "true"};
  }
  {
    const CsvTable t = read_csv(dir / "bounds.csv");
    const std::size_t cb = t.column("bound");
    for (const auto& row : t.rows) {
      CellResult& c = cell_of(row, t);
      BoundSeries* b = nullptr;
      for (auto& x : c.bounds)
        if (x.id == row[cb]) b = &x;
      if (!b) {
        c.bounds.push_back({});
        b = &c.bounds.back();
        b->id = row[cb];
        b->title = row[t.column("title")];
        b->label = row[t.column("label")];
        b->guarantee = row[t.column("guarantee")];
        b->metric = row[t.column("metric")];
        b->applicable = row[t.column("applicable")] == "true";
        b->reason = row[t.column("reason")];
      }
      if (b->applicable) {
        b->iters.push_back(to_i64(row[t.column("iter")], t));
        b->values.push_back(to_real(row[t.column("value")], t));
      }
    }
  }
  return rs;
}

}  // namespace sgdcheck::pipeline
