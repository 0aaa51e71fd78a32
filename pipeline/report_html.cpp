#include "pipeline/report_html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/errors.hpp"
#include "core/text_file.hpp"
#include "pipeline/checks.hpp"
#include "pipeline/junit.hpp"

namespace sgdcheck::pipeline {

namespace fs = std::filesystem;

std::string html_escape(const std::string& text) { return escape_markup(text, "&#39;"); }

namespace {

/// A relative link inside the results folder: every byte outside [A-Za-z0-9._~/-] percent-encoded.
std::string href(const std::string& rel) {
  std::string out;
  for (char ch : rel) {
    const auto u = static_cast<unsigned char>(ch);
    if (std::isalnum(u) || ch == '.' || ch == '_' || ch == '~' || ch == '-' || ch == '/') out += ch;
    else out += fmt::format("%{:02X}", u);
  }
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json read_json(const fs::path& p) {
  try {
    return nlohmann::json::parse(read_file(p));
  } catch (const std::exception& e) {
    throw DataError(SourceLoc{p.string(), 0}, std::string("malformed JSON: ") + e.what());
  }
}

/// A JSON value as text: numbers with 6 significant digits, strings as they are.
std::string jtext(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number()) return fmt::format("{:.6g}", v.get<double>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_null()) return "";
  return v.dump();
}

std::string jstr(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) ? jtext(j.at(key)) : std::string();
}

std::string num(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : (std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf")); }

std::string badge(const std::string& status) {
  return fmt::format("<span class=\"st {0}\">{0}</span>", html_escape(status));
}

constexpr const char* kStyle = R"(body{font-family:sans-serif;margin:1.5em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .5em;
text-align:left;vertical-align:top}th{background:#f2f2f2}td.n{text-align:right;font-family:monospace;white-space:nowrap}
.st{display:inline-block;padding:.05em .5em;border-radius:.3em;color:#fff;font-weight:bold;font-size:.85em}
.pass{background:#2a7d2a}.fail{background:#c0392b}.report{background:#2c6fbb}.skipped{background:#777}
.applicable{color:#2a7d2a}.vacuous{color:#b06f00}.not_applicable{color:#777}
figure{margin:1em 0;border:1px solid #ddd;padding:.5em;display:inline-block;max-width:100%}
figure img{max-width:100%;height:auto;display:block}figcaption{font-size:.9em;color:#444}
pre{background:#f7f7f7;border:1px solid #ddd;padding:.6em;overflow-x:auto;font-size:.85em}
.muted{color:#666}dl.meta{display:grid;grid-template-columns:max-content auto;gap:.1em 1em}dl.meta dt{font-weight:bold})";

void section_header(std::string& h, const nlohmann::json& m) {
  const std::string name = jstr(m, "name");
  h += "<h1>" + html_escape(name) + "</h1>\n";
  std::string sub = jstr(m, "paper");
  if (!jstr(m, "figure").empty()) sub += (sub.empty() ? "" : " — ") + jstr(m, "figure");
  if (!sub.empty()) h += "<p class=\"muted\">" + html_escape(sub) + "</p>\n";
  if (!jstr(m, "description").empty()) h += "<p>" + html_escape(jstr(m, "description")) + "</p>\n";
  h += "<dl class=\"meta\">\n";
  auto row = [&](const char* label, const std::string& v) {
    if (!v.empty()) h += fmt::format("<dt>{}</dt><dd>{}</dd>\n", label, html_escape(v));
  };
  row("experiment file", jstr(m, "file"));
  row("cells × seeds", jstr(m, "cells") + " × " + jstr(m, "seeds") + " = " + jstr(m, "runs") + " runs");
  row("quick form", jstr(m, "quick"));
  row("seed", jstr(m, "seed"));
  row("threads", jstr(m, "jobs"));
  row("started", jstr(m, "started"));
  row("finished", jstr(m, "finished"));
  row("wall time (s)", jstr(m, "wall_seconds"));
  if (m.contains("versions") && m["versions"].is_object()) {
    std::string v;
    for (const auto& [k, x] : m["versions"].items()) v += (v.empty() ? "" : ", ") + k + " " + jtext(x);
    row("versions", v);
  }
  if (m.contains("terminations") && m["terminations"].is_object()) {
    std::string v;
    for (const auto& [k, x] : m["terminations"].items()) v += (v.empty() ? "" : ", ") + k + ": " + jtext(x);
    row("run terminations", v);
  }
  h += "</dl>\n";
}

void section_checks(std::string& h, const nlohmann::json& cj) {
  h += "<h2 id=\"checks\">Checks</h2>\n";
  if (cj.is_null()) {
    h += "<p class=\"muted\">No checks.json (the experiment lists no checks).</p>\n";
    return;
  }
  const auto& s = cj.contains("summary") ? cj["summary"] : nlohmann::json::object();
  h += fmt::format("<p>{} checks: {} passed, {} failed, {} report-only, {} skipped. Only a failed check makes "
                   "<code>sgdcheck run</code> / <code>check</code> exit 1.</p>\n",
                   html_escape(jstr(s, "checks")), html_escape(jstr(s, "passed")), html_escape(jstr(s, "failed")),
                   html_escape(jstr(s, "report")), html_escape(jstr(s, "skipped")));
  if (!cj.contains("checks") || !cj["checks"].is_array() || cj["checks"].empty()) return;
  h += "<table class=\"checks\">\n<tr><th>status</th><th>check</th><th>subject</th><th>what was compared</th>"
       "<th>numbers</th></tr>\n";
  for (const auto& c : cj["checks"]) {
    std::string nums;
    if (c.contains("values") && c["values"].is_object())
      for (const auto& [k, v] : c["values"].items()) {
        std::string t;
        if (v.is_array())
          for (const auto& x : v) t += (t.empty() ? "" : ", ") + jtext(x);
        else t = jtext(v);
        nums += html_escape(k) + " = " + html_escape(t) + "<br>";
      }
    std::string what = html_escape(jstr(c, "summary"));
    if (!jstr(c, "reason").empty()) what += "<br><em>" + html_escape(jstr(c, "status") + ": " + jstr(c, "reason")) + "</em>";
    if (c.contains("cells") && c["cells"].is_array() && !c["cells"].empty()) {
      // Per-cell verdicts with their numbers; every other field of a cell is a number (or "inf"/"nan").
      std::vector<std::string> cols;
      for (const auto& cell : c["cells"])
        if (cell.is_object())
          for (const auto& [k, v] : cell.items())
            if (k != "cell" && k != "status" && k != "message" && std::find(cols.begin(), cols.end(), k) == cols.end())
              cols.push_back(k);
      what += "<details><summary>per cell</summary><table><tr><th>cell</th><th>status</th>";
      for (const auto& k : cols) what += "<th>" + html_escape(k) + "</th>";
      what += "<th>line</th></tr>";
      for (const auto& cell : c["cells"]) {
        what += "<tr><td>" + html_escape(jstr(cell, "cell")) + "</td><td>" + badge(jstr(cell, "status")) + "</td>";
        for (const auto& k : cols) what += "<td class=\"n\">" + html_escape(jstr(cell, k.c_str())) + "</td>";
        what += "<td>" + html_escape(jstr(cell, "message")) + "</td></tr>";
      }
      what += "</table></details>";
    } else if (c.contains("details") && c["details"].is_array() && !c["details"].empty()) {
      what += "<details><summary>details</summary><ul>";
      for (const auto& d : c["details"]) what += "<li>" + html_escape(jtext(d)) + "</li>";
      what += "</ul></details>";
    }
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>\n",
                     badge(jstr(c, "status")), html_escape(jstr(c, "check")), html_escape(jstr(c, "subject")), what, nums);
  }
  h += "</table>\n";
}

/// Figures in the order of the experiment's plots (then any other image in plots/).
void section_figures(std::string& h, const std::vector<ComponentSpec>& plots, const fs::path& dir,
                     const nlohmann::json& m) {
  h += "<h2 id=\"figures\">Figures</h2>\n";
  std::vector<std::string> names;
  std::map<std::string, std::string> titles;
  for (const auto& p : plots) {
    const std::string n = p.params.get_string("name");
    names.push_back(n);
    titles[n] = p.params.get_string("title");
  }
  std::error_code ec;
  std::set<std::string> on_disk;
  if (fs::is_directory(dir / "plots", ec))
    for (const auto& e : fs::directory_iterator(dir / "plots", ec)) {
      const auto ext = e.path().extension();
      if ((ext == ".png" || ext == ".svg") && e.is_regular_file(ec)) on_disk.insert(e.path().stem().string());
    }
  for (const auto& n : on_disk)
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  std::map<std::string, std::string> missing;
  if (m.contains("figures_missing") && m["figures_missing"].is_array())
    for (const auto& f : m["figures_missing"]) {
      const std::string t = jtext(f);
      missing[t.substr(0, t.find(':'))] = t;
    }
  if (names.empty()) {
    h += "<p class=\"muted\">The experiment draws no figures.</p>\n";
    return;
  }
  for (const auto& n : names) {
    const std::string stem = "plots/" + n;
    const bool png = fs::is_regular_file(dir / (stem + ".png"), ec);
    const bool svg = fs::is_regular_file(dir / (stem + ".svg"), ec);
    h += "<figure>\n";
    if (png || svg)
      h += fmt::format("<img src=\"{}\" alt=\"{}\">\n", href(stem + (png ? ".png" : ".svg")), html_escape(n));
    else if (missing.count(n))
      h += "<p><span class=\"st fail\">not drawn</span> " + html_escape(missing[n]) + "</p>\n";
    else
      h += "<p class=\"muted\">not rendered (run with <code>--format png</code> or <code>sgdcheck plot DIR</code>)</p>\n";
    std::string links;
    for (const char* ext : {".png", ".svg", ".pdf", ".gp", ".dat", ".log"})
      if (fs::is_regular_file(dir / (stem + ext), ec))
        links += fmt::format(" <a href=\"{}\">{}</a>", href(stem + ext), ext + 1);
    h += fmt::format("<figcaption><b>{}</b>{}{}<br>files:{}</figcaption>\n</figure>\n", html_escape(n),
                     titles[n].empty() ? "" : " — ", html_escape(titles[n]), links);
  }
}

void section_bounds(std::string& h, const ResultSet& rs) {
  h += "<h2 id=\"bounds\">Bounds and oracles per cell</h2>\n";
  std::vector<std::string> ids;
  for (const auto& c : rs.cells)
    for (const auto& b : c.bounds)
      if (std::find(ids.begin(), ids.end(), b.id) == ids.end()) ids.push_back(b.id);
  if (ids.empty()) {
    h += "<p class=\"muted\">The experiment evaluates no bound.</p>\n";
    return;
  }
  h += "<p>applicable: the hypotheses hold; vacuous: applies but never falls below the initial value; "
       "not applicable: with the first hypothesis that fails.</p>\n<table><tr><th>cell</th>";
  for (const auto& id : ids) h += "<th>" + html_escape(id) + "</th>";
  h += "</tr>\n";
  for (const auto& c : rs.cells) {
    h += "<tr><td>" + html_escape(rs.cell_label(c)) + "</td>";
    for (const auto& id : ids) {
      const BoundSeries* b = c.bound(id);
      if (!b) {
        h += "<td class=\"muted\">—</td>";
        continue;
      }
      const std::string st = bound_state_name(bound_state(c, *b));
      h += fmt::format("<td class=\"{}\">{}{}</td>", st, html_escape(st),
                       b->reason.empty() ? std::string() : "<br><small>" + html_escape(b->reason) + "</small>");
    }
    h += "</tr>\n";
  }
  h += "</table>\n";
  // Label and guarantee once per bound (the same in every cell).
  h += "<table><tr><th>id</th><th>title</th><th>label</th><th>guarantee</th><th>metric</th></tr>\n";
  for (const auto& id : ids)
    for (const auto& c : rs.cells)
      if (const BoundSeries* b = c.bound(id)) {
        h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", html_escape(id),
                         html_escape(b->title), html_escape(b->label), html_escape(b->guarantee), html_escape(b->metric));
        break;
      }
  h += "</table>\n";
}

void section_constants(std::string& h, const ResultSet& rs) {
  h += "<h2 id=\"constants\">Constants per cell</h2>\n";
  std::vector<std::string> names;
  for (const auto& c : rs.cells)
    for (const auto& [k, v] : c.constants)
      if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(k);
  if (names.empty()) {
    h += "<p class=\"muted\">No constants.</p>\n";
    return;
  }
  h += "<p>Values marked * are estimates; the others are exact (constants.csv, column <code>exact</code>).</p>\n";
  h += "<table><tr><th>cell</th>";
  for (const auto& n : names) h += "<th>" + html_escape(n) + "</th>";
  h += "</tr>\n";
  for (const auto& c : rs.cells) {
    h += "<tr><td>" + html_escape(rs.cell_label(c)) + "</td>";
    for (const auto& n : names) {
      const auto it = c.constants.find(n);
      if (it == c.constants.end()) h += "<td class=\"muted\">—</td>";
      else h += "<td class=\"n\">" + html_escape(num(it->second.first)) + (it->second.second ? "" : "*") + "</td>";
    }
    h += "</tr>\n";
  }
  h += "</table>\n";
}

void section_files(std::string& h, const fs::path& dir, const std::vector<std::string>& pending) {
  h += "<h2 id=\"files\">Files</h2>\n<ul>\n";
  std::vector<std::string> files;
  for (const auto& f : pending) files.push_back(f);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    const auto ext = e.path().extension();
    if (!e.is_regular_file(ec) || e.is_symlink(ec) || n == "report.html") continue;
    if (ext == ".csv" || ext == ".json" || ext == ".yaml" || ext == ".txt" || ext == ".xml") files.push_back(n);
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  for (const auto& f : files) h += fmt::format("<li><a href=\"{}\">{}</a></li>\n", href(f), html_escape(f));
  h += "</ul>\n<p class=\"muted\">What every column means: docs/results-format.md of sgdcheck.</p>\n";
}

}  // namespace

std::string report_html(const ResultSet& results, const std::vector<ComponentSpec>& plots, const fs::path& dir,
                        const ReportSources& sources) {
  std::error_code ec;
  nlohmann::json m_read, cj_read;
  if (!sources.manifest) m_read = read_json(dir / "manifest.json");
  if (!sources.checks && fs::is_regular_file(dir / "checks.json", ec)) cj_read = read_json(dir / "checks.json");
  const nlohmann::json& m = sources.manifest ? *sources.manifest : m_read;
  const nlohmann::json& cj = sources.checks ? *sources.checks : cj_read;
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // No script, no remote resource: the page works from a file:// URL with the network off.
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' file: data:; "
       "style-src 'unsafe-inline'\">\n";
  h += "<title>" + html_escape(jstr(m, "name")) + " — sgdcheck report</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  h += "<nav class=\"muted\"><a href=\"#checks\">checks</a> · <a href=\"#figures\">figures</a> · <a href=\"#bounds\">bounds</a> · "
       "<a href=\"#constants\">constants</a> · <a href=\"#config\">configuration</a> · <a href=\"#files\">files</a></nav>\n";
  try {
    section_header(h, m);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(SourceLoc{(dir / "manifest.json").string(), 0}, std::string("unexpected JSON shape: ") + e.what());
  }
  if (fs::is_regular_file(dir / "tuned.csv", ec))
    h += "<p><b>Tuned.</b> The experiment picks the best value of one sweep key per setting of the others "
         "(<a href=\"tuned.csv\">tuned.csv</a> lists the winners and every candidate's score); the checks, figures "
         "and tables below show the winning cells only.</p>\n";
  try {
    section_checks(h, cj);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(SourceLoc{(dir / "checks.json").string(), 0}, std::string("unexpected JSON shape: ") + e.what());
  }
  section_figures(h, plots, dir, m);
  section_bounds(h, results);
  section_constants(h, results);
  h += "<h2 id=\"config\">Resolved configuration</h2>\n<p>Every default filled in, the sweep expanded "
       "(<a href=\"resolved.yaml\">resolved.yaml</a>; the file as given: <a href=\"experiment.yaml\">experiment.yaml</a>).</p>\n";
  h += "<pre>" + html_escape(sources.resolved_yaml ? *sources.resolved_yaml : read_file(dir / "resolved.yaml")) +
       "</pre>\n";
  section_files(h, dir, sources.pending_files);
  const std::string version = m.is_object() && m.contains("versions") ? jstr(m["versions"], "sgdcheck") : std::string();
  h += "<p class=\"muted\">Written by sgdcheck " + html_escape(version) + ".</p>\n</body>\n</html>\n";
  return h;
}

void write_report_html(const ResultSet& results, const std::vector<ComponentSpec>& plots, const fs::path& dir,
                       const ReportSources& sources) {
  write_text_file(dir / "report.html", report_html(results, plots, dir, sources));
}

}  // namespace sgdcheck::pipeline
