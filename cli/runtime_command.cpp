#include "cli/runtime_command.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cmath>
#include <iostream>

#include "bounds/order_statistics.hpp"
#include "core/errors.hpp"
#include "runners/ps_runner.hpp"
#include "runners/ps_simulator.hpp"

namespace sgdcheck::cli {

namespace {

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  return fmt::format("{:.17g}", v);
}

/// The --delay flow map as a ComputeTime (ConfigError naming the field on bad input).
bounds::ComputeTime parse_delay(const std::string& text) {
  YAML::Node node;
  try {
    node = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("--delay = {}: not a YAML flow map ({})", text, e.msg));
  }
  if (!node.IsMap()) throw ConfigError(fmt::format("--delay = {}: expected a flow map such as {{kind: exp, rate: 2}}", text));
  runners::ComputeTimeFields f;
  try {
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      if (key == "kind") {
        f.kind = v.as<std::string>();
      } else if (key == "values") {
        if (!v.IsSequence()) throw ConfigError(fmt::format("--delay: values = {}: expected a list of numbers", YAML::Dump(v)));
        for (const auto& x : v) f.values.push_back(x.as<double>());
      } else if (key == "file") {
        f.file = v.as<std::string>();
      } else {
        const double x = v.as<double>();
        if (key == "rate") f.rate = x;
        else if (key == "shift") f.shift = x;
        else if (key == "scale") f.scale = x;
        else if (key == "shape") f.shape = x;
        else if (key == "meanlog") f.meanlog = x;
        else if (key == "sdlog") f.sdlog = x;
        else if (key == "comm") f.comm = x;
        else
          throw ConfigError(fmt::format(
              "--delay: {} = {}: unknown field (expected kind, rate, shift, scale, shape, meanlog, sdlog, values, file, comm)",
              key, YAML::Dump(v)));
      }
    }
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("--delay = {}: {}", text, e.msg));
  }
  return runners::make_compute_time(f, "--delay", "");
}

}  // namespace

CLI::App* add_runtime_subcommand(CLI::App& app, RuntimeArgs& a) {
  auto* c = app.add_subcommand("runtime",
                               "simulate one straggler variant in virtual time and print the runtime formulas "
                               "(E[T] per update, mean staleness) beside the simulation");
  c->add_option("--variant", a.variant, "k_sync | k_batch_sync | k_async | k_batch_async")
      ->required()
      ->check(CLI::IsMember({"k_sync", "k_batch_sync", "k_async", "k_batch_async"}));
  c->add_option("--workers,-P", a.workers, "number of learners P")->required()->check(CLI::Range(1, 100000));
  c->add_option("--k,-K", a.k, "K (1 <= K <= P)")->required()->check(CLI::Range(1, 100000));
  c->add_option("--delay", a.delay,
                "compute-time distribution as a YAML flow map: {kind: exp, rate: 2}, {kind: shifted_exp, shift: 0.5, "
                "rate: 2}, {kind: pareto, scale: 1, shape: 4}, {kind: weibull, shape: 0.7, scale: 1}, {kind: "
                "lognormal, meanlog: 0, sdlog: 0.5}, {kind: list, values: [...]} or {kind: list, file: times.txt}; "
                "optional comm: constant communication cost")
      ->required();
  c->add_option("--iterations", a.iterations, "PS updates measured after the burn-in")->capture_default_str()->check(CLI::Range(
      static_cast<std::int64_t>(100), static_cast<std::int64_t>(1000000000)));
  c->add_option("--burn-in", a.burn_in, "updates before measuring")->capture_default_str()->check(CLI::Range(
      static_cast<std::int64_t>(0), static_cast<std::int64_t>(1000000000)));
  c->add_option("--seed", a.seed, "seed of the timing streams")->capture_default_str();
  c->add_flag("--json", a.json, "print one JSON object");
  return c;
}

