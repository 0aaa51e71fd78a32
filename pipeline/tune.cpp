#include "pipeline/tune.hpp"

#include <cmath>
#include <map>

#include "core/csv.hpp"
#include "pipeline/components.hpp"
#include "pipeline/derived.hpp"

namespace sgdcheck::pipeline {

const Schema& tune_schema() {
  static const Schema s{
      "tune",
      "best cell over one sweep key (e.g. runner.step.gamma) for every setting of the other sweep keys",
      {
          string_field("over", std::nullopt, "the sweep key to tune over (e.g. step.gamma)"),
          choice_field("criterion", "min_iterations_to_target", {"min_iterations_to_target", "min_final"},
                       "min_iterations_to_target: fewest iterations until the seed-mean metric reaches the "
                       "target; min_final: smallest seed-mean metric at the last point"),
          string_field("metric", "dist2", "metric the criterion looks at"),
          real_field("target", 1e-4, 0.0, kInf, "target ε of min_iterations_to_target", true),
          bool_field("relative", true, "target is relative to the metric at iteration 0"),
      }};
  return s;
}

double tune_score(const CellResult& c, const Params& tune) {
  auto it = c.metrics.find(tune.get_string("metric"));
  if (it == c.metrics.end()) return INFINITY;
  const MetricSeries& m = it->second;
  if (tune.get_string("criterion") == "min_final") {
    const double v = m.mean.empty() ? INFINITY : m.mean.back();
    return std::isfinite(v) ? v : INFINITY;
  }
  std::vector<std::int64_t> iters;
  for (const auto& p : m.points) iters.push_back(p.iter);
  const double t = iterations_to_target(iters, m.mean, tune.get_real("target"), tune.get_bool("relative"));
  return std::isnan(t) ? INFINITY : t;
}

ResultSet apply_tune(const ResultSet& rs, const Params& tune, std::vector<TuneChoice>* choices) {
  const std::string over = tune.get_string("over");
  std::size_t pos = rs.sweep_keys.size();
  for (std::size_t k = 0; k < rs.sweep_keys.size(); ++k) {
    const auto& sk = rs.sweep_keys[k];
    if (sk == over || sk.substr(sk.find('.') + 1) == over || over.substr(over.find('.') + 1) == sk) pos = k;
  }
  if (pos == rs.sweep_keys.size()) throw ConfigError("tune.over = " + over + ": not a sweep key of these results");

  ResultSet out;
  out.name = rs.name;
  for (std::size_t k = 0; k < rs.sweep_keys.size(); ++k)
    if (k != pos) out.sweep_keys.push_back(rs.sweep_keys[k]);

  std::map<std::vector<std::string>, std::vector<const CellResult*>> groups;
  std::vector<std::vector<std::string>> order;
  for (const auto& c : rs.cells) {
    std::vector<std::string> key;
    for (std::size_t k = 0; k < c.sweep_values.size(); ++k)
      if (k != pos) key.push_back(c.sweep_values[k]);
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(&c);
  }
  for (const auto& key : order) {
    const CellResult* best = nullptr;
    double best_score = INFINITY;
    TuneChoice choice;
    for (const CellResult* c : groups[key]) {
      const double s = tune_score(*c, tune);
      choice.candidates.emplace_back(c->sweep_values[pos], s);
      if (!best || s < best_score) {
        best = c;
        best_score = s;
      }
    }
    CellResult w = *best;
    w.id = out.cells.size();
    w.sweep_values = key;
    try {
      w.constants["tuned." + rs.sweep_keys[pos]] = {std::stod(best->sweep_values[pos]), true};
    } catch (const std::exception&) {
      // non-numeric tuned value: recorded in tuned.csv only
    }
    for (std::size_t k = 0; k < key.size(); ++k) choice.group += (k ? ", " : "") + out.sweep_keys[k] + "=" + key[k];
    choice.winner = best->sweep_values[pos];
    choice.score = best_score;
    if (choices) choices->push_back(std::move(choice));
    out.cells.push_back(std::move(w));
  }
  return out;
}

void write_tune_choices(const std::vector<TuneChoice>& choices, const std::string& key, const std::string& dir) {
  CsvWriter w(dir + "/tuned.csv", {"group", "tuned_key", "winner", "score", "candidates"});
  for (const auto& c : choices) {
    std::string cand;
    for (const auto& [v, s] : c.candidates) cand += (cand.empty() ? "" : " ") + v + ":" + format_real(s);
    w.row({c.group.empty() ? "all" : c.group, key, c.winner, format_real(c.score), cand});
  }
  w.close();
}

}  // namespace sgdcheck::pipeline
