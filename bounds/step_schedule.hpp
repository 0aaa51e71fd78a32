#pragma once
/// \file Step-size schedules γ_t for the exact oracles.
/// Not a bound (no label paper-stated / derived / unverified applies): the γ_t the oracles replay.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sgdcheck::bounds {

/// γ_t for t = 0, 1, 2, …: the step of the update that produces x_{t+1} from x_t.
/// A constant, a table (which must cover every step used) or any function of t.
class StepSchedule {
 public:
  /// Default: the constant 0 (no movement); use one of the factories.
  StepSchedule() = default;
  static StepSchedule constant(double step);
  /// steps[t] is γ_t; evaluating past the end is an error.
  static StepSchedule table(std::vector<double> steps);
  static StepSchedule function(std::function<double(std::int64_t)> step_at);

  /// γ_t. Throws std::out_of_range past the end of a table.
  double operator()(std::int64_t t) const;

  /// Why the schedule cannot drive `steps` updates (γ_0 … γ_{steps−1}): a negative or non-finite
  /// value, or a table that is too short. Evaluates the schedule at every t < steps.
  std::optional<std::string> invalid_for(std::int64_t steps) const;

 private:
  enum class Kind { kConstant, kTable, kFunction };
  Kind kind_ = Kind::kConstant;
  double constant_ = 0.0;
  std::vector<double> table_;
  std::function<double(std::int64_t)> function_;
};

}  // namespace sgdcheck::bounds
