#include "pipeline/result_set.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>

#include <fmt/format.h>

#include <fstream>
#include <iterator>

#include "core/csv.hpp"
#include "core/errors.hpp"
#include "core/thread_pool.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/reduction.hpp"

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
    RunningStats total;
    for (std::size_t b0 = 0; b0 < values.size(); b0 += kSeedBlock) {
      RunningStats block;
      for (std::size_t r = b0; r < std::min(values.size(), b0 + kSeedBlock); ++r) block.add(values[r][k]);
      total.merge(block);
    }
    const SummaryStats st = total.summary();
    n[k] = st.n;
    mean[k] = st.mean;
    sd[k] = st.sd;
    se[k] = st.se;
    min[k] = st.min;
    max[k] = st.max;
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

std::vector<std::string> header(const std::vector<std::string>& sweep_keys, std::vector<std::string> rest) {
  std::vector<std::string> h{"cell"};
  h.insert(h.end(), sweep_keys.begin(), sweep_keys.end());
  h.insert(h.end(), rest.begin(), rest.end());
  return h;
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

CsvText& CsvText::str(std::string_view field) {
  sep();
  append_csv_field(text_, field);  // as csv_escape
  return *this;
}

CsvText& CsvText::num(std::int64_t v) {
  sep();
  char buf[24];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  text_.append(buf, ptr);
  return *this;
}

CsvText& CsvText::real(double v) {
  sep();
  append_real(text_, v);  // as format_real
  return *this;
}

CsvText& CsvText::fields(std::string_view rendered, std::size_t count) {
  if (count == 0) throw std::logic_error("CsvText::fields: no fields");
  sep();
  text_ += rendered;
  fields_ += count - 1;
  return *this;
}

void CsvText::end() {
  if (fields_ != columns_)
    throw std::logic_error("CsvText: row has " + std::to_string(fields_) + " fields, header " + std::to_string(columns_));
  text_ += '\n';
  fields_ = 0;
}

TailStats tail_stats(const MetricSeries& m, std::size_t i) {
  TailStats t;
  if (m.values.empty()) return i < m.tails.size() ? m.tails[i] : t;
  std::vector<double> x;
  x.reserve(m.values.size());
  for (const auto& row : m.values)
    if (i < row.size() && std::isfinite(row[i])) x.push_back(row[i]);
  const std::size_t n = x.size();
  t.n = static_cast<std::int64_t>(n);
  if (n < 2) return t;
  double sum = 0;
  for (double v : x) sum += v;
  const double mean = sum / static_cast<double>(n);
  double m2 = 0, m4 = 0;
  for (double v : x) {
    const double d = (v - mean) * (v - mean);
    m2 += d;
    m4 += d * d;
  }
  m2 /= static_cast<double>(n);
  m4 /= static_cast<double>(n);
  t.kurtosis = m2 > 0 ? m4 / (m2 * m2) : NAN;
  const std::size_t top = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(0.001 * static_cast<double>(n))));
  t.top = static_cast<std::int64_t>(top);
  std::nth_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n - top), x.end());
  double top_sum = 0;
  for (std::size_t k = n - top; k < n; ++k) top_sum += x[k];
  t.top_share = sum > 0 && std::all_of(x.begin(), x.end(), [](double v) { return v >= 0; }) ? top_sum / sum : NAN;
  return t;
}

