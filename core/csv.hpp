#pragma once
/// \file Minimal RFC-4180 CSV reading and writing for the results tables. Reals are written in the
/// shortest form that reads back bit for bit, so re-reading a table reproduces the numbers exactly.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace sgdcheck {

/// Shortest round-trip text of a double ("inf", "-inf", "nan" for non-finite values).
std::string format_real(double x);
/// Parses format_real's output (and any ordinary decimal); throws std::invalid_argument otherwise.
double parse_real_strict(const std::string& text);

/// Quotes a field if it contains a comma, quote or newline.
std::string csv_escape(const std::string& field);

/// Writes a CSV table through one in-memory buffer flushed in large blocks.
class CsvWriter {
 public:
  /// Opens `path` for writing; throws UsageError if it cannot be written.
  CsvWriter(const std::filesystem::path& path, const std::vector<std::string>& header);
  ~CsvWriter();
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  void row(const std::vector<std::string>& fields);

  /// Flushes and closes; throws UsageError if the data could not be written.
  void close();

 private:
  void flush();
  std::ofstream out_;
  std::filesystem::path path_;
  std::size_t columns_;
  std::string buf_;  ///< pending bytes, written in blocks
};

/// Appends csv_escape(field) to `out` (no temporary string): the row builders' field writer.
void append_csv_field(std::string& out, std::string_view field);
/// Appends format_real(x) to `out` (no temporary string).
void append_real(std::string& out, double x);

/// A whole CSV table in memory with a header.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> row_lines;  ///< 1-based source line of each row (blank lines are skipped)
  /// Column index by name; throws DataError naming the file if absent.
  std::size_t column(const std::string& name) const;
  bool has_column(const std::string& name) const;
  std::string source;  ///< file name for messages
};

/// Streams a CSV file row by row (constant memory): `on_header` gets the header, `on_row` each data row
/// with its 1-based line number. Throws DataError (file:line) on ragged rows or a missing file.
void for_each_csv_row(const std::filesystem::path& path,
                      const std::function<void(const std::vector<std::string>&)>& on_header,
                      const std::function<void(const std::vector<std::string>&, int)>& on_row);

/// Reads a CSV file with a header row. Throws DataError (file:line) on ragged rows or a missing file.
CsvTable read_csv(const std::filesystem::path& path);
/// The same from a stream; `source` names it in messages (CsvTable::source).
CsvTable read_csv(std::istream& in, const std::string& source);

}  // namespace sgdcheck
