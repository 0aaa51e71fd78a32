#pragma once
/// \file The configured starting point x₀ of a problem (`init.kind`, `init.radius`).
#include <cstdint>
#include <string>

#include "core/types.hpp"

namespace sgdcheck::problems {

enum class InitKind {
  kZeros,           ///< x₀ = 0 (radius unused)
  kGaussian,        ///< x₀ = center + radius·u, u uniform on the unit sphere (stream kInitialPoint of seed)
  kTopEigenvector,  ///< x₀ = center + radius·v, v the top eigenvector of the curvature (largest λ of AᵀA/n or H)
  kWorstCase,       ///< x₀ = center + radius·e, e the worst-case direction of M_grad (least squares only)
};

/// "zeros" | "gaussian" | "top_eigenvector" | "worst_case".
InitKind parse_init_kind(const std::string& name);

/// Starting-point options; `center` is x* for convex problems and 0 for the nonconvex family.
struct InitOptions {
  InitKind kind = InitKind::kGaussian;
  double radius = 1.0;     ///< ‖x₀ − center‖ for every kind except zeros
  std::uint64_t seed = 0;  ///< problem instance seed
};

/// x₀ for `o`: `direction` is the unit vector used by kTopEigenvector / kWorstCase (ignored otherwise).
Vec make_initial_point(const InitOptions& o, const Vec& center, const Vec& direction);

}  // namespace sgdcheck::problems
