#pragma once
/// \file String entry point of the checks' expression language (today inside checks_stich.cpp),
/// used by the fuzz target fuzz/fuzz_expression.cpp. Helper E moves the language to analysis/
/// (analysis::parse_expression); the fuzz target follows it there.
#include <functional>
#include <optional>
#include <string>

namespace sgdcheck::pipeline {

/// Evaluates `text` with names resolved by `resolve` (nullopt = unknown name). Throws ConfigError
/// naming `what` on a syntax error or an unknown name or function.
double evaluate_expression(const std::string& text,
                           const std::function<std::optional<double>(const std::string&)>& resolve,
                           const std::string& what);

}  // namespace sgdcheck::pipeline
