#include "pipeline/outputs.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <Eigen/Core>
#include <boost/version.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>

#include "core/csv.hpp"
#include "core/errors.hpp"
#include "core/text_file.hpp"
#include "pipeline/json_real.hpp"
#include "pipeline/sha256.hpp"
#include "problems/registry.hpp"
#include "runners/runner.hpp"

#ifndef SGDCHECK_GIT_COMMIT
#define SGDCHECK_GIT_COMMIT "unknown"
#endif
#ifndef SGDCHECK_VERSION
#define SGDCHECK_VERSION "0"
#endif

namespace sgdcheck::pipeline {

namespace fs = std::filesystem;

namespace {

bool is_default(const Schema& s, const std::string& key, const Value& v) {
  const Field* f = s.find(key);
  return f && f->default_value && to_string(*f->default_value) == to_string(v);
}

void emit_params(YAML::Emitter& y,
                 const char* disc,
                 const std::string& kind,
                 const Params& p,
                 const std::vector<std::string>& swept,
                 bool changed_only) {
  y << YAML::BeginMap << YAML::Key << disc << YAML::Value << kind;
  for (const auto& [k, v] : p.values()) {
    if (std::find(swept.begin(), swept.end(), k) != swept.end()) continue;
    if (changed_only && is_default(p.schema(), k, v)) continue;
    y << YAML::Key << k << YAML::Value;
    if (auto l = std::get_if<std::vector<double>>(&v)) {
      y << YAML::Flow << YAML::BeginSeq;
      for (double x : *l) y << format_real(x);
      y << YAML::EndSeq;
    } else {
      y << to_string(v);
    }
  }
  y << YAML::EndMap;
}

/// Option values with their types: booleans, integers, reals, strings and lists as JSON values.
nlohmann::json params_json(const Params& p) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : p.values()) {
    if (const auto* b = std::get_if<bool>(&v)) j[k] = *b;
    else if (const auto* i = std::get_if<std::int64_t>(&v)) j[k] = *i;
    else if (const auto* d = std::get_if<double>(&v)) j[k] = json_real(*d);
    else if (const auto* s = std::get_if<std::string>(&v)) j[k] = *s;
    else if (const auto* l = std::get_if<std::vector<double>>(&v)) {
      nlohmann::json a = nlohmann::json::array();
      for (double x : *l) a.push_back(json_real(x));
      j[k] = std::move(a);
    }
  }
  return j;
}

}  // namespace

std::optional<fs::path> data_file_path(const Plan& plan, const CellPlan& cell) {
  const Params& p = cell.problem_params;
  if (!p.has("data.file") || p.get_string("data.file").empty()) return std::nullopt;
  fs::path path = p.get_string("data.file");
  const fs::path base = fs::path(plan.experiment.file).parent_path();
  if (path.is_relative() && !base.empty()) path = base / path;  // as the plan resolved it
  return path;
}

