#include "core/csv.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/errors.hpp"

namespace sgdcheck {

std::string format_real(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return fmt::to_string(x);  // the "{}" format (shortest round trip), without parsing a format string
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

namespace {
/// The characters that make a field quoted: , " \n \r (one table lookup per character).
constexpr std::array<bool, 256> kQuoted = [] {
  std::array<bool, 256> t{};
  t[static_cast<unsigned char>(',')] = t[static_cast<unsigned char>('"')] = true;
  t[static_cast<unsigned char>('\n')] = t[static_cast<unsigned char>('\r')] = true;
  return t;
}();
bool needs_quotes(const std::string& field) {
  bool any = false;
  for (char c : field) any |= kQuoted[static_cast<unsigned char>(c)];
  return any;
}
/// Appends csv_escape(field) to `out` without a temporary string.
void append_escaped(std::string& out, const std::string& field) {
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
}  // namespace

std::string csv_escape(const std::string& field) {
  if (!needs_quotes(field)) return field;
  std::string out;
  append_escaped(out, field);
  return out;
}

CsvWriter::CsvWriter(const std::filesystem::path& path, const std::vector<std::string>& header)
    : out_(path), path_(path), columns_(header.size()) {
  if (!out_) throw UsageError(SourceLoc{path.string(), 0}, "cannot open for writing");
  row(header);
}

void CsvWriter::row(const std::vector<std::string>& fields) {
  if (fields.size() != columns_)
    throw std::logic_error("CsvWriter: row has " + std::to_string(fields.size()) + " fields, header " +
                           std::to_string(columns_));
  // The line is assembled in a reused buffer and written with one call: the same bytes as writing
  // field by field, without a stream sentry and an escaped copy per field (results.csv has millions).
  line_.clear();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) line_ += ',';
    append_escaped(line_, fields[i]);
  }
  line_ += '\n';
  out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
}

void CsvWriter::close() {
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
