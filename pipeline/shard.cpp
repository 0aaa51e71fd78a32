#include "pipeline/shard.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>

#include "core/errors.hpp"
#include "core/interrupt.hpp"
#include "core/thread_pool.hpp"
#include "pipeline/distribute.hpp"

namespace sgdcheck::pipeline {

namespace fs = std::filesystem;

namespace {

constexpr char kShardMagic[8] = {'S', 'G', 'D', 'S', 'H', 'R', 'D', '1'};
/// No shard of a sweep that fits in memory is this large: a bigger file is not ours.
constexpr std::uintmax_t kMaxShardBytes = std::uintmax_t{1} << 34;

bool parse_size(std::string_view s, std::size_t& v) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc{} && p == s.data() + s.size();
}

struct LoadedShard {
  ShardHeader header;
  std::string bytes;
  std::vector<std::string_view> items;
};

LoadedShard load_shard(const fs::path& file) {
  const std::string name = file.string();
  const std::string not_shard =
      name + ": not a sgdcheck shard file (expected the output of `sgdcheck run FILE --shard i/N`)";
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec || !fs::is_regular_file(file, ec)) throw DataError(name + ": cannot read the shard file");
  if (size > kMaxShardBytes) throw DataError(not_shard);
  if (size < sizeof kShardMagic + 8) throw DataError(not_shard);
  LoadedShard s;
  s.bytes.resize(static_cast<std::size_t>(size));
  {
    std::ifstream in(file, std::ios::binary);
    if (!in.read(s.bytes.data(), static_cast<std::streamsize>(s.bytes.size())))
      throw DataError(name + ": cannot read the shard file");
  }
  if (std::memcmp(s.bytes.data(), kShardMagic, sizeof kShardMagic) != 0) throw DataError(not_shard);
  const std::size_t body = s.bytes.size() - 8;
  std::uint64_t stored = 0;
  std::memcpy(&stored, s.bytes.data() + body, 8);
  if (fnv1a64(std::string_view(s.bytes.data(), body)) != stored)
    throw DataError(name + ": corrupted shard file (checksum mismatch); rerun that shard");
  ByteReader in(std::string_view(s.bytes.data() + sizeof kShardMagic, body - sizeof kShardMagic), name);
  ShardHeader& h = s.header;
  h.file = file;
  h.fingerprint = in.get_string();
  h.experiment = in.get_string();
  h.quick = in.get<std::uint8_t>() != 0;
  h.seed = in.get<std::uint64_t>();
  h.traces = in.get<std::uint8_t>() != 0;
  h.spec.index = in.get<std::uint64_t>();
  h.spec.count = in.get<std::uint64_t>();
  h.total_items = in.get<std::uint64_t>();
  if (h.spec.count < 1 || h.spec.count > kMaxShards || h.spec.index >= h.spec.count) in.fail("shard number");
  const std::size_t n = in.count(8);
  s.items.reserve(n);
  for (std::size_t k = 0; k < n; ++k) s.items.push_back(in.get_bytes());
  if (!in.at_end()) in.fail("trailing bytes");
  return s;
}

}  // namespace

ShardSpec parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  ShardSpec s;
  if (slash == std::string::npos || !parse_size(std::string_view(text).substr(0, slash), s.index) ||
      !parse_size(std::string_view(text).substr(slash + 1), s.count) || s.count < 1 || s.count > kMaxShards ||
      s.index >= s.count)
    throw UsageError(
        fmt::format("--shard = {}: expected i/N with 0 <= i < N <= {} (e.g. 3/16)", text, kMaxShards));
  return s;
}

fs::path shard_file(const fs::path& out, const std::string& name, const ShardSpec& s) {
  return out / (name + ".shards") / fmt::format("shard-{}-of-{}.sgdshard", s.index, s.count);
}

bool ShardRunner::schedule(const WorkItems& items, int jobs) {
  total_items_ = items.list.size();
  std::vector<std::size_t> mine;
  for (std::size_t k = spec_.index; k < items.list.size(); k += spec_.count) mine.push_back(k);
  encoded_.assign(mine.size(), std::string());
  parallel_for(mine.size(), jobs, [&](std::size_t q) {
    const std::size_t k = mine[q];
    if (!items.run(k)) return;  // interrupted
    encoded_[q] = encode_item(plan_, items, k);
    const auto c = items.list[k].first;
    items.block(k) = accumulator_for(plan_, c, true);
  });
  return false;  // the reduction happens in `merge`
}

void ShardRunner::write(const fs::path& file, const std::string& fingerprint) const {
  ByteWriter w;
  w.buffer().append(kShardMagic, sizeof kShardMagic);
  w.put_string(fingerprint);
  w.put_string(fs::absolute(plan_.experiment.file).lexically_normal().string());
  w.put<std::uint8_t>(plan_.experiment.quick ? 1 : 0);
  w.put<std::uint64_t>(plan_.seed);
  w.put<std::uint8_t>(plan_.traces ? 1 : 0);
  w.put<std::uint64_t>(spec_.index);
  w.put<std::uint64_t>(spec_.count);
  w.put<std::uint64_t>(total_items_);
  w.put<std::uint64_t>(encoded_.size());
  for (const auto& e : encoded_) w.put_string(e);
  std::string& buf = w.buffer();
  const std::uint64_t h = fnv1a64(buf);
  buf.append(reinterpret_cast<const char*>(&h), sizeof h);

  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  const fs::path tmp = file.parent_path() / fmt::format(".{}.tmp-{}", file.filename().string(), getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
    out.flush();
    if (!out) {
      fs::remove(tmp, ec);
      throw UsageError(SourceLoc{file.string(), 0},
                       "cannot write the shard file (disk full or not writable)");
    }
  }
  fs::rename(tmp, file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw UsageError(SourceLoc{file.string(), 0}, "cannot write the shard file: " + ec.message());
  }
}

