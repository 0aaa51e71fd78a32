// manifest.json and cells.csv of a problem read from a data file: the file's true n and d (not the
// generator defaults 1000 and 20), typed option values, and the SHA-256 of the file as coreutils
// sha256sum computes it.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_runner.hpp"

using sgdcheck::test::read_text;
using sgdcheck::test::run_cli;
using sgdcheck::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string coreutils_sha256(const std::string& path) {
  FILE* p = popen(("sha256sum '" + path + "'").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[65] = {};
  const std::size_t got = std::fread(buf, 1, 64, p);
  pclose(p);
  REQUIRE(got == 64);
  return std::string(buf, 64);
}

}  // namespace

TEST_CASE("a data-file problem records the file's n, d and SHA-256 with typed option values", "[cli]") {
  TempDir dir;
  std::ostringstream csv;
  csv << "a,b,c,label\n";
  for (int i = 0; i < 30; ++i) csv << (i % 7) - 3 << "," << (i * 5) % 11 - 5 << "," << (i % 4) * 0.5 << "," << i % 5 << "\n";
  const std::string data = dir.write("d.csv", csv.str());
  const std::string exp = dir.write(
      "e.yaml",
      "name: datafile\nseed: 3\nseeds: 4\n"
      "problem: {family: least_squares, data: {file: d.csv, format: csv}}\n"
      "runner: {kind: minibatch_sgd, iterations: 50, batch: 2, step: {rule: critical, scale: 0.25, m: grad}}\n");
  const auto o = run_cli("run '" + exp + "' --no-plots --out '" + (dir.path() / "out").string() + "'", dir);
  INFO(o.err);
  REQUIRE(o.code == 0);
  const fs::path res = dir.path() / "out" / "datafile";

  const auto m = nlohmann::json::parse(read_text(res / "manifest.json"));
  const auto& prob = m["resolved_cells"][0]["problem"];
  REQUIRE(prob["n"] == 30);  // rows of the file
  REQUIRE(prob["d"] == 3);   // columns minus the label
  REQUIRE(prob["n"].is_number_integer());
  REQUIRE(prob["spectrum.cond"].is_number_float());
  REQUIRE(prob["data.file"] == "d.csv");
  REQUIRE(m["resolved_cells"][0]["runner"]["iterations"] == 50);
  REQUIRE(m["resolved_cells"][0]["runner"]["running_metrics"].is_boolean());
  REQUIRE(m["data_files"].size() == 1);
  REQUIRE(m["data_files"][0]["sha256"] == coreutils_sha256(data));
  REQUIRE(m["data_files"][0]["bytes"] == fs::file_size(data));
  REQUIRE(m["resolved_cells"][0]["data"]["sha256"] == m["data_files"][0]["sha256"]);

  // cells.csv: the same n and d.
  std::istringstream cells(read_text(res / "cells.csv"));
  std::string header, row;
  std::getline(cells, header);
  std::getline(cells, row);
  auto field = [&](const std::string& name) {
    std::vector<std::string> h, r;
    std::string t;
    for (std::istringstream hs(header); std::getline(hs, t, ',');) h.push_back(t);
    for (std::istringstream rs(row); std::getline(rs, t, ',');) r.push_back(t);
    for (std::size_t i = 0; i < h.size(); ++i)
      if (h[i] == name) return r.at(i);
    FAIL("no column " << name);
    return std::string();
  };
  REQUIRE(field("problem.n") == "30");
  REQUIRE(field("problem.d") == "3");

  // A generated problem keeps its generator options and has no data_files.
  const std::string gen = dir.write(
      "g.yaml",
      "name: generated\nseed: 3\nseeds: 4\nproblem: {family: least_squares, n: 40, d: 5}\n"
      "runner: {kind: minibatch_sgd, iterations: 20, batch: 2, step: {rule: critical, scale: 0.25, m: grad}}\n");
  REQUIRE(run_cli("run '" + gen + "' --no-plots --out '" + (dir.path() / "out").string() + "'", dir).code == 0);
  const auto g = nlohmann::json::parse(read_text(dir.path() / "out" / "generated" / "manifest.json"));
  REQUIRE(g["resolved_cells"][0]["problem"]["n"] == 40);
  REQUIRE(g["data_files"].empty());
  REQUIRE_FALSE(g["resolved_cells"][0].contains("data"));
}
