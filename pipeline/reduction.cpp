#include "pipeline/reduction.hpp"

#include <algorithm>
#include <stdexcept>

namespace sgdcheck::pipeline {

void RunningStats::merge(const RunningStats& later) {
  pos_inf += later.pos_inf;
  neg_inf += later.neg_inf;
  min = std::min(min, later.min);
  max = std::max(max, later.max);
  if (later.n == 0) return;
  if (n == 0) {
    n = later.n;
    mean = later.mean;
    m2 = later.m2;
    return;
  }
  const double na = static_cast<double>(n), nb = static_cast<double>(later.n);
  const double total = na + nb;
  const double delta = later.mean - mean;
  mean += delta * (nb / total);
  m2 += later.m2 + delta * delta * (na * nb / total);
  n += later.n;
}

SummaryStats RunningStats::summary() const {
  SummaryStats s;
  const std::int64_t cnt = count();
  s.n = static_cast<int>(cnt);
  if (cnt == 0) return s;
  s.min = neg_inf > 0 ? -INFINITY : min;
  s.max = pos_inf > 0 ? INFINITY : max;
  if (pos_inf > 0 || neg_inf > 0) {
    s.mean = pos_inf > 0 && neg_inf > 0 ? NAN : pos_inf > 0 ? INFINITY : -INFINITY;
    s.sd = INFINITY;
    s.se = INFINITY;
    return s;
  }
  // Rounding can leave the running mean an ulp outside the data; constant data stay exact anyway.
  s.mean = std::clamp(mean, min, max);
  s.sd = cnt > 1 ? std::sqrt(std::max(m2, 0.0) / static_cast<double>(cnt - 1)) : 0.0;
  if (!std::isfinite(mean) || !std::isfinite(s.sd)) s.sd = INFINITY;  // overflow of huge values
  s.se = s.sd / std::sqrt(static_cast<double>(cnt));
  return s;
}

std::size_t CellAccumulator::point_index(const Point& p, std::size_t hint) {
  const double key = axis_value(p, axis_);
  if (hint < points_.size() && axis_value(points_[hint].p, axis_) == key) return hint;
  auto it = std::lower_bound(points_.begin(), points_.end(), key,
                             [this](const PointAcc& a, double v) { return axis_value(a.p, axis_) < v; });
  const auto k = static_cast<std::size_t>(it - points_.begin());
  if (it != points_.end() && axis_value(it->p, axis_) == key) return k;
  // A point no earlier rep recorded (e.g. the iteration at which a run reached its target).
  PointAcc pa;
  pa.p = p;
  points_.insert(it, pa);
  const std::size_t M = metrics_.size();
  stats_.insert(stats_.begin() + static_cast<std::ptrdiff_t>(k * M), M, RunningStats{});
  return k;
}

void CellAccumulator::add(const RunResult& run, std::int64_t seed, std::int64_t rep) {
  const Trace& tr = run.trace;
  if (runs_.empty() && metrics_.empty()) {
    metrics_ = tr.metrics;
    for (std::size_t m = 0; m < metrics_.size(); ++m)
      if (all_per_run_ || (per_run_ && per_run_->count(metrics_[m]))) kept_.push_back(m);
    points_.reserve(tr.points.size());
    for (const Point& p : tr.points) {
      PointAcc pa;
      pa.p = p;
      points_.push_back(pa);
    }
    stats_.assign(points_.size() * metrics_.size(), RunningStats{});
  } else if (!tr.points.empty() && tr.metrics != metrics_) {
    throw std::logic_error("CellAccumulator::add: runs of one cell record different metrics");
  }
  const std::size_t M = metrics_.size();
  std::size_t k = 0;
  for (std::size_t j = 0; j < tr.points.size(); ++j, ++k) {
    const Point& p = tr.points[j];
    k = point_index(p, k);  // points are increasing: the next one is usually right after the last
    PointAcc& pa = points_[k];
    if (pa.reps > 0 && pa.p.vtime != p.vtime) pa.vtime_varies = true;
    pa.vtime_sum += p.vtime;
    ++pa.reps;
    for (std::size_t m = 0; m < M; ++m) stats_[k * M + m].add(tr.value(j, m));
  }
  if (!kept_.empty()) {
    RepValues rv;
    rv.keys.reserve(tr.points.size());
    rv.values.reserve(tr.points.size() * kept_.size());
    for (std::size_t j = 0; j < tr.points.size(); ++j) {
      rv.keys.push_back(axis_value(tr.points[j], axis_));
      for (std::size_t m : kept_) rv.values.push_back(tr.value(j, m));
    }
    rep_values_.push_back(std::move(rv));
    rep_seeds_.push_back(seed);
  }
  RunInfo info{seed, rep, to_string(run.termination), run.message, run.iterations};
  run_scalars_.push_back(run.scalars);
  for (const auto& [name, v] : run.scalars) {
    // A named reference, not the binding: clang 14 cannot capture structured bindings in lambdas.
    const auto& key = name;
    auto it = std::find_if(scalars_.begin(), scalars_.end(), [&](const auto& s) { return s.first == key; });
    if (it == scalars_.end()) {
      scalars_.emplace_back(name, RunningStats{});
      it = scalars_.end() - 1;
    }
    it->second.add(v);
  }
  runs_.push_back(std::move(info));
}

void CellAccumulator::merge(const CellAccumulator& later) {
  if (later.runs_.empty()) return;
  if (runs_.empty()) {
    *this = later;
    return;
  }
  if (metrics_.empty()) {
    metrics_ = later.metrics_;
    kept_ = later.kept_;
    stats_.assign(points_.size() * metrics_.size(), RunningStats{});
  } else if (!later.metrics_.empty() && later.metrics_ != metrics_) {
    throw std::logic_error("CellAccumulator::merge: blocks of one cell record different metrics");
  }
  const std::size_t M = metrics_.size();
  std::size_t k = 0;
  for (std::size_t j = 0; j < later.points_.size(); ++j, ++k) {
    const PointAcc& b = later.points_[j];
    k = point_index(b.p, k);
    PointAcc& a = points_[k];
    if (a.reps > 0 && b.reps > 0 && (a.p.vtime != b.p.vtime || b.vtime_varies)) a.vtime_varies = true;
    if (a.reps == 0) {
      a.p = b.p;
      a.vtime_varies = b.vtime_varies;
    }
    a.vtime_sum += b.vtime_sum;
    a.reps += b.reps;
    for (std::size_t m = 0; m < M; ++m) stats_[k * M + m].merge(later.stats_[j * M + m]);
  }
  rep_values_.insert(rep_values_.end(), later.rep_values_.begin(), later.rep_values_.end());
  rep_seeds_.insert(rep_seeds_.end(), later.rep_seeds_.begin(), later.rep_seeds_.end());
  runs_.insert(runs_.end(), later.runs_.begin(), later.runs_.end());
  run_scalars_.insert(run_scalars_.end(), later.run_scalars_.begin(), later.run_scalars_.end());
  for (const auto& [name, st] : later.scalars_) {
    const auto& key = name;  // clang 14 cannot capture structured bindings in lambdas
    auto it = std::find_if(scalars_.begin(), scalars_.end(), [&](const auto& s) { return s.first == key; });
    if (it == scalars_.end()) scalars_.emplace_back(name, st);
    else it->second.merge(st);
  }
}

void CellAccumulator::finish(CellResult& c) const {
  const std::size_t M = metrics_.size(), K = points_.size();
  std::vector<Point> points;
  std::vector<double> keys;  // axis values before vtime averaging (rep values are keyed by them)
  points.reserve(K);
  keys.reserve(K);
  for (const auto& pa : points_) {
    keys.push_back(axis_value(pa.p, axis_));
    Point p = pa.p;
    // Equal values are kept as recorded: n copies summed and divided by n need not give the value back.
    if (pa.vtime_varies) p.vtime = pa.vtime_sum / static_cast<double>(pa.reps);
    points.push_back(p);
  }
  for (std::size_t m = 0; m < M; ++m) {
    MetricSeries s;
    s.points = points;
    s.n.resize(K);
    s.mean.resize(K);
    s.sd.resize(K);
    s.se.resize(K);
    s.min.resize(K);
    s.max.resize(K);
    for (std::size_t k = 0; k < K; ++k) {
      const SummaryStats st = stats_[k * M + m].summary();
      s.n[k] = st.n;
      s.mean[k] = st.mean;
      s.sd[k] = st.sd;
      s.se[k] = st.se;
      s.min[k] = st.min;
      s.max[k] = st.max;
    }
    const auto q = static_cast<std::size_t>(std::find(kept_.begin(), kept_.end(), m) - kept_.begin());
    if (q < kept_.size()) {
      const std::size_t Q = kept_.size();
      for (std::size_t r = 0; r < rep_values_.size(); ++r) {
        const RepValues& rv = rep_values_[r];
        std::vector<double> row(K, NAN);
        for (std::size_t j = 0; j < rv.keys.size(); ++j) {
          const auto it = std::lower_bound(keys.begin(), keys.end(), rv.keys[j]);
          row[static_cast<std::size_t>(it - keys.begin())] = rv.values[j * Q + q];
        }
        s.values.push_back(std::move(row));
        s.seeds.push_back(rep_seeds_[r]);
      }
    }
    c.metrics[metrics_[m]] = std::move(s);
  }
  c.runs = runs_;
  c.run_scalars = run_scalars_;
  c.scalars.clear();
  for (const auto& [name, st] : scalars_) c.scalars[name] = st.summary();
}

}  // namespace sgdcheck::pipeline
