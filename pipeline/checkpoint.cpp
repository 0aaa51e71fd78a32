#include "pipeline/checkpoint.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <cstring>
#include <limits>
#include <sstream>
#include <type_traits>

#include "core/csv.hpp"
#include "core/errors.hpp"

namespace sgdcheck::pipeline {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "sgdcheck-cell-checkpoint-3";
/// First bytes of a checkpoint file (format 3: binary, see write_checkpoint).
constexpr char kCheckpointMagic[8] = {'S', 'G', 'D', 'C', 'K', 'P', 'T', '3'};

std::uint64_t fnv1a(const char* data, std::size_t size, std::uint64_t h = 14695981039346656037ull) {
  for (std::size_t i = 0; i < size; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}
std::uint64_t fnv1a(const std::string& s) { return fnv1a(s.data(), s.size()); }

/// Appends fixed-size values and length-prefixed strings (native byte order: a checkpoint is read back
/// by the same build on the same machine; another machine's file fails the checksum or the key).
class Out {
 public:
  template <class T>
  void put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* b = reinterpret_cast<const char*>(&v);
    buf_.append(b, sizeof v);
  }
  template <class T>
  void put_array(const std::vector<T>& v) {
    put<std::uint64_t>(v.size());
    if (!v.empty()) buf_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void put_string(const std::string& s) {
    put<std::uint64_t>(s.size());
    buf_.append(s);
  }
  std::string& buffer() { return buf_; }

 private:
  std::string buf_;
};

/// Reads what Out wrote; every count is checked against the bytes left before anything is allocated
/// (the file is untrusted). Throws std::runtime_error on any inconsistency.
class In {
 public:
  static constexpr std::size_t kAnySize = static_cast<std::size_t>(-1);
  In(const char* data, std::size_t size) : p_(data), end_(data + size) {}
  template <class T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, p_, sizeof v);
    p_ += sizeof v;
    return v;
  }
  std::size_t count(std::size_t elem_size) {
    const auto n = get<std::uint64_t>();
    if (elem_size > 0 && n > static_cast<std::uint64_t>(end_ - p_) / elem_size) throw std::runtime_error("count");
    return static_cast<std::size_t>(n);
  }
  /// An array of `expected` elements (any length when kAnySize).
  template <class T>
  std::vector<T> get_array(std::size_t expected) {
    const std::size_t n = count(sizeof(T));
    if (expected != kAnySize && n != expected) throw std::runtime_error("array size");
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), p_, n * sizeof(T));
    p_ += n * sizeof(T);
    return v;
  }
  std::string get_string() {
    const std::size_t n = count(1);
    std::string s(p_, n);
    p_ += n;
    return s;
  }
  bool at_end() const { return p_ == end_; }

 private:
  void need(std::size_t n) const {
    if (static_cast<std::size_t>(end_ - p_) < n) throw std::runtime_error("truncated");
  }
  const char* p_;
  const char* end_;
};

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
  k << "\ntails";
  if (!plan.traces)
    for (const auto& m : plan.tail_metrics) k << " " << m;
  k << "\n";
  return k.str();
}

std::string checkpoint_file_name(std::size_t cell_id, const std::string& key) {
  return fmt::format("cell-{}-{:016x}.ckpt", cell_id, fnv1a(key));
}

