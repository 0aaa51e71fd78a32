#pragma once
// A tiny, fast experiment (least squares n = 40, d = 4, 200 iterations, 2 cells × 100 seeds) as YAML text with named
// substitution points, and a helper that finds the 1-based line of a snippet, so tests state the
// expected line from the text they wrote instead of counting by hand.
#include <catch2/catch.hpp>
#include <cstddef>
#include <map>
#include <string>

namespace sgdcheck::pipeline::test {

/// Repetitions per cell of the tiny experiment: enough that mean + 3 SE stays below the strongly
/// convex bound at the first iterations, where the bound is within 1% of the mean.
constexpr std::size_t kTinySeeds = 100;

/// `overrides` replaces whole lines: key = the default line's text (e.g. "  d: 4"), value = new text
/// (may hold several lines, or be empty to drop the line).
inline std::string tiny_experiment(const std::map<std::string, std::string>& overrides = {}) {
  const char* lines[] = {
      "name: tiny",
      "seed: 3",
      "seeds: 100",
      "problem:",
      "  family: least_squares",
      "  n: 40",
      "  d: 4",
      "  spectrum: {kind: geometric, cond: 4}",
      "  noise: 0.1",
      "runner:",
      "  kind: minibatch_sgd",
      "  iterations: 200",
      "  step: {rule: critical, scale: 0.25, m: grad}",
      "sweep:",
      "  batch: [1, 4]",
      "bounds: [sgd.strongly_convex.dist2]",
      "checks:",
      "  - bound_holds: {bound: sgd.strongly_convex.dist2}",
  };
  std::string out;
  for (const char* l : lines) {
    auto it = overrides.find(l);
    if (it == overrides.end()) {
      out += std::string(l) + "\n";
    } else if (!it->second.empty()) {
      out += it->second + "\n";
    }
  }
  for (const auto& [k, v] : overrides)
    if (k.rfind("+", 0) == 0) out += v + "\n";  // "+name" entries append lines at the end
  return out;
}

/// 1-based number of the first line of `text` that contains `snippet`.
inline int line_of(const std::string& text, const std::string& snippet) {
  const auto pos = text.find(snippet);
  REQUIRE(pos != std::string::npos);
  int line = 1;
  for (std::size_t i = 0; i < pos; ++i) line += text[i] == '\n';
  return line;
}

/// "file:line:" of the first line of `text` that contains `snippet`: how a one-line error names it.
inline std::string at(const std::string& file, const std::string& text, const std::string& snippet) {
  return file + ":" + std::to_string(line_of(text, snippet)) + ":";
}

}  // namespace sgdcheck::pipeline::test
