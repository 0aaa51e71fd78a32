#pragma once
/// \file SHA-256 (FIPS 180-4) of a byte string or a file, for the data-file hashes in manifest.json.
/// A small implementation of our own: no library linked into sgdcheck provides one (OpenSSL would be a
/// new dependency for 60 lines). Tested against the FIPS 180-2 example messages and coreutils sha256sum.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace sgdcheck::pipeline {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  /// The digest as 64 lowercase hex digits; the object must not be updated afterwards.
  std::string hex_digest();

 private:
  void block(const unsigned char* p);
  std::array<std::uint32_t, 8> h_;
  std::array<unsigned char, 64> buf_{};
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view bytes);
/// Of a file's bytes, read in chunks; throws DataError naming the file if it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace sgdcheck::pipeline
