#pragma once
/// \file Where the delays τ_t of an asynchronous run come from. The delayed runner asks a DelaySource
/// for one cursor per run and reads one delay per update; the straggler simulator (later) supplies
/// its own source, so the runner never needs to know how delays arise.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "runners/runner.hpp"

namespace sgdcheck::runners {

/// The delays of one run, one per update: τ_0, τ_1, … (update s uses the iterate x_{s−τ_s}).
class DelayCursor {
 public:
  virtual ~DelayCursor() = default;
  /// The delay of the next update, in [0, max_delay()] of the source. Never allocates.
  virtual std::int64_t next() = 0;
};

/// A delay model, configured once and shared (read-only) by every run of a cell.
class DelaySource {
 public:
  virtual ~DelaySource() = default;
  /// τ_max: every delay this source produces is <= it (sizes the runner's ring buffer).
  virtual std::int64_t max_delay() const = 0;
  /// True when every delay equals max_delay() (the exact oracles O2/O4 assume it).
  virtual bool is_fixed() const { return false; }
  /// One line, e.g. "fixed tau = 4", "uniform on [0, 8]", "file delays.txt (1000 delays, max 7)".
  virtual std::string describe() const = 0;
  /// A fresh cursor for run `key`. Random sources draw from make_stream(seed, rep, kDelays), never
  /// from the sampling stream, so sample draws are identical to a run without delays.
  virtual std::unique_ptr<DelayCursor> start(const RunKey& key) const = 0;
};

/// τ_t = τ for every update.
class FixedDelay final : public DelaySource {
 public:
  explicit FixedDelay(std::int64_t tau);
  std::int64_t max_delay() const override { return tau_; }
  bool is_fixed() const override { return true; }
  std::string describe() const override;
  std::unique_ptr<DelayCursor> start(const RunKey& key) const override;

 private:
  std::int64_t tau_;
};

/// τ_t i.i.d. uniform on {0, 1, …, τ}.
class UniformDelay final : public DelaySource {
 public:
  explicit UniformDelay(std::int64_t tau);
  std::int64_t max_delay() const override { return tau_; }
  bool is_fixed() const override { return tau_ == 0; }
  std::string describe() const override;
  std::unique_ptr<DelayCursor> start(const RunKey& key) const override;

 private:
  std::int64_t tau_;
};

/// Largest delay a delay file may give (the runner keeps a ring buffer of max_delay() + 1 iterates).
constexpr std::int64_t kMaxDelay = 100'000;
/// Most delays a delay file may hold.
constexpr std::size_t kMaxDelays = 10'000'000;

/// τ_t read from a list (a text file: one non-negative integer per line, `#` comments and blank
/// lines skipped); the list repeats when the run is longer than it. The same for every run.
class DelaySequence final : public DelaySource {
 public:
  /// `delays` non-empty, every entry >= 0. `source` names the origin for describe().
  DelaySequence(std::vector<std::int64_t> delays, std::string source);
  /// Reads a delay file; throws DataError "file:line: ..." for a missing file, an empty list, a line
  /// that is not one integer in [0, kMaxDelay], or more than kMaxDelays delays.
  static DelaySequence load(const std::filesystem::path& path);
  /// The same from the file's text; `source` names it in messages and describe().
  static DelaySequence parse(const std::string& text, const std::string& source);

  std::int64_t max_delay() const override { return max_; }
  bool is_fixed() const override;
  std::string describe() const override;
  std::unique_ptr<DelayCursor> start(const RunKey& key) const override;
  const std::vector<std::int64_t>& delays() const { return delays_; }

 private:
  std::vector<std::int64_t> delays_;
  std::string source_;
  std::int64_t max_ = 0;
};

}  // namespace sgdcheck::runners
