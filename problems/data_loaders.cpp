// Loaders of dataset.hpp: LIBSVM (sparse) and CSV (dense). Every error is one line naming file:line.
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>

#include "core/csv.hpp"
#include "core/errors.hpp"
#include "problems/dataset.hpp"

namespace sgdcheck::problems {

namespace {

/// Largest LIBSVM feature index accepted: d sizes per-feature arrays, so a huge index written in a
/// file must not turn into a huge allocation (found by fuzz/fuzz_libsvm).
constexpr long long kMaxLibsvmFeatures = 10'000'000;

/// Parses a whole token as a finite real; throws DataError naming `what` (e.g. "feature 3 value").
double parse_finite(const std::string& token, const SourceLoc& loc, const std::string& what) {
  double x = 0.0;
  const char* first = token.data();
  const char* last = token.data() + token.size();
  if (first != last && *first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, last, x);
  if (token.empty() || ec == std::errc::invalid_argument || ptr != last)
    throw DataError(loc, fmt::format("{} '{}' is not a number, expected a finite real", what, token));
  if (ec == std::errc::result_out_of_range || !std::isfinite(x))
    throw DataError(loc, fmt::format("{} '{}' is not finite, expected a finite real", what, token));
  return x;
}

std::ifstream open_or_throw(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw DataError(SourceLoc{path.string(), 0}, "cannot open data file (missing or unreadable)");
  return in;
}

}  // namespace

Dataset load_libsvm(const std::filesystem::path& path) {
  std::ifstream in = open_or_throw(path);
  const std::string file = path.string();
  std::vector<Eigen::Triplet<double>> triplets;
  std::vector<double> labels;
  Dataset out;
  Index d = 0;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    const SourceLoc loc{file, lineno};
    std::size_t pos = 0;
    auto next_token = [&](std::string& tok) {
      while (pos < line.size() && std::isspace(static_cast<unsigned char>(line[pos]))) ++pos;
      const std::size_t start = pos;
      while (pos < line.size() && !std::isspace(static_cast<unsigned char>(line[pos]))) ++pos;
      tok.assign(line, start, pos - start);
      return !tok.empty();
    };
    std::string tok;
    if (!next_token(tok)) continue;  // blank or comment-only line
    const auto row = static_cast<Index>(labels.size());
    if (tok.find(':') != std::string::npos)
      throw DataError(loc, fmt::format("first token '{}' looks like idx:value, expected the label first", tok));
    labels.push_back(parse_finite(tok, loc, "label"));
    Index prev = 0;
    while (next_token(tok)) {
      const auto colon = tok.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == tok.size())
        throw DataError(loc, fmt::format("malformed token '{}', expected index:value", tok));
      const std::string idx_text = tok.substr(0, colon);
      long long idx = 0;
      auto [ptr, ec] = std::from_chars(idx_text.data(), idx_text.data() + idx_text.size(), idx);
      if (ec != std::errc{} || ptr != idx_text.data() + idx_text.size())
        throw DataError(loc, fmt::format("feature index '{}' in '{}' is not an integer, expected index >= 1",
                                         idx_text, tok));
      if (idx < 1)
        throw DataError(loc, fmt::format("feature index {} in '{}', expected index >= 1 (LIBSVM is 1-based)",
                                         idx, tok));
      if (idx > kMaxLibsvmFeatures)
        throw DataError(loc, fmt::format("feature index {} in '{}', expected index <= {} (the limit on d)", idx,
                                         tok, kMaxLibsvmFeatures));
      if (idx <= prev)
        throw DataError(loc, fmt::format("feature index {} after {}, expected increasing indices", idx, prev));
      prev = static_cast<Index>(idx);
      const double v = parse_finite(tok.substr(colon + 1), loc, fmt::format("feature {} value", idx));
      if (v != 0.0) triplets.emplace_back(row, static_cast<Index>(idx - 1), v);
      d = std::max(d, static_cast<Index>(idx));
    }
    out.lines.push_back(lineno);
  }
  if (labels.empty()) throw DataError(SourceLoc{file, 0}, "empty data file: expected at least one sample line");
  if (d == 0) throw DataError(SourceLoc{file, 0}, "no features in any line: expected index:value tokens");
  out.is_sparse = true;
  // Rows come in order and indices increase within a row, so fill the row-major matrix directly:
  // O(n + nnz). setFromTriplets builds a column-major copy first, O(d) even for three lines
  // (fuzz_libsvm: one index 9999999 took seconds).
  const auto n = static_cast<Index>(labels.size());
  out.sparse.resize(n, d);
  out.sparse.reserve(static_cast<Index>(triplets.size()));
  std::size_t k = 0;
  for (Index r = 0; r < n; ++r) {
    out.sparse.startVec(r);
    for (; k < triplets.size() && triplets[k].row() == r; ++k)
      out.sparse.insertBack(r, triplets[k].col()) = triplets[k].value();
  }
  out.sparse.finalize();
  out.y = Eigen::Map<const Vec>(labels.data(), static_cast<Index>(labels.size()));
  out.source = file;
  return out;
}

