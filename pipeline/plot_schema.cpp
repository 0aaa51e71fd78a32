#include "pipeline/components.hpp"

namespace sgdcheck::pipeline {

const Schema& plot_schema() {
  static const Schema s{
      "plot",
      "one figure: the empirical mean of a metric per cell with a band over seeds, bounds overlaid",
      {
          string_field("name", std::nullopt, "file stem: plots/<name>.{png,svg,pdf,gp,dat}"),
          string_field("title", "", "figure title (default: experiment name, paper and figure)"),
          string_field("x",
                       "iter",
                       "x-axis: iter, samples, rounds or vtime (curves), or a sweep key such as runner.batch "
                       "(one point per cell, y then names a per-cell quantity)"),
          string_field("y", "dist2", "recorded metric (dist2, subopt, grad2, step, …) or, against a sweep key, a per-cell "
                       "quantity: iterations_to_target, speedup T(x0)/T(x) or efficiency x0·T(x0)/(x·T(x)) (x0: "
                       "smallest swept value of the series), a metric's last value, or a constant of constants.csv (M_grad, …)"),
          choice_field("scale", "loglog", {"loglog", "semilogy", "semilogx", "linear"}, "axis scales"),
          bool_field("bounds", true, "overlay every applicable bound / oracle of the same metric (dashed)"),
          bool_field("band", true, "shade mean ± 2 standard errors over seeds"),
          string_field("metric", "dist2", "metric of the per-cell quantity iterations_to_target"),
          real_field("target", 1e-4, 0.0, kInf, "ε of per-cell quantity iterations_to_target (relative to r0 "
                     "when target_relative)", true),
          bool_field("target_relative", true, "iterations_to_target measures metric / metric(iter 0) <= target"),
          string_field("ylabel", "", "y-axis label (default: a description of y)"),
          string_field("marks", "", "sweep-key plots: comma-separated constants (e.g. M_curv,M_grad) drawn as "
                       "labelled vertical lines at their value (taken from the first cell)"),
          string_field("xlabel", "", "x-axis label (default: the axis or sweep key)"),
          string_field("where", "", "only cells matching key=value[, key=value] of sweep keys (empty: every cell)"),
          int_field("bootstrap", 200, 0, 1e6, "sweep-key plots of iterations_to_target / speedup / efficiency: "
                    "bootstrap resamples over seeds for 95% error bars (0: none)"),
      }};
  return s;
}

std::vector<std::string> plot_per_run_metrics(const Params& plot) {
  // Sweep-key plots of iterations_to_target / speedup / efficiency bootstrap T over seeds
  // (plots/plot_writer.cpp); curves against iter/samples/rounds/vtime use the statistics only.
  const std::string x = plot.get_string("x"), y = plot.get_string("y");
  const bool curve = x == "iter" || x == "samples" || x == "rounds" || x == "vtime";
  const bool to_target = y == "iterations_to_target" || y == "speedup" || y == "efficiency";
  if (curve || !to_target || plot.get_int("bootstrap") <= 0) return {};
  return {plot.get_string("metric")};
}

}  // namespace sgdcheck::pipeline
