#pragma once
/// \file JUnit XML of the checks (`sgdcheck run/check --junit FILE`), in the dialect GitLab, Jenkins
/// and most CI systems read: <testsuites> holds one <testsuite> per experiment, which holds one
/// <testcase> per check, or one per cell for checks that judge cell by cell (CheckOutcome::cells).
///   pass    → an empty testcase (with the check's numbers in <system-out>);
///   fail    → <failure message="the check's summary or the cell's line" type="KIND">details</failure>;
///   report  → passed with its numbers in <system-out> (report-only checks never gate);
///   skipped → <skipped message="why"/>.
/// Text is XML-escaped and control characters other than tab/LF/CR become blanks, so nothing from an
/// experiment file can break the document.
#include <string>
#include <vector>

#include "pipeline/checks.hpp"

namespace sgdcheck::pipeline {

struct JunitSuite {
  std::string name;                   ///< the experiment name
  std::vector<CheckOutcome> outcomes;  ///< its checks in file order
  double seconds = 0.0;               ///< wall time of the run (0 for `check DIR`)
  std::string timestamp;              ///< ISO 8601 UTC, may be empty
};

/// The whole document (UTF-8, with the XML declaration).
std::string junit_xml(const std::vector<JunitSuite>& suites);

/// `text` with & < > " ' escaped and control characters (other than tab, LF, CR) replaced by blanks.
std::string xml_escape(const std::string& text);
/// `text` with & < > " and ' as entities (' as `apostrophe`) and control characters other than tab,
/// LF and CR as blanks: safe inside XML and HTML text and attribute values.
std::string escape_markup(const std::string& text, const char* apostrophe);

}  // namespace sgdcheck::pipeline
