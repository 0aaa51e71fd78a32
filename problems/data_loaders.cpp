// Loaders of dataset.hpp: LIBSVM (sparse) and CSV (dense). Every error is one line naming file:line.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/csv.hpp"
#include "core/errors.hpp"
#include "problems/dataset.hpp"

namespace sgdcheck::problems {

namespace {

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
  if (std::abs(x) > kMaxAbsDataValue)
    throw DataError(loc, fmt::format("{} '{}' is too large, expected |value| <= {:g} (the constants use fourth "
                                     "powers of the values, which would overflow)",
                                     what, token, kMaxAbsDataValue));
  return x;
}

std::ifstream open_or_throw(const std::filesystem::path& path) {
  if (std::filesystem::is_directory(path))
    throw DataError(SourceLoc{path.string(), 0}, "is a directory, expected a data file");
  std::ifstream in(path);
  if (!in) throw DataError(SourceLoc{path.string(), 0}, "cannot open data file (missing or unreadable)");
  return in;
}

}  // namespace

Dataset load_libsvm(const std::filesystem::path& path) {
  std::ifstream in = open_or_throw(path);
  return read_libsvm(in, path.string());
}

Dataset read_libsvm_text(const std::string& text, const std::string& source) {
  std::istringstream in(text);
  return read_libsvm(in, source);
}

Dataset read_libsvm(std::istream& in, const std::string& source) {
  const std::string& file = source;
  // CSR arrays appended row by row (12 bytes a nonzero), copied once into the matrix at the end.
  std::vector<SpMat::StorageIndex> inner;
  std::vector<double> values;
  std::vector<SpMat::StorageIndex> outer{0};
  std::vector<double> labels;
  Dataset out;
  Index d = 0;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    if (lineno == std::numeric_limits<int>::max())
      throw DataError(SourceLoc{file, lineno}, "too many lines, expected fewer than 2^31");
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
      if (idx > kMaxFeatures)
        throw DataError(loc, fmt::format("feature index {} in '{}' exceeds the limit d <= {} (every iterate and "
                                         "gradient is a dense vector of size d)",
                                         idx, tok, kMaxFeatures));
      if (idx <= prev)
        throw DataError(loc, fmt::format("feature index {} after {}, expected increasing indices", idx, prev));
      prev = static_cast<Index>(idx);
      const double v = parse_finite(tok.substr(colon + 1), loc, fmt::format("feature {} value", idx));
      if (v != 0.0) {
        if (values.size() >= static_cast<std::size_t>(std::numeric_limits<SpMat::StorageIndex>::max()))
          throw DataError(loc, fmt::format("more than {} nonzero values, expected fewer",
                                           std::numeric_limits<SpMat::StorageIndex>::max()));
        inner.push_back(static_cast<SpMat::StorageIndex>(idx - 1));
        values.push_back(v);
      }
      d = std::max(d, static_cast<Index>(idx));
    }
    outer.push_back(static_cast<SpMat::StorageIndex>(values.size()));
    out.lines.push_back(lineno);
  }
  if (labels.empty()) throw DataError(SourceLoc{file, 0}, "empty data file: expected at least one sample line");
  if (d == 0) throw DataError(SourceLoc{file, 0}, "no features in any line: expected index:value tokens");
  out.is_sparse = true;
  // Rows come in order and indices increase within a row, so the CSR arrays are the matrix: copy them
  // into its storage, O(n + nnz), no triplet list and no column-major intermediate (setFromTriplets
  // would cost O(d) even for three lines; fuzz_libsvm: one index 9999999 took seconds).
  const auto n = static_cast<Index>(labels.size());
  out.sparse.resize(n, d);
  out.sparse.resizeNonZeros(static_cast<Index>(values.size()));
  std::copy(outer.begin(), outer.end(), out.sparse.outerIndexPtr());
  std::copy(inner.begin(), inner.end(), out.sparse.innerIndexPtr());
  std::copy(values.begin(), values.end(), out.sparse.valuePtr());
  std::vector<SpMat::StorageIndex>().swap(inner);  // release before the caller's next allocation
  std::vector<double>().swap(values);
  out.y = Eigen::Map<const Vec>(labels.data(), static_cast<Index>(labels.size()));
  out.source = file;
  return out;
}

Dataset load_csv(const std::filesystem::path& path, const std::string& label_column) {
  std::ifstream in = open_or_throw(path);
  return read_csv_dataset(in, path.string(), label_column);
}

Dataset read_csv_dataset_text(const std::string& text, const std::string& source, const std::string& label_column) {
  std::istringstream in(text);
  return read_csv_dataset(in, source, label_column);
}

Dataset read_csv_dataset(std::istream& in, const std::string& source, const std::string& label_column) {
  // read_csv reports empty files and ragged rows with file:line.
  const CsvTable t = read_csv(in, source);
  const std::string& file = source;
  for (std::size_t c = 0; c < t.header.size(); ++c)
    for (std::size_t k = 0; k < c; ++k)
      if (t.header[c] == t.header[k])
        throw DataError(SourceLoc{file, 1}, fmt::format("column name '{}' appears twice in the header (columns {} "
                                                        "and {}), expected unique names",
                                                        t.header[c], k + 1, c + 1));
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
  for (Index i = 0; i < n; ++i) {
    const auto& r = t.rows[static_cast<std::size_t>(i)];
    const int lineno = t.row_lines[static_cast<std::size_t>(i)];
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
