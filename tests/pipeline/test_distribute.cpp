// Work items run elsewhere (shards, MPI ranks): blocks encoded, decoded and merged in block order give the
// same tables as one execution; shard files and item bytes are untrusted input (refused, never a crash).
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "../config/temp_files.hpp"
#include "core/csv.hpp"
#include "core/errors.hpp"
#include "experiment_text.hpp"
#include "pipeline/distribute.hpp"
#include "pipeline/execute.hpp"
#include "pipeline/plan.hpp"
#include "pipeline/shard.hpp"

using namespace sgdcheck;
using namespace sgdcheck::pipeline;
using namespace sgdcheck::pipeline::test;
using sgdcheck::test::read_text;
using sgdcheck::test::TempDir;
namespace fs = std::filesystem;

namespace {

/// The tables of one execution, written to `dir` (results.csv holds every per-run value: traces).
void write_tables(const Execution& ex, const fs::path& dir) {
  fs::create_directories(dir);
  ex.results.write(dir);
}

void require_same_tables(const fs::path& a, const fs::path& b) {
  for (const char* f : {"results.csv", "summary.csv", "runs.csv", "bounds.csv", "constants.csv", "tails.csv"}) {
    INFO(f);
    REQUIRE(fs::exists(a / f));
    REQUIRE(read_text(a / f) == read_text(b / f));
  }
}

/// Writes the N shards of `plan` into dir/<name>.shards.
void write_shards(const Plan& plan, std::size_t n, const fs::path& dir) {
  for (std::size_t i = 0; i < n; ++i) {
    ShardRunner runner(plan, {i, n});
    ExecuteOptions xo;
    xo.jobs = 2;
    xo.scheduler = &runner;
    const Execution ex = execute(plan, xo);
    REQUIRE_FALSE(ex.complete);
    runner.write(shard_file(dir, plan.experiment.name, {i, n}), config_fingerprint(plan, "test"));
  }
}

Execution merge(const Plan& plan, const std::vector<std::string>& args) {
  ShardMerger merger(read_shard_headers(args), "test");
  ExecuteOptions xo;
  xo.scheduler = &merger;
  return execute(plan, xo);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("3 shards merged give the same tables as one execution, and so do 30 shards of 26 items",
          "[pipeline][shard]") {
  // With traces every value travels per run; without, bound_holds' metric travels as streamed tail
  // moments and largest values (tails.csv), which must merge to the same bits too.
  const bool traces = GENERATE(true, false);
  INFO("traces " << traces);
  TempDir dir;
  Plan plan = make_plan(dir.write("exp.yaml", tiny_experiment()), {});
  plan.traces = traces;
  REQUIRE(plan.tail_metrics == std::set<std::string>{"dist2"});
  const Execution one = execute(plan, {1, {}});
  write_tables(one, dir.path() / "one");
  REQUIRE(read_csv(dir.path() / "one" / "tails.csv").rows.empty() == traces);
  // 2 cells x 100 seeds = 2 x 13 seed blocks; the last block of each cell has 4 reps.
  for (std::size_t n : {3, 30}) {
    const fs::path shards = dir.path() / std::to_string(n);
    write_shards(plan, n, shards);
    const Execution merged = merge(plan, {(shards / "tiny.shards").string()});
    REQUIRE(merged.complete);
    write_tables(merged, shards / "merged");
    require_same_tables(dir.path() / "one", shards / "merged");
  }
  // The comparison can fail: another seed gives other tables.
  Plan other = make_plan(dir.path() / "exp.yaml", {false, 4});
  other.traces = traces;
  write_tables(execute(other, {2, {}}), dir.path() / "other");
  REQUIRE(read_text(dir.path() / "one" / "summary.csv") != read_text(dir.path() / "other" / "summary.csv"));
}

TEST_CASE(
    "merge refuses a duplicate shard, a missing shard and a shard of another configuration, one line each",
    "[pipeline][shard]") {
  TempDir dir;
  const std::string file = dir.write("exp.yaml", tiny_experiment());
  const Plan plan = make_plan(file, {});
  write_shards(plan, 3, dir.path() / "a");
  const fs::path s = dir.path() / "a" / "tiny.shards";
  fs::create_directories(dir.path() / "dup");
  fs::copy_file(s / "shard-1-of-3.sgdshard", dir.path() / "dup" / "again.sgdshard");
  const std::string dup = error_of([&] { read_shard_headers({s.string(), (dir.path() / "dup").string()}); });
  CHECK_THAT(dup, Catch::Matchers::Contains("duplicate shard 1/3"));
  fs::remove(s / "shard-2-of-3.sgdshard");
  CHECK_THAT(error_of([&] { read_shard_headers({s.string()}); }),
             Catch::Matchers::Contains("1 of 3 shards missing: 2"));
  const Plan seeded = make_plan(file, {false, 9});
  write_shards(seeded, 3, dir.path() / "b");
  fs::copy_file(dir.path() / "b" / "tiny.shards" / "shard-2-of-3.sgdshard", s / "shard-2-of-3.sgdshard");
  CHECK_THAT(error_of([&] { read_shard_headers({s.string()}); }),
             Catch::Matchers::Contains("different configuration"));
  REQUIRE(config_fingerprint(plan, "x") != config_fingerprint(seeded, "x"));
  REQUIRE(config_fingerprint(plan, "x") == config_fingerprint(make_plan(file, {}), "x"));
  for (const std::string& e : {dup}) REQUIRE(e.find('\n') == std::string::npos);
  // The experiment file changed after the shards ran: the re-planned fingerprint differs.
  write_shards(plan, 2, dir.path() / "c");
  const std::string changed = dir.write("exp.yaml", tiny_experiment({{"  noise: 0.1", "  noise: 0.2"}}));
  const Plan replanned = make_plan(changed, {});
  CHECK_THAT(error_of([&] { merge(replanned, {(dir.path() / "c" / "tiny.shards").string()}); }),
             Catch::Matchers::Contains("configuration fingerprint"));
}

TEST_CASE("a truncated or corrupted shard file is bad input, never a crash", "[pipeline][shard]") {
  TempDir dir;
  const Plan plan = make_plan(dir.write("exp.yaml", tiny_experiment()), {});
  write_shards(plan, 1, dir.path());
  const fs::path f = dir.path() / "tiny.shards" / "shard-0-of-1.sgdshard";
  const std::string bytes = read_text(f);
  const fs::path bad = dir.path() / "bad.sgdshard";
  for (std::size_t len = 0; len < bytes.size(); len += 1 + len / 3) {
    std::ofstream(bad, std::ios::binary) << bytes.substr(0, len);
    INFO("length " << len);
    REQUIRE_THROWS_AS(read_shard_headers({bad.string()}), DataError);
  }
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x40;
  std::ofstream(bad, std::ios::binary) << flipped;
  REQUIRE_THAT(error_of([&] { read_shard_headers({bad.string()}); }), Catch::Matchers::Contains("checksum"));
}

namespace {

/// Runs items 0 and 1, encodes them, and feeds mutated copies of the bytes to decode_item.
class MutatingScheduler : public Scheduler {
 public:
  bool schedule(const WorkItems& items, int) override {
    for (std::size_t i = 0; i < 2; ++i) REQUIRE(items.run(i));
    const std::string good = encode_item(*items.plan, items, 1);
    // The good bytes decode back into the block they came from.
    REQUIRE(decode_item(*items.plan, items, good, "test") == 1);
    for (std::size_t p = 0; p < good.size(); ++p)
      for (unsigned char v : {0x00, 0x7f, 0xff}) {
        std::string b = good;
        if (static_cast<unsigned char>(b[p]) == v) continue;
        b[p] = static_cast<char>(v);
        try {
          const std::size_t j = decode_item(*items.plan, items, b, "test");
          CellResult c;
          items.block(j).finish(c);  // a block that decodes is safe to reduce
          ++decoded;
        } catch (const DataError&) {
          ++refused;
        }
      }
    for (std::size_t len = 0; len < good.size(); ++len)
      REQUIRE_THROWS_AS(decode_item(*items.plan, items, std::string_view(good).substr(0, len), "test"),
                        DataError);
    return false;
  }
  std::size_t decoded = 0, refused = 0;
};

}  // namespace

TEST_CASE("mutated work-item bytes are refused or decode to a block that reduces safely",
          "[pipeline][shard]") {
  TempDir dir;
  Plan plan =
      make_plan(dir.write("exp.yaml", tiny_experiment({{"  iterations: 200", "  iterations: 20"}})), {});
  plan.traces = GENERATE(true, false);  // per-run values, or tail moments and largest values
  MutatingScheduler s;
  ExecuteOptions xo;
  xo.scheduler = &s;
  execute(plan, xo);
  // Both happen: a flipped statistic decodes (values are data), a flipped count or rep is refused.
  REQUIRE(s.refused > 0);
  REQUIRE(s.decoded > 0);
}