// Layout (format 3): magic "SGDCKPT3", key, then per metric: name, points (iter, samples, rounds as
// int64 and vtime as double, in parallel arrays), n (int32), mean, sd, se, min, max, seeds, the
// per-run rows (doubles as their bits, so they read back bit for bit, inf and NaN included) and the
// tail statistics (TailStats as bytes; empty unless a tail metric); the runs in parallel arrays (seed,
// rep, iterations; termination, message strings) with their scalars; the cell scalars; the wall
// times; and last the FNV-1a hash of every byte before it. Arrays and strings are length-prefixed
// (uint64). One std::string buffer, written with one call: no object per run.
void write_checkpoint(const fs::path& file, const std::string& key, const CellResult& c, const std::vector<double>& wall) {
  Out o;
  o.buffer().append(kCheckpointMagic, sizeof kCheckpointMagic);
  o.put_string(key);
  o.put<std::uint64_t>(c.metrics.size());
  std::vector<std::int64_t> i64;
  std::vector<double> f64;
  for (const auto& [name, s] : c.metrics) {
    o.put_string(name);
    const std::size_t K = s.points.size();
    o.put<std::uint64_t>(K);
    i64.resize(K);
    for (std::size_t k = 0; k < K; ++k) i64[k] = s.points[k].iter;
    o.put_array(i64);
    for (std::size_t k = 0; k < K; ++k) i64[k] = s.points[k].samples;
    o.put_array(i64);
    for (std::size_t k = 0; k < K; ++k) i64[k] = s.points[k].rounds;
    o.put_array(i64);
    f64.resize(K);
    for (std::size_t k = 0; k < K; ++k) f64[k] = s.points[k].vtime;
    o.put_array(f64);
    std::vector<std::int32_t> n(s.n.begin(), s.n.end());
    o.put_array(n);
    for (const auto* v : {&s.mean, &s.sd, &s.se, &s.min, &s.max}) o.put_array(*v);
    o.put_array(s.seeds);
    o.put<std::uint64_t>(s.values.size());
    for (const auto& row : s.values) o.put_array(row);
    o.put_array(s.tails);
  }
  const std::size_t R = c.runs.size();
  o.put<std::uint64_t>(R);
  for (const RunInfo& r : c.runs) {
    o.put(r.seed);
    o.put(r.rep);
    o.put(r.iterations);
    o.put_string(r.termination);
    o.put_string(r.message);
  }
  for (std::size_t r = 0; r < R; ++r) {  // one list per run (empty when none was recorded)
    static const RunScalars kNone;
    const RunScalars& sc = r < c.run_scalars.size() ? c.run_scalars[r] : kNone;
    o.put<std::uint64_t>(sc.size());
    for (const auto& [name, v] : sc) {
      o.put_string(name);
      o.put(v);
    }
  }
  o.put<std::uint64_t>(c.scalars.size());
  for (const auto& [name, st] : c.scalars) {
    o.put_string(name);
    o.put<std::int32_t>(st.n);
    for (double v : {st.mean, st.sd, st.se, st.min, st.max}) o.put(v);
  }
  o.put_array(wall);
  std::string& buf = o.buffer();
  const std::uint64_t h = fnv1a(buf.data(), buf.size());
  buf.append(reinterpret_cast<const char*>(&h), sizeof h);

  const fs::path tmp = file.parent_path() / (file.filename().string() + fmt::format(".tmp-{}", getpid()));
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
    out.flush();
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
  if (size < sizeof kCheckpointMagic + 2 * sizeof(std::uint64_t)) return false;
  try {
    std::string buf(static_cast<std::size_t>(size), '\0');
    {
      std::ifstream in(file, std::ios::binary);
      if (!in.read(buf.data(), static_cast<std::streamsize>(buf.size()))) return false;
    }
    const std::size_t body = buf.size() - sizeof(std::uint64_t);
    std::uint64_t stored = 0;
    std::memcpy(&stored, buf.data() + body, sizeof stored);
    if (std::memcmp(buf.data(), kCheckpointMagic, sizeof kCheckpointMagic) != 0 || fnv1a(buf.data(), body) != stored) return false;
    In in(buf.data() + sizeof kCheckpointMagic, body - sizeof kCheckpointMagic);
    if (in.get_string() != key) return false;
    CellResult got;
    const std::size_t n_metrics = in.count(1);
    for (std::size_t mi = 0; mi < n_metrics; ++mi) {
      const std::string name = in.get_string();
      MetricSeries s;
      const std::size_t K = in.count(4 * 8);
      const auto iter = in.get_array<std::int64_t>(K), samples = in.get_array<std::int64_t>(K),
                 rounds = in.get_array<std::int64_t>(K);
      const auto vtime = in.get_array<double>(K);
      s.points.resize(K);
      for (std::size_t k = 0; k < K; ++k) {
        s.points[k] = Point{iter[k], samples[k], rounds[k], vtime[k]};
        if (k > 0 && !(iter[k - 1] < iter[k])) return false;
      }
      const auto n = in.get_array<std::int32_t>(K);
      for (std::int32_t x : n)
        if (x < 0 || static_cast<std::size_t>(x) > seeds) return false;
      s.n.assign(n.begin(), n.end());
      s.mean = in.get_array<double>(K);
      s.sd = in.get_array<double>(K);
      s.se = in.get_array<double>(K);
      s.min = in.get_array<double>(K);
      s.max = in.get_array<double>(K);
      s.seeds = in.get_array<std::int64_t>(In::kAnySize);
      if (!s.seeds.empty() && s.seeds.size() != seeds) return false;
      const std::size_t rows = in.count(8);
      if (rows != s.seeds.size()) return false;
      s.values.reserve(rows);
      for (std::size_t r = 0; r < rows; ++r) s.values.push_back(in.get_array<double>(K));
      s.tails = in.get_array<TailStats>(In::kAnySize);
      if (!s.tails.empty() && s.tails.size() != K) return false;
      for (const TailStats& t : s.tails)
        if (t.n < 0 || static_cast<std::size_t>(t.n) > seeds || t.top < 0 || t.top > t.n) return false;
      if (got.metrics.count(name)) return false;
      got.metrics[name] = std::move(s);
    }
    const std::size_t R = in.count(3 * 8 + 2 * 8);
    if (R != seeds) return false;
    got.runs.reserve(R);
    for (std::size_t r = 0; r < R; ++r) {
      RunInfo info;
      info.seed = in.get<std::int64_t>();
      info.rep = in.get<std::int64_t>();
      info.iterations = in.get<std::int64_t>();
      info.termination = in.get_string();
      info.message = in.get_string();
      if (info.rep != static_cast<std::int64_t>(r)) return false;
      got.runs.push_back(std::move(info));
    }
    got.run_scalars.resize(R);
    for (std::size_t r = 0; r < R; ++r) {
      const std::size_t k = in.count(8 + 8);
      got.run_scalars[r].reserve(k);
      for (std::size_t i = 0; i < k; ++i) {
        std::string sname = in.get_string();
        got.run_scalars[r].emplace_back(std::move(sname), in.get<double>());
      }
    }
    const std::size_t n_scalars = in.count(8 + 4 + 5 * 8);
    for (std::size_t i = 0; i < n_scalars; ++i) {
      const std::string sname = in.get_string();
      SummaryStats st;
      st.n = in.get<std::int32_t>();
      if (st.n < 0 || static_cast<std::size_t>(st.n) > seeds) return false;
      st.mean = in.get<double>();
      st.sd = in.get<double>();
      st.se = in.get<double>();
      st.min = in.get<double>();
      st.max = in.get<double>();
      if (got.scalars.count(sname)) return false;
      got.scalars[sname] = st;
    }
    std::vector<double> w = in.get_array<double>(seeds);
    if (!in.at_end()) return false;
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
