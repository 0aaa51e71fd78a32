#include "bounds/step_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <stdexcept>
#include <utility>

namespace sgdcheck::bounds {

StepSchedule StepSchedule::constant(double step) {
  StepSchedule s;
  s.kind_ = Kind::kConstant;
  s.constant_ = step;
  return s;
}

StepSchedule StepSchedule::table(std::vector<double> steps) {
  StepSchedule s;
  s.kind_ = Kind::kTable;
  s.table_ = std::move(steps);
  return s;
}

StepSchedule StepSchedule::function(std::function<double(std::int64_t)> step_at) {
  StepSchedule s;
  s.kind_ = Kind::kFunction;
  s.function_ = std::move(step_at);
  return s;
}

double StepSchedule::operator()(std::int64_t t) const {
  switch (kind_) {
    case Kind::kConstant: return constant_;
    case Kind::kTable:
      if (t < 0 || t >= static_cast<std::int64_t>(table_.size())) {
        throw std::out_of_range(fmt::format("step schedule: no γ_{} in a table of {}", t, table_.size()));
      }
      return table_[static_cast<std::size_t>(t)];
    case Kind::kFunction: return function_(t);
  }
  return 0.0;
}

std::optional<std::string> StepSchedule::invalid_for(std::int64_t steps) const {
  if (kind_ == Kind::kTable && steps > static_cast<std::int64_t>(table_.size())) {
    return fmt::format("step table has {} entries but {} steps are needed", table_.size(), steps);
  }
  if (kind_ == Kind::kFunction && !function_) return std::string("step schedule function is empty");
  const std::int64_t checked = kind_ == Kind::kConstant ? std::min<std::int64_t>(steps, 1) : steps;
  for (std::int64_t t = 0; t < checked; ++t) {
    const double g = (*this)(t);
    if (!std::isfinite(g) || g < 0.0) return fmt::format("step γ_{} = {} is not a finite number >= 0", t, g);
  }
  return std::nullopt;
}

}  // namespace sgdcheck::bounds
