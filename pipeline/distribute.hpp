#pragma once
/// \file What the schedulers of several processes share (MPI ranks in pipeline/mpi_run.*, `--shard i/N`
/// and `merge` in pipeline/shard.*): a finished work item (cell, seed block) as bytes, and the
/// fingerprint of a resolved experiment. A process that runs an item sends its block accumulator
/// (not the finished cell); the process that reduces merges a cell's blocks in block order, exactly as
/// execute() does with one process, so the results are bit-identical whoever ran what.
///
/// Item bytes (native byte order; sender and receiver are the same build): cell and block (uint64),
/// then the accumulator (metric names, kept per-run metrics, points, statistics, per-run values, runs,
/// per-run scalars, cell scalars) and the wall time of each rep. Arrays and strings are length-prefixed
/// (uint64). The bytes are untrusted (a shard file may come from anyone): decoding checks every count
/// against the bytes left before allocating and every invariant the reduction relies on, and throws
/// DataError on anything else.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "pipeline/execute.hpp"
#include "pipeline/plan.hpp"

namespace sgdcheck::pipeline {

/// Appends fixed-size values, arrays and length-prefixed strings to a byte string.
class ByteWriter {
 public:
  template <class T>
  void put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    buf_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  template <class T>
  void put_array(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    put<std::uint64_t>(v.size());
    if (!v.empty()) buf_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void put_string(std::string_view s) {
    put<std::uint64_t>(s.size());
    buf_.append(s);
  }
  std::string& buffer() { return buf_; }

 private:
  std::string buf_;
};

/// Reads what ByteWriter wrote from untrusted bytes: throws DataError("<what>: ...") when the bytes end
/// early or a count exceeds the bytes left (checked before anything is allocated).
class ByteReader {
 public:
  ByteReader(std::string_view bytes, std::string what)
      : p_(bytes.data()), end_(bytes.data() + bytes.size()), what_(std::move(what)) {}
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T));
    T v;
    std::memcpy(&v, p_, sizeof v);
    p_ += sizeof v;
    return v;
  }
  /// A count of elements that take at least `elem_size` bytes each.
  std::size_t count(std::size_t elem_size);
  template <class T>
  std::vector<T> get_array() {
    const std::size_t n = count(sizeof(T));
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), p_, n * sizeof(T));
    p_ += n * sizeof(T);
    return v;
  }
  std::string get_string();
  std::string_view get_bytes();  ///< a length-prefixed string, without copying
  bool at_end() const { return p_ == end_; }
  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }
  [[noreturn]] void fail(const std::string& why) const;

 private:
  void need(std::size_t n) const {
    if (left() < n) fail("truncated");
  }
  const char* p_;
  const char* end_;
  std::string what_;
};

/// FNV-1a of bytes (64 bit).
std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = 14695981039346656037ull);

/// Item i of `items` (its block and the wall times of its reps) as bytes.
std::string encode_item(const Plan& plan, const WorkItems& items, std::size_t i);

/// Decodes bytes of encode_item for this plan: finds the item j of `items` with the same (cell, block),
/// fills items.block(j) and the wall times of its reps, and returns j. Throws DataError naming `what`
/// when the bytes are malformed or do not belong to this plan (wrong cell, block, reps, seed, metrics).
std::size_t decode_item(const Plan& plan,
                        const WorkItems& items,
                        std::string_view bytes,
                        const std::string& what);

/// Reps of seed block `block` (kSeedBlock, fewer in a cell's last block).
std::size_t block_reps(const Plan& plan, std::size_t block);

/// Fingerprint of a resolved experiment: hex FNV-1a of the resolved YAML and every cell's checkpoint
/// key (options, problem, recording grid, seed, seeds, kept per-run metrics, code version).
std::string config_fingerprint(const Plan& plan, const std::string& code_version);

}  // namespace sgdcheck::pipeline
