// Check kinds of the stich paper system (see pipeline/checks.cpp for the foundation's).
#include "pipeline/checks.hpp"

namespace sgdcheck::pipeline {

std::vector<CheckKind> stich_check_kinds() { return {}; }

}  // namespace sgdcheck::pipeline
