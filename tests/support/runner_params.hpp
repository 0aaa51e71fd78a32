#pragma once
// Test support: validated options of a runner kind, as the experiment reader would produce them.
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "runners/runner.hpp"
#include "support/raw_params.hpp"

namespace sgdcheck::test {

/// The options `kv` of runner `kind`, validated against its schema (defaults filled in). With a
/// `file`, errors name file:line as for an experiment file.
inline Params runner_params(const std::string& kind, const std::vector<std::pair<std::string, std::string>>& kv,
                            const std::string& file = "") {
  const auto* k = runners::find_runner_kind(kind);
  REQUIRE(k != nullptr);
  return validate(k->schema, raw_params(kv, file), "runner");
}

}  // namespace sgdcheck::test
