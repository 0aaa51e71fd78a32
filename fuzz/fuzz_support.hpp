#pragma once
/// \file Shared by the libFuzzer targets: the input as a temporary file for the path-based readers,
/// and the rule that bad input (ConfigError / DataError) is expected while anything else must crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace sgdcheck::fuzz {

/// One file per fuzzing process (libFuzzer's -jobs/-fork run several), rewritten for every input and
/// removed at exit. The readers take paths today; when string entry points exist the targets call them.
inline const std::filesystem::path& input_path(const char* suffix) {
  static const std::filesystem::path path = [suffix] {
    auto p = std::filesystem::temp_directory_path() /
             ("sgdcheck-fuzz-" + std::to_string(::getpid()) + suffix);
    static std::string remove_at_exit = p.string();
    std::atexit([] { std::remove(remove_at_exit.c_str()); });
    return p;
  }();
  return path;
}

inline const std::filesystem::path& write_input(const std::uint8_t* data, std::size_t size, const char* suffix) {
  const auto& path = input_path(suffix);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) std::abort();  // the harness itself failed: not a finding about the reader
  return path;
}

}  // namespace sgdcheck::fuzz