int cmd_runtime(const RuntimeArgs& a) {
  const auto variant = bounds::parse_ps_variant(a.variant);
  if (!variant) throw ConfigError("--variant = " + a.variant + ": expected k_sync, k_batch_sync, k_async or k_batch_async");
  if (a.k > a.workers) throw ConfigError(fmt::format("--k = {}: expected 1 <= K <= P = {}", a.k, a.workers));
  runners::PsConfig cfg;
  cfg.variant = *variant;
  cfg.workers = a.workers;
  cfg.k = a.k;
  cfg.compute = parse_delay(a.delay);
  cfg.burn_in = a.burn_in;
  cfg.iterations = a.burn_in + a.iterations;
  cfg.batches = 50;
  runners::PsSimulator sim(cfg);
  runners::TimingOnly model;
  const auto t_start = std::chrono::steady_clock::now();
  const runners::PsStats st = sim.run(a.seed, 0, model);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();

  const bounds::RuntimeFormula f = bounds::expected_iteration_time(*variant, cfg.compute, a.k, a.workers);
  const double es = bounds::expected_staleness(*variant, a.k, a.workers);
  const double xkp = bounds::expected_order_statistic(cfg.compute, a.k, a.workers);
  const std::string guarantee = !f.value ? "none" : bounds::to_string(f.guarantee);
  const double events_per_s = wall > 0 ? static_cast<double>(st.events) / wall : INFINITY;
  if (a.json) {
    fmt::print("{{\"variant\": \"{}\", \"workers\": {}, \"k\": {}, \"delay\": \"{}\", \"iterations\": {}, \"burn_in\": {}, "
               "\"seed\": {}, \"expected_time\": {}, \"expected_time_guarantee\": \"{}\", \"expected_time_label\": \"{}\", "
               "\"expected_time_formula\": \"{}\", \"expected_time_variance\": {}, \"expected_order_statistic\": {}, "
               "\"simulated_time\": {}, \"simulated_time_se\": {}, \"mean_staleness\": {}, \"mean_staleness_se\": {}, "
               "\"expected_staleness\": {}, \"max_staleness\": {}, \"batch_sync_violations\": {}, "
               "\"async_duplicates\": {}, \"events\": {}, \"events_per_second\": {}, \"event_hash\": \"{:016x}\"}}\n",
               a.variant, a.workers, a.k, cfg.compute.describe(), a.iterations, a.burn_in, a.seed,
               json_number(f.value.value_or(NAN)), guarantee, f.value ? bounds::to_string(f.label) : "none", f.formula,
               json_number(f.variance.value_or(NAN)), json_number(xkp), json_number(st.mean_time),
               json_number(st.time_se), json_number(st.mean_staleness), json_number(st.staleness_se), json_number(es),
               st.max_staleness, st.batch_sync_violations, st.async_duplicates, st.events,
               json_number(events_per_s), st.event_hash);
    return 0;
  }
  fmt::print("{} with P = {}, K = {}, compute time {} (E[X] = {:.6g})\n", a.variant, a.workers, a.k,
             cfg.compute.describe(), cfg.compute.mean());
  fmt::print("  {} updates after {} burn-in, seed {}; SE from 50 batch means\n", a.iterations, a.burn_in, a.seed);
  if (f.value)
    fmt::print("  E[T] per update: formula {:.6g} ({}, {}: {})   simulated {:.6g} +- {:.2g}\n", *f.value, guarantee,
               bounds::to_string(f.label), f.formula, st.mean_time, st.time_se);
  else
    fmt::print("  E[T] per update: no formula for this distribution   simulated {:.6g} +- {:.2g}\n", st.mean_time,
               st.time_se);
  fmt::print("  E[X_(K:P)] = {:.6g}\n", xkp);
  fmt::print("  mean staleness: formula {:.6g} (derived, long run)   simulated {:.6g} +- {:.2g}   max {}\n", es,
             st.mean_staleness, st.staleness_se, st.max_staleness);
  fmt::print("  {} events in {:.3g} s ({:.3g} events/s)\n", st.events, wall, events_per_s);
  return 0;
}

}  // namespace sgdcheck::cli
