#include "pipeline/distribute.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/errors.hpp"
#include "pipeline/checkpoint.hpp"
#include "pipeline/outputs.hpp"

namespace sgdcheck::pipeline {

std::size_t ByteReader::count(std::size_t elem_size) {
  const auto n = get<std::uint64_t>();
  if (n > left() / std::max<std::size_t>(elem_size, 1)) fail("a count exceeds the bytes left");
  return static_cast<std::size_t>(n);
}

std::string ByteReader::get_string() { return std::string(get_bytes()); }

std::string_view ByteReader::get_bytes() {
  const std::size_t n = count(1);
  std::string_view s(p_, n);
  p_ += n;
  return s;
}

void ByteReader::fail(const std::string& why) const { throw DataError(what_ + ": malformed (" + why + ")"); }

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h) {
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

std::size_t block_reps(const Plan& plan, std::size_t block) {
  const auto seeds = static_cast<std::size_t>(plan.experiment.seeds);
  const std::size_t first = block * kSeedBlock;
  return first >= seeds ? 0 : std::min(seeds, first + kSeedBlock) - first;
}

/// CellAccumulator's state to and from bytes (a friend of CellAccumulator).
class BlockCodec {
 public:
  static_assert(std::is_trivially_copyable_v<RunningStats> && sizeof(RunningStats) == 7 * 8);
  static_assert(std::is_trivially_copyable_v<TailMoments> && sizeof(TailMoments) == 8 * 8);

  static void put(ByteWriter& w, const CellAccumulator& a) {
    w.put<std::uint64_t>(a.metrics_.size());
    for (const auto& m : a.metrics_) w.put_string(m);
    std::vector<std::uint64_t> kept(a.kept_.begin(), a.kept_.end());
    w.put_array(kept);
    w.put<std::uint64_t>(a.points_.size());
    for (const auto& pa : a.points_) {
      w.put(pa.p.iter);
      w.put(pa.p.samples);
      w.put(pa.p.rounds);
      w.put(pa.p.vtime);
      w.put(pa.vtime_sum);
      w.put(pa.reps);
      w.put<std::uint8_t>(pa.vtime_varies ? 1 : 0);
    }
    w.put_array(a.stats_);
    w.put_array(a.tails_);
    for (std::size_t s = 0; s < a.tails_.size(); ++s)  // the kept largest values of each slot
      for (std::int64_t i = 0; i < a.tails_[s].top; ++i) w.put(a.top_[s * a.top_cap_ + static_cast<std::size_t>(i)]);
    w.put<std::uint64_t>(a.rep_values_.size());
    for (const auto& rv : a.rep_values_) {
      w.put_array(rv.keys);
      w.put_array(rv.values);
    }
    w.put_array(a.rep_seeds_);
    w.put<std::uint64_t>(a.runs_.size());
    for (const auto& r : a.runs_) {
      w.put(r.seed);
      w.put(r.rep);
      w.put(r.iterations);
      w.put_string(r.termination);
      w.put_string(r.message);
    }
    for (const auto& sc : a.run_scalars_) {  // one list per run
      w.put<std::uint64_t>(sc.size());
      for (const auto& [name, v] : sc) {
        w.put_string(name);
        w.put(v);
      }
    }
    w.put<std::uint64_t>(a.scalars_.size());
    for (const auto& [name, st] : a.scalars_) {
      w.put_string(name);
      w.put(st);
    }
  }

  /// Reads a block of `reps` reps starting at rep `first_rep` into `a` (constructed for the plan's cell).
  static void get(
      ByteReader& in, const Plan& plan, std::size_t first_rep, std::size_t reps, CellAccumulator& a) {
    const auto R = static_cast<std::int64_t>(reps);
    const auto seed = static_cast<std::int64_t>(plan.seed);
    const std::size_t M = in.count(8);
    std::set<std::string> seen;
    for (std::size_t m = 0; m < M; ++m) {
      a.metrics_.push_back(in.get_string());
      if (!seen.insert(a.metrics_.back()).second) in.fail("metric " + a.metrics_.back() + " twice");
    }
    // The kept metrics are what the plan keeps (never trusted from the bytes).
    const auto kept = in.get_array<std::uint64_t>();
    a.choose_kept();  // the per-run and tail metrics of the plan
    if (!std::equal(kept.begin(), kept.end(), a.kept_.begin(), a.kept_.end()))
      in.fail("kept per-run metrics differ from the plan's");
    const std::size_t K = in.count(6 * 8 + 1);
    a.points_.resize(K);
    for (std::size_t k = 0; k < K; ++k) {
      auto& pa = a.points_[k];
      pa.p.iter = in.get<std::int64_t>();
      pa.p.samples = in.get<std::int64_t>();
      pa.p.rounds = in.get<std::int64_t>();
      pa.p.vtime = in.get<double>();
      pa.vtime_sum = in.get<double>();
      pa.reps = in.get<std::int64_t>();
      const auto varies = in.get<std::uint8_t>();
      if (varies > 1 || pa.reps < 1 || pa.reps > R) in.fail("point reps");
      pa.vtime_varies = varies == 1;
      const double key = axis_value(pa.p, a.axis_);
      if (std::isnan(key) || (k > 0 && !(axis_value(a.points_[k - 1].p, a.axis_) < key)))
        in.fail("points not increasing");
    }
    a.stats_ = in.get_array<RunningStats>();
    if (a.stats_.size() != K * M) in.fail("statistics size");
    for (const auto& st : a.stats_)
      if (st.n < 0 || st.pos_inf < 0 || st.neg_inf < 0 || st.n > R || st.pos_inf > R || st.neg_inf > R ||
          st.count() > R)
        in.fail("statistics counts");
    // Each slot of the plan's tail metrics keeps min(n, capacity) finite values in decreasing order,
    // as add_tail leaves them.
    a.tails_ = in.get_array<TailMoments>();
    if (a.tails_.size() != K * a.tail_of_.size()) in.fail("tail statistics size");
    a.top_.assign(a.tails_.size() * a.top_cap_, 0.0);
    for (std::size_t s = 0; s < a.tails_.size(); ++s) {
      const TailMoments& t = a.tails_[s];
      if (t.n < 0 || t.n > R || t.negative < 0 || t.negative > t.n ||
          t.top != std::min<std::int64_t>(t.n, static_cast<std::int64_t>(a.top_cap_)))
        in.fail("tail statistics counts");
      for (std::int64_t i = 0; i < t.top; ++i) {
        const double v = in.get<double>();
        if (!std::isfinite(v) || (i > 0 && v > a.top_[s * a.top_cap_ + static_cast<std::size_t>(i) - 1]))
          in.fail("largest values");
        a.top_[s * a.top_cap_ + static_cast<std::size_t>(i)] = v;
      }
    }
    const std::size_t nrv = in.count(16);
    if (nrv != (a.kept_.empty() ? 0 : reps)) in.fail("per-run values");
    a.rep_values_.resize(nrv);
    for (auto& rv : a.rep_values_) {
      rv.keys = in.get_array<double>();
      rv.values = in.get_array<double>();
      if (rv.keys.size() > K || rv.values.size() != rv.keys.size() * a.kept_.size())
        in.fail("per-run values size");
      // finish() places each value at its point: every key must be one of the points'.
      for (double key : rv.keys) {
        const auto it =
            std::lower_bound(a.points_.begin(), a.points_.end(), key, [&](const auto& p, double v) {
              return axis_value(p.p, a.axis_) < v;
            });
        if (it == a.points_.end() || axis_value(it->p, a.axis_) != key) in.fail("per-run value at no point");
      }
    }
    a.rep_seeds_ = in.get_array<std::int64_t>();
    if (a.rep_seeds_.size() != nrv) in.fail("per-run seeds");
    for (auto s : a.rep_seeds_)
      if (s != seed) in.fail("seed");
    const std::size_t nruns = in.count(5 * 8);
    if (nruns != reps) in.fail(fmt::format("{} runs, expected {}", nruns, reps));
    a.runs_.resize(nruns);
    for (std::size_t r = 0; r < nruns; ++r) {
      auto& info = a.runs_[r];
      info.seed = in.get<std::int64_t>();
      info.rep = in.get<std::int64_t>();
      info.iterations = in.get<std::int64_t>();
      info.termination = in.get_string();
      info.message = in.get_string();
      if (info.seed != seed || info.rep != static_cast<std::int64_t>(first_rep + r))
        in.fail("run seed or rep");
    }
    a.run_scalars_.resize(nruns);
    for (auto& sc : a.run_scalars_) {
      const std::size_t n = in.count(16);
      sc.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        std::string name = in.get_string();
        sc.emplace_back(std::move(name), in.get<double>());
      }
    }
    const std::size_t ns = in.count(8 + sizeof(RunningStats));
    seen.clear();
    for (std::size_t i = 0; i < ns; ++i) {
      std::string name = in.get_string();
      if (!seen.insert(name).second) in.fail("scalar " + name + " twice");
      const auto st = in.get<RunningStats>();
      if (st.n < 0 || st.pos_inf < 0 || st.neg_inf < 0 || st.n > R || st.pos_inf > R || st.neg_inf > R ||
          st.count() > R)
        in.fail("scalar counts");
      a.scalars_.emplace_back(std::move(name), st);
    }
  }
};

