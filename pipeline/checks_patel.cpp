// Check kinds of the patel paper system (see pipeline/checks.cpp for the foundation's).
#include "pipeline/checks.hpp"

namespace sgdcheck::pipeline {

std::vector<CheckKind> patel_check_kinds() { return {}; }

}  // namespace sgdcheck::pipeline
