#include "pipeline/reduction.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <utility>

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

void TailMoments::add(double v) {
  const double before = static_cast<double>(n);
  ++n;
  const double cnt = static_cast<double>(n);
  const double delta = v - mean, dn = delta / cnt, dn2 = dn * dn, term = delta * dn * before;
  mean += dn;
  m4 += term * dn2 * (cnt * cnt - 3 * cnt + 3) + 6 * dn2 * m2 - 4 * dn * m3;
  m3 += term * dn * (cnt - 2) - 3 * dn * m2;
  m2 += term;
  sum += v;
  negative += v < 0;
}

void TailMoments::merge(const TailMoments& later) {
  if (later.n == 0) return;
  if (n == 0) {
    const std::int64_t kept = top;
    *this = later;
    top = kept;
    return;
  }
  const double na = static_cast<double>(n), nb = static_cast<double>(later.n), cnt = na + nb;
  const double d = later.mean - mean, d2 = d * d;
  mean += d * (nb / cnt);
  m4 += later.m4 + d2 * d2 * na * nb * (na * na - na * nb + nb * nb) / (cnt * cnt * cnt) +
        6 * d2 * (na * na * later.m2 + nb * nb * m2) / (cnt * cnt) + 4 * d * (na * later.m3 - nb * m3) / cnt;
  m3 += later.m3 + d2 * d * na * nb * (na - nb) / (cnt * cnt) + 3 * d * (na * later.m2 - nb * m2) / cnt;
  m2 += later.m2 + d2 * na * nb / cnt;
  n += later.n;
  negative += later.negative;
  sum += later.sum;
}

void CellAccumulator::add_tail(std::size_t s, double v) {
  TailMoments& t = tails_[s];
  t.add(v);
  if (top_cap_ == 0) return;
  double* a = top_.data() + s * top_cap_;
  auto pos = static_cast<std::size_t>(t.top);
  if (pos < top_cap_) ++t.top;
  else if (v > a[pos - 1]) --pos;
  else return;
  for (; pos > 0 && a[pos - 1] < v; --pos) a[pos] = a[pos - 1];
  a[pos] = v;
}

TailStats CellAccumulator::tail_stats_of(std::size_t s) const {
  const TailMoments& t = tails_[s];
  TailStats r;
  r.n = t.n;
  if (t.n < 2) return r;
  const double cnt = static_cast<double>(t.n);
  const double m2 = t.m2 / cnt, m4 = t.m4 / cnt;
  r.kurtosis = m2 > 0 ? m4 / (m2 * m2) : NAN;
  const auto top = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(0.001 * cnt)));
  r.top = top;
  if (top > t.top) return r;  // too few kept (an accumulator without capacity): no share
  const double* a = top_.data() + s * top_cap_;
  double top_sum = 0;
  for (std::int64_t i = 0; i < top; ++i) top_sum += a[i];
  r.top_share = t.sum > 0 && t.negative == 0 ? top_sum / t.sum : NAN;
  return r;
}

void CellAccumulator::choose_kept() {
  kept_.clear();
  tail_of_.clear();
  for (std::size_t m = 0; m < metrics_.size(); ++m)
    if (all_per_run_ || (per_run_ && per_run_->count(metrics_[m]))) kept_.push_back(m);
    else if (tail_set_ && tail_set_->count(metrics_[m])) tail_of_.push_back(m);
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
  const std::size_t T = tail_of_.size();
  tails_.insert(tails_.begin() + static_cast<std::ptrdiff_t>(k * T), T, TailMoments{});
  top_.insert(top_.begin() + static_cast<std::ptrdiff_t>(k * T * top_cap_), T * top_cap_, 0.0);
  return k;
}

