#include "pipeline/checkpoint.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/csv.hpp"
#include "core/errors.hpp"

namespace sgdcheck::pipeline {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kFormat = "sgdcheck-cell-checkpoint-1";

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

// Reals travel as format_real text: JSON numbers have no inf/nan, and this text reads back bit for bit.
json reals(const std::vector<double>& v) {
  json a = json::array();
  for (double x : v) a.push_back(format_real(x));
  return a;
}

std::vector<double> reals_of(const json& a, std::size_t expected) {
  if (!a.is_array() || a.size() != expected) throw std::runtime_error("array size");
  std::vector<double> out;
  out.reserve(expected);
  for (const auto& x : a) out.push_back(parse_real_strict(x.get<std::string>()));
  return out;
}

}  // namespace

std::string checkpoint_key(const Plan& plan, const CellPlan& cell, const std::string& code_version) {
  std::ostringstream k;
  k << kFormat << "\ncode " << code_version << "\nexperiment " << plan.experiment.name << "\nseed " << plan.seed
    << "\nseeds " << plan.experiment.seeds << "\nproblem " << plan.experiment.problem.kind << "\n";
  for (const auto& [name, v] : cell.problem_params.values()) k << "problem." << name << " = " << to_string(v) << "\n";
  k << "problem: " << plan.problem_of(cell).describe() << "\nrunner " << plan.experiment.runner.kind << "\n";
  for (const auto& [name, v] : cell.runner_params.values()) k << "runner." << name << " = " << to_string(v) << "\n";
  k << "record";
  for (auto it : cell.record_iters) k << " " << it;
  k << "\nper_run";
  if (plan.traces) k << " (all)";
  for (const auto& m : plan.per_run_metrics) k << " " << m;
  k << "\n";
  return k.str();
}

std::string checkpoint_file_name(std::size_t cell_id, const std::string& key) {
  return fmt::format("cell-{}-{:016x}.json", cell_id, fnv1a(key));
}

void write_checkpoint(const fs::path& file, const std::string& key, const CellResult& c, const std::vector<double>& wall) {
  json j;
  j["format"] = kFormat;
  j["key"] = key;
  json metrics = json::array();
  for (const auto& [name, s] : c.metrics) {
    json m;
    m["name"] = name;
    json pts = json::array();
    for (const auto& p : s.points) pts.push_back({p.iter, p.samples, p.rounds, format_real(p.vtime)});
    m["points"] = pts;
    m["n"] = s.n;
    m["mean"] = reals(s.mean);
    m["sd"] = reals(s.sd);
    m["se"] = reals(s.se);
    m["min"] = reals(s.min);
    m["max"] = reals(s.max);
    json rows = json::array();
    for (const auto& row : s.values) rows.push_back(reals(row));
    m["values"] = rows;
    m["seeds"] = s.seeds;
    metrics.push_back(m);
  }
  j["metrics"] = metrics;
  json runs = json::array();
  for (std::size_t i = 0; i < c.runs.size(); ++i) {
    const RunInfo& r = c.runs[i];
    json jr = {{"seed", r.seed}, {"rep", r.rep}, {"termination", r.termination}, {"message", r.message},
               {"iterations", r.iterations}};
    json sc = json::array();
    if (i < c.run_scalars.size())
      for (const auto& [name, v] : c.run_scalars[i]) sc.push_back({name, format_real(v)});
    jr["scalars"] = sc;
    runs.push_back(jr);
  }
  j["runs"] = runs;
  json scalars = json::array();
  for (const auto& [name, st] : c.scalars)
    scalars.push_back({name, st.n, format_real(st.mean), format_real(st.sd), format_real(st.se), format_real(st.min),
                       format_real(st.max)});
  j["scalars"] = scalars;
  j["wall_seconds"] = reals(wall);

  const fs::path tmp = file.parent_path() / (file.filename().string() + fmt::format(".tmp-{}", getpid()));
  {
    std::ofstream out(tmp);
    out << j.dump() << "\n";
    if (!out) throw UsageError(SourceLoc{tmp.string(), 0}, "cannot write checkpoint");
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) throw UsageError(SourceLoc{file.string(), 0}, "cannot write checkpoint: " + ec.message());
}

