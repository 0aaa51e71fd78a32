// Cell checkpoints (format 2, binary): write → read round-trips bit for bit, and hostile files with a
// correct checksum but impossible counts are refused without allocating what they ask for.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "../config/temp_files.hpp"
#include "pipeline/checkpoint.hpp"
#include "support/same_bits.hpp"

using namespace sgdcheck;
using namespace sgdcheck::pipeline;
using sgdcheck::test::TempDir;

using sgdcheck::test::same_bits;

namespace {

CellResult small_cell() {
  CellResult c;
  MetricSeries s;
  s.points = {Point{0, 0, 0, 0.0}, Point{3, 24, 1, 3.0}, Point{9, 72, 2, 9.5}};
  s.n = {2, 2, 1};
  s.mean = {1.0, INFINITY, 0.1 + 0.2};
  s.sd = {0.0, INFINITY, 0.0};
  s.se = {0.0, INFINITY, 0.0};
  s.min = {1.0, 0.5, 0.1 + 0.2};
  s.max = {1.0, INFINITY, 0.1 + 0.2};
  s.values = {{1.0, 0.5, NAN}, {1.0, INFINITY, 0.1 + 0.2}};
  s.seeds = {7, 7};
  c.metrics["dist2"] = s;
  c.runs = {{7, 0, "converged", "dist2 <= 0.6 at iteration 3", 3}, {7, 1, "diverged", "iterate diverged at 5", 5}};
  c.run_scalars = {{{"iterations", 3.0}}, {{"iterations", 5.0}, {"iterations_to_target", INFINITY}}};
  c.scalars["iterations"] = SummaryStats{2, 4.0, std::sqrt(2.0), 1.0, 3.0, 5.0};
  return c;
}


/// FNV-1a 64 (the published constants), computed here independently of the writer.
std::uint64_t fnv(const std::string& s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

template <class T>
void put(std::string& b, T v) {
  b.append(reinterpret_cast<const char*>(&v), sizeof v);
}

}  // namespace

TEST_CASE("a checkpoint reads back every number bit for bit, NaN and infinities included", "[pipeline]") {
  TempDir dir;
  const CellResult a = small_cell();
  const auto file = dir.path() / checkpoint_file_name(0, "the key");
  write_checkpoint(file, "the key", a, {0.25, 0.5});
  CellResult b;
  std::vector<double> wall;
  REQUIRE(read_checkpoint(file, "the key", 2, b, wall));
  REQUIRE(wall == std::vector<double>{0.25, 0.5});
  const auto& sa = a.metrics.at("dist2");
  const auto& sb = b.metrics.at("dist2");
  REQUIRE(sb.points.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    REQUIRE(sb.points[k].iter == sa.points[k].iter);
    REQUIRE(sb.points[k].samples == sa.points[k].samples);
    REQUIRE(sb.points[k].rounds == sa.points[k].rounds);
    REQUIRE(same_bits(sb.points[k].vtime, sa.points[k].vtime));
    REQUIRE(same_bits(sb.mean[k], sa.mean[k]));
    REQUIRE(same_bits(sb.sd[k], sa.sd[k]));
    REQUIRE(same_bits(sb.max[k], sa.max[k]));
    for (std::size_t r = 0; r < 2; ++r) REQUIRE(same_bits(sb.values[r][k], sa.values[r][k]));
  }
  REQUIRE(sb.n == sa.n);
  REQUIRE(sb.seeds == sa.seeds);
  REQUIRE(b.runs.size() == 2);
  REQUIRE(b.runs[1].message == "iterate diverged at 5");
  REQUIRE(b.runs[0].termination == "converged");
  REQUIRE(b.run_scalars == a.run_scalars);
  REQUIRE(b.scalars.at("iterations").n == 2);
  REQUIRE(same_bits(b.scalars.at("iterations").sd, std::sqrt(2.0)));
  // Another key, another number of seeds, or one byte less: refused, and `b` is left as it was.
  CellResult untouched;
  REQUIRE_FALSE(read_checkpoint(file, "other key", 2, untouched, wall));
  REQUIRE_FALSE(read_checkpoint(file, "the key", 3, untouched, wall));
  const std::string bytes = sgdcheck::test::read_text(file);
  std::ofstream(file, std::ios::trunc | std::ios::binary) << bytes.substr(0, bytes.size() - 1);
  REQUIRE_FALSE(read_checkpoint(file, "the key", 2, untouched, wall));
  REQUIRE(untouched.metrics.empty());
}

TEST_CASE("a forged checkpoint with a valid checksum and a huge count is refused", "[pipeline]") {
  TempDir dir;
  std::string b = "SGDCKPT2";
  const std::string key = "k";
  put<std::uint64_t>(b, key.size());
  b += key;
  put<std::uint64_t>(b, 1);  // one metric
  put<std::uint64_t>(b, 5);
  b += "dist2";
  put<std::uint64_t>(b, std::uint64_t{1} << 60);  // 2^60 points
  for (int i = 0; i < 4; ++i) put<std::uint64_t>(b, 0);
  put<std::uint64_t>(b, fnv(b));
  const auto file = dir.path() / "forged.ckpt";
  std::ofstream(file, std::ios::binary) << b;
  CellResult c;
  std::vector<double> wall;
  REQUIRE_FALSE(read_checkpoint(file, "k", 1, c, wall));
  // The same file with its last byte changed fails the checksum already.
  b.back() = static_cast<char>(b.back() ^ 1);
  std::ofstream(file, std::ios::trunc | std::ios::binary) << b;
  REQUIRE_FALSE(read_checkpoint(file, "k", 1, c, wall));
}