std::string utc_now() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string resolved_yaml(const Plan& plan, bool changed_only) {
  const auto& e = plan.experiment;
  YAML::Emitter y;
  y << YAML::BeginMap;
  y << YAML::Key << "name" << YAML::Value << e.name;
  if (!e.description.empty()) y << YAML::Key << "description" << YAML::Value << e.description;
  if (!e.paper.empty()) y << YAML::Key << "paper" << YAML::Value << e.paper;
  if (!e.figure.empty()) y << YAML::Key << "figure" << YAML::Value << e.figure;
  y << YAML::Key << "seed" << YAML::Value << plan.seed;
  y << YAML::Key << "seeds" << YAML::Value << e.seeds;
  y << YAML::Key << "quick_form_applied" << YAML::Value << e.quick;
  std::vector<std::string> swept_p, swept_r;
  for (const auto& k : plan.sweep_keys) (k.rfind("problem.", 0) == 0 ? swept_p : swept_r).push_back(k.substr(k.find('.') + 1));
  const auto& c0 = plan.cells.front();
  y << YAML::Key << "problem" << YAML::Value;
  emit_params(y, "family", e.problem.kind, c0.problem_params, swept_p, changed_only);
  y << YAML::Key << "runner" << YAML::Value;
  emit_params(y, "kind", e.runner.kind, c0.runner_params, swept_r, changed_only);
  if (!e.sweep.empty()) {
    y << YAML::Key << "sweep" << YAML::Value << YAML::BeginMap;
    for (const auto& d : e.sweep) {
      y << YAML::Key << d.key << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& v : d.values) y << v.scalar;
      y << YAML::EndSeq;
    }
    y << YAML::EndMap;
  }
  if (!plan.bounds.empty()) {
    y << YAML::Key << "bounds" << YAML::Value << YAML::BeginSeq;
    for (const auto* b : plan.bounds) {
      const auto yb = std::find_if(e.yaml_bounds.begin(), e.yaml_bounds.end(),
                                   [&](const config::YamlBound& x) { return x.id == b->info.id; });
      if (yb == e.yaml_bounds.end()) {
        y << b->info.id;
        continue;
      }
      // A bound written in the file, resolved: every key with its value (defaults filled in).
      y << YAML::BeginMap << YAML::Key << "id" << YAML::Value << yb->id << YAML::Key << "expr" << YAML::Value
        << yb->expr << YAML::Key << "metric" << YAML::Value << yb->metric << YAML::Key << "guarantee" << YAML::Value
        << yb->guarantee << YAML::Key << "label" << YAML::Value << yb->label;
      if (!yb->reference.empty()) y << YAML::Key << "reference" << YAML::Value << yb->reference;
      if (!yb->title.empty()) y << YAML::Key << "title" << YAML::Value << yb->title;
      if (!yb->when.empty()) y << YAML::Key << "when" << YAML::Value << yb->when;
      y << YAML::EndMap;
    }
    y << YAML::EndSeq;
  }
  auto emit_specs = [&](const char* key, const std::vector<ComponentSpec>& specs, bool keyed) {
    if (specs.empty()) return;
    y << YAML::Key << key << YAML::Value << YAML::BeginSeq;
    for (const auto& s : specs) {
      y << YAML::BeginMap;
      if (keyed) y << YAML::Key << s.kind << YAML::Value << YAML::Flow << YAML::BeginMap;
      for (const auto& [k, v] : s.params.values()) {
        if (changed_only && is_default(s.params.schema(), k, v)) continue;
        y << YAML::Key << k << YAML::Value << to_string(v);
      }
      if (keyed) y << YAML::EndMap;
      y << YAML::EndMap;
    }
    y << YAML::EndSeq;
  };
  emit_specs("checks", plan.checks, true);
  emit_specs("plots", plan.plots, false);
  y << YAML::EndMap;
  return std::string(y.c_str()) + "\n";
}

void write_manifest(const Plan& plan, const Execution& ex, const ManifestInfo& info, const fs::path& dir) {
  write_text_file(dir / "manifest.json", manifest_json(plan, ex, info).dump(2) + "\n");
}

nlohmann::json phases_json(const PhaseClock& clock) {
  auto entry = [](const PhaseTiming& p) {
    return nlohmann::json{{"phase", p.name},
                          {"wall_s", p.wall_seconds},
                          {"cpu_s", p.cpu_seconds},
                          {"parallel_cpu_s", p.parallel_cpu_seconds},
                          {"two_core_s", p.two_core_seconds}};
  };
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : clock.phases()) list.push_back(entry(p));
  return {{"list", std::move(list)},
          {"total", entry(clock.total())},
          {"parallel_share", clock.parallel_share()},
          {"predicted_speedup_2_cores_amdahl", clock.predicted_speedup(2)},
          {"predicted_speedup_2_cores_scheduled", clock.scheduled_speedup()}};
}

