#include "pipeline/junit.hpp"

#include <fmt/format.h>

#include <set>

#include "core/csv.hpp"

namespace sgdcheck::pipeline {

std::string escape_markup(const std::string& text, const char* apostrophe) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += apostrophe; break;
      default:
        // XML 1.0 forbids C0 controls other than tab, LF and CR even as references.
        if ((u < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') || u == 0x7F) out += ' ';
        else out += ch;
    }
  }
  return out;
}

std::string xml_escape(const std::string& text) { return escape_markup(text, "&apos;"); }

namespace {

struct Case {
  std::string classname, name;
  CheckStatus status = CheckStatus::kPass;
  std::string message;  ///< failure / skipped message
  std::string output;   ///< system-out
};

std::string numbers(const std::vector<std::pair<std::string, double>>& values) {
  std::string s;
  for (const auto& [k, v] : values) s += (s.empty() ? "" : ", ") + k + " = " + format_real(v);
  return s;
}

std::string check_text(const CheckOutcome& o) {
  std::string s = o.summary + "\n";
  if (!o.reason.empty()) s += status_name(o.status) + ": " + o.reason + "\n";
  for (const auto& d : o.details) s += "- " + d + "\n";
  if (!o.values.empty()) s += "values: " + numbers(o.values) + "\n";
  return s;
}

std::vector<Case> cases_of(const JunitSuite& suite) {
  std::vector<Case> out;
  std::set<std::pair<std::string, std::string>> seen;
  auto add = [&](Case c) {
    // The same kind and subject may be checked twice (e.g. with different `where:`): keep names unique.
    std::string base = c.name;
    for (int i = 2; !seen.insert({c.classname, c.name}).second; ++i) c.name = fmt::format("{} (#{})", base, i);
    out.push_back(std::move(c));
  };
  for (const auto& o : suite.outcomes) {
    const std::string classname = suite.name + "." + o.check;
    if (o.cells.empty()) {
      Case c{classname, o.subject, o.status, {}, check_text(o)};
      if (o.status == CheckStatus::kFail) c.message = o.summary;
      if (o.status == CheckStatus::kSkipped) c.message = o.reason;
      add(std::move(c));
      continue;
    }
    for (const auto& v : o.cells) {
      Case c{classname, o.subject + " [" + v.cell + "]", v.status, {}, {}};
      // The check's own state wins over its cells' where it does not judge: a report-only check never
      // fails a cell, a skipped one skips them all.
      if (o.status == CheckStatus::kReport) c.status = CheckStatus::kReport;
      if (o.status == CheckStatus::kSkipped) c.status = CheckStatus::kSkipped;
      c.output = o.summary + "\n" + v.cell + ": " + v.message + "\n";
      if (!v.values.empty()) c.output += "values: " + numbers(v.values) + "\n";
      if (c.status == CheckStatus::kReport) c.output += "report: " + o.reason + "\n";
      if (c.status == CheckStatus::kFail) c.message = v.cell + ": " + v.message;
      if (c.status == CheckStatus::kSkipped) c.message = o.status == CheckStatus::kSkipped ? o.reason : v.message;
      add(std::move(c));
    }
  }
  return out;
}

}  // namespace

std::string junit_xml(const std::vector<JunitSuite>& suites) {
  std::string body;
  std::size_t all_tests = 0, all_failures = 0, all_skipped = 0;
  double all_time = 0.0;
  for (const auto& s : suites) {
    const auto cases = cases_of(s);
    std::size_t failures = 0, skipped = 0;
    for (const auto& c : cases) {
      failures += c.status == CheckStatus::kFail;
      skipped += c.status == CheckStatus::kSkipped;
    }
    body += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{:.3f}\"{}>\n",
                        xml_escape(s.name), cases.size(), failures, skipped, s.seconds,
                        s.timestamp.empty() ? std::string() : " timestamp=\"" + xml_escape(s.timestamp) + "\"");
    for (const auto& c : cases) {
      body += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"0\">\n", xml_escape(c.classname),
                          xml_escape(c.name));
      if (c.status == CheckStatus::kFail)
        body += fmt::format("      <failure message=\"{}\" type=\"check failed\">{}</failure>\n", xml_escape(c.message),
                            xml_escape(c.output));
      if (c.status == CheckStatus::kSkipped) body += fmt::format("      <skipped message=\"{}\"/>\n", xml_escape(c.message));
      body += fmt::format("      <system-out>{}</system-out>\n", xml_escape(c.output));
      body += "    </testcase>\n";
    }
    body += "  </testsuite>\n";
    all_tests += cases.size();
    all_failures += failures;
    all_skipped += skipped;
    all_time += s.seconds;
  }
  return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<testsuites name=\"sgdcheck\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{:.3f}\">\n"
                     "{}</testsuites>\n",
                     all_tests, all_failures, all_skipped, all_time, body);
}

}  // namespace sgdcheck::pipeline
