#include "runners/delay_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/errors.hpp"

namespace sgdcheck::runners {

namespace {

class ConstantCursor final : public DelayCursor {
 public:
  explicit ConstantCursor(std::int64_t tau) : tau_(tau) {}
  std::int64_t next() override { return tau_; }

 private:
  std::int64_t tau_;
};

class UniformCursor final : public DelayCursor {
 public:
  UniformCursor(std::int64_t tau, Rng rng) : span_(static_cast<std::uint64_t>(tau) + 1), rng_(rng) {}
  std::int64_t next() override { return static_cast<std::int64_t>(rng_.below(span_)); }

 private:
  std::uint64_t span_;
  Rng rng_;
};

class ListCursor final : public DelayCursor {
 public:
  explicit ListCursor(const std::vector<std::int64_t>& delays) : delays_(delays) {}
  std::int64_t next() override {
    const std::int64_t v = delays_[pos_];
    if (++pos_ == delays_.size()) pos_ = 0;
    return v;
  }

 private:
  const std::vector<std::int64_t>& delays_;  // not owned; the source outlives its cursors
  std::size_t pos_ = 0;
};

std::string trim(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

}  // namespace

FixedDelay::FixedDelay(std::int64_t tau) : tau_(tau) {
  if (tau < 0) throw std::logic_error("FixedDelay: tau must be >= 0");
}
std::string FixedDelay::describe() const { return fmt::format("fixed tau = {}", tau_); }
std::unique_ptr<DelayCursor> FixedDelay::start(const RunKey&) const { return std::make_unique<ConstantCursor>(tau_); }

UniformDelay::UniformDelay(std::int64_t tau) : tau_(tau) {
  if (tau < 0) throw std::logic_error("UniformDelay: tau must be >= 0");
}
std::string UniformDelay::describe() const { return fmt::format("uniform on [0, {}]", tau_); }
std::unique_ptr<DelayCursor> UniformDelay::start(const RunKey& key) const {
  return std::make_unique<UniformCursor>(tau_, make_stream(key.seed, key.rep, StreamPurpose::kDelays, 0));
}

DelaySequence::DelaySequence(std::vector<std::int64_t> delays, std::string source)
    : delays_(std::move(delays)), source_(std::move(source)) {
  if (delays_.empty()) throw std::logic_error("DelaySequence: empty list");
  for (auto v : delays_)
    if (v < 0) throw std::logic_error("DelaySequence: negative delay");
  max_ = *std::max_element(delays_.begin(), delays_.end());
}

DelaySequence DelaySequence::load(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw DataError(SourceLoc{name, 0}, "is a directory (expected a delay file with one integer delay >= 0 per line)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(SourceLoc{name, 0}, "cannot open the delay file (expected one integer delay >= 0 per line)");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), name);
}

DelaySequence DelaySequence::parse(const std::string& text_all, const std::string& source) {
  const std::string& name = source;
  std::istringstream in(text_all);
  std::vector<std::int64_t> out;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    if (lineno == std::numeric_limits<int>::max())
      throw DataError(SourceLoc{name, lineno}, "too many lines, expected fewer than 2^31");
    ++lineno;
    const auto hash = line.find('#');
    const std::string text = trim(hash == std::string::npos ? line : line.substr(0, hash));
    if (text.empty()) continue;
    std::int64_t v = 0;
    const auto* first = text.data();
    const auto* last = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(first, last, v);
    if (ec == std::errc::result_out_of_range)
      throw DataError(SourceLoc{name, lineno}, fmt::format("delay '{}' violates delay <= {}", text, kMaxDelay));
    if (ec != std::errc() || ptr != last)
      throw DataError(SourceLoc{name, lineno}, "'" + text + "' is not an integer delay (expected one integer >= 0 per line)");
    if (v < 0) throw DataError(SourceLoc{name, lineno}, fmt::format("delay {} violates delay >= 0", v));
    if (v > kMaxDelay)
      throw DataError(SourceLoc{name, lineno},
                      fmt::format("delay {} violates delay <= {} (the runner keeps tau_max + 1 iterates)", v, kMaxDelay));
    if (out.size() == kMaxDelays)
      throw DataError(SourceLoc{name, lineno}, fmt::format("more than {} delays, expected at most {} (the list repeats "
                                                           "when the run is longer)", kMaxDelays, kMaxDelays));
    out.push_back(v);
  }
  if (out.empty()) throw DataError(SourceLoc{name, lineno}, "no delays in the file (expected one integer >= 0 per line)");
  return DelaySequence(std::move(out), name);
}

bool DelaySequence::is_fixed() const {
  return std::all_of(delays_.begin(), delays_.end(), [this](std::int64_t v) { return v == max_; });
}

std::string DelaySequence::describe() const {
  return fmt::format("file {} ({} delays, max {})", source_, delays_.size(), max_);
}

std::unique_ptr<DelayCursor> DelaySequence::start(const RunKey&) const { return std::make_unique<ListCursor>(delays_); }

}  // namespace sgdcheck::runners
