#pragma once
/// \file The expression language of checks (`predicted:`, `lhs:`, `when:`, `numerator:`, …), parsed
/// once at plan time into an AST and evaluated per cell.
///
/// Grammar (lowest precedence first):
///   logical    := comparison { ("&&" | "||") comparison }
///   comparison := sum [ ("<=" | ">=" | "==" | "<" | ">") sum ]      (value 1 or 0)
///   sum        := product { ("+" | "-") product }
///   product    := power { ("*" | "/") power }
///   power      := unary [ "^" power ]                                 (right associative)
///   unary      := ("-" | "+") unary | primary                      (so -2^2 = (-2)^2 = 4)
///   primary    := number | "inf" | name | name "(" logical { "," logical } ")" | "(" logical ")"
/// Names are [A-Za-z_][A-Za-z0-9_.]*; functions: log exp sqrt abs ceil floor (one argument), min max
/// (one or more). Nesting is limited to kMaxDepth levels and the text to kMaxLength characters, so
/// hostile input can neither overflow the stack nor take long: parse errors are ConfigError.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace sgdcheck::analysis {

class Expression {
 public:
  static constexpr int kMaxDepth = 64;
  static constexpr std::size_t kMaxLength = 4096;

  Expression() = default;

  const std::string& text() const { return text_; }
  bool empty() const { return nodes_.empty(); }
  /// Distinct names referenced (not function names), in order of first use.
  const std::vector<std::string>& names() const { return names_; }

  /// Value with `values[i]` bound to names()[i] (size must equal names().size()).
  double eval(const std::vector<double>& values) const;
  /// Value with names looked up through `lookup` (called once per distinct name).
  double eval(const std::function<double(const std::string&)>& lookup) const;

  /// Throws ConfigError "<what> = "<text>": unknown name X (did you mean Y?)" for the first name
  /// for which `known` is false; `candidates` feed the suggestion.
  void require_names(const std::function<bool(const std::string&)>& known,
                     const std::vector<std::string>& candidates,
                     const std::string& what) const;

 private:
  friend class Parser;
  enum class Op { kNumber, kName, kNeg, kAdd, kSub, kMul, kDiv, kPow, kLt, kLe, kGt, kGe, kEq, kAnd, kOr, kCall };
  struct Node {
    Op op = Op::kNumber;
    double value = 0.0;     ///< kNumber
    std::size_t index = 0;  ///< kName: into names_; kCall: function id
    std::vector<int> kids;  ///< operands / arguments (node indices)
  };
  double eval_node(int node, const std::vector<double>& values, int depth) const;

  std::string text_;
  std::vector<Node> nodes_;
  std::vector<std::string> names_;
  int root_ = -1;
};

/// Parses `text` (hostile input allowed: errors are ConfigError naming the position, never a crash).
/// `what` names the option in messages, e.g. "checks.ratio.numerator".
Expression parse_expression(const std::string& text, const std::string& what = "expression");

/// The closest candidate by edit distance (for "did you mean"), or "" if none is plausibly close.
std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace sgdcheck::analysis
