#pragma once
/// \file report.html: one static page per results folder (no server, no network, no script) that shows
/// the experiment and its resolved configuration, the checks with their numbers, every figure, the
/// bound states and constants per cell and links to every table. Written by `sgdcheck run` (after
/// manifest.json) and rewritten by `check DIR` (new checks.json) and `plot DIR` (new figures).
///
/// Everything on the page comes from the folder itself (manifest.json, resolved.yaml, checks.json,
/// plots/) and the ResultSet read from its tables; every text is HTML-escaped and every link is a
/// percent-encoded relative path inside the folder, so an experiment file cannot inject markup.
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "pipeline/plan.hpp"
#include "pipeline/result_set.hpp"

namespace sgdcheck::pipeline {

/// What the page shows beside the ResultSet, when the caller has it in memory (`sgdcheck run` has
/// just produced it); a null member is read from `dir` (`check DIR`, `plot DIR`).
struct ReportSources {
  const nlohmann::json* manifest = nullptr;     ///< manifest.json
  const nlohmann::json* checks = nullptr;       ///< checks.json (a null JSON value: none)
  const std::string* resolved_yaml = nullptr;   ///< resolved.yaml
  /// Files to list under "Files" that are not written yet (manifest.json, written after the page).
  std::vector<std::string> pending_files = {};
};

/// The page for the results in `dir` (which must hold manifest.json unless `sources` has it;
/// checks.json is optional). `plots`: the experiment's plot specs, for the order and titles of the
/// figures. Throws DataError naming the file if manifest.json or checks.json is not valid JSON of the
/// expected shape.
std::string report_html(const ResultSet& results, const std::vector<ComponentSpec>& plots,
                        const std::filesystem::path& dir, const ReportSources& sources = {});

/// Writes `dir`/report.html (checked write: a full disk is exit 2 naming the file).
void write_report_html(const ResultSet& results, const std::vector<ComponentSpec>& plots,
                       const std::filesystem::path& dir, const ReportSources& sources = {});

/// `text` with & < > " ' replaced by entities (control characters other than tab/LF/CR by blanks).
std::string html_escape(const std::string& text);

}  // namespace sgdcheck::pipeline