nlohmann::json manifest_json(const Plan& plan, const Execution& ex, const ManifestInfo& info) {
  const auto& e = plan.experiment;
  nlohmann::json j;
  j["complete"] = true;
  j["name"] = e.name;
  j["description"] = e.description;
  j["paper"] = e.paper;
  j["figure"] = e.figure;
  j["file"] = e.file;
  j["quick"] = e.quick;
  j["seed"] = plan.seed;
  j["seeds"] = e.seeds;
  j["cells"] = plan.cells.size();
  j["runs"] = plan.runs();
  j["sweep_keys"] = plan.sweep_keys;
  j["jobs"] = info.jobs;
  j["mpi_ranks"] = 1;
  j["started"] = info.started;
  j["finished"] = info.finished;
  j["wall_seconds"] = info.wall_seconds;
  j["all_checks_passed"] = info.all_checks_passed;
  j["versions"] = {{"sgdcheck", SGDCHECK_VERSION},
                   {"git_commit", SGDCHECK_GIT_COMMIT},
                   {"compiler", std::string("g++ ") + __VERSION__},
                   {"eigen", fmt::format("{}.{}.{}", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION)},
                   {"boost", fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100)}};
  std::map<std::string, int> terms;
  for (const auto& c : ex.results.cells)
    for (const auto& r : c.runs) ++terms[r.termination];
  j["terminations"] = terms;
  nlohmann::json cells = nlohmann::json::array();
  std::map<std::string, nlohmann::json> data_files;  // resolved path → {file, sha256, bytes}, hashed once
  for (const auto& c : plan.cells) {
    nlohmann::json jc;
    jc["cell"] = c.id;
    jc["problem"] = params_json(c.problem_params);
    if (const auto data = data_file_path(plan, c)) {
      // n and d of a data-file problem are the file's, not the generator defaults.
      const auto& prob = plan.problem_of(c);
      jc["problem"]["n"] = static_cast<std::int64_t>(prob.n());
      jc["problem"]["d"] = static_cast<std::int64_t>(prob.dim());
      auto [it, added] = data_files.try_emplace(data->string());
      if (added) {
        std::error_code ec;
        it->second = {{"file", c.problem_params.get_string("data.file")},
                      {"path", data->string()},
                      {"bytes", static_cast<std::uintmax_t>(fs::file_size(*data, ec))},
                      {"sha256", sha256_file(*data)}};
      }
      jc["data"] = it->second;
    }
    jc["runner"] = params_json(c.runner_params);
    jc["problem_description"] = plan.problem_of(c).describe();
    jc["ground_truth"] = plan.problem_of(c).constants().ground_truth;
    jc["notes"] = plan.problem_of(c).constants().notes;
    cells.push_back(jc);
  }
  j["resolved_cells"] = cells;
  nlohmann::json files = nlohmann::json::array();
  for (const auto& [path, f] : data_files) files.push_back(f);
  j["data_files"] = files;
  j["figures_missing"] = info.figures_missing;
  return j;
}

void write_timings(const Plan& plan, const Execution& ex, const fs::path& dir) {
  CsvWriter w(dir / "timings.csv", {"cell", "rep", "wall_s"});
  const std::size_t seeds = static_cast<std::size_t>(plan.experiment.seeds);
  for (std::size_t i = 0; i < ex.wall_seconds.size(); ++i)
    w.row({std::to_string(i / seeds), std::to_string(i % seeds), format_real(ex.wall_seconds[i])});
  w.close();
}

fs::path staging_path(const fs::path& out, const std::string& name) { return out / ("." + name + ".partial"); }

std::optional<fs::path> find_staging(const fs::path& out, const std::string& name) {
  const fs::path p = staging_path(out, name);
  std::error_code ec;
  if (fs::is_directory(fs::symlink_status(p, ec))) return p;
  return std::nullopt;
}

bool has_complete_results(const fs::path& out, const std::string& name) {
  std::error_code ec;
  const fs::path final_dir = out / name;
  return fs::is_directory(fs::symlink_status(final_dir, ec)) && fs::is_regular_file(final_dir / "manifest.json", ec);
}

void check_output_target(const fs::path& out, const std::string& name, bool force) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(out, ec)) && !fs::is_directory(out, ec))
    throw UsageError(SourceLoc{out.string(), 0}, "--out names a file, expected a directory");
  const fs::path final_dir = out / name;
  const auto st = fs::symlink_status(final_dir, ec);
  if (!fs::exists(st)) return;
  if (fs::is_symlink(st) || !fs::is_directory(st))
    throw UsageError(SourceLoc{final_dir.string(), 0},
                     "exists and is not a directory (a file or symlink is never replaced); move it away or choose "
                     "another --out");
  if (has_complete_results(out, name)) {
    if (!force)
      throw UsageError(SourceLoc{final_dir.string(), 0},
                       "complete results exist; rerun with --force to replace them (or --resume to finish an "
                       "interrupted run)");
    return;
  }
  if (!fs::is_empty(final_dir, ec))
    throw UsageError(SourceLoc{final_dir.string(), 0},
                     "exists and is not an sgdcheck results directory (no manifest.json); it is never replaced: move it "
                     "away or choose another --out");
}

StagingDir::StagingDir(fs::path out, std::string name, int lock_fd)
    : out_(std::move(out)), name_(std::move(name)), dir_(staging_path(out_, name_)), lock_fd_(lock_fd) {}

