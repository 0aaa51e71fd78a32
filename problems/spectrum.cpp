#include "problems/spectrum.hpp"

#include <cmath>
#include <stdexcept>

namespace sgdcheck::problems {

SpectrumKind parse_spectrum_kind(const std::string& name) {
  if (name == "identity") return SpectrumKind::kIdentity;
  if (name == "geometric") return SpectrumKind::kGeometric;
  if (name == "linear") return SpectrumKind::kLinear;
  throw std::logic_error("parse_spectrum_kind: unknown kind '" + name + "'");
}

std::string to_string(SpectrumKind kind) {
  switch (kind) {
    case SpectrumKind::kIdentity: return "identity";
    case SpectrumKind::kGeometric: return "geometric";
    case SpectrumKind::kLinear: return "linear";
  }
  return "?";
}

Vec make_spectrum(SpectrumKind kind, Index d, double cond, double scale) {
  if (d < 1 || !(cond >= 1.0) || !(scale > 0.0)) throw std::logic_error("make_spectrum: need d >= 1, cond >= 1, scale > 0");
  Vec h(d);
  for (Index k = 0; k < d; ++k) {
    const double t = d == 1 ? 0.0 : static_cast<double>(k) / static_cast<double>(d - 1);
    switch (kind) {
      case SpectrumKind::kIdentity: h[k] = scale; break;
      case SpectrumKind::kGeometric: h[k] = scale * std::pow(cond, -t); break;
      case SpectrumKind::kLinear: h[k] = scale * (1.0 - (1.0 - 1.0 / cond) * t); break;
    }
  }
  return h;
}

}  // namespace sgdcheck::problems
