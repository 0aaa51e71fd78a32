// SHA-256 against the example messages of FIPS 180-2 (appendix B) and coreutils sha256sum.
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "../config/temp_files.hpp"
#include "pipeline/sha256.hpp"

using sgdcheck::pipeline::sha256_file;
using sgdcheck::pipeline::sha256_hex;

TEST_CASE("SHA-256 of the FIPS 180-2 example messages", "[pipeline]") {
  REQUIRE(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  REQUIRE(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  REQUIRE(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  REQUIRE(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("SHA-256 of a file agrees with coreutils sha256sum at block-boundary lengths", "[pipeline]") {
  sgdcheck::test::TempDir dir;
  for (std::size_t n : {55u, 56u, 63u, 64u, 65u, 70000u}) {
    std::string text;
    for (std::size_t i = 0; i < n; ++i) text += static_cast<char>('0' + (i * 7 + i / 13) % 75);
    const std::string path = dir.write("f.txt", text);
    const std::string cmd = "sha256sum '" + path + "'";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[65] = {};
    REQUIRE(std::fread(buf, 1, 64, p) == 64);
    pclose(p);
    INFO(n);
    REQUIRE(sha256_file(path) == std::string(buf, 64));
    REQUIRE(sha256_hex(text) == std::string(buf, 64));
  }
}
