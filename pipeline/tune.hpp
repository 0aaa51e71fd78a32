#pragma once
/// \file "Step tuned over a grid" as a general experiment feature: for every setting of the other
/// sweep keys, keep the cell that is best over one sweep key by a named criterion.
#include <string>
#include <vector>

#include "core/params.hpp"
#include "pipeline/result_set.hpp"

namespace sgdcheck::pipeline {

/// One tuning decision: the group (other sweep values), the winning value and its score.
struct TuneChoice {
  std::string group;
  std::string winner;
  double score = 0.0;
  std::vector<std::pair<std::string, double>> candidates;  ///< value → score
};

/// Applies a validated `tune:` spec: returns a ResultSet without the tuned sweep key whose cells
/// are the winners (renumbered; constant "tuned.<key>" holds the winning value when numeric).
ResultSet apply_tune(const ResultSet& rs, const Params& tune, std::vector<TuneChoice>* choices = nullptr);

/// Score of one cell under the tune criterion (lower is better; +inf when never reached / diverged).
double tune_score(const CellResult& c, const Params& tune);

/// tuned.csv: group, winner, score and every candidate's score.
void write_tune_choices(const std::vector<TuneChoice>& choices, const std::string& key, const std::string& dir);

}  // namespace sgdcheck::pipeline
