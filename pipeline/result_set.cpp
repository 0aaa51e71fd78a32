#include "pipeline/result_set.hpp"

#include <algorithm>
#include <charconv>
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

  // results.csv → per-rep values, streamed row by row: the table can hold millions of rows, so it is
  // never materialised as strings (one value costs ~16 bytes here).
  {
    const fs::path path = dir / "results.csv";
    const std::string src = path.string();
    std::size_t c_cell = 0, c_seed = 0, c_rep = 0, c_iter = 0, c_samples = 0, c_rounds = 0, c_vtime = 0, c_metric = 0,
                c_value = 0;
    struct PointAcc {
      Point p;
      double vtime_sum = 0.0;
      int n = 0;
      bool varies = false;  // rows of one iter disagree on vtime
    };
    struct Acc {
      std::map<std::int64_t, PointAcc> points;
      std::vector<std::vector<std::pair<std::int64_t, double>>> by_rep;  // rep → (iter, value)
      std::vector<std::int64_t> seed_of_rep;                            // -1: rep absent
    };
    std::vector<std::map<std::string, Acc>> acc(rs.cells.size());
    auto as_i64 = [&](const std::string& f, int line) -> std::int64_t {
      std::int64_t x = 0;
      auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), x);
      if (ec != std::errc{} || ptr != f.data() + f.size())
        throw DataError(SourceLoc{src, line}, "expected an integer, got '" + f + "'");
      return x;
    };
    auto as_real = [&](const std::string& f, int line) {
      try {
        return parse_real_strict(f);
      } catch (const std::exception&) {
        throw DataError(SourceLoc{src, line}, "expected a number, got '" + f + "'");
      }
    };
    for_each_csv_row(
        path,
        [&](const std::vector<std::string>& h) {
          auto col = [&](const char* column) {
            for (std::size_t i = 0; i < h.size(); ++i)
              if (h[i] == column) return i;
            throw DataError(SourceLoc{src, 1}, std::string("missing column '") + column + "'");
          };
          c_cell = col("cell");
          c_seed = col("seed");
          c_rep = col("rep");
          c_iter = col("iter");
          c_samples = col("samples");
          c_rounds = col("rounds");
          c_vtime = col("vtime");
          c_metric = col("metric");
          c_value = col("value");
        },
        [&](const std::vector<std::string>& row, int line) {
          const auto id = as_i64(row[c_cell], line);
          if (id < 0 || static_cast<std::size_t>(id) >= rs.cells.size())
            throw DataError(SourceLoc{src, line}, "unknown cell " + row[c_cell]);
          Acc& a = acc[static_cast<std::size_t>(id)][row[c_metric]];
          const auto rep = as_i64(row[c_rep], line);
          if (rep < 0) throw DataError(SourceLoc{src, line}, "negative rep " + row[c_rep]);
          const auto iter = as_i64(row[c_iter], line);
          const Point p{iter, as_i64(row[c_samples], line), as_i64(row[c_rounds], line), as_real(row[c_vtime], line)};
          auto [it, fresh] = a.points.try_emplace(iter);
          PointAcc& pa = it->second;
          if (fresh) pa.p = p;
          else if (pa.p.vtime != p.vtime) pa.varies = true;
          pa.vtime_sum += p.vtime;
          ++pa.n;
          const auto r = static_cast<std::size_t>(rep);
          if (a.by_rep.size() <= r) {
            a.by_rep.resize(r + 1);
            a.seed_of_rep.resize(r + 1, -1);
          }
          a.by_rep[r].emplace_back(iter, as_real(row[c_value], line));
          a.seed_of_rep[r] = as_i64(row[c_seed], line);
        });
    for (std::size_t id = 0; id < rs.cells.size(); ++id)
      for (auto& [m, a] : acc[id]) {
        MetricSeries s;
        std::map<std::int64_t, std::size_t> index;
        for (auto& [it, pa] : a.points) {
          // Equal values are kept as written: summing n copies and dividing by n is not exact
          // ((0.1 + 0.1 + 0.1) / 3 != 0.1), which broke the bit-for-bit round trip of vtime.
          if (pa.varies) pa.p.vtime = pa.vtime_sum / pa.n;
          index[it] = s.points.size();
          s.points.push_back(pa.p);
        }
        for (std::size_t r = 0; r < a.by_rep.size(); ++r) {
          if (a.seed_of_rep[r] < 0) continue;
          std::vector<double> row(s.points.size(), NAN);
          for (const auto& [it, v] : a.by_rep[r]) row[index[it]] = v;
          s.values.push_back(std::move(row));
          s.seeds.push_back(a.seed_of_rep[r]);
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