StagingDir::StagingDir(StagingDir&& other) noexcept
    : out_(std::move(other.out_)), name_(std::move(other.name_)), dir_(std::move(other.dir_)), lock_fd_(other.lock_fd_) {
  other.lock_fd_ = -1;
}

StagingDir::~StagingDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

StagingDir StagingDir::acquire(const fs::path& out, const std::string& name, bool keep_existing) {
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out))
    throw UsageError(SourceLoc{out.string(), 0},
                     "output directory cannot be created" + (ec ? ": " + ec.message() : std::string(" (a file is in the way)")));
  const fs::path lock_path = out / ("." + name + ".lock");
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    throw UsageError(SourceLoc{lock_path.string(), 0}, std::string("cannot create lock file: ") + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      throw UsageError(SourceLoc{(out / name).string(), 0},
                       "another sgdcheck run is writing these results (lock " + lock_path.string() +
                           " is held); wait for it to finish or choose another --out");
    throw UsageError(SourceLoc{lock_path.string(), 0}, std::string("cannot lock: ") + std::strerror(err));
  }
  StagingDir st(out, name, fd);
  // Record the holder for humans; the flock itself is what excludes other runs.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0 && ::write(fd, pid.data(), pid.size()) < 0) { /* informational only */ }

  // We hold the lock, so anything under our names belongs to a dead run.
  fs::remove_all(out / ("." + name + ".old"), ec);
  const auto sst = fs::symlink_status(st.dir_, ec);
  if (fs::exists(sst) && (!keep_existing || !fs::is_directory(sst))) fs::remove_all(st.dir_, ec);
  fs::create_directories(st.dir_, ec);
  if (ec || !fs::is_directory(fs::symlink_status(st.dir_)))
    throw UsageError(SourceLoc{out.string(), 0}, "output directory is not writable: " + ec.message());
  // Probe a write: directories on read-only mounts can still be "created" by some file systems.
  write_text_file(st.dir_ / ".probe", "probe\n");
  fs::remove(st.dir_ / ".probe", ec);
  return st;
}

fs::path StagingDir::commit() {
  const fs::path final_dir = out_ / name_;
  std::error_code ec;
  const auto st = fs::symlink_status(final_dir, ec);
  if (!fs::exists(st)) {
    if (::renameat2(AT_FDCWD, dir_.c_str(), AT_FDCWD, final_dir.c_str(), RENAME_NOREPLACE) == 0) return final_dir;
    if (errno != EINVAL && errno != ENOSYS)
      throw UsageError(SourceLoc{final_dir.string(), 0}, std::string("cannot move results into place: ") + std::strerror(errno));
    fs::rename(dir_, final_dir, ec);
    if (ec) throw UsageError(SourceLoc{final_dir.string(), 0}, "cannot move results into place: " + ec.message());
    return final_dir;
  }
  if (fs::is_symlink(st) || !fs::is_directory(st))
    throw UsageError(SourceLoc{final_dir.string(), 0},
                     "exists and is not a directory (a file or symlink is never replaced); results kept in " +
                         dir_.string());
  const fs::path backup = out_ / ("." + name_ + ".old");
  if (::renameat2(AT_FDCWD, dir_.c_str(), AT_FDCWD, final_dir.c_str(), RENAME_EXCHANGE) == 0) {
    // The old results are now under the staging name: move them out of the way of --resume first.
    if (::rename(dir_.c_str(), backup.c_str()) == 0) fs::remove_all(backup, ec);
    else fs::remove_all(dir_, ec);
    return final_dir;
  }
  if (errno != EINVAL && errno != ENOSYS)
    throw UsageError(SourceLoc{final_dir.string(), 0}, std::string("cannot move results into place: ") + std::strerror(errno));
  // No RENAME_EXCHANGE on this file system: old → backup, new → final, then drop the backup.
  fs::remove_all(backup, ec);
  fs::rename(final_dir, backup, ec);
  if (ec) throw UsageError(SourceLoc{final_dir.string(), 0}, "cannot move old results aside: " + ec.message());
  fs::rename(dir_, final_dir, ec);
  if (ec) {
    std::error_code ec2;
    fs::rename(backup, final_dir, ec2);  // put the old results back
    throw UsageError(SourceLoc{final_dir.string(), 0}, "cannot move results into place: " + ec.message());
  }
  fs::remove_all(backup, ec);
  return final_dir;
}

void StagingDir::discard() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace sgdcheck::pipeline
