// JUnit XML and report.html from hand-made check outcomes: one testcase per check or per cell, the
// four states mapped as CI systems expect, and text from an experiment file escaped so it cannot
// break the document or inject markup.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "../config/temp_files.hpp"

#include "pipeline/junit.hpp"
#include "pipeline/report_html.hpp"

using Catch::Matchers::Contains;
using namespace sgdcheck::pipeline;

namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

CheckOutcome per_cell_check() {
  CheckOutcome o;
  o.check = "tightness";
  o.subject = "sgd.bound";
  o.status = CheckStatus::kFail;
  o.summary = "bound / mean <= 10";
  o.cells = {{"batch=1", CheckStatus::kPass, "ok — ratio 3", {{"ratio", 3.0}}},
             {"batch=8", CheckStatus::kFail, "FAIL — ratio 12 (max 10)", {{"ratio", 12.0}}},
             {"batch=64", CheckStatus::kSkipped, "not applicable (step too large)", {}}};
  return o;
}

}  // namespace

TEST_CASE("a per-cell check gives one testcase per cell with a failure only in the failing cell", "[pipeline]") {
  const std::string x = junit_xml({{"exp", {per_cell_check()}, 1.5, "2026-01-01T00:00:00Z"}});
  REQUIRE(count(x, "<testcase ") == 3);
  REQUIRE(count(x, "<failure ") == 1);
  REQUIRE(count(x, "<skipped ") == 1);
  REQUIRE_THAT(x, Contains("<testsuite name=\"exp\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""));
  REQUIRE_THAT(x, Contains("name=\"sgd.bound [batch=8]\""));
  REQUIRE_THAT(x, Contains("<failure message=\"batch=8: FAIL — ratio 12 (max 10)\""));
  REQUIRE_THAT(x, Contains("<testsuites name=\"sgdcheck\" tests=\"3\" failures=\"1\""));
}

TEST_CASE("a report-only check passes with its numbers as output and a skipped one says why", "[pipeline]") {
  CheckOutcome r;
  r.check = "fit_rate";
  r.subject = "T(b)";
  r.summary = "beta_hat = 42";
  r.values = {{"beta_hat", 42.0}};
  r.report("no limits given");
  CheckOutcome s;
  s.check = "bound_holds";
  s.subject = "sgd.other_bound";
  s.skip("the bound applies to no selected cell");
  CheckOutcome dup = s;  // the same kind and subject twice: names stay unique
  const std::string x = junit_xml({{"e", {r, s, dup}, 0.0, ""}});
  REQUIRE(count(x, "<testcase ") == 3);
  REQUIRE(count(x, "<failure") == 0);
  REQUIRE(count(x, "<skipped message=\"the bound applies to no selected cell\"/>") == 2);
  REQUIRE_THAT(x, Contains("beta_hat = 42"));
  REQUIRE_THAT(x, Contains("name=\"sgd.other_bound (#2)\""));
  REQUIRE_THAT(x, !Contains("timestamp="));
}

TEST_CASE("a report-only per-cell check never fails a cell", "[pipeline]") {
  CheckOutcome o = per_cell_check();
  o.report("shown only");
  const std::string x = junit_xml({{"e", {o}, 0.0, ""}});
  REQUIRE(count(x, "<failure") == 0);
  REQUIRE(count(x, "<skipped") == 0);
}

TEST_CASE("XML and HTML escaping removes markup and control characters from experiment text", "[pipeline]") {
  REQUIRE(xml_escape("a<b>&\"c'\x01\n") == "a&lt;b&gt;&amp;&quot;c&apos; \n");
  REQUIRE(html_escape("<script>alert('x')</script>&\x1b") == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp; ");
  CheckOutcome o;
  o.check = "bound_holds";
  o.subject = "]]></system-out><injected/>";
  o.summary = "<!-- -->";
  o.status = CheckStatus::kFail;
  const std::string x = junit_xml({{"e", {o}, 0.0, ""}});
  REQUIRE_THAT(x, !Contains("<injected/>"));
  REQUIRE_THAT(x, !Contains("<!--"));
  REQUIRE_THAT(x, Contains("&lt;injected/&gt;"));
}

TEST_CASE("report.html escapes hostile text of the results folder and links only inside it", "[pipeline]") {
  sgdcheck::test::TempDir dir;
  const std::string evil = "<script>alert(1)</script><img src=x onerror=alert(2)>";
  dir.write("manifest.json", nlohmann::json({{"name", "exp"}, {"description", evil}, {"paper", evil},
                                             {"figures_missing", {"p: " + evil}}})
                                 .dump());
  dir.write("resolved.yaml", "name: exp\ndescription: </pre>" + evil + "\n");
  dir.write("checks.json",
            nlohmann::json({{"summary", {{"checks", 1}}},
                            {"checks", {{{"check", evil}, {"subject", evil}, {"status", "fail"}, {"summary", evil},
                                         {"cells", {{{"cell", evil}, {"status", "fail"}, {"ratio", 3.5}}}}}}}})
                .dump());
  ResultSet rs;
  rs.name = "exp";
  const std::string html = report_html(rs, {}, dir.path());
  REQUIRE_THAT(html, !Contains("<script"));
  REQUIRE_THAT(html, !Contains("<img src=x"));
  REQUIRE_THAT(html, Contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
  REQUIRE_THAT(html, Contains("3.5"));
  REQUIRE(count(html, "<pre>") == 1);
  REQUIRE(count(html, "</pre>") == 1);
}

TEST_CASE("report.html names the file when checks.json is not JSON", "[pipeline]") {
  sgdcheck::test::TempDir dir;
  dir.write("manifest.json", "{\"name\": \"exp\"}");
  dir.write("resolved.yaml", "name: exp\n");
  dir.write("checks.json", "{not json");
  ResultSet rs;
  REQUIRE_THROWS_WITH(report_html(rs, {}, dir.path()), Contains("checks.json") && Contains("malformed JSON"));
}
