// pipeline/outputs: the staging protocol (lock, stable staging folder, atomic commit).
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "../config/temp_files.hpp"
#include "core/errors.hpp"
#include "core/text_file.hpp"
#include "pipeline/outputs.hpp"

using Catch::Matchers::Contains;
using sgdcheck::pipeline::StagingDir;
using sgdcheck::test::read_text;
using sgdcheck::test::TempDir;
namespace fs = std::filesystem;

TEST_CASE("committing over old results swaps them in one step and leaves no backup or staging", "[pipeline]") {
  TempDir dir;
  const auto out = dir.path() / "res";
  dir.write("res/exp/manifest.json", "old\n");
  {
    auto st = StagingDir::acquire(out, "exp");
    REQUIRE(st.path() == out / ".exp.partial");
    REQUIRE(sgdcheck::pipeline::find_staging(out, "exp") == st.path());
    sgdcheck::write_text_file(st.path() / "manifest.json", "new\n");
    REQUIRE(read_text(out / "exp" / "manifest.json") == "old\n");  // untouched until commit
    REQUIRE(st.commit() == out / "exp");
  }
  REQUIRE(read_text(out / "exp" / "manifest.json") == "new\n");
  REQUIRE_FALSE(fs::exists(out / ".exp.partial"));
  REQUIRE_FALSE(fs::exists(out / ".exp.old"));
  REQUIRE_FALSE(sgdcheck::pipeline::find_staging(out, "exp").has_value());
}

TEST_CASE("a second acquire of the same name while the first holds the lock is refused", "[pipeline]") {
  TempDir dir;
  const auto out = dir.path() / "res";
  auto first = StagingDir::acquire(out, "exp");
  REQUIRE_THROWS_WITH(StagingDir::acquire(out, "exp"), Contains("another sgdcheck run"));
  auto other = StagingDir::acquire(out, "other");  // other names are independent
  REQUIRE(fs::is_directory(other.path()));
}

TEST_CASE("acquire keeps an earlier staging folder for resume only when asked", "[pipeline]") {
  TempDir dir;
  const auto out = dir.path() / "res";
  dir.write("res/.exp.partial/cell-0.ckpt", "done\n");
  { auto st = StagingDir::acquire(out, "exp", /*keep_existing=*/true);
    REQUIRE(read_text(st.path() / "cell-0.ckpt") == "done\n"); }
  { auto st = StagingDir::acquire(out, "exp");
    REQUIRE_FALSE(fs::exists(st.path() / "cell-0.ckpt")); }
}

TEST_CASE("a file appearing at OUT/<name> before commit is an error and both survive", "[pipeline]") {
  TempDir dir;
  const auto out = dir.path() / "res";
  auto st = StagingDir::acquire(out, "exp");
  sgdcheck::write_text_file(st.path() / "manifest.json", "new\n");
  dir.write("res/exp", "precious\n");
  REQUIRE_THROWS_AS(st.commit(), sgdcheck::UsageError);
  REQUIRE(read_text(out / "exp") == "precious\n");
  REQUIRE(read_text(st.path() / "manifest.json") == "new\n");
}

TEST_CASE("check_output_target needs --force over complete results and refuses foreign directories", "[pipeline]") {
  TempDir dir;
  const auto out = dir.path() / "res";
  sgdcheck::pipeline::check_output_target(out, "exp", false);  // nothing there: fine
  dir.write("res/exp/manifest.json", "{}\n");
  REQUIRE_THROWS_WITH(sgdcheck::pipeline::check_output_target(out, "exp", false), Contains("--force"));
  sgdcheck::pipeline::check_output_target(out, "exp", true);
  dir.write("res/mine/notes.txt", "user data\n");
  REQUIRE_THROWS_WITH(sgdcheck::pipeline::check_output_target(out, "mine", true), Contains("never replaced"));
  REQUIRE(read_text(out / "mine" / "notes.txt") == "user data\n");
}
