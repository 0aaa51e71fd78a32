#include "bounds/bound.hpp"

namespace sgdcheck::bounds {

std::string to_string(Label l) {
  switch (l) {
    case Label::kPaperStated: return "paper-stated";
    case Label::kLiterature: return "literature";
    case Label::kDerived: return "derived";
    case Label::kChecked: return "checked";
    case Label::kUnverified: return "unverified";
  }
  return "unknown";
}

std::string to_string(Guarantee g) {
  switch (g) {
    case Guarantee::kUpper: return "upper";
    case Guarantee::kExact: return "exact";
    case Guarantee::kLower: return "lower";
    case Guarantee::kPrediction: return "prediction";
  }
  return "unknown";
}

}  // namespace sgdcheck::bounds
