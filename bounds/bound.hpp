#pragma once
/// \file Metadata shared by all bounds. Bounds are pure functions of small params structs: no I/O, no
/// RNG, no runner or problem types. Each carries where it comes from and what kind of claim it is.
#include <optional>
#include <stdexcept>
#include <string>

namespace sgdcheck::bounds {

/// Where a formula comes from. Never present a derived constant as the paper's.
enum class Label {
  kPaperStated,  ///< as printed in the paper (abstract or a verified theorem)
  kLiterature,   ///< a known result of the wider literature (cited), not the paper under test
  kDerived,      ///< standard analysis / our algebra; constants are ours, steps in the comment
  kChecked,      ///< derived and confirmed numerically (enumeration or Monte Carlo)
  kUnverified,   ///< plausible, not checked against the paper: never gate CI on it
};
std::string to_string(Label l);

/// What the value promises about the expected metric.
enum class Guarantee {
  kUpper,  ///< E[metric] <= value
  kExact,  ///< E[metric] == value (an exact oracle)
  kLower,  ///< E[metric] >= value
  kPrediction,  ///< a predicted value or rate shape (speedup, step guideline, Õ iteration count): no inequality
};
std::string to_string(Guarantee g);

/// Static description of a bound or oracle.
struct BoundInfo {
  std::string id;         ///< e.g. "sgd.strongly_convex.dist2"
  std::string title;      ///< legend text, e.g. "SGD strongly convex bound"
  std::string reference;  ///< paper, theorem, equation
  Label label = Label::kDerived;
  Guarantee guarantee = Guarantee::kUpper;
  std::string metric;  ///< which recorded metric it is about: dist2, subopt, grad2, …
  /// Problem regime(s) it is valid in and which constants must be exact or may be bounds, in words
  /// ("strongly convex, L-smooth (L upper, mu lower bound)"); shown by `sgdcheck list bounds`.
  /// Empty: list bounds infers it from the id (strongly_convex / convex / nonconvex / oracle).
  std::string regime = {};
};

/// `info` under another id and metric (and title, unless empty): how the papers publish one library
/// bound under several names.
BoundInfo with_id(BoundInfo info, std::string id, std::string metric, std::string title = "");

/// Thrown when a bound is evaluated although a hypothesis fails (call `hypotheses_violated` first).
class HypothesisViolated : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

}  // namespace sgdcheck::bounds