std::string encode_item(const Plan& plan, const WorkItems& items, std::size_t i) {
  const auto [c, b] = items.list[i];
  const auto seeds = static_cast<std::size_t>(plan.experiment.seeds);
  ByteWriter w;
  w.put<std::uint64_t>(c);
  w.put<std::uint64_t>(b);
  BlockCodec::put(w, items.block(i));
  const std::size_t first = c * seeds + b * kSeedBlock;
  w.put_array(
      std::vector<double>(items.wall_seconds + first, items.wall_seconds + first + block_reps(plan, b)));
  return std::move(w.buffer());
}

std::size_t decode_item(const Plan& plan,
                        const WorkItems& items,
                        std::string_view bytes,
                        const std::string& what) {
  ByteReader in(bytes, what);
  const auto c = in.get<std::uint64_t>();
  const auto b = in.get<std::uint64_t>();
  const std::pair<std::size_t, std::size_t> key{static_cast<std::size_t>(c), static_cast<std::size_t>(b)};
  const auto it = std::lower_bound(items.list.begin(), items.list.end(), key);
  if (it == items.list.end() || *it != key)
    in.fail(fmt::format("cell {} block {} is not a work item of this run", c, b));
  const auto j = static_cast<std::size_t>(it - items.list.begin());
  const std::size_t reps = block_reps(plan, key.second);
  CellAccumulator acc = accumulator_for(plan, key.first, true);
  BlockCodec::get(in, plan, key.second * kSeedBlock, reps, acc);
  const auto wall = in.get_array<double>();
  if (wall.size() != reps) in.fail("wall times");
  if (!in.at_end()) in.fail("trailing bytes");
  items.block(j) = std::move(acc);
  const auto seeds = static_cast<std::size_t>(plan.experiment.seeds);
  std::copy(wall.begin(), wall.end(), items.wall_seconds + key.first * seeds + key.second * kSeedBlock);
  return j;
}

std::string config_fingerprint(const Plan& plan, const std::string& code_version) {
  std::uint64_t h = fnv1a64(resolved_yaml(plan));
  h = fnv1a64(plan.traces ? "traces" : "no traces", h);
  for (const auto& cell : plan.cells) h = fnv1a64(checkpoint_key(plan, cell, code_version), h);
  return fmt::format("{:016x}", h);
}

}  // namespace sgdcheck::pipeline
