#pragma once
/// \file Job-array sharding without MPI: `sgdcheck run FILE --shard i/N` runs every N-th work item
/// (cell, seed block), starting at item i, and writes their blocks to one shard file;
/// `sgdcheck merge DIR...` reads the N shard files, checks that they are the N different shards of one
/// configuration, merges every cell's blocks in block order and writes the same results as one run.
///
/// Shard file `OUT/<name>.shards/shard-<i>-of-<N>.sgdshard` (written to a temporary name and renamed
/// when complete, so a shard file that exists is complete): magic "SGDSHRD1", the configuration
/// fingerprint (pipeline/distribute.hpp), the experiment file (absolute path), quick flag, resolved
/// seed, traces flag, i, N, the number of items of the whole run, then this shard's items (bytes of
/// encode_item, length-prefixed) and an FNV-1a checksum of everything before it. A shard file is
/// untrusted input: reading is bounded and anything malformed is a DataError (exit 2, one line).
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/execute.hpp"
#include "pipeline/plan.hpp"

namespace sgdcheck::pipeline {

struct ShardSpec {
  std::size_t index = 0;  ///< i, 0-based
  std::size_t count = 1;  ///< N
};

/// Parses "i/N" (0 <= i < N <= kMaxShards); UsageError naming --shard otherwise.
ShardSpec parse_shard(const std::string& text);
inline constexpr std::size_t kMaxShards = 100000;

/// `OUT/<name>.shards/shard-<i>-of-<N>.sgdshard`.
std::filesystem::path shard_file(const std::filesystem::path& out,
                                 const std::string& name,
                                 const ShardSpec& s);

/// Runs the shard's items (item k when k % N == i) on the given threads and keeps their bytes.
class ShardRunner : public Scheduler {
 public:
  ShardRunner(const Plan& plan, ShardSpec spec) : plan_(plan), spec_(spec) {}
  bool schedule(const WorkItems& items, int jobs) override;
  /// Writes the shard file (atomically); throws UsageError if it cannot be written.
  void write(const std::filesystem::path& file, const std::string& fingerprint) const;
  std::size_t items_run() const { return encoded_.size(); }

 private:
  const Plan& plan_;
  ShardSpec spec_;
  std::size_t total_items_ = 0;
  std::vector<std::string> encoded_;
};

/// The header of a shard file.
struct ShardHeader {
  std::filesystem::path file;
  std::string fingerprint;
  std::string experiment;  ///< absolute path of the experiment file
  bool quick = false;
  std::uint64_t seed = 0;
  bool traces = false;
  ShardSpec spec;
  std::size_t total_items = 0;
};

/// The shard files named on the command line: files as they are, directories by their *.sgdshard files.
/// Checks (DataError, one line each) that every file is a well-formed shard, that all have the same
/// fingerprint, experiment and N, that no shard appears twice and none is missing. Sorted by index.
std::vector<ShardHeader> read_shard_headers(const std::vector<std::string>& args);

/// Merges the blocks of the shard files into the items (every item exactly once, from the shard that
/// must hold it); the reduction then happens in execute() as in one run.
class ShardMerger : public Scheduler {
 public:
  /// `code_version`: as for the shards' fingerprint (the git commit).
  ShardMerger(std::vector<ShardHeader> shards, std::string code_version)
      : shards_(std::move(shards)), code_version_(std::move(code_version)) {}
  /// First compares the fingerprint of items.plan with the shards' (DataError: the experiment file,
  /// its data or the sgdcheck version changed since the shards ran).
  bool schedule(const WorkItems& items, int jobs) override;

 private:
  std::vector<ShardHeader> shards_;
  std::string code_version_;
};

}  // namespace sgdcheck::pipeline