bool read_checkpoint(const fs::path& file,
                     const std::string& key,
                     std::size_t seeds,
                     CellResult& c,
                     std::vector<double>& wall) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return false;
  const auto size = fs::file_size(file, ec);
  if (ec || size > (std::uintmax_t{1} << 32)) return false;  // no cell's checkpoint is 4 GiB: not ours
  try {
    std::ifstream in(file);
    const json j = json::parse(in);
    if (j.at("format").get<std::string>() != kFormat || j.at("key").get<std::string>() != key) return false;
    CellResult got;
    for (const auto& m : j.at("metrics")) {
      MetricSeries s;
      for (const auto& p : m.at("points")) {
        if (!p.is_array() || p.size() != 4) return false;
        s.points.push_back(Point{p[0].get<std::int64_t>(), p[1].get<std::int64_t>(), p[2].get<std::int64_t>(),
                                 parse_real_strict(p[3].get<std::string>())});
        if (s.points.size() > 1 && !(s.points[s.points.size() - 2].iter < s.points.back().iter)) return false;
      }
      const std::size_t K = s.points.size();
      s.n = m.at("n").get<std::vector<int>>();
      if (s.n.size() != K) return false;
      for (int n : s.n)
        if (n < 0 || static_cast<std::size_t>(n) > seeds) return false;
      s.mean = reals_of(m.at("mean"), K);
      s.sd = reals_of(m.at("sd"), K);
      s.se = reals_of(m.at("se"), K);
      s.min = reals_of(m.at("min"), K);
      s.max = reals_of(m.at("max"), K);
      const auto& rows = m.at("values");
      if (!rows.is_array() || (rows.size() != 0 && rows.size() != seeds)) return false;
      for (const auto& row : rows) s.values.push_back(reals_of(row, K));
      s.seeds = m.at("seeds").get<std::vector<std::int64_t>>();
      if (s.seeds.size() != s.values.size()) return false;
      const std::string name = m.at("name").get<std::string>();
      if (got.metrics.count(name)) return false;
      got.metrics[name] = std::move(s);
    }
    const auto& runs = j.at("runs");
    if (!runs.is_array() || runs.size() != seeds) return false;
    for (const auto& r : runs) {
      RunInfo info{r.at("seed").get<std::int64_t>(), r.at("rep").get<std::int64_t>(),
                   r.at("termination").get<std::string>(), r.at("message").get<std::string>(),
                   r.at("iterations").get<std::int64_t>()};
      if (info.rep != static_cast<std::int64_t>(got.runs.size())) return false;
      RunScalars scalars;
      for (const auto& sc : r.at("scalars")) {
        if (!sc.is_array() || sc.size() != 2) return false;
        scalars.emplace_back(sc[0].get<std::string>(), parse_real_strict(sc[1].get<std::string>()));
      }
      got.runs.push_back(std::move(info));
      got.run_scalars.push_back(std::move(scalars));
    }
    for (const auto& sc : j.at("scalars")) {
      if (!sc.is_array() || sc.size() != 7) return false;
      SummaryStats st;
      const auto n = sc[1].get<std::int64_t>();
      if (n < 0 || static_cast<std::size_t>(n) > seeds) return false;
      st.n = static_cast<int>(n);
      st.mean = parse_real_strict(sc[2].get<std::string>());
      st.sd = parse_real_strict(sc[3].get<std::string>());
      st.se = parse_real_strict(sc[4].get<std::string>());
      st.min = parse_real_strict(sc[5].get<std::string>());
      st.max = parse_real_strict(sc[6].get<std::string>());
      got.scalars[sc[0].get<std::string>()] = st;
    }
    std::vector<double> w = reals_of(j.at("wall_seconds"), seeds);
    c.metrics = std::move(got.metrics);
    c.runs = std::move(got.runs);
    c.run_scalars = std::move(got.run_scalars);
    c.scalars = std::move(got.scalars);
    wall = std::move(w);
    return true;
  } catch (const std::exception&) {
    return false;  // malformed: recompute the cell
  }
}

}  // namespace sgdcheck::pipeline