void write_csv_tables(const fs::path& dir, const std::vector<CsvTableSpec>& tables, int jobs) {
  // The files are opened in table order, so a folder that cannot be written names the first table.
  std::vector<std::ofstream> files(tables.size());
  for (std::size_t t = 0; t < tables.size(); ++t) {
    const fs::path path = dir / tables[t].file;
    files[t].open(path, std::ios::binary);
    if (!files[t]) throw UsageError(SourceLoc{path.string(), 0}, "cannot open for writing");
    CsvText h(tables[t].header.size());
    for (const auto& f : tables[t].header) h.str(f);
    h.end();
    files[t] << h.text();
  }
  auto check = [&](std::size_t t) {
    if (!files[t]) throw UsageError(SourceLoc{(dir / tables[t].file).string(), 0}, "write failed (disk full or not writable?)");
  };
  // Chunks in (table, chunk) order, cut into windows of about kWindowRows rows (~32 MB of text).
  constexpr std::size_t kWindowRows = 1u << 19;
  struct Ref {
    std::size_t table, chunk;
  };
  std::vector<Ref> all;
  for (std::size_t t = 0; t < tables.size(); ++t)
    for (std::size_t k = 0; k < tables[t].chunks.size(); ++k) all.push_back({t, k});
  std::vector<std::string> text;
  for (std::size_t a = 0; a < all.size();) {
    auto rows_of = [&](std::size_t i) { return tables[all[i].table].chunks[all[i].chunk].rows; };
    std::size_t b = a, rows = 0;
    while (b < all.size() && (b == a || rows + rows_of(b) <= kWindowRows)) rows += rows_of(b++);
    text.assign(b - a, std::string());
    parallel_for(b - a, jobs, [&](std::size_t i) {
      const CsvTableSpec& t = tables[all[a + i].table];
      CsvText out(t.header.size());
      t.chunks[all[a + i].chunk].write(out);
      text[i] = std::move(out.text());
    });
    // Appending in order keeps every file's rows in chunk order (a window may hold any tables' chunks).
    for (std::size_t i = 0; i < b - a; ++i) {
      files[all[a + i].table] << text[i];
      check(all[a + i].table);
      std::string().swap(text[i]);
    }
    a = b;
  }
  for (std::size_t t = 0; t < tables.size(); ++t) {
    files[t].flush();
    check(t);
    files[t].close();
    check(t);
  }
}

void ResultSet::write(const fs::path& dir, int jobs) const { write_csv_tables(dir, tables(), jobs); }

namespace {

/// The fields `write` appends to an empty CsvText, joined by commas (for CsvText::fields).
template <class Write>
std::string rendered(Write&& write) {
  CsvText f(0);
  write(f);
  return std::move(f.text());
}

/// The columns every table starts a cell's rows with: cell id, then the sweep values.
CsvText& cell_columns(const CellResult& c, CsvText& w) {
  w.num(static_cast<std::int64_t>(c.id));
  for (const auto& v : c.sweep_values) w.str(v);
  return w;
}

using KeptMetrics = std::vector<std::pair<const std::string*, const MetricSeries*>>;

/// results.csv rows of reps [r0, r1) of cell c: per rep, point and metric, the cell's columns, the
/// rep's (seed, rep), the point's (iter, samples, rounds, vtime), the metric's name and the value. Only
/// the value is formatted per row; the repeated columns are rendered once.
void write_results_rows(
    const CellResult& c, const KeptMetrics& kept, std::size_t r0, std::size_t r1, CsvText& w) {
  const MetricSeries& first = *kept.front().second;
  const std::size_t points = first.size();
  // The rep columns are rendered from the first metric's seeds: a cell's metrics share its runs' seeds.
  for (const auto& ms : kept) {
    const std::vector<std::int64_t>& seeds = ms.second->seeds;
    const std::size_t n = std::min(seeds.size(), first.seeds.size());
    if (!std::equal(seeds.begin(), seeds.begin() + static_cast<std::ptrdiff_t>(n), first.seeds.begin()))
      throw std::logic_error("results.csv: the metrics of cell " + std::to_string(c.id) +
                             " have different seeds");
  }
  const std::string cell_text = rendered([&](CsvText& f) { cell_columns(c, f); });
  const std::size_t cell_fields = 1 + c.sweep_values.size();
  std::vector<std::string> point_text(points), metric_text;
  for (std::size_t k = 0; k < points; ++k) {
    const Point& p = first.points[k];
    point_text[k] = rendered([&](CsvText& f) { f.num(p.iter).num(p.samples).num(p.rounds).real(p.vtime); });
  }
  for (const auto& ms : kept) metric_text.push_back(rendered([&](CsvText& f) { f.str(*ms.first); }));
  for (std::size_t r = r0; r < r1; ++r) {
    const std::string rep_text =
        rendered([&](CsvText& f) { f.num(first.seeds[r]).num(static_cast<std::int64_t>(r)); });
    for (std::size_t k = 0; k < points; ++k) {
      // A point is absent from a rep (the run stopped at its target earlier) when every metric is NaN.
      const bool present = std::any_of(kept.begin(), kept.end(), [&](const auto& ms) {
        return r < ms.second->values.size() && !std::isnan(ms.second->values[r][k]);
      });
      if (!present) continue;
      for (std::size_t m = 0; m < kept.size(); ++m) {
        const MetricSeries& s = *kept[m].second;
        if (r >= s.values.size()) continue;
        w.fields(cell_text, cell_fields)
            .fields(rep_text, 2)
            .fields(point_text[k], 4)
            .fields(metric_text[m], 1);
        w.real(s.values[r][k]);
        w.end();
      }
    }
  }
}

}  // namespace

