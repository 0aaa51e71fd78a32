#include "analysis/expression.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/errors.hpp"
#include "core/params.hpp"

namespace sgdcheck::analysis {

namespace {
constexpr const char* kFunctions[] = {"log", "exp", "sqrt", "abs", "ceil", "floor", "min", "max"};
}  // namespace

/// Recursive descent over the grammar of expression.hpp; every recursive re-entry (parenthesis,
/// function call, unary sign, right operand of ^) holds a Nest guard, which bounds the stack depth.
class Parser {
 public:
  Parser(const std::string& text, const std::string& what, Expression& out) : s_(text), what_(what), e_(out) {}

  void run() {
    e_.text_ = s_;
    if (s_.size() > Expression::kMaxLength)
      fail(0, "longer than " + std::to_string(Expression::kMaxLength) + " characters");
    skip();
    if (pos_ == s_.size()) fail(pos_, "empty expression");
    e_.root_ = logical();
    skip();
    if (pos_ != s_.size()) fail(pos_, "unexpected '" + s_.substr(pos_, 20) + "'");
  }

 private:
  using Op = Expression::Op;
  const std::string& s_;
  const std::string& what_;
  Expression& e_;
  std::size_t pos_ = 0;

  [[noreturn]] void fail(std::size_t at, const std::string& msg) const {
    throw ConfigError(what_ + " = \"" + s_ + "\": " + msg + " (at character " + std::to_string(at + 1) + ")");
  }
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool eat(const char* tok) {
    skip();
    const std::string t(tok);
    if (s_.compare(pos_, t.size(), t) == 0) {
      pos_ += t.size();
      return true;
    }
    return false;
  }
  int add(Op op, std::vector<int> kids, double value = 0.0, std::size_t index = 0) {
    e_.nodes_.push_back({op, value, index, std::move(kids)});
    return static_cast<int>(e_.nodes_.size()) - 1;
  }
  /// Counts one level of nesting (parenthesis, function call, unary sign, right operand of ^)
  /// for the lifetime of the guard.
  struct Nest {
    explicit Nest(Parser& p) : p_(p) {
      if (++p_.depth_ > Expression::kMaxDepth)
        p_.fail(p_.pos_, "nested deeper than " + std::to_string(Expression::kMaxDepth) + " levels");
    }
    ~Nest() { --p_.depth_; }
    Parser& p_;
  };
  int depth_ = 0;
  int logical() {
    int v = comparison();
    for (;;) {
      if (eat("&&")) v = add(Op::kAnd, {v, comparison()});
      else if (eat("||")) v = add(Op::kOr, {v, comparison()});
      else return v;
    }
  }
  int comparison() {
    const int v = sum();
    if (eat("<=")) return add(Op::kLe, {v, sum()});
    if (eat(">=")) return add(Op::kGe, {v, sum()});
    if (eat("==")) return add(Op::kEq, {v, sum()});
    if (eat("<")) return add(Op::kLt, {v, sum()});
    if (eat(">")) return add(Op::kGt, {v, sum()});
    return v;
  }
  int sum() {
    int v = product();
    for (;;) {
      if (eat("+")) v = add(Op::kAdd, {v, product()});
      else if (eat("-")) v = add(Op::kSub, {v, product()});
      else return v;
    }
  }
  int product() {
    int v = power();
    for (;;) {
      if (eat("*")) v = add(Op::kMul, {v, power()});
      else if (eat("/")) v = add(Op::kDiv, {v, power()});
      else return v;
    }
  }
  int power() {
    const int base = unary();
    if (eat("^")) {
      Nest nest(*this);
      return add(Op::kPow, {base, power()});
    }
    return base;
  }
  int unary() {
    if (eat("-")) {
      Nest nest(*this);
      return add(Op::kNeg, {unary()});
    }
    if (eat("+")) {
      Nest nest(*this);
      return unary();
    }
    return primary();
  }
  int primary() {
    skip();
    if (pos_ >= s_.size()) fail(pos_, "unexpected end");
    const std::size_t start = pos_;
    if (eat("(")) {
      Nest nest(*this);
      const int v = logical();
      if (!eat(")")) fail(start, "missing ')' for this '('");
      return v;
    }
    const char ch = s_[pos_];
    if (std::isdigit(static_cast<unsigned char>(ch)) || ch == '.') {
      // [digits][.digits][(e|E)[+-]digits]
      std::size_t end = pos_;
      auto digits = [&] {
        while (end < s_.size() && std::isdigit(static_cast<unsigned char>(s_[end]))) ++end;
      };
      digits();
      if (end < s_.size() && s_[end] == '.') {
        ++end;
        digits();
      }
      if (end < s_.size() && (s_[end] == 'e' || s_[end] == 'E')) {
        std::size_t e = end + 1;
        if (e < s_.size() && (s_[e] == '+' || s_[e] == '-')) ++e;
        if (e < s_.size() && std::isdigit(static_cast<unsigned char>(s_[e]))) {
          end = e;
          digits();
        }
      }
      const std::string num = s_.substr(pos_, end - pos_);
      char* stop = nullptr;
      const double v = std::strtod(num.c_str(), &stop);
      if (num == "." || stop != num.c_str() + num.size()) fail(pos_, "bad number '" + num + "'");
      pos_ = end;
      return add(Op::kNumber, {}, v);
    }
    if (!(std::isalpha(static_cast<unsigned char>(ch)) || ch == '_')) fail(pos_, std::string("unexpected '") + ch + "'");
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' || s_[pos_] == '.'))
      ++pos_;
    const std::string name = s_.substr(start, pos_ - start);
    if (eat("(")) {
      const auto* f = std::find(std::begin(kFunctions), std::end(kFunctions), name);
      if (f == std::end(kFunctions)) fail(start, "unknown function " + name + " (log exp sqrt abs ceil floor min max)");
      const auto id = static_cast<std::size_t>(f - std::begin(kFunctions));
      Nest nest(*this);
      std::vector<int> args{logical()};
      while (eat(",")) args.push_back(logical());
      if (!eat(")")) fail(start, "missing ')' after the arguments of " + name);
      if (id < 6 && args.size() != 1) fail(start, name + " takes one argument");
      return add(Op::kCall, std::move(args), 0.0, id);
    }
    if (name == "inf") return add(Op::kNumber, {}, INFINITY);
    auto it = std::find(e_.names_.begin(), e_.names_.end(), name);
    if (it == e_.names_.end()) {
      e_.names_.push_back(name);
      it = e_.names_.end() - 1;
    }
    return add(Op::kName, {}, 0.0, static_cast<std::size_t>(it - e_.names_.begin()));
  }
};

Expression parse_expression(const std::string& text, const std::string& what) {
  Expression e;
  Parser(text, what, e).run();
  return e;
}

double Expression::eval(const std::vector<double>& values) const {
  if (values.size() != names_.size()) throw std::logic_error("Expression::eval: one value per name expected");
  if (root_ < 0) return NAN;
  return eval_node(root_, values, 0);
}

double Expression::eval(const std::function<double(const std::string&)>& lookup) const {
  std::vector<double> values;
  values.reserve(names_.size());
  for (const auto& n : names_) values.push_back(lookup(n));
  return eval(values);
}

double Expression::eval_node(int node, const std::vector<double>& v, int depth) const {
  // A tree has fewer levels than its text has characters (kMaxLength); chains like 1+1+…+1 are
  // left-deep, so the recursion depth is bounded by the length, not by kMaxDepth.
  if (depth > static_cast<int>(kMaxLength)) return NAN;
  const Node& n = nodes_[static_cast<std::size_t>(node)];
  auto kid = [&](std::size_t i) { return eval_node(n.kids[i], v, depth + 1); };
  switch (n.op) {
    case Op::kNumber: return n.value;
    case Op::kName: return v[n.index];
    case Op::kNeg: return -kid(0);
    case Op::kAdd: return kid(0) + kid(1);
    case Op::kSub: return kid(0) - kid(1);
    case Op::kMul: return kid(0) * kid(1);
    case Op::kDiv: return kid(0) / kid(1);
    case Op::kPow: return std::pow(kid(0), kid(1));
    case Op::kLt: return kid(0) < kid(1) ? 1 : 0;
    case Op::kLe: return kid(0) <= kid(1) ? 1 : 0;
    case Op::kGt: return kid(0) > kid(1) ? 1 : 0;
    case Op::kGe: return kid(0) >= kid(1) ? 1 : 0;
    case Op::kEq: return kid(0) == kid(1) ? 1 : 0;
    case Op::kAnd: {
      const double a = kid(0), b = kid(1);
      return (a != 0 && b != 0) ? 1 : 0;
    }
    case Op::kOr: {
      const double a = kid(0), b = kid(1);
      return (a != 0 || b != 0) ? 1 : 0;
    }
    case Op::kCall: {
      std::vector<double> a;
      for (std::size_t i = 0; i < n.kids.size(); ++i) a.push_back(kid(i));
      switch (n.index) {
        case 0: return std::log(a[0]);
        case 1: return std::exp(a[0]);
        case 2: return std::sqrt(a[0]);
        case 3: return std::fabs(a[0]);
        case 4: return std::ceil(a[0]);
        case 5: return std::floor(a[0]);
        case 6: return *std::min_element(a.begin(), a.end());
        default: return *std::max_element(a.begin(), a.end());
      }
    }
  }
  return NAN;
}

std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates) {
  Schema names;
  for (const auto& c : candidates) names.fields.push_back(string_field(c, "", ""));
  return names.nearest(name);
}

void Expression::require_names(const std::function<bool(const std::string&)>& known,
                               const std::vector<std::string>& candidates,
                               const std::string& what) const {
  for (const auto& n : names_) {
    if (known(n)) continue;
    const std::string near = nearest_name(n, candidates);
    throw ConfigError(what + " = \"" + text_ + "\": unknown name " + n +
                      (near.empty() ? "" : " (did you mean " + near + "?)") +
                      "; names: constants, options (problem.d or d), sweep keys, T_eps, T.<bound id>");
  }
}

}  // namespace sgdcheck::analysis