void CellAccumulator::add(const RunResult& run, std::int64_t seed, std::int64_t rep) {
  const Trace& tr = run.trace;
  if (runs_.empty() && metrics_.empty()) {
    metrics_ = tr.metrics;
    choose_kept();
    points_.reserve(tr.points.size());
    for (const Point& p : tr.points) {
      PointAcc pa;
      pa.p = p;
      points_.push_back(pa);
    }
    stats_.assign(points_.size() * metrics_.size(), RunningStats{});
    tails_.assign(points_.size() * tail_of_.size(), TailMoments{});
    top_.assign(tails_.size() * top_cap_, 0.0);
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
    const std::size_t T = tail_of_.size();
    for (std::size_t q = 0; q < T; ++q) {
      const double v = tr.value(j, tail_of_[q]);
      if (std::isfinite(v)) add_tail(k * T + q, v);
    }
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

void CellAccumulator::merge(CellAccumulator&& later) {
  if (later.runs_.empty()) return;
  if (runs_.empty()) {
    // Take later's state with this accumulator's capacity for largest values (a whole cell's, when
    // `later` is a seed block's).
    const std::size_t cap = top_cap_;
    *this = std::move(later);
    if (cap != top_cap_) {  // re-lay the largest values (stride top_cap_) out with stride cap
      std::vector<double> top(tails_.size() * cap, 0.0);
      for (std::size_t s = 0; s < tails_.size(); ++s) {
        const auto n = std::min<std::size_t>(static_cast<std::size_t>(tails_[s].top), cap);
        std::copy_n(top_.begin() + static_cast<std::ptrdiff_t>(s * top_cap_), n,
                    top.begin() + static_cast<std::ptrdiff_t>(s * cap));
        tails_[s].top = static_cast<std::int64_t>(n);
      }
      top_ = std::move(top);
      top_cap_ = cap;
    }
    return;
  }
  if (metrics_.empty()) {
    metrics_ = later.metrics_;
    kept_ = later.kept_;
    tail_of_ = later.tail_of_;
    stats_.assign(points_.size() * metrics_.size(), RunningStats{});
    tails_.assign(points_.size() * tail_of_.size(), TailMoments{});
    top_.assign(tails_.size() * top_cap_, 0.0);
  } else if (!later.metrics_.empty() && later.metrics_ != metrics_) {
    throw std::logic_error("CellAccumulator::merge: blocks of one cell record different metrics");
  }
  const std::size_t M = metrics_.size(), T = tail_of_.size();
  if (!later.metrics_.empty() && later.tail_of_ != tail_of_)
    throw std::logic_error("CellAccumulator::merge: blocks of one cell keep different tail metrics");
  std::vector<double> merged(top_cap_);
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
    for (std::size_t q = 0; q < T; ++q) merge_tail(k * T + q, later, j * T + q, merged);
  }
  auto append = [](auto& to, auto& from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  };
  append(rep_values_, later.rep_values_);
  append(rep_seeds_, later.rep_seeds_);
  append(runs_, later.runs_);
  append(run_scalars_, later.run_scalars_);
  for (const auto& [name, st] : later.scalars_) {
    const auto& key = name;  // clang 14 cannot capture structured bindings in lambdas
    auto it = std::find_if(scalars_.begin(), scalars_.end(), [&](const auto& s) { return s.first == key; });
    if (it == scalars_.end()) scalars_.emplace_back(name, st);
    else it->second.merge(st);
  }
}

void CellAccumulator::merge_tail(std::size_t s, const CellAccumulator& later, std::size_t ls, std::vector<double>& merged) {
  TailMoments& t = tails_[s];
  const TailMoments& u = later.tails_[ls];
  const auto na = static_cast<std::size_t>(t.top), nb = static_cast<std::size_t>(u.top);
  t.merge(u);
  if (top_cap_ == 0) return;
  // The two lists of largest values, both decreasing, merged into the top_cap_ largest (ties: ours first).
  const double* a = top_.data() + s * top_cap_;
  const double* b = later.top_.data() + ls * later.top_cap_;
  std::size_t i = 0, j = 0, n = 0;
  while (n < top_cap_ && (i < na || j < nb)) merged[n++] = j >= nb || (i < na && a[i] >= b[j]) ? a[i++] : b[j++];
  std::copy_n(merged.begin(), n, top_.begin() + static_cast<std::ptrdiff_t>(s * top_cap_));
  t.top = static_cast<std::int64_t>(n);
}

void CellAccumulator::finish(CellResult& c) const& {
  finish_statistics(c);
  c.runs = runs_;
  c.run_scalars = run_scalars_;
}

void CellAccumulator::finish(CellResult& c) && {
  finish_statistics(c);
  c.runs = std::move(runs_);
  c.run_scalars = std::move(run_scalars_);
}

void CellAccumulator::finish_statistics(CellResult& c) const {
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
    const auto t = static_cast<std::size_t>(std::find(tail_of_.begin(), tail_of_.end(), m) - tail_of_.begin());
    if (t < tail_of_.size()) {
      s.tails.resize(K);
      for (std::size_t k = 0; k < K; ++k) s.tails[k] = tail_stats_of(k * tail_of_.size() + t);
    }
    c.metrics[metrics_[m]] = std::move(s);
  }
  c.scalars.clear();
  for (const auto& [name, st] : scalars_) c.scalars[name] = st.summary();
}

}  // namespace sgdcheck::pipeline
