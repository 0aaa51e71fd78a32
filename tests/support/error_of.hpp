#pragma once
// Test support: the message of the error a piece of code must throw.
#include <catch2/catch.hpp>
#include <string>

#include "core/errors.hpp"

namespace sgdcheck::test {

/// Runs `f`, which must throw an `Error` (e.g. ConfigError, DataError); returns its message.
/// Fails the test when nothing (or something else) is thrown.
template <class Error, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("expected an exception, nothing was thrown");
  return {};
}

/// The message of the DataError that `f` must throw.
template <class F>
std::string data_error_of(F&& f) {
  return error_of<DataError>(f);
}

}  // namespace sgdcheck::test
