#include "core/csv.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <limits>
#include <stdexcept>

#include "core/errors.hpp"

namespace sgdcheck {

namespace {

/// Longest text of one real ("-2.2250738585072014e-308").
constexpr std::size_t kMaxRealChars = 32;

/// Writes format_real(x) at `out` (room for kMaxRealChars) and returns the end. The compiled "{}"
/// format is fmt's shortest round-trip form, the same text as fmt::format("{}", x).
char* write_real(char* out, double x) {
  if (std::isnan(x)) return std::copy_n("nan", 3, out);
  if (std::isinf(x)) return x > 0 ? std::copy_n("inf", 3, out) : std::copy_n("-inf", 4, out);
  return fmt::format_to(out, FMT_COMPILE("{}"), x);
}

bool needs_quotes(std::string_view field) {
  // One pass (string_view::find_first_of scans the field once per special character).
  return std::any_of(field.begin(), field.end(), [](char c) { return c == ',' || c == '"' || c == '\n' || c == '\r'; });
}

constexpr std::size_t kFlushBytes = std::size_t{1} << 16;

}  // namespace

void append_real(std::string& out, double x) {
  char tmp[kMaxRealChars];
  out.append(tmp, write_real(tmp, x));
}

void append_csv_field(std::string& out, std::string_view field) {
  if (!needs_quotes(field)) {
    out += field;
    return;
  }
  // The pieces between quotes whole (one append each: a run message of ~70 characters per row of
  // runs.csv was appended character by character), every quote doubled.
  out += '"';
  for (std::size_t q; (q = field.find('"')) != std::string_view::npos; field.remove_prefix(q + 1)) {
    out.append(field.data(), q + 1);
    out += '"';
  }
  out += field;
  out += '"';
}

std::string format_real(double x) {
  char tmp[kMaxRealChars];
  return std::string(tmp, write_real(tmp, x));
}

double parse_real_strict(const std::string& text) {
  if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (text == "inf") return std::numeric_limits<double>::infinity();
  if (text == "-inf") return -std::numeric_limits<double>::infinity();
  double x = 0.0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
  if (ec != std::errc{} || ptr != text.data() + text.size())
    throw std::invalid_argument("not a number: '" + text + "'");
  return x;
}

std::string csv_escape(const std::string& field) {
  if (!needs_quotes(field)) return field;
  std::string out;
  append_csv_field(out, field);
  return out;
}

CsvWriter::CsvWriter(const std::filesystem::path& path, const std::vector<std::string>& header)
    : out_(path, std::ios::binary), path_(path), columns_(header.size()) {
  if (!out_) throw UsageError(SourceLoc{path.string(), 0}, "cannot open for writing");
  buf_.reserve(kFlushBytes + 4096);
  row(header);
}

CsvWriter::~CsvWriter() {
  // A writer destroyed without close() (an exception unwinding) still leaves what it had; errors are
  // reported only by close().
  if (out_.is_open()) flush();
}

void CsvWriter::flush() {
  if (!buf_.empty()) out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  buf_.clear();
}

void CsvWriter::row(const std::vector<std::string>& fields) {
  if (fields.size() != columns_)
    throw std::logic_error("CsvWriter: row has " + std::to_string(fields.size()) + " fields, header " +
                           std::to_string(columns_));
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) buf_ += ',';
    append_csv_field(buf_, fields[i]);
  }
  buf_ += '\n';
  if (buf_.size() >= kFlushBytes) flush();
}

void CsvWriter::close() {
  flush();
  out_.flush();
  if (!out_) throw UsageError(SourceLoc{path_.string(), 0}, "write failed (disk full or not writable?)");
  out_.close();
}

std::size_t CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  throw DataError(SourceLoc{source, 1}, "missing column '" + name + "'");
}

bool CsvTable::has_column(const std::string& name) const {
  for (const auto& h : header)
    if (h == name) return true;
  return false;
}

namespace {

std::vector<std::string> split_csv_line(const std::string& line, const SourceLoc& loc) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(cur));
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  if (quoted) throw DataError(loc, "unterminated quoted field");
  out.push_back(std::move(cur));
  return out;
}

}  // namespace

void for_each_csv_row(const std::filesystem::path& path,
                      const std::function<void(const std::vector<std::string>&)>& on_header,
                      const std::function<void(const std::vector<std::string>&, int)>& on_row) {
  std::ifstream in(path);
  if (!in) throw DataError(SourceLoc{path.string(), 0}, "cannot open file (missing or unreadable)");
  std::string line;
  int lineno = 0;
  std::size_t columns = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    auto fields = split_csv_line(line, SourceLoc{path.string(), lineno});
    if (columns == 0) {
      columns = fields.size();
      on_header(fields);
      continue;
    }
    if (fields.size() != columns)
      throw DataError(SourceLoc{path.string(), lineno},
                      "row has " + std::to_string(fields.size()) + " fields, expected " + std::to_string(columns) +
                          " (as in the header)");
    on_row(fields, lineno);
  }
  if (columns == 0) throw DataError(SourceLoc{path.string(), 0}, "empty file: expected a header row");
}

CsvTable read_csv(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw DataError(SourceLoc{path.string(), 0}, "cannot open file (missing or unreadable)");
  return read_csv(in, path.string());
}

CsvTable read_csv(std::istream& in, const std::string& source) {
  CsvTable t;
  t.source = source;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    if (lineno == std::numeric_limits<int>::max())
      throw DataError(SourceLoc{t.source, lineno}, "too many lines, expected fewer than 2^31");
    ++lineno;
    if (line.empty()) continue;
    auto fields = split_csv_line(line, SourceLoc{t.source, lineno});
    if (t.header.empty()) {
      t.header = std::move(fields);
      continue;
    }
    if (fields.size() != t.header.size())
      throw DataError(SourceLoc{t.source, lineno},
                      "row has " + std::to_string(fields.size()) + " fields, expected " +
                          std::to_string(t.header.size()) + " (as in the header)");
    t.rows.push_back(std::move(fields));
    t.row_lines.push_back(lineno);
  }
  if (t.header.empty()) throw DataError(SourceLoc{t.source, 0}, "empty file: expected a header row");
  return t;
}

}  // namespace sgdcheck
