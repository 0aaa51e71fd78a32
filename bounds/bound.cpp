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

BoundInfo with_id(BoundInfo info, std::string id, std::string metric, std::string title) {
  info.id = std::move(id);
  info.metric = std::move(metric);
  if (!title.empty()) info.title = std::move(title);
  return info;
}

}  // namespace sgdcheck::bounds
