#include "problems/initial_point.hpp"

#include <stdexcept>

#include "core/rng.hpp"

namespace sgdcheck::problems {

InitKind parse_init_kind(const std::string& name) {
  if (name == "zeros") return InitKind::kZeros;
  if (name == "gaussian") return InitKind::kGaussian;
  if (name == "top_eigenvector") return InitKind::kTopEigenvector;
  if (name == "worst_case") return InitKind::kWorstCase;
  throw std::logic_error("parse_init_kind: unknown kind '" + name + "'");
}

Vec make_initial_point(const InitOptions& o, const Vec& center, const Vec& direction) {
  const Index d = center.size();
  switch (o.kind) {
    case InitKind::kZeros: return Vec::Zero(d);
    case InitKind::kGaussian: {
      Rng rng = make_stream(o.seed, 0, StreamPurpose::kInitialPoint);
      Vec u(d);
      for (Index j = 0; j < d; ++j) u[j] = rng.normal();
      return center + (o.radius / u.norm()) * u;
    }
    case InitKind::kTopEigenvector:
    case InitKind::kWorstCase:
      if (direction.size() != d || !(direction.norm() > 0.0))
        throw std::logic_error("make_initial_point: no direction for this init kind");
      return center + (o.radius / direction.norm()) * direction;
  }
  return Vec::Zero(d);
}

}  // namespace sgdcheck::problems
