#pragma once
/// \file Sweep keys, cell filters (`where:`, `reference:`) and grouping of cells by sweep values.
/// A check names a sweep key exactly as `sweep:` accepts it: the qualified key (runner.delay.tau) or
/// the key without its scope (delay.tau). Filters are parsed and resolved at plan time.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sgdcheck::analysis {

class SweepKeys {
 public:
  SweepKeys() = default;
  explicit SweepKeys(std::vector<std::string> qualified) : keys_(std::move(qualified)) {}

  const std::vector<std::string>& keys() const { return keys_; }
  std::size_t size() const { return keys_.size(); }
  /// Index of `key` (qualified, or without its scope); nullopt if it is none of them.
  std::optional<std::size_t> find(const std::string& key) const;
  /// As find; throws ConfigError "<what> = <key>: not a sweep key of this experiment (…)" with a
  /// "did you mean" and the list of sweep keys.
  std::size_t resolve(const std::string& key, const std::string& what) const;
  /// Every accepted spelling (qualified and unscoped), for suggestions and name lookups.
  std::vector<std::string> spellings() const;

 private:
  std::vector<std::string> keys_;
};

/// One `key=value` term: value compared numerically when both it and the cell's value are numbers
/// (so 16 matches 16.0), else as text.
struct FilterTerm {
  std::size_t key = 0;
  std::string value;
  std::optional<double> number;
};

class CellFilter {
 public:
  bool empty() const { return terms_.empty(); }
  const std::vector<FilterTerm>& terms() const { return terms_; }
  const std::string& text() const { return text_; }
  /// True when every term matches (an empty filter matches every cell).
  bool matches(const std::vector<std::string>& sweep_values) const;
  /// named[k]: the filter constrains sweep key k.
  std::vector<bool> named_keys(std::size_t key_count) const;

 private:
  friend CellFilter parse_filter(const std::string&, const SweepKeys&, const std::string&,
                                 const std::vector<std::vector<std::string>>*);
  std::string text_;
  std::vector<FilterTerm> terms_;
};

/// Parses "key=value[, key=value]" (empty: every cell). Throws ConfigError naming `what` for a
/// malformed term, a key that is not a sweep key, a key given twice, or (when `grid` holds the
/// sweep values of every cell) a value that no cell has.
CellFilter parse_filter(const std::string& text,
                        const SweepKeys& keys,
                        const std::string& what,
                        const std::vector<std::vector<std::string>>* grid = nullptr);

/// A number if the whole text is one (surrounding blanks allowed), else nullopt. Never throws.
std::optional<double> parse_number(const std::string& text);

/// Cells agreeing on every sweep key k with ignore[k] == false, in order of first appearance.
struct Group {
  std::vector<std::size_t> members;  ///< indices into the `values` passed to group_cells
  std::string label;                 ///< "runner.workers=4, problem.d=8" over the kept keys ("all" if none)
};
std::vector<Group> group_cells(const SweepKeys& keys,
                               const std::vector<const std::vector<std::string>*>& values,
                               const std::vector<bool>& ignore);

/// The group key of one cell (values of the kept keys joined by \x1f), for pairing across groups.
std::string group_key(const std::vector<std::string>& values, const std::vector<bool>& ignore);

}  // namespace sgdcheck::analysis