Dataset load_csv(const std::filesystem::path& path, const std::string& label_column) {
  // read_csv reports missing files, empty files and ragged rows with file:line.
  { std::ifstream probe = open_or_throw(path); }
  const CsvTable t = read_csv(path);
  const std::string file = path.string();
  if (!t.has_column(label_column))
    throw DataError(SourceLoc{file, 1},
                    fmt::format("no column named '{}' in the header, expected the label column (data.label_column)",
                                label_column));
  const std::size_t lab = t.column(label_column);
  if (t.rows.empty()) throw DataError(SourceLoc{file, 0}, "no data rows after the header: expected samples");
  if (t.header.size() < 2) throw DataError(SourceLoc{file, 1}, "only the label column: expected feature columns");
  const auto n = static_cast<Index>(t.rows.size());
  const auto d = static_cast<Index>(t.header.size() - 1);
  Dataset out;
  out.dense.resize(n, d);
  out.y.resize(n);
  // read_csv skips blank lines, so recover each row's line number by re-reading line by line.
  std::vector<int> row_lines;
  {
    std::ifstream in(path);
    std::string line;
    int lineno = 0;
    bool header_seen = false;
    while (std::getline(in, line)) {
      ++lineno;
      if (line.empty()) continue;
      if (!header_seen) {
        header_seen = true;
        continue;
      }
      row_lines.push_back(lineno);
    }
  }
  for (Index i = 0; i < n; ++i) {
    const auto& r = t.rows[static_cast<std::size_t>(i)];
    const int lineno = static_cast<std::size_t>(i) < row_lines.size() ? row_lines[static_cast<std::size_t>(i)] : 0;
    const SourceLoc loc{file, lineno};
    Index j = 0;
    for (std::size_t c = 0; c < r.size(); ++c) {
      const std::string what = fmt::format("column '{}' value", t.header[c]);
      const double v = parse_finite(r[c], loc, what);
      if (c == lab)
        out.y[i] = v;
      else
        out.dense(i, j++) = v;
    }
    out.lines.push_back(lineno);
  }
  out.source = file;
  return out;
}

Vec logistic_labels(const Dataset& data) {
  const Index n = data.y.size();
  bool has_zero = false, has_minus = false;
  for (Index i = 0; i < n; ++i) {
    const double v = data.y[i];
    const bool ok = v == 1.0 || v == -1.0 || v == 0.0;
    if (!ok) {
      const int line = static_cast<std::size_t>(i) < data.lines.size() ? data.lines[static_cast<std::size_t>(i)] : 0;
      const std::string where = line > 0 ? "" : fmt::format("sample {}: ", i);
      throw DataError(SourceLoc{data.source, line},
                      fmt::format("{}label {} is not a class label, expected {{-1, +1}} or {{0, 1}} for logistic",
                                  where, v));
    }
    has_zero = has_zero || v == 0.0;
    has_minus = has_minus || v == -1.0;
  }
  if (has_zero && has_minus) {
    for (Index i = 0; i < n; ++i)
      if (data.y[i] == 0.0) {
        const int line =
            static_cast<std::size_t>(i) < data.lines.size() ? data.lines[static_cast<std::size_t>(i)] : 0;
        throw DataError(SourceLoc{data.source, line},
                        "label 0 mixed with label -1, expected either {-1, +1} or {0, 1} for logistic");
      }
  }
  Vec y = data.y;
  for (Index i = 0; i < n; ++i)
    if (y[i] == 0.0) y[i] = -1.0;
  return y;
}

}  // namespace sgdcheck::problems
