#include "plots/plot_writer.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "core/csv.hpp"
#include "core/errors.hpp"
#include "core/rng.hpp"
#include "core/text_file.hpp"
#include "core/thread_pool.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/derived.hpp"

namespace sgdcheck::plots {

namespace fs = std::filesystem;
using pipeline::BoundSeries;
using pipeline::CellResult;
using pipeline::MetricSeries;
using pipeline::ResultSet;

namespace {

const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                         "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"};

std::string metric_label(const std::string& m) {
  if (m == "dist2") return "E ||x - x*||^2";
  if (m == "subopt") return "E f(x) - f*";
  if (m == "grad2") return "E ||grad f(x)||^2";
  if (m == "test_loss") return "test loss";
  if (m == "step") return "step size";
  return m;
}

/// What one unit of the x axis is, as the runner records it (runners/*.cpp set Point::iter etc.):
/// local_sgd counts local steps of each worker (all workers step together), not server updates.
std::string axis_label(const std::string& a, const std::string& runner_kind) {
  if (a == "iter" && runner_kind == "local_sgd") return "local steps per worker";
  if (a == "iter" && (runner_kind == "minibatch_sgd" || runner_kind == "delayed_sgd")) return "iterations (server updates)";
  if (a == "iter") return "iterations";
  if (a == "samples" && runner_kind == "local_sgd") return "samples processed (all workers)";
  if (a == "samples") return "samples processed";
  if (a == "rounds") return "communication rounds";
  if (a == "vtime") return "virtual time";
  return a;
}

/// The x label of a sweep plot: what the swept key means, then the key itself (as in the YAML).
std::string sweep_axis_label(const std::string& key) {
  static const std::map<std::string, std::string> known = {
      {"runner.batch", "batch size b"},
      {"runner.delay.tau", "maximum delay tau"},
      {"runner.workers", "workers P"},
      {"runner.local_steps", "local steps N"},
      {"runner.schedule.rounds", "communication rounds C"},
      {"runner.step.scale", "step scale c"},
      {"runner.step.gamma", "step size gamma"},
      {"problem.density", "density p"},
      {"problem.d", "dimension d"},
      {"problem.noise", "noise level"},
  };
  auto it = known.find(key);
  return it == known.end() ? key : it->second + " (" + key + ")";
}

double axis_value(const Point& p, const std::string& axis) {
  if (axis == "samples") return static_cast<double>(p.samples);
  if (axis == "rounds") return static_cast<double>(p.rounds);
  if (axis == "vtime") return p.vtime;
  return static_cast<double>(p.iter);
}

/// True when every rep has the same value at every point (SE 0 everywhere: the step size, a delay
/// bound, …): such a curve is a setting of the run, not a seed mean to be read with error bars.
bool deterministic(const MetricSeries& m) {
  if (m.size() == 0) return false;
  for (std::size_t k = 0; k < m.size(); ++k)
    if (m.n[k] < 2 || !(m.sd[k] == 0.0)) return false;
  return true;
}

/// Ends a data block. gnuplot does not count a block without data rows, which would shift every later
/// `index`; an empty block therefore gets one NaN row (drawn as nothing).
void end_block(std::string& data, std::size_t block_start) {
  bool has_row = false;
  for (std::size_t pos = block_start; pos < data.size();) {
    const std::size_t end = data.find('\n', pos);
    const std::string line = data.substr(pos, end - pos);
    if (!line.empty() && line[0] != '#') has_row = true;
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  if (!has_row) data += "nan nan nan nan\n";
  data += "\n\n";
}

/// Legend wording of a bound's guarantee.
std::string guarantee_text(const std::string& g) {
  if (g == "exact") return "exact oracle";
  if (g == "prediction") return "prediction";
  return g + " bound";
}

/// Replaces control characters (newline, tab, ESC, ...) by spaces: one line of inert text.
std::string one_line(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

std::string gp_quote(const std::string& s) { return gp_string(s); }

/// Maximum characters (UTF-8 code points) of a legend entry: a one-column key at font 9 on the
/// 1000-pixel canvas holds about 150.
constexpr std::size_t kKeyChars = 130;

/// A legend entry: one line, at most kKeyChars characters (longer ones end in "..."), so keys fit
/// the canvas. Counted in code points, so "τ" or "‖" do not shorten the entry.
std::string key_title(const std::string& s) {
  const std::string t = one_line(s);
  std::size_t chars = 0, cut = std::string::npos;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if ((static_cast<unsigned char>(t[i]) & 0xC0) == 0x80) continue;  // UTF-8 continuation byte
    if (chars == kKeyChars - 3) cut = i;
    ++chars;
  }
  if (chars <= kKeyChars) return gp_string(t);
  return gp_string(t.substr(0, cut) + "...");
}

/// The figure being assembled: settings, notes and plot elements, rendered by script_text().
struct Figure {
  std::string title, xlabel, ylabel, scale;
  std::string extra;               ///< set arrow / set label lines (marks)
  std::vector<std::string> notes;  ///< said on the figure, under the title
  std::vector<std::string> plots;  ///< plot elements
  std::size_t finite_rows = 0;     ///< empirical data rows actually drawn
  std::size_t key_entries = 0;     ///< titled plot elements (for the bottom margin)
  std::size_t runs = 0, diverged = 0;  ///< runs of the plotted cells, and how many diverged
  // Extent of the drawn y values (positive ones only on a log y axis): empirical and bound / oracle.
  double emp_lo = INFINITY, emp_hi = -INFINITY, ref_lo = INFINITY, ref_hi = -INFINITY;
  double x_lo = INFINITY, x_hi = -INFINITY;  ///< extent of the drawn x values
  void drawn_x(double v) {
    x_lo = std::min(x_lo, v);
    x_hi = std::max(x_hi, v);
  }
  void empirical_y(double v) {
    emp_lo = std::min(emp_lo, v);
    emp_hi = std::max(emp_hi, v);
  }
  void reference_y(double v) {
    ref_lo = std::min(ref_lo, v);
    ref_hi = std::max(ref_hi, v);
  }
};

/// Decades kept below the smallest positive empirical value on a log y axis: bound and oracle lines
/// falling further (exact oracles reach 1e-300) would otherwise squash the measured curves.
constexpr double kDecadesBelowEmpirical = 3.0;

/// A tick label: "%g" (no exponent form that needs enhanced text).
std::string tick_label(double v) { return fmt::format("{:g}", v); }

/// y range and tick settings of a log y axis from the drawn values; may add a note.
std::string log_y_settings(const Figure& f, std::vector<std::string>& notes) {
  if (!(f.emp_lo > 0) || !std::isfinite(f.emp_lo)) return "";
  std::string s;
  double lo = std::min(f.emp_lo, f.ref_lo);
  const double hi = std::max(f.emp_hi, std::isfinite(f.ref_hi) ? f.ref_hi : f.emp_hi);
  double hi_ = hi;
  const double clip = std::pow(10.0, std::floor(std::log10(f.emp_lo) - kDecadesBelowEmpirical));
  const double clip_hi = std::pow(10.0, std::ceil(std::log10(f.emp_hi) + kDecadesBelowEmpirical));
  bool clipped = false, clipped_hi = false;
  if (lo < clip) {
    lo = clip;
    clipped = true;
  }
  if (hi_ > clip_hi) {
    hi_ = clip_hi;
    clipped_hi = true;
  }
  if (clipped || clipped_hi)
    notes.push_back(fmt::format("y range from the empirical curves: bound / oracle lines {} are cut off",
                                clipped && clipped_hi ? fmt::format("below {:.0e} and above {:.0e}", clip, clip_hi)
                                : clipped             ? fmt::format("below {:.0e}", clip)
                                                      : fmt::format("above {:.0e}", clip_hi)));
  const double span = std::log10(hi_ / lo);
  if (span < 2.5) {
    // Less than ~2 decades: decade labels alone would give two or three ticks, and autoscaling would
    // pad to whole decades. Use the data range and label 1-2-5 (1-2-3-5 under one decade) steps.
    const std::vector<double> steps = span < 1.2 ? std::vector<double>{1, 2, 3, 5} : std::vector<double>{1, 2, 5};
    // A degenerate range (every drawn value equal, e.g. a constant step) gets a factor 2 either side,
    // so its ticks are distinct numbers, not one decade label twice.
    const double pad = hi_ > lo ? 1.25 : 2.0;
    const double ylo = lo / pad, yhi = hi_ * pad;
    s += fmt::format("set yrange [{}:{}]\n", format_real(ylo), format_real(yhi));
    std::vector<std::string> tics;
    for (int e = static_cast<int>(std::floor(std::log10(ylo))); e <= static_cast<int>(std::ceil(std::log10(yhi))); ++e)
      for (double m : steps) {
        const double v = e < 0 ? m / std::pow(10.0, -e) : m * std::pow(10.0, e);  // 3/10, not 3*0.1
        if (v >= ylo && v <= yhi) tics.push_back(fmt::format("'{}' {}", tick_label(v), format_real(v)));
      }
    s += "set format y '%g'\n";
    if (tics.size() >= 2) s += "set ytics (" + fmt::format("{}", fmt::join(tics, ", ")) + ")\n";
  } else if (clipped || clipped_hi) {
    s += fmt::format("set yrange [{}:{}]\n", clipped ? format_real(lo) : std::string("*"),
                     clipped_hi ? format_real(hi_) : std::string("*"));
  }
  return s;
}

std::string script_text(const Figure& fig) {
  Figure f = fig;
  const bool logx = f.scale == "loglog" || f.scale == "semilogx";
  const bool logy = f.scale == "loglog" || f.scale == "semilogy";
  const std::string yrange = logy && f.finite_rows > 0 ? log_y_settings(f, f.notes) : std::string();
  std::string s;
  // The canvas grows with the legend rows (two columns, one for long titles) and the note lines, so
  // a long key is neither cut off at the bottom nor squeezed over the x-axis label.
  std::size_t long_titles = 0;  // key titles too long to share a row with another (about 60 characters)
  for (const auto& e : f.plots)
    if (const auto t = e.find(" title '"); t != std::string::npos && e.size() - t > 8 + 60) ++long_titles;
  long_titles = std::min(long_titles, f.key_entries);
  const std::size_t key_rows = long_titles + (f.key_entries - long_titles + 1) / 2;
  const std::size_t extra_lines = (key_rows > 5 ? key_rows - 5 : 0) + (f.notes.size() > 3 ? f.notes.size() - 3 : 0);
  const int height = 800 + static_cast<int>(extra_lines) * 22;
  const double pdf_height = 5.6 + static_cast<double>(extra_lines) * 0.16;
  s += "# Generated by sgdcheck from the result tables; edit freely and re-render with\n";
  s += "#   gnuplot -e \"fmt='png'\" THIS.gp      (fmt: png, svg or pdf)\n";
  s += "if (!exists(\"fmt\")) fmt = 'png'\n";
  s += fmt::format("if (fmt eq 'png') set terminal pngcairo size 1000,{} enhanced font 'sans,11'\n", height);
  s += fmt::format("if (fmt eq 'svg') set terminal svg size 1000,{} enhanced font 'sans,11' background '#ffffff'\n", height);
  s += fmt::format("if (fmt eq 'pdf') set terminal pdfcairo size 7in,{:.2f}in enhanced font 'sans,9'\n", pdf_height);
  s += "set output STEM.'.'.fmt\n";
  // Notes are extra title lines (gnuplot sizes the top margin for them), so they never cover data.
  std::string title_expr = gp_quote(f.title);
  for (const auto& note : f.notes) title_expr += ".\"\\n\"." + gp_quote("[" + note + "]");
  s += "set title " + title_expr + " noenhanced\n";
  s += "set xlabel " + gp_quote(f.xlabel) + " noenhanced\n";
  s += "set ylabel " + gp_quote(f.ylabel) + " noenhanced\n";
  if (logx) s += "set logscale x\nset format x '10^{%L}'\n";
  if (logy) s += "set logscale y\nset format y '10^{%L}'\n";
  s += "set grid xtics ytics mxtics mytics lc '#dddddd'\n";
  // The key goes below the x-axis label (gnuplot sizes the bottom margin for it), at most 2 columns,
  // so long bound titles are neither cut off nor drawn over the label. `height 1`: without it a key
  // of one row (a single entry) is drawn over the x-axis label.
  s += "set key outside below center horizontal Left reverse noenhanced spacing 1.1 font ',9' maxcols 2 width 1 height 1\n";
  if (f.finite_rows == 0) {
    // Nothing finite to draw (every run diverged or produced NaN): gnuplot cannot autoscale an empty
    // plot ("x range is invalid"), so give it a range and say why the figure is empty.
    // The range is arbitrary, so no tick labels pretend it is a scale.
    s += logx ? "set xrange [1:10]\n" : "set xrange [0:1]\n";
    s += logy ? "set yrange [1:10]\n" : "set yrange [0:1]\n";
    s += "unset xtics\nunset ytics\nunset mxtics\nunset mytics\n";
    const std::string why = f.runs > 0 && f.diverged == f.runs
                                ? fmt::format("every run diverged ({} of {}, see runs.csv)", f.diverged, f.runs)
                                : f.diverged > 0 ? fmt::format("{} of {} runs diverged (see runs.csv); the rest NaN or <= 0 on a log axis",
                                                               f.diverged, f.runs)
                                                 : std::string("values NaN, or <= 0 on a log axis (see results.csv)");
    s += "set label 99 " + gp_quote("no finite data to draw: " + why) +
         " at graph 0.5, graph 0.5 center font ',12' tc rgb '#8b0000' noenhanced\n";
  } else if (f.x_lo == f.x_hi && std::isfinite(f.x_lo)) {
    // One x value (a single point or a one-value sweep): gnuplot would widen the empty range itself and,
    // on a log axis, label the same decade twice. Centre it with one tick at the value.
    const double v = f.x_lo;
    const double a = logx ? v / 2 : (v == 0 ? -1.0 : v - 0.5 * std::abs(v));
    const double b = logx ? v * 2 : (v == 0 ? 1.0 : v + 0.5 * std::abs(v));
    s += fmt::format("set xrange [{}:{}]\nset xtics ('{}' {})\nunset mxtics\n", format_real(a), format_real(b),
                     tick_label(v), format_real(v));
    s += yrange;
  } else {
    s += "set autoscale xfix\n";
    s += yrange;
  }
  if (!logy && f.finite_rows > 0 && f.emp_lo == f.emp_hi && !(f.ref_lo < f.ref_hi) &&
      (!std::isfinite(f.ref_lo) || f.ref_lo == f.emp_lo) && std::isfinite(f.emp_lo)) {
    // Every drawn value equal on a linear y axis: an explicit range around it, ticks chosen by gnuplot.
    const double v = f.emp_lo;
    const double pad = v == 0 ? 1.0 : 0.5 * std::abs(v);
    s += fmt::format("set yrange [{}:{}]\n", format_real(v - pad), format_real(v + pad));
  }
  s += "set style fill transparent solid 0.18 noborder\n";
  s += f.extra;
  std::vector<std::string> elems = f.plots;
  if (elems.empty()) elems.push_back("NaN notitle");
  s += "plot \\\n  " + fmt::format("{}", fmt::join(elems, ", \\\n  ")) + "\n";
  return s;
}

/// Notes for bounds of metric `metric` that apply to no cell / only some cells / draw nothing.
void bound_notes(const std::vector<const CellResult*>& cells,
                 const std::string& metric,
                 const std::map<std::string, std::size_t>& drawn_rows,
                 std::vector<std::string>& notes) {
  std::vector<std::string> ids;
  std::map<std::string, std::vector<std::string>> reasons;
  std::map<std::string, std::size_t> applicable, total;
  std::map<std::string, std::string> title;
  for (const CellResult* c : cells)
    for (const auto& b : c->bounds) {
      if (b.metric != metric) continue;
      if (!total.count(b.id)) ids.push_back(b.id);
      ++total[b.id];
      title[b.id] = b.title.empty() ? b.id : b.title;
      if (b.applicable) ++applicable[b.id];
      else if (std::find(reasons[b.id].begin(), reasons[b.id].end(), b.reason) == reasons[b.id].end())
        reasons[b.id].push_back(b.reason);
    }
  for (const auto& id : ids) {
    const std::string why = reasons[id].empty() ? std::string() : " (" + one_line(reasons[id].front()) + ")";
    if (applicable[id] == 0)
      notes.push_back(fmt::format("bound {}: not applicable{}", title[id], why));
    else if (applicable[id] < total[id])
      notes.push_back(fmt::format("bound {}: not applicable to {} of {} cells{}", title[id], total[id] - applicable[id],
                                  total[id], why));
    else if (!drawn_rows.count(id) || drawn_rows.at(id) == 0)
      notes.push_back(fmt::format("bound {}: no finite positive values on these axes (not drawn)", title[id]));
  }
}

/// "batch=8, tau=2": the sweep values of `c` for keys that vary among the plotted cells (a `where:`
/// fixes the rest), by short name; "all cells" if none varies.
std::string varying_label(const ResultSet& rs, const CellResult& c) {
  std::string out;
  for (std::size_t k = 0; k < rs.sweep_keys.size(); ++k) {
    bool varies = false;
    for (const auto& o : rs.cells) varies = varies || o.sweep_values[k] != rs.cells.front().sweep_values[k];
    if (!varies) continue;
    const auto& sk = rs.sweep_keys[k];
    out += (out.empty() ? "" : ", ") + sk.substr(sk.find('.') + 1) + "=" + c.sweep_values[k];
  }
  return out.empty() ? rs.cell_label(c) : out;
}

/// Curves: one mean line (+ band) per cell, bounds dashed in the cell's colour.
Figure curve_plot(const ResultSet& rs, const Params& spec, const std::string& title, std::string& data) {
  const std::string x = spec.get_string("x");
  const std::string y = spec.get_string("y");
  const std::string scale = spec.get_string("scale");
  const bool logx = scale == "loglog" || scale == "semilogx";
  const bool logy = scale == "loglog" || scale == "semilogy";
  const bool band = spec.get_bool("band");
  const bool with_bounds = spec.get_bool("bounds");
  Figure fig;
  fig.title = title;
  const std::string kind = rs.cells.empty() || !rs.cells.front().options.count("runner.kind")
                               ? std::string() : rs.cells.front().options.at("runner.kind");
  fig.xlabel = spec.get_string("xlabel").empty() ? axis_label(x, kind) : spec.get_string("xlabel");
  fig.ylabel = spec.get_string("ylabel").empty() ? metric_label(y) : spec.get_string("ylabel");
  fig.scale = scale;
  std::vector<std::string>& plots = fig.plots;
  std::vector<std::string> bound_plots;  // after all means, so the key lists the cells first
  int block = 0;
  std::map<std::string, int> dash_of;
  std::map<std::string, std::size_t> bound_rows;       // finite rows drawn per bound id
  std::map<std::string, std::size_t> bound_cells;      // cells drawing each bound id
  std::vector<const CellResult*> with_metric;
  const char* dashes_upper[] = {"2", "4", "5", "(12,6,2,6)"};
  std::set<double> dropped_x;  // x values <= 0 left out on a log x axis
  // First pass: which bounds are drawn by more than one cell (their key entry is then neutral).
  for (const CellResult& c : rs.cells)
    if (c.metrics.count(y))
      for (const BoundSeries& b : c.bounds)
        if (with_bounds && b.applicable && b.metric == y) ++bound_cells[b.id];
  std::set<std::string> bound_in_key;
  for (std::size_t ci = 0; ci < rs.cells.size(); ++ci) {
    const CellResult& c = rs.cells[ci];
    auto it = c.metrics.find(y);
    if (it == c.metrics.end()) continue;
    with_metric.push_back(&c);
    const MetricSeries& m = it->second;
    const std::string color = kColors[ci % 10];
    const std::size_t mean_start = data.size();
    data += one_line(fmt::format("# cell {} ({}): x mean lo hi", c.id, rs.cell_label(c))) + "\n";
    for (std::size_t k = 0; k < m.size(); ++k) {
      const double xv = axis_value(m.points[k], x);
      if (logx && !(xv > 0)) {
        dropped_x.insert(xv);
        continue;
      }
      double lo = m.mean[k] - 2 * m.se[k], hi = m.mean[k] + 2 * m.se[k];
      if (logy && !(lo > 0)) lo = m.min[k] > 0 ? m.min[k] : m.mean[k] / 10;
      if (!std::isfinite(m.mean[k]) || (logy && !(m.mean[k] > 0))) continue;
      data += fmt::format("{} {} {} {}\n", format_real(xv), format_real(m.mean[k]), format_real(lo), format_real(hi));
      ++fig.finite_rows;
      fig.drawn_x(xv);
      fig.empirical_y(m.mean[k]);
      if (band && std::isfinite(hi)) fig.emp_hi = std::max(fig.emp_hi, hi);
    }
    end_block(data, mean_start);
    const int mean_block = block++;
    if (band)
      plots.push_back(fmt::format("DATA index {} using 1:3:4 with filledcurves lc rgb '{}' notitle", mean_block, color));
    const std::string label = !rs.sweep_keys.empty() ? varying_label(rs, c)
                              : deterministic(m)   ? metric_label(y) + " (the same in every run)"
                                                   : std::string("empirical mean");
    plots.push_back(fmt::format("DATA index {} using 1:2 with lines lw 2 lc rgb '{}' title {}", mean_block, color,
                                key_title(label)));
    ++fig.key_entries;
    if (!with_bounds) continue;
    for (const BoundSeries& b : c.bounds) {
      if (!b.applicable || b.metric != y) continue;
      // x-axis of a bound: map its iterations onto the cell's recorded points.
      const std::size_t bound_start = data.size();
      data += one_line(fmt::format("# cell {} bound {}: x value", c.id, b.id)) + "\n";
      for (std::size_t k = 0; k < b.iters.size(); ++k) {
        auto pos = std::find_if(m.points.begin(), m.points.end(), [&](const Point& p) { return p.iter == b.iters[k]; });
        if (pos == m.points.end()) continue;
        const double xv = axis_value(*pos, x);
        if ((logx && !(xv > 0)) || (logy && !(b.values[k] > 0)) || !std::isfinite(b.values[k])) continue;
        data += fmt::format("{} {}\n", format_real(xv), format_real(b.values[k]));
        ++bound_rows[b.id];
        fig.reference_y(b.values[k]);
      }
      end_block(data, bound_start);
      const int bblock = block++;
      if (!dash_of.count(b.id)) dash_of[b.id] = static_cast<int>(dash_of.size());
      const bool exact = b.guarantee == "exact";
      const std::string dt = exact ? "(3,4)" : dashes_upper[dash_of[b.id] % 4];
      // Exact oracles are drawn black and on top, so agreement with the colored mean stays visible.
      const std::string bcolor = exact ? "#000000" : color;
      const std::string key_text = fmt::format("{} [{}, {}]", b.title, guarantee_text(b.guarantee), b.label);
      const bool shared = !exact && bound_cells[b.id] > 1;
      const bool first = !bound_in_key.count(b.id);
      bound_in_key.insert(b.id);
      // A per-cell bound drawn for one cell is keyed in that cell's colour; drawn for several cells it
      // gets one neutral key entry saying that each dashed line has its cell's colour.
      if (first && shared) {
        bound_plots.push_back(fmt::format("NaN with lines lw 1.8 dt {} lc rgb '#444444' title {}", dt,
                                          key_title(key_text + " (dashed, in each cell's colour)")));
        ++fig.key_entries;
      }
      const bool titled = first && !shared;
      if (titled) ++fig.key_entries;
      bound_plots.push_back(fmt::format("DATA index {} using 1:2 with lines lw {} dt {} lc rgb '{}' {}", bblock,
                                        exact ? "1.5" : "1.8", dt, bcolor,
                                        titled ? "title " + key_title(key_text) : std::string("notitle")));
    }
  }
  if (with_metric.empty()) throw ConfigError("plot: no cell recorded metric " + y);
  plots.insert(plots.end(), bound_plots.begin(), bound_plots.end());
  if (with_bounds) bound_notes(with_metric, y, bound_rows, fig.notes);
  if (!dropped_x.empty()) {
    std::vector<std::string> vals;
    for (double v : dropped_x) vals.push_back(format_real(v));
    fig.notes.push_back(fmt::format("log x axis: {} = {} not drawn", x, fmt::join(vals, ", ")));
  }
  return fig;
}

/// One point per cell against a sweep key: final metric or iterations_to_target, with the same
/// quantity computed from each applicable bound / oracle.
Figure sweep_plot(const ResultSet& rs, const Params& spec, const std::string& title, std::string& data) {
  const std::string x = spec.get_string("x");
  const std::string y = spec.get_string("y");
  const auto xpos = std::find(rs.sweep_keys.begin(), rs.sweep_keys.end(), x) - rs.sweep_keys.begin();
  if (static_cast<std::size_t>(xpos) >= rs.sweep_keys.size())
    throw ConfigError("plot x = " + x + ": expected iter, samples, rounds, vtime or a sweep key of this experiment");
  const bool to_target = y == "iterations_to_target" || y == "speedup" || y == "efficiency";
  const std::string metric = to_target ? spec.get_string("metric") : y;
  const double target = spec.get_real("target");
  const bool rel = spec.get_bool("target_relative");
  const std::string scale = spec.get_string("scale");
  std::string yl = spec.get_string("ylabel");
  if (yl.empty() && (y == "speedup" || y == "efficiency"))
    yl = fmt::format("{} of T = iterations until {} {} {}", y == "speedup" ? "speedup T(x0)/T(x)" : "efficiency x0 T(x0)/(x T(x))",
                     metric_label(metric), rel ? "/ initial <=" : "<=", target);
  if (yl.empty() && !rs.cells.empty() && !rs.cells.front().metrics.count(metric) && std::isfinite(rs.cells.front().constant(y)))
    yl = y + " (constants.csv)";
  if (yl.empty())
    yl = to_target ? fmt::format("iterations until {} {} {}", metric_label(metric), rel ? "/ initial <=" : "<=", target)
                   : metric_label(metric) + " at the last iteration";
  Figure fig;
  fig.title = title;
  fig.xlabel = spec.get_string("xlabel").empty() ? sweep_axis_label(x) : spec.get_string("xlabel");
  fig.ylabel = yl;
  fig.scale = scale;
  const bool logx = scale == "loglog" || scale == "semilogx";
  const bool logy = scale == "loglog" || scale == "semilogy";
  std::set<std::string> dropped_x;
  // Vertical marks at constants such as M_curv / M_grad.
  {
    const std::string marks = spec.get_string("marks");
    std::size_t pos0 = 0;
    int mi = 0;
    while (pos0 < marks.size() && !rs.cells.empty()) {
      std::size_t end = marks.find(',', pos0);
      if (end == std::string::npos) end = marks.size();
      std::string name = marks.substr(pos0, end - pos0);
      pos0 = end + 1;
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      const double v = rs.cells.front().constant(name);
      if (!std::isfinite(v))
        throw ConfigError("plot " + spec.get_string("name") + ": marks: constant " + name +
                          " is not in constants.csv (see constants.csv for the names)");
      if (logx && !(v > 0)) {
        fig.notes.push_back(fmt::format("mark {} = {:.3g}: not drawn on a log x axis", name, v));
        continue;
      }
      fig.extra += fmt::format("set arrow from {0}, graph 0 to {0}, graph 1 nohead dt 3 lw 1.5 lc rgb '#555555'\n", format_real(v));
      fig.extra += fmt::format("set label {} at {}, graph {} offset 0.5,0 font ',9' tc rgb '#333333' noenhanced\n",
                        gp_quote(fmt::format("{} = {:.3g}", name, v)), format_real(v), 0.95 - 0.05 * mi++);
    }
  }
  // Group cells into series by the other sweep values; the legend names only keys that vary among
  // the plotted cells (a `where:` fixes the rest), by their short name.
  std::vector<bool> varies(rs.sweep_keys.size(), false);
  for (const auto& c : rs.cells)
    for (std::size_t k = 0; k < rs.sweep_keys.size(); ++k)
      if (c.sweep_values[k] != rs.cells.front().sweep_values[k]) varies[k] = true;
  // In the order of the cells (the sweep's order: workers 4, 16, 64), not sorted as text (16, 4, 64).
  std::vector<std::pair<std::string, std::vector<const CellResult*>>> series;
  for (const auto& c : rs.cells) {
    std::string key;
    for (std::size_t k = 0; k < rs.sweep_keys.size(); ++k)
      if (static_cast<long>(k) != xpos && varies[k]) {
        const auto& sk = rs.sweep_keys[k];
        key += (key.empty() ? "" : ", ") + sk.substr(sk.find('.') + 1) + "=" + c.sweep_values[k];
      }
    auto it = std::find_if(series.begin(), series.end(), [&](const auto& sr) { return sr.first == key; });
    if (it == series.end()) it = series.insert(series.end(), {key, {}});
    it->second.push_back(&c);
  }
  auto quantity = [&](const std::vector<std::int64_t>& iters, const std::vector<double>& v) {
    if (to_target) return pipeline::iterations_to_target(iters, v, target, rel);
    return v.empty() ? NAN : v.back();
  };
  // speedup / efficiency relative to the series' smallest swept value x0 (T = iterations_to_target).
  auto relative_T = [&](double x0, double T0, double xv, double T) {
    if (y == "speedup") return T0 / T;
    if (y == "efficiency") return x0 * T0 / (xv * T);
    return T;
  };
  const std::int64_t nboot = spec.get_int("bootstrap");
  std::vector<std::string>& plots = fig.plots;
  std::vector<const CellResult*> all_cells;
  for (const auto& c : rs.cells) all_cells.push_back(&c);
  std::map<std::string, std::size_t> bound_drawn;
  int block = 0, si = 0;
  for (const auto& [skey, cells] : series) {
    const std::string color = kColors[si++ % 10];
    const std::size_t series_start = data.size();
    data += one_line("# series " + skey + ": x empirical") + "\n";
    std::map<std::string, std::string> bound_rows;
    std::map<std::string, std::string> bound_title;
    bool from_constants = false;  // the series plots a constant of constants.csv, not measured runs
    bool all_deterministic = !to_target;  // every plotted cell's metric is the same in every run
    std::vector<const CellResult*> sorted = cells;
    std::sort(sorted.begin(), sorted.end(), [&](const CellResult* a, const CellResult* b) {
      return std::stod(a->sweep_values[static_cast<std::size_t>(xpos)]) <
             std::stod(b->sweep_values[static_cast<std::size_t>(xpos)]);
    });
    // Reference T(x0) of the series (empirical and per bound) for speedup / efficiency.
    const double x0 = sorted.empty() ? NAN : std::stod(sorted.front()->sweep_values[static_cast<std::size_t>(xpos)]);
    double T0 = NAN;
    std::map<std::string, double> T0_bound;
    std::vector<double> T0_boot;
    const bool with_ci = to_target && nboot > 0;
    // One bootstrap resample of the seeds per b (shared by every cell: common random numbers).
    std::vector<std::vector<std::size_t>> resamples;
    if (with_ci && !sorted.empty()) {
      auto it0 = sorted.front()->metrics.find(metric);
      const std::size_t R = it0 == sorted.front()->metrics.end() ? 0 : it0->second.values.size();
      Rng rng = make_stream(0, sorted.front()->id, StreamPurpose::kBootstrap);
      for (std::int64_t b = 0; b < nboot && R > 1; ++b) {
        std::vector<std::size_t> r(R);
        for (auto& v : r) v = rng.below(R);
        resamples.push_back(std::move(r));
      }
    }
    for (const CellResult* c : sorted) {
      auto it = c->metrics.find(metric);
      if (it == c->metrics.end() && !to_target && std::isfinite(c->constant(y))) {
        // y names a constant of constants.csv (e.g. M_grad): one value per cell, no band.
        const double xc = std::stod(c->sweep_values[static_cast<std::size_t>(xpos)]);
        if (logx && !(xc > 0)) {
          dropped_x.insert(c->sweep_values[static_cast<std::size_t>(xpos)]);
          continue;
        }
        from_constants = true;
        data += fmt::format("{} {}\n", format_real(xc), format_real(c->constant(y)));
        if (std::isfinite(c->constant(y)) && (!logy || c->constant(y) > 0)) {
          ++fig.finite_rows;
          fig.drawn_x(xc);
          fig.empirical_y(c->constant(y));
        }
        continue;
      }
      if (it == c->metrics.end()) continue;
      all_deterministic = all_deterministic && deterministic(it->second);
      std::vector<std::int64_t> iters;
      for (const auto& p : it->second.points) iters.push_back(p.iter);
      const double xv = std::stod(c->sweep_values[static_cast<std::size_t>(xpos)]);
      const double Tq = quantity(iters, it->second.mean);
      std::vector<double> Tb;
      for (const auto& r : resamples)
        Tb.push_back(r.size() <= it->second.values.size()
                         ? pipeline::iterations_to_target_resampled(it->second, r, target, rel) : NAN);
      if (c == sorted.front()) {
        T0 = Tq;
        T0_boot = Tb;
      }
      const double q = relative_T(x0, T0, xv, Tq);
      std::string err;
      if (with_ci) {
        std::vector<double> qs;
        for (std::size_t k = 0; k < Tb.size(); ++k) {
          const double v = relative_T(x0, T0_boot[k], xv, Tb[k]);
          if (std::isfinite(v)) qs.push_back(v);
        }
        double lo = q, hi = q;
        if (!qs.empty()) {
          std::sort(qs.begin(), qs.end());
          lo = qs[static_cast<std::size_t>(0.025 * static_cast<double>(qs.size() - 1))];
          hi = qs[static_cast<std::size_t>(0.975 * static_cast<double>(qs.size() - 1))];
        }
        err = fmt::format(" {} {}", format_real(lo), format_real(hi));
      }
      if (logx && !(xv > 0)) {
        dropped_x.insert(c->sweep_values[static_cast<std::size_t>(xpos)]);
      } else if (std::isfinite(q) && q > 0) {
        data += fmt::format("{} {}{}\n", format_real(xv), format_real(q), err);
        ++fig.finite_rows;
        fig.drawn_x(xv);
        fig.empirical_y(q);
      }
      for (const auto& b : c->bounds) {
        if (!spec.get_bool("bounds") || !b.applicable || b.metric != metric) continue;
        const double Tbq = quantity(b.iters, b.values);
        if (c == sorted.front()) T0_bound[b.id] = Tbq;
        const double qb = relative_T(x0, T0_bound.count(b.id) ? T0_bound[b.id] : NAN, xv, Tbq);
        bound_title[b.id] = fmt::format("{} [{}, {}]", b.title, guarantee_text(b.guarantee), b.label);
        if (std::isfinite(qb) && qb > 0 && (!logx || xv > 0)) {
          bound_rows[b.id] += fmt::format("{} {}\n", format_real(xv), format_real(qb));
          ++bound_drawn[b.id];
          fig.reference_y(qb);
        }
      }
    }
    end_block(data, series_start);
    const std::string unnamed = from_constants       ? y + " per cell (constants.csv)"
                                : all_deterministic  ? metric_label(metric) + " per cell (the same in every run)"
                                                     : std::string("empirical (seed mean)");
    if (with_ci) {
      plots.push_back(fmt::format("DATA index {} using 1:2:3:4 with yerrorbars lw 1.5 pt 7 ps 0.6 lc rgb '{}' notitle",
                                  block, color));
      plots.push_back(fmt::format("DATA index {} using 1:2 with lines lw 2 lc rgb '{}' title {}", block++, color,
                                  key_title((skey.empty() ? unnamed : skey) +
                                            " (95% bootstrap CI)")));
      ++fig.key_entries;
    } else {
      plots.push_back(fmt::format("DATA index {} using 1:2 with linespoints lw 2 pt 7 lc rgb '{}' title {}", block++,
                                  color, key_title(skey.empty() ? unnamed : skey)));
      ++fig.key_entries;
    }
    int bi = 0;
    for (const auto& [bid, rows] : bound_rows) {
      const std::size_t rows_start = data.size();
      data += one_line("# series " + skey + " bound " + bid) + "\n" + rows;
      end_block(data, rows_start);
      plots.push_back(fmt::format("DATA index {} using 1:2 with linespoints lw 1.5 dt {} pt 6 lc rgb '{}' title {}", block++,
                                  2 + bi++, color, key_title(bound_title[bid] + (skey.empty() ? "" : " — " + skey))));
      ++fig.key_entries;
    }
  }
  if (spec.get_bool("bounds")) bound_notes(all_cells, metric, bound_drawn, fig.notes);
  if (!dropped_x.empty())
    fig.notes.push_back(fmt::format("log x axis: {} = {} not drawn", x, fmt::join(dropped_x, ", ")));
  return fig;
}

}  // namespace

std::string plot_script(const ResultSet& results,
                        const Params& spec,
                        const std::string& stem,
                        const std::string& title_prefix,
                        std::string& data_out,
                        const std::vector<std::string>& extra_notes) {
  std::string title = spec.get_string("title");
  if (title.empty()) title = title_prefix.empty() ? results.name : title_prefix;
  const std::string x = spec.get_string("x");
  const bool curve = x == "iter" || x == "samples" || x == "rounds" || x == "vtime";
  const std::string where = spec.has("where") ? spec.get_string("where") : "";
  ResultSet filtered;
  const ResultSet* rs = &results;
  if (!where.empty()) {
    filtered.name = results.name;
    filtered.sweep_keys = results.sweep_keys;
    for (const auto& c : results.cells)
      if (pipeline::selected(results, c, where)) filtered.cells.push_back(c);
    if (filtered.cells.empty()) throw ConfigError("plot " + spec.get_string("name") + ": where = " + where + " selects no cell");
    rs = &filtered;
  }
  Figure fig = curve ? curve_plot(*rs, spec, title, data_out) : sweep_plot(*rs, spec, title, data_out);
  for (const auto& c : rs->cells)
    for (const auto& r : c.runs) {
      ++fig.runs;
      fig.diverged += r.termination == "diverged";
    }
  if (fig.diverged > 0 && fig.finite_rows > 0)
    fig.notes.push_back(fmt::format("{} of {} runs diverged (see runs.csv); a mean is not drawn past a divergence",
                                    fig.diverged, fig.runs));
  if (!where.empty()) fig.notes.insert(fig.notes.begin(), "cells with " + where);
  fig.notes.insert(fig.notes.begin() + (where.empty() ? 0 : 1), extra_notes.begin(), extra_notes.end());
  return "STEM = " + gp_quote(stem) + "\nDATA = STEM.'.dat'\n" + script_text(fig);
}

std::string gp_string(const std::string& text) {
  std::string out = "'";
  for (char c : one_line(text)) {
    if (c == '\'') out += '\'';  // '' is a literal quote inside a single-quoted gnuplot string
    out += c;
  }
  return out + "'";
}

namespace {

/// gnuplot's absolute path from PATH ("" if absent); looked up here so the child needs no shell.
std::string find_gnuplot() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t pos = 0;
  while (pos <= dirs.size()) {
    std::size_t end = dirs.find(':', pos);
    if (end == std::string::npos) end = dirs.size();
    const std::string d = dirs.substr(pos, end - pos);
    pos = end + 1;
    if (d.empty()) continue;
    const std::string candidate = d + "/gnuplot";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

/// Runs `gnuplot -e "fmt='F'" STEM.gp` in `dir` without a shell, stdout/stderr appended to `log`.
/// Returns "" on success or a one-line reason.
std::string run_gnuplot(const std::string& gnuplot,
                        const fs::path& dir,
                        const std::string& stem,
                        const std::string& format,
                        const fs::path& log,
                        double timeout_seconds) {
  const std::string fmt_arg = "fmt='" + format + "'";  // format is one of png, svg, pdf (validated)
  const std::string script = stem + ".gp";
  const std::string dir_s = dir.string(), log_s = log.string();
  const pid_t pid = ::fork();
  if (pid < 0) return "cannot start gnuplot (fork failed)";
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    if (::chdir(dir_s.c_str()) != 0) ::_exit(126);
    const int fd = ::open(log_s.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    char* const argv[] = {const_cast<char*>("gnuplot"), const_cast<char*>("-e"), const_cast<char*>(fmt_arg.c_str()),
                          const_cast<char*>(script.c_str()), nullptr};
    ::execv(gnuplot.c_str(), argv);
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  int status = 0;
  rusage ru{};
  // The child's CPU time counts as this task's (run --profile): wait4 reports it for this pid only.
  auto charge = [&] {
    add_task_cpu(static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 1e-6 * static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec));
  };
  for (;;) {
    const pid_t r = ::wait4(pid, &status, WNOHANG, &ru);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return "waitpid failed";
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::wait4(pid, &status, 0, &ru);
      charge();
      return fmt::format("gnuplot did not finish {} within {:.0f} s (killed)", format, timeout_seconds);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  charge();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  if (WIFSIGNALED(status)) return fmt::format("gnuplot was killed by signal {} while rendering {}", WTERMSIG(status), format);
  return fmt::format("gnuplot failed to render {}", format);
}

}  // namespace

bool gnuplot_available() { return !find_gnuplot().empty(); }

PlotReport write_plots(const ResultSet& results,
                       const std::vector<pipeline::ComponentSpec>& specs,
                       const fs::path& dir,
                       const PlotOptions& options) {
  PlotReport report;
  if (specs.empty()) return report;
  const fs::path pdir = dir / "plots";
  std::error_code ec;
  fs::create_directories(pdir, ec);
  if (ec || !fs::is_directory(pdir))
    throw UsageError(SourceLoc{pdir.string(), 0}, "cannot create the plots directory" + (ec ? ": " + ec.message() : ""));
  const std::string gnuplot = find_gnuplot();
  const std::size_t nf = options.formats.size();

  // 1. Script and data of every figure, one task each (each writes only its own files and slot).
  std::vector<std::string> failed(specs.size());  // "" or why the figure is not drawn
  parallel_for(specs.size(), options.jobs, [&](std::size_t i) {
    const std::string stem = specs[i].params.get_string("name");
    std::string data, script;
    try {
      script = plot_script(results, specs[i].params, stem, options.title_prefix, data, options.notes);
    } catch (const ConfigError& e) {
      failed[i] = one_line(e.what());
      return;
    }
    write_text_file(pdir / (stem + ".gp"), script);
    write_text_file(pdir / (stem + ".dat"), data);
    std::error_code rec;
    fs::remove(pdir / (stem + ".log"), rec);
  });

  // 2. Every (figure, format) is one gnuplot process, up to `jobs` at a time. Each writes its own image
  //    and its own log (.NAME.FMT.log: plot names never start with '.', so no figure's files collide).
  std::vector<std::string> why(specs.size() * nf);
  auto part_log = [&](const std::string& stem, const std::string& f) { return pdir / ("." + stem + "." + f + ".log"); };
  if (!gnuplot.empty())
    parallel_for(specs.size() * nf, options.jobs, [&](std::size_t t) {
      const std::size_t i = t / nf;
      if (!failed[i].empty()) return;
      const std::string stem = specs[i].params.get_string("name");
      const std::string& f = options.formats[t % nf];
      const fs::path log = part_log(stem, f);
      std::error_code rec;
      fs::remove(log, rec);
      why[t] = run_gnuplot(gnuplot, pdir, stem, f, log, options.timeout_seconds);
    });

  // 3. In figure and format order, as if drawn one after the other: a figure's formats up to its first
  //    failure count; that image and the later formats are removed, and the logs up to the failure
  //    become plots/NAME.log.
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const std::string stem = specs[i].params.get_string("name");
    if (!failed[i].empty()) {
      report.failures.push_back({stem, failed[i], {}});
      continue;
    }
    if (gnuplot.empty()) {
      report.failures.push_back({stem, "gnuplot not found (install it with scripts/install-deps.sh, package gnuplot-nox)", {}});
      continue;
    }
    std::size_t first_failure = nf;
    for (std::size_t k = 0; k < nf && first_failure == nf; ++k)
      if (!why[i * nf + k].empty()) first_failure = k;
    for (std::size_t k = 0; k < first_failure; ++k) report.images.push_back(pdir / (stem + "." + options.formats[k]));
    for (std::size_t k = first_failure; k < nf; ++k) fs::remove(pdir / (stem + "." + options.formats[k]), ec);
    if (first_failure < nf) {
      std::string log_text;
      for (std::size_t k = 0; k <= first_failure; ++k) {
        std::ifstream in(part_log(stem, options.formats[k]), std::ios::binary);
        log_text.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
      const fs::path log = pdir / (stem + ".log");
      write_text_file(log, log_text);
      report.failures.push_back({stem, why[i * nf + first_failure], log});
    }
    for (const auto& f : options.formats) fs::remove(part_log(stem, f), ec);
  }
  return report;
}

}  // namespace sgdcheck::plots