std::vector<CsvTableSpec> ResultSet::tables() const {
  std::vector<CsvTableSpec> out;
  const auto lead = &cell_columns;
  // One chunk per cell (rows: an estimate), in cell order.
  auto per_cell = [&](CsvTableSpec& t, auto rows_of, auto write_cell) {
    for (const auto& c : cells) {
      const CellResult* cp = &c;
      t.chunks.push_back({rows_of(c), [cp, write_cell](CsvText& w) { write_cell(*cp, w); }});
    }
  };

  {  // results.csv: only the metrics that carry per-run values (those a check or plot needs, or all with
     // traces). Row order: cell, rep, point, metric (metrics in name order); chunks of kRepsPerChunk reps.
    CsvTableSpec t{std::string{"results.csv"},
                   header(sweep_keys, {"seed", "rep", "iter", "samples", "rounds", "vtime", "metric", "value"}), {}};
    constexpr std::size_t kRepsPerChunk = 256;
    for (const auto& c : cells) {
      KeptMetrics kept;
      for (const auto& [m, s] : c.metrics)
        if (!s.values.empty() && !tail_only.count(m)) kept.emplace_back(&m, &s);
      if (kept.empty()) continue;
      const std::size_t reps = kept.front().second->values.size();
      const std::size_t points = kept.front().second->size();
      for (std::size_t r0 = 0; r0 < reps; r0 += kRepsPerChunk) {
        const std::size_t r1 = std::min(reps, r0 + kRepsPerChunk);
        t.chunks.push_back({(r1 - r0) * points * kept.size(),
                            [&c, kept, r0, r1](CsvText& w) { write_results_rows(c, kept, r0, r1, w); }});
      }
    }
    out.push_back(std::move(t));
  }
  {  // tails.csv: tail statistics of the metrics whose per-run values are kept only for the heavy-tail
     // report (tail_only), at every point; one chunk per cell.
    CsvTableSpec t{std::string{"tails.csv"},
                   header(sweep_keys, {"iter", "samples", "rounds", "vtime", "metric", "n", "top", "top_share", "kurtosis"}),
                   {}};
    per_cell(
        t,
        [this](const CellResult& c) {
          std::size_t n = 0;
          for (const auto& [m, s] : c.metrics)
            if (tail_only.count(m)) n += s.size();
          return n;
        },
        [lead, this](const CellResult& c, CsvText& w) {
          for (const auto& [m, s] : c.metrics) {
            if (!tail_only.count(m) || (s.values.empty() && s.tails.empty())) continue;
            for (std::size_t k = 0; k < s.size(); ++k) {
              const TailStats ts = tail_stats(s, k);
              const Point& p = s.points[k];
              lead(c, w).num(p.iter).num(p.samples).num(p.rounds).real(p.vtime).str(m).num(ts.n).num(ts.top);
              w.real(ts.top_share).real(ts.kurtosis);
              w.end();
            }
          }
        });
    out.push_back(std::move(t));
  }
  {
    CsvTableSpec t{std::string{"summary.csv"},
                   header(sweep_keys, {"iter", "samples", "rounds", "vtime", "metric", "n", "mean", "sd", "se", "min", "max"}),
                   {}};
    per_cell(
        t,
        [](const CellResult& c) {
          std::size_t n = 0;
          for (const auto& [m, s] : c.metrics) n += s.size();
          return n;
        },
        [lead](const CellResult& c, CsvText& w) {
          for (const auto& [m, s] : c.metrics)
            for (std::size_t k = 0; k < s.size(); ++k) {
              const Point& p = s.points[k];
              lead(c, w)
                  .num(p.iter)
                  .num(p.samples)
                  .num(p.rounds)
                  .real(p.vtime)
                  .str(m)
                  .num(s.n[k])
                  .real(s.mean[k])
                  .real(s.sd[k])
                  .real(s.se[k])
                  .real(s.min[k])
                  .real(s.max[k]);
              w.end();
            }
        });
    out.push_back(std::move(t));
  }
  {
    CsvTableSpec t{std::string{"runs.csv"}, header(sweep_keys, {"seed", "rep", "termination", "iterations", "message"}), {}};
    per_cell(
        t, [](const CellResult& c) { return c.runs.size(); },
        [lead](const CellResult& c, CsvText& w) {
          for (const auto& r : c.runs) {
            lead(c, w).num(r.seed).num(r.rep).str(r.termination).num(r.iterations).str(r.message);
            w.end();
          }
        });
    out.push_back(std::move(t));
  }
  {
    CsvTableSpec t{std::string{"run_scalars.csv"}, header(sweep_keys, {"seed", "rep", "scalar", "value"}), {}};
    per_cell(
        t,
        [](const CellResult& c) {
          std::size_t n = 0;
          for (const auto& sc : c.run_scalars) n += sc.size();
          return n;
        },
        [lead](const CellResult& c, CsvText& w) {
          for (std::size_t i = 0; i < c.run_scalars.size() && i < c.runs.size(); ++i)
            for (const auto& [sname, v] : c.run_scalars[i]) {
              lead(c, w).num(c.runs[i].seed).num(c.runs[i].rep).str(sname).real(v);
              w.end();
            }
        });
    out.push_back(std::move(t));
  }
  {
    CsvTableSpec t{std::string{"scalar_summary.csv"}, header(sweep_keys, {"scalar", "n", "mean", "sd", "se", "min", "max"}),
                   {}};
    per_cell(
        t, [](const CellResult& c) { return c.scalars.size(); },
        [lead](const CellResult& c, CsvText& w) {
          for (const auto& [sname, st] : c.scalars) {
            lead(c, w).str(sname).num(st.n).real(st.mean).real(st.sd).real(st.se).real(st.min).real(st.max);
            w.end();
          }
        });
    out.push_back(std::move(t));
  }
  {
    CsvTableSpec t{std::string{"constants.csv"}, header(sweep_keys, {"constant", "value", "exact"}), {}};
    per_cell(
        t, [](const CellResult& c) { return c.constants.size(); },
        [lead](const CellResult& c, CsvText& w) {
          for (const auto& [cname, ve] : c.constants) {
            lead(c, w).str(cname).real(ve.first).str(ve.second ? "true" : "false");
            w.end();
          }
        });
    out.push_back(std::move(t));
  }
  {
    CsvTableSpec t{std::string{"bounds.csv"},
                   header(sweep_keys, {"bound", "title", "label", "guarantee", "metric", "applicable", "state", "reason",
                                       "constants", "iter", "value"}),
                   {}};
    per_cell(
        t,
        [](const CellResult& c) {
          std::size_t n = 0;
          for (const auto& b : c.bounds) n += b.applicable ? b.iters.size() : 1;
          return n;
        },
        [lead](const CellResult& c, CsvText& w) {
          for (const auto& b : c.bounds) {
            const std::string state = bound_state_name(bound_state(c, b));  // pipeline/checks.hpp
            if (!b.applicable) {
              lead(c, w).str(b.id).str(b.title).str(b.label).str(b.guarantee).str(b.metric).str("false").str(state);
              w.str(b.reason).str(b.constants).str("").str("");
              w.end();
              continue;
            }
            for (std::size_t k = 0; k < b.iters.size(); ++k) {
              lead(c, w).str(b.id).str(b.title).str(b.label).str(b.guarantee).str(b.metric).str("true").str(state);
              w.str("").str(b.constants).num(b.iters[k]).real(b.values[k]);
              w.end();
            }
          }
        });
    out.push_back(std::move(t));
  }
  {
    std::vector<std::string> keys;
    if (!cells.empty())
      for (const auto& [k, v] : cells.front().options) keys.push_back(k);
    CsvTableSpec t{std::string{"cells.csv"}, header(sweep_keys, keys), {}};
    per_cell(
        t, [](const CellResult&) { return std::size_t{1}; },
        [lead, keys](const CellResult& c, CsvText& w) {
          lead(c, w);
          for (const auto& k : keys) {
            auto it = c.options.find(k);
            w.str(it == c.options.end() ? std::string_view() : std::string_view(it->second));
          }
          w.end();
        });
    out.push_back(std::move(t));
  }
  return out;
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
  // The recording axis of each cell (cells.csv runner.record.axis; iterations when absent, as in
  // directories written before record axes existed): summary points and results rows align by it.
  std::vector<RecordAxis> axes(rs.cells.size(), RecordAxis::kIter);
  for (std::size_t id = 0; id < rs.cells.size(); ++id) {
    auto it = rs.cells[id].options.find("runner.record.axis");
    if (it == rs.cells[id].options.end() || it->second == "iterations") continue;
    if (it->second == "samples") axes[id] = RecordAxis::kSamples;
    else if (it->second == "rounds") axes[id] = RecordAxis::kRounds;
    else if (it->second == "vtime") axes[id] = RecordAxis::kVtime;
    else
      throw DataError(SourceLoc{cells_t.source, static_cast<int>(id) + 2},
                      "runner.record.axis = " + it->second + ": expected iterations, samples, rounds or vtime");
  }
  auto cell_of = [&](const std::vector<std::string>& row, const CsvTable& t) -> CellResult& {
    const auto id = static_cast<std::size_t>(to_i64(row[0], t));
    if (id >= rs.cells.size()) throw DataError(SourceLoc{t.source, 0}, "unknown cell " + row[0]);
    return rs.cells[id];
  };

  // runs.csv first: it bounds the rep numbers of results.csv (untrusted input).
  {
    const CsvTable t = read_csv(dir / "runs.csv");
    for (const auto& row : t.rows) {
      CellResult& c = cell_of(row, t);
      c.runs.push_back({to_i64(row[t.column("seed")], t), to_i64(row[t.column("rep")], t),
                        row[t.column("termination")], row[t.column("message")], to_i64(row[t.column("iterations")], t)});
    }
  }
  auto as_i64 = [](const std::string& f, const std::string& src, int line) -> std::int64_t {
    std::int64_t x = 0;
    auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), x);
    if (ec != std::errc{} || ptr != f.data() + f.size())
      throw DataError(SourceLoc{src, line}, "expected an integer, got '" + f + "'");
    return x;
  };
  auto as_real = [](const std::string& f, const std::string& src, int line) {
    try {
      return parse_real_strict(f);
    } catch (const std::exception&) {
      throw DataError(SourceLoc{src, line}, "expected a number, got '" + f + "'");
    }
  };
  auto column_finder = [](const std::vector<std::string>& h, const std::string& src) {
    return [&h, src](const char* column) {  // not `name`: clang's -Wshadow (ResultSet::name)
      for (std::size_t i = 0; i < h.size(); ++i)
        if (h[i] == column) return i;
      throw DataError(SourceLoc{src, 1}, std::string("missing column '") + column + "'");
    };
  };
  auto cell_id = [&](const std::string& f, const std::string& src, int line) {
    const auto id = as_i64(f, src, line);
    if (id < 0 || static_cast<std::size_t>(id) >= rs.cells.size())
      throw DataError(SourceLoc{src, line}, "unknown cell " + f);
    return static_cast<std::size_t>(id);
  };

  // summary.csv → the statistics of every metric, exactly as written (no recomputation).
  {
    const fs::path path = dir / "summary.csv";
    const std::string src = path.string();
    std::size_t c_cell = 0, c_iter = 0, c_samples = 0, c_rounds = 0, c_vtime = 0, c_metric = 0, c_n = 0, c_mean = 0,
                c_sd = 0, c_se = 0, c_min = 0, c_max = 0;
    for_each_csv_row(
        path,
        [&](const std::vector<std::string>& h) {
          auto col = column_finder(h, src);
          c_cell = col("cell");
          c_iter = col("iter");
          c_samples = col("samples");
          c_rounds = col("rounds");
          c_vtime = col("vtime");
          c_metric = col("metric");
          c_n = col("n");
          c_mean = col("mean");
          c_sd = col("sd");
          c_se = col("se");
          c_min = col("min");
          c_max = col("max");
        },
        [&](const std::vector<std::string>& row, int line) {
          const std::size_t id = cell_id(row[c_cell], src, line);
          MetricSeries& s = rs.cells[id].metrics[row[c_metric]];
          const Point p{as_i64(row[c_iter], src, line), as_i64(row[c_samples], src, line),
                        as_i64(row[c_rounds], src, line), as_real(row[c_vtime], src, line)};
          const RecordAxis axis = axes[id];
          if (!s.points.empty() && !(axis_value(s.points.back(), axis) < axis_value(p, axis)))
            throw DataError(SourceLoc{src, line}, to_string(axis) + " of metric " + row[c_metric] +
                                                      " is not after the previous row's (expected increasing " +
                                                      to_string(axis) + ", the cell's record.axis)");
          const auto n = as_i64(row[c_n], src, line);
          if (n < 0 || n > std::numeric_limits<int>::max())
            throw DataError(SourceLoc{src, line}, "n = " + row[c_n] + ": expected a count >= 0");
          s.points.push_back(p);
          s.n.push_back(static_cast<int>(n));
          s.mean.push_back(as_real(row[c_mean], src, line));
          s.sd.push_back(as_real(row[c_sd], src, line));
          s.se.push_back(as_real(row[c_se], src, line));
          s.min.push_back(as_real(row[c_min], src, line));
          s.max.push_back(as_real(row[c_max], src, line));
        });
  }

  // A metric of a cell that summary.csv has (results.csv and tails.csv only add to those).
  auto summary_metric = [&](std::size_t id, const std::string& metric, const std::string& src,
                            int line) -> MetricSeries& {
    auto ms = rs.cells[id].metrics.find(metric);
    if (ms == rs.cells[id].metrics.end())
      throw DataError(SourceLoc{src, line},
                      "metric " + metric + " of cell " + std::to_string(id) + " is not in summary.csv");
    return ms->second;
  };

  // results.csv → per-run values of the metrics it holds, streamed row by row (the table can hold
  // millions of rows, so it is never materialised as strings).
  {
    const fs::path path = dir / "results.csv";
    const std::string src = path.string();
    std::size_t c_cell = 0, c_seed = 0, c_rep = 0, c_iter = 0, c_samples = 0, c_rounds = 0, c_vtime = 0, c_metric = 0,
                c_value = 0;
    struct Acc {
      std::map<double, std::size_t> index;  // axis value → point of the summary
      std::vector<std::int64_t> seed_of_rep;      // -1: rep absent
    };
    std::vector<std::map<std::string, Acc>> acc(rs.cells.size());
    for_each_csv_row(
        path,
        [&](const std::vector<std::string>& h) {
          auto col = column_finder(h, src);
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
          const std::size_t id = cell_id(row[c_cell], src, line);
          MetricSeries& s = summary_metric(id, row[c_metric], src, line);
          auto [ait, fresh] = acc[id].try_emplace(row[c_metric]);
          Acc& a = ait->second;
          const RecordAxis axis = axes[id];
          if (fresh)
            for (std::size_t k = 0; k < s.points.size(); ++k) a.index[axis_value(s.points[k], axis)] = k;
          const auto rep = as_i64(row[c_rep], src, line);
          if (rep < 0 || static_cast<std::size_t>(rep) >= rs.cells[id].runs.size())
            throw DataError(SourceLoc{src, line}, "rep = " + row[c_rep] + ": expected a rep of runs.csv (0 … " +
                                                      std::to_string(rs.cells[id].runs.size()) + " - 1)");
          const auto r = static_cast<std::size_t>(rep);
          const Point p{as_i64(row[c_iter], src, line), as_i64(row[c_samples], src, line),
                        as_i64(row[c_rounds], src, line), as_real(row[c_vtime], src, line)};
          auto pos = a.index.find(axis_value(p, axis));
          if (pos == a.index.end())
            throw DataError(SourceLoc{src, line}, to_string(axis) + " " + format_real(axis_value(p, axis)) +
                                                      " is not a point of summary.csv");
          if (s.values.size() <= r) {
            s.values.resize(r + 1, std::vector<double>(s.points.size(), NAN));
            a.seed_of_rep.resize(r + 1, -1);
          }
          const double v = as_real(row[c_value], src, line);
          // NaN marks a point a rep does not have (no row is written for it): a NaN row would be
          // taken for a missing point and silently leave the checks. Runs never record NaN (+inf).
          if (std::isnan(v))
            throw DataError(SourceLoc{src, line}, "value = " + row[c_value] + " of metric " + row[c_metric] +
                                                      ": expected a number or +-inf (a NaN per-run value cannot be "
                                                      "told from a missing point)");
          s.values[r][pos->second] = v;
          a.seed_of_rep[r] = as_i64(row[c_seed], src, line);
        });
    for (std::size_t id = 0; id < rs.cells.size(); ++id)
      for (auto& [m, a] : acc[id]) {
        MetricSeries& s = rs.cells[id].metrics[m];
        // Reps without any row (none in a well-formed file) are dropped, keeping rows and seeds aligned.
        std::vector<std::vector<double>> rows;
        for (std::size_t r = 0; r < a.seed_of_rep.size(); ++r) {
          if (a.seed_of_rep[r] < 0) continue;
          rows.push_back(std::move(s.values[r]));
          s.seeds.push_back(a.seed_of_rep[r]);
        }
        s.values = std::move(rows);
      }
  }
  // tails.csv → tail statistics of the metrics written without per-run values (absent in directories
  // written before it existed). Rows come in point order for each (cell, metric), one per point.
  if (fs::exists(dir / "tails.csv")) {
    const fs::path path = dir / "tails.csv";
    const std::string src = path.string();
    std::size_t c_cell = 0, c_iter = 0, c_metric = 0, c_n = 0, c_top = 0, c_share = 0, c_kurt = 0;
    for_each_csv_row(
        path,
        [&](const std::vector<std::string>& h) {
          auto col = column_finder(h, src);
          c_cell = col("cell");
          c_iter = col("iter");
          c_metric = col("metric");
          c_n = col("n");
          c_top = col("top");
          c_share = col("top_share");
          c_kurt = col("kurtosis");
        },
        [&](const std::vector<std::string>& row, int line) {
          const std::size_t id = cell_id(row[c_cell], src, line);
          MetricSeries& s = summary_metric(id, row[c_metric], src, line);
          if (!s.values.empty())
            throw DataError(SourceLoc{src, line}, "metric " + row[c_metric] + " of cell " + row[c_cell] +
                                                      " has per-run values in results.csv: expected tails only for "
                                                      "metrics without them");
          const std::size_t k = s.tails.size();
          if (k >= s.points.size() || as_i64(row[c_iter], src, line) != s.points[k].iter)
            throw DataError(SourceLoc{src, line}, "iter = " + row[c_iter] + " of metric " + row[c_metric] +
                                                      ": expected the next point of summary.csv");
          TailStats t;
          t.n = as_i64(row[c_n], src, line);
          t.top = as_i64(row[c_top], src, line);
          if (t.n < 0 || t.top < 0 || t.top > t.n)
            throw DataError(SourceLoc{src, line}, "n = " + row[c_n] + ", top = " + row[c_top] +
                                                      ": expected counts with 0 <= top <= n");
          t.top_share = as_real(row[c_share], src, line);
          t.kurtosis = as_real(row[c_kurt], src, line);
          s.tails.push_back(t);
          rs.tail_only.insert(row[c_metric]);
        });
    for (const auto& c : rs.cells)
      for (const auto& [m, s] : c.metrics)
        if (!s.tails.empty() && s.tails.size() != s.points.size())
          throw DataError(SourceLoc{src, 0}, fmt::format("metric {} of cell {} has tail statistics at {} of its {} "
                                                         "points: expected all or none",
                                                         m, c.id, s.tails.size(), s.points.size()));
  }
  // Per-run scalars (absent in directories written before they existed).
  if (fs::exists(dir / "run_scalars.csv")) {
    const CsvTable t = read_csv(dir / "run_scalars.csv");
    const std::size_t c_rep = t.column("rep"), c_name = t.column("scalar"), c_value = t.column("value");
    for (const auto& row : t.rows) {
      CellResult& c = cell_of(row, t);
      const auto rep = to_i64(row[c_rep], t);
      auto it = rep >= 0 && static_cast<std::size_t>(rep) < c.runs.size() && c.runs[static_cast<std::size_t>(rep)].rep == rep
                    ? c.runs.begin() + rep
                    : std::find_if(c.runs.begin(), c.runs.end(), [&](const RunInfo& r) { return r.rep == rep; });
      if (it == c.runs.end()) throw DataError(SourceLoc{t.source, 0}, "rep " + row[c_rep] + " is not in runs.csv");
      c.run_scalars.resize(c.runs.size());
      c.run_scalars[static_cast<std::size_t>(it - c.runs.begin())].emplace_back(row[c_name], to_real(row[c_value], t));
    }
  }
  if (fs::exists(dir / "scalar_summary.csv")) {
    const CsvTable t = read_csv(dir / "scalar_summary.csv");
    for (const auto& row : t.rows) {
      SummaryStats st;
      const auto n = to_i64(row[t.column("n")], t);
      if (n < 0 || n > std::numeric_limits<int>::max())
        throw DataError(SourceLoc{t.source, 0}, "n = " + row[t.column("n")] + ": expected a count >= 0");
      st.n = static_cast<int>(n);
      st.mean = to_real(row[t.column("mean")], t);
      st.sd = to_real(row[t.column("sd")], t);
      st.se = to_real(row[t.column("se")], t);
      st.min = to_real(row[t.column("min")], t);
      st.max = to_real(row[t.column("max")], t);
      cell_of(row, t).scalars[row[t.column("scalar")]] = st;
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
        if (t.has_column("constants")) b->constants = row[t.column("constants")];  // absent in older results
        // `state` is derived from the tables (bound_state); checked here, recomputed where used.
        const std::string& state = row[t.column("state")];
        const bool known = state == "applicable" || state == "vacuous" || state == "not_applicable";
        if (!known || (state == "not_applicable") == b->applicable)
          throw DataError(SourceLoc{t.source, 0}, "state = " + state + " of bound " + b->id +
                                                      ": expected not_applicable when applicable = false, else "
                                                      "applicable or vacuous");
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
