#pragma once
/// \file Umbrella header of sgdcheck::analysis (paper-neutral check machinery; depends on core only).
#include "analysis/cell_filter.hpp"
#include "analysis/expression.hpp"
#include "analysis/statistics.hpp"
