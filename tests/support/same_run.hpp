#pragma once
// Test support: two run results that must be the same run (determinism, fused against step-by-step
// forms): every field, doubles compared bit for bit.
#include <catch2/catch.hpp>

#include "core/trace.hpp"
#include "support/same_bits.hpp"

namespace sgdcheck::test {

inline void require_same_run(const RunResult& a, const RunResult& b) {
  REQUIRE(a.termination == b.termination);
  REQUIRE(a.message == b.message);
  REQUIRE(a.iterations == b.iterations);
  REQUIRE(a.scalars.size() == b.scalars.size());
  for (std::size_t k = 0; k < a.scalars.size(); ++k) {
    REQUIRE(a.scalars[k].first == b.scalars[k].first);
    REQUIRE(same_bits(a.scalars[k].second, b.scalars[k].second));
  }
  REQUIRE(a.trace.metrics == b.trace.metrics);
  REQUIRE(a.trace.points.size() == b.trace.points.size());
  for (std::size_t k = 0; k < a.trace.points.size(); ++k) {
    REQUIRE(a.trace.points[k].iter == b.trace.points[k].iter);
    REQUIRE(a.trace.points[k].samples == b.trace.points[k].samples);
    REQUIRE(a.trace.points[k].rounds == b.trace.points[k].rounds);
    REQUIRE(same_bits(a.trace.points[k].vtime, b.trace.points[k].vtime));
  }
  REQUIRE(a.trace.values.size() == b.trace.values.size());
  for (std::size_t k = 0; k < a.trace.values.size(); ++k) {
    INFO("value " << k << ": " << a.trace.values[k] << " vs " << b.trace.values[k]);
    REQUIRE(same_bits(a.trace.values[k], b.trace.values[k]));
  }
}

}  // namespace sgdcheck::test
