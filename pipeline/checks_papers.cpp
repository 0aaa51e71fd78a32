#include "pipeline/checks.hpp"

namespace sgdcheck::pipeline {

// Paper-specific check kinds register here (one function per paper, defined in its own file).
std::vector<CheckKind> paper_check_kinds() { return {}; }

}  // namespace sgdcheck::pipeline
