#include "core/csv.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <iterator>
#include <limits>
#include <stdexcept>

#include "core/errors.hpp"

namespace sgdcheck {

namespace {

/// Appends format_real(x) to `out` without a temporary string.
void append_real(std::string& out, double x) {
  if (std::isnan(x)) {
    out += "nan";
  } else if (std::isinf(x)) {
    out += x > 0 ? "inf" : "-inf";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", x);
  }
}

bool needs_quotes(std::string_view field) { return field.find_first_of(",\"\n\r") != std::string_view::npos; }

void append_escaped(std::string& out, std::string_view field) {
  if (!needs_quotes(field)) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

constexpr std::size_t kFlushBytes = std::size_t{1} << 16;

}  // namespace

std::string format_real(double x) {
  std::string s;
  append_real(s, x);
  return s;
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
  append_escaped(out, field);
  return out;
}

std::string join_fields(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    append_escaped(out, fields[i]);
  }
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
  if (out_.is_open() && !buf_.empty()) out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
}

void CsvWriter::row(const std::vector<std::string>& fields) {
  if (in_row_ != 0) throw std::logic_error("CsvWriter: row() inside a row built with field()");
  if (fields.size() != columns_)
    throw std::logic_error("CsvWriter: row has " + std::to_string(fields.size()) + " fields, header " +
                           std::to_string(columns_));
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) buf_ += ',';
    append_escaped(buf_, fields[i]);
  }
  buf_ += '\n';
  flush_if_full();
}

void CsvWriter::separator() {
  if (in_row_++ != 0) buf_ += ',';
}

CsvWriter& CsvWriter::field(std::string_view text) {
  separator();
  append_escaped(buf_, text);
  return *this;
}

CsvWriter& CsvWriter::field(std::int64_t value) {
  separator();
  char tmp[24];
  const auto res = std::to_chars(tmp, tmp + sizeof tmp, value);
  buf_.append(tmp, res.ptr);
  return *this;
}

CsvWriter& CsvWriter::field(double value) {
  separator();
  append_real(buf_, value);
  return *this;
}

CsvWriter& CsvWriter::joined(std::string_view fields, std::size_t count) {
  if (count == 0) return *this;
  separator();
  buf_ += fields;
  in_row_ += count - 1;
  return *this;
}

void CsvWriter::end_row() {
  if (in_row_ != columns_)
    throw std::logic_error("CsvWriter: row has " + std::to_string(in_row_) + " fields, header " +
                           std::to_string(columns_));
  in_row_ = 0;
  buf_ += '\n';
  flush_if_full();
}

void CsvWriter::flush_if_full() {
  if (buf_.size() < kFlushBytes) return;
  out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  buf_.clear();
}

void CsvWriter::close() {
  if (!buf_.empty()) out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  buf_.clear();
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
