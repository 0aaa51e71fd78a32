#pragma once
/// \file Bounds written in the experiment file (`bounds: [{id: draft.eq7, expr: "…", metric: dist2,
/// guarantee: upper, label: unverified, reference: "…", when: "tau <= 8"}]`): an adapter that
/// evaluates an analysis::Expression over the axis variable at every recorded point of a cell, so such a
/// bound is drawn, written to bounds.csv and used by bound_holds, tightness and matches_exact like a
/// built-in one.
///
/// Names an expression may use: the axis variables `t` (iteration), `samples`, `rounds` and `vtime`
/// (runners::scheduled_point), every constant of the cell's constants.csv (L, L_max, mu, sigma2,
/// M_grad, M_curv, f_star, dim, n, r0, F0, Delta, and the runner's gamma, theta_b, batch, tau, …) and
/// the numeric sweep values (qualified, `runner.tau`, and by their key, `tau`, unless a constant has
/// that name). `when:` sees the same names except the axis variables.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/experiment.hpp"
#include "pipeline/bound_registry.hpp"

namespace sgdcheck::pipeline {

/// The axis variables of a YAML bound's expression.
const std::vector<std::string>& yaml_bound_axis_names();

/// Builds the adapter of `b` after checking it: id new among `registered` ids, guarantee and label
/// known, `metric` one of `metrics` (skipped when empty), `expr` and `when` parse and every name they
/// use is known in every cell (`cell_names`, one map per cell). Bad input is ConfigError naming the
/// file and line of the offending entry.
std::shared_ptr<const BoundAdapter> make_yaml_bound(const config::YamlBound& b,
                                                    const std::vector<std::map<std::string, double>>& cell_names,
                                                    const std::vector<std::string>& metrics);

}  // namespace sgdcheck::pipeline
