#pragma once
/// \file Seeded synthetic data for the finite-sum families.
///
/// **Design.** Row i of the random structure is a_ij = √(h_j / p) · m_ij · z_ij with z_ij ~ N(0,1),
/// m_ij ~ Bernoulli(p) (the row density) and h = make_spectrum(kind, d, cond, scale), so the population
/// covariance is E[aaᵀ] = diag(h) at every density: eigenvalues between scale/cond and scale. All draws
/// come from make_stream(seed, 0, StreamPurpose::kProblemData) in a fixed order (design, w*, labels), so
/// one seed gives the same data on every machine. Special structures (Stich et al. 2021 §3.2):
/// - identical_rows: every row equals one random row a (M = 0 when realizable);
/// - orthogonal_rows: n ≤ d rows on disjoint contiguous column blocks, ‖a_i‖² = n·h_i with h the
///   spectrum over n values, so AᵀA/n has eigenvalues h_i on its range (equal norms for the identity
///   spectrum) and M_grad = M_curv = n − 1; density is not used;
/// - collinear_rows: a_i = c_i·a with c_i ~ N(0,1), M_grad = mean c⁴/(mean c²)² − 1.
#include <cstdint>
#include <string>

#include "problems/dataset.hpp"
#include "problems/spectrum.hpp"

namespace sgdcheck::problems {

enum class Structure { kRandom, kIdenticalRows, kOrthogonalRows, kCollinearRows };
/// "random" | "identical_rows" | "orthogonal_rows" | "collinear_rows".
Structure parse_structure(const std::string& name);
std::string to_string(Structure s);

/// Storage of generated rows: auto picks sparse when at most a quarter of the entries are nonzero.
enum class Storage { kAuto, kDense, kSparse };
Storage parse_storage(const std::string& name);

/// Everything that determines a generated design matrix.
struct DesignOptions {
  Index n = 1000;  ///< samples, ≥ 1 (orthogonal_rows: n ≤ d)
  Index d = 20;    ///< features, ≥ 1
  std::uint64_t seed = 0;
  SpectrumKind spectrum = SpectrumKind::kIdentity;
  double cond = 1.0;   ///< condition number of diag(h), ≥ 1
  double scale = 1.0;  ///< largest eigenvalue of diag(h), > 0
  double density = 1.0;  ///< Bernoulli mask probability p ∈ (0, 1]
  Structure structure = Structure::kRandom;
  Storage storage = Storage::kAuto;
};

/// A generated data set with the parameter that produced its labels.
struct GeneratedData {
  Dataset data;
  Vec w_star;  ///< planted parameter (least squares: y = Aw* + noise; logistic: P(y=1|a) = σ(aᵀw*))
};

/// Least squares: y_i = a_iᵀw* + noise·ε_i, ε_i ~ N(0,1), w* ~ N(0, I_d/d) (so ‖w*‖ ≈ 1).
GeneratedData generate_least_squares(const DesignOptions& o, double noise);

/// Logistic: w* = signal·u with u uniform on the unit sphere, y_i = +1 with probability σ(a_iᵀw*) and −1
/// otherwise. Labels drawn from the model (not sign(aᵀw*)) make the data non-separable with high
/// probability once n ≫ d, so a finite minimiser exists also for λ = 0 (the problem checks it by Newton).
GeneratedData generate_logistic(const DesignOptions& o, double signal);

}  // namespace sgdcheck::problems
