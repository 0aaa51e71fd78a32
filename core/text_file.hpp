#pragma once
/// \file Checked text output: every file sgdcheck writes goes through here or CsvWriter, so a full
/// disk or an unwritable target is an error naming the file, never a silently empty file.
#include <filesystem>
#include <string>

namespace sgdcheck {

/// Writes `text` to `path` (replacing it) and checks the stream after the final flush and close.
/// Throws UsageError "<path>: cannot write (<reason>)" — exit code 2.
void write_text_file(const std::filesystem::path& path, const std::string& text);

/// Copies a file with the same contract (UsageError naming the destination).
void copy_text_file(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace sgdcheck