std::vector<ShardHeader> read_shard_headers(const std::vector<std::string>& args) {
  std::vector<fs::path> files;
  for (const auto& a : args) {
    std::error_code ec;
    if (fs::is_directory(a, ec)) {
      std::vector<fs::path> here;
      for (const auto& e : fs::directory_iterator(a, ec))
        if (e.path().extension() == ".sgdshard" && e.path().filename().string().front() != '.')
          here.push_back(e.path());
      if (here.empty()) throw UsageError(a + ": no shard files (*.sgdshard) in this directory");
      std::sort(here.begin(), here.end());
      files.insert(files.end(), here.begin(), here.end());
    } else if (fs::exists(a, ec)) {
      files.emplace_back(a);
    } else {
      throw UsageError(a + ": no such shard file or directory");
    }
  }
  std::vector<ShardHeader> hs;
  for (const auto& f : files) hs.push_back(load_shard(f).header);
  const ShardHeader& h0 = hs.front();
  std::vector<const ShardHeader*> by_index(h0.spec.count, nullptr);
  for (const auto& h : hs) {
    const std::string f = h.file.string(), f0 = h0.file.string();
    if (h.fingerprint != h0.fingerprint || h.experiment != h0.experiment || h.quick != h0.quick ||
        h.seed != h0.seed || h.traces != h0.traces)
      throw DataError(
          fmt::format("{}: shard of a different configuration (fingerprint {} of {}{}; {} has {} of {}{})",
                      f,
                      h.fingerprint,
                      h.experiment,
                      h.quick ? " --quick" : "",
                      f0,
                      h0.fingerprint,
                      h0.experiment,
                      h0.quick ? " --quick" : ""));
    if (h.spec.count != h0.spec.count || h.total_items != h0.total_items)
      throw DataError(
          fmt::format("{}: shard {}/{}, but {} is shard {}/{}: expected shards of one --shard i/N series",
                      f,
                      h.spec.index,
                      h.spec.count,
                      f0,
                      h0.spec.index,
                      h0.spec.count));
    if (const ShardHeader* other = by_index[h.spec.index])
      throw DataError(fmt::format(
          "{}: duplicate shard {}/{} (also {})", f, h.spec.index, h.spec.count, other->file.string()));
    by_index[h.spec.index] = &h;
  }
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < by_index.size(); ++i)
    if (!by_index[i]) missing.push_back(i);
  if (!missing.empty())
    throw DataError(fmt::format("{} of {} shards missing: {} (run them with --shard i/{})",
                                missing.size(),
                                h0.spec.count,
                                fmt::join(missing.begin(),
                                          missing.begin() + static_cast<std::ptrdiff_t>(
                                                                std::min<std::size_t>(missing.size(), 10)),
                                          ", "),
                                h0.spec.count) +
                    (missing.size() > 10 ? ", …" : ""));
  std::sort(hs.begin(), hs.end(), [](const auto& a, const auto& b) { return a.spec.index < b.spec.index; });
  return hs;
}

bool ShardMerger::schedule(const WorkItems& items, int /*jobs*/) {
  const Plan& plan = *items.plan;
  const ShardHeader& h0 = shards_.front();
  const std::string fingerprint = config_fingerprint(plan, code_version_);
  if (fingerprint != h0.fingerprint)
    throw DataError(SourceLoc{h0.experiment, 0},
                    fmt::format("configuration fingerprint = {}, but the shards were run with {}: the experiment "
                                "file, its data or the sgdcheck version changed since (rerun the shards)",
                                fingerprint, h0.fingerprint));
  std::vector<char> have(items.list.size(), 0);
  for (const auto& h : shards_) {
    if (interrupted()) return true;
    const LoadedShard s = load_shard(h.file);
    const std::string name = h.file.string();
    if (s.header.total_items != items.list.size())
      throw DataError(fmt::format(
          "{}: {} work items, but the experiment has {}", name, s.header.total_items, items.list.size()));
    std::size_t expected = 0;
    for (std::size_t k = h.spec.index; k < items.list.size(); k += h.spec.count) ++expected;
    if (s.items.size() != expected)
      throw DataError(fmt::format(
          "{}: {} work items, expected {} (an interrupted shard? rerun it)", name, s.items.size(), expected));
    for (const auto& bytes : s.items) {
      const std::size_t j = decode_item(plan, items, bytes, name);
      if (j % h.spec.count != h.spec.index || have[j])
        throw DataError(fmt::format("{}: holds work item {} twice or of another shard", name, j));
      have[j] = 1;
      items.reduce(j);
      items.count_runs(block_reps(plan, items.list[j].second));
    }
  }
  return true;
}

}  // namespace sgdcheck::pipeline
