#pragma once
// Shared helpers of the problems tests: build a family from key/value text, finite differences,
// temporary files.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <string>

#include "core/params.hpp"
#include "problems/registry.hpp"

namespace sgdcheck::problems::test {

/// Builds `family` from {key: text} (a text "[1, 2]" is a list), as the config reader would,
/// with every value located at "exp.yaml:7".
inline std::unique_ptr<Problem> build(const std::string& family,
                                      const std::map<std::string, std::string>& kv,
                                      const BuildContext& ctx = {}) {
  const ProblemFamily* f = find_problem_family(family);
  REQUIRE(f != nullptr);
  RawParams raw;
  for (const auto& [k, v] : kv) {
    RawValue r;
    r.loc = SourceLoc{"exp.yaml", 7};
    if (!v.empty() && v.front() == '[') {
      r.is_list = true;
      std::string body = v.substr(1, v.size() - 2), item;
      for (char c : body + ",") {
        if (c == ',') {
          if (!item.empty()) r.list.push_back(item);
          item.clear();
        } else if (c != ' ') {
          item += c;
        }
      }
    } else {
      r.scalar = v;
    }
    raw[k] = r;
  }
  const Params p = validate(f->schema, raw, "problem");
  return f->build(p, ctx);
}

/// Largest |central difference − g_i| / max(1, |g_i|) over coordinates, step cbrt(eps)·max(1,|x_i|).
inline double gradient_check_error(const Problem& p, const Vec& x) {
  Vec g(p.dim());
  p.gradient(x, g);
  const double h0 = std::cbrt(std::numeric_limits<double>::epsilon());
  double worst = 0.0;
  Vec xp = x;
  for (Index i = 0; i < p.dim(); ++i) {
    const double h = h0 * std::max(1.0, std::abs(x[i]));
    xp[i] = x[i] + h;
    const double fp = p.value(xp);
    xp[i] = x[i] - h;
    const double fm = p.value(xp);
    xp[i] = x[i];
    const double fd = (fp - fm) / (2.0 * h);
    worst = std::max(worst, std::abs(fd - g[i]) / std::max(1.0, std::abs(g[i])));
  }
  return worst;
}

/// A file under the test temp directory with the given content; returns its path.
inline std::filesystem::path temp_file(const std::string& name, const std::string& content) {
  const auto dir = std::filesystem::temp_directory_path() / "sgdcheck_problems_tests";
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path) << content;
  return path;
}

}  // namespace sgdcheck::problems::test
