#include "pipeline/execute.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>

#include "core/interrupt.hpp"
#include "core/thread_pool.hpp"

namespace sgdcheck::pipeline {

std::vector<BoundSeries> evaluate_bounds(const Plan& plan, const CellPlan& cell) {
  std::vector<BoundSeries> out;
  const CellContext ctx = plan.context_of(cell);
  for (const BoundAdapter* a : plan.bounds) {
    BoundSeries b;
    b.id = a->info.id;
    b.title = a->info.title;
    b.label = bounds::to_string(a->info.label);
    b.guarantee = bounds::to_string(a->info.guarantee);
    b.metric = a->info.metric;
    if (auto reason = a->not_applicable(ctx)) {
      b.applicable = false;
      b.reason = *reason;
    } else {
      b.applicable = true;
      b.iters = cell.record_iters;
      b.values = a->evaluate(ctx);
      for (double& v : b.values)
        if (std::isnan(v)) v = INFINITY;  // an oracle that blew up reports infinity, never NaN
    }
    out.push_back(std::move(b));
  }
  return out;
}

namespace {

/// Δ = max_j (fraction of samples with a_ij != 0) (Stich et al. 2021 §3.2 sparsity: M + 1 >= 1/Δ) for
/// finite least squares (from the rows) and random designs (population: the Bernoulli density); NaN
/// otherwise.
double max_column_density(const problems::Problem& problem, const Params& problem_params) {
  if (const auto* ls = problem.finite_least_squares()) {
    const Index d = problem.dim();
    std::vector<double> nnz(static_cast<std::size_t>(d), 0.0);
    Index rows = 0;
    if (ls->dense) {
      rows = ls->dense->rows();
      for (Index i = 0; i < rows; ++i)
        for (Index j = 0; j < d; ++j)
          if ((*ls->dense)(i, j) != 0.0) nnz[static_cast<std::size_t>(j)] += 1;
    } else if (ls->sparse) {
      rows = ls->sparse->rows();
      for (Index i = 0; i < rows; ++i)
        for (SpMat::InnerIterator it(*ls->sparse, i); it; ++it)
          if (it.value() != 0.0) nnz[static_cast<std::size_t>(it.col())] += 1;
    }
    if (rows == 0) return NAN;
    return *std::max_element(nnz.begin(), nnz.end()) / static_cast<double>(rows);
  }
  if (problem.random_design()) {
    const bool bernoulli = problem_params.has("design") && problem_params.get_string("design") == "bernoulli_gaussian";
    return bernoulli ? problem_params.get_real("density") : 1.0;
  }
  return NAN;
}

void add_constants(const problems::Problem& problem, const Params& problem_params, const runners::Runner& runner,
                   CellResult& c) {
  const auto& k = problem.constants();
  auto put = [&](const char* name, double v, bool exact) {
    if (!std::isnan(v)) c.constants[name] = {v, exact};
  };
  put("L", k.L, k.exact_L);
  put("L_max", k.L_max, k.exact_L);
  put("mu", k.mu, k.exact_mu);
  put("sigma2", k.sigma2, k.exact_sigma2);
  put("M_grad", k.M_grad, k.exact_M);
  put("M_curv", k.M_curv, k.exact_M);
  put("f_star", k.f_star, true);
  put("dim", static_cast<double>(problem.dim()), true);
  put("n", static_cast<double>(problem.n()), true);
  const Vec x0 = problem.initial_point();
  if (k.x_star.size() == x0.size()) put("r0", (x0 - k.x_star).squaredNorm(), true);
  put("F0", problem.value(x0) - k.f_star, true);
  put("Delta", max_column_density(problem, problem_params), true);
  for (const auto& [name, v] : runner.derived_constants()) c.constants[name] = {v, true};
}

}  // namespace

Execution execute(const Plan& plan, const ExecuteOptions& options) {
  const std::size_t seeds = static_cast<std::size_t>(plan.experiment.seeds);
  const std::size_t total = plan.cells.size() * seeds;
  std::vector<RunResult> runs(total);
  std::vector<double> wall(total, 0.0);
  std::atomic<std::size_t> done{0};
  std::mutex progress_mutex;
  const auto t_start = std::chrono::steady_clock::now();

  parallel_for(total, options.jobs, [&](std::size_t i) {
    if (interrupted()) return;  // SIGINT / SIGTERM: skip the remaining runs (the caller reports it)
    const CellPlan& cell = plan.cells[i / seeds];
    const runners::RunKey key{plan.seed, static_cast<std::uint64_t>(i % seeds)};
    const auto t0 = std::chrono::steady_clock::now();
    runs[i] = cell.runner->run(plan.problem_of(cell), key, cell.record_iters);
    wall[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::size_t d = ++done;
    if (options.progress) {
      std::lock_guard lock(progress_mutex);
      options.progress(d, total);
    }
  });

  Execution ex;
  if (interrupted()) return ex;  // incomplete: the caller keeps the staging folder and exits 130 / 143
  ex.total_wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  ex.wall_seconds = std::move(wall);
  ResultSet& rs = ex.results;
  rs.name = plan.experiment.name;
  rs.sweep_keys = plan.sweep_keys;
  for (const auto& cell : plan.cells) {
    CellResult c;
    c.id = cell.id;
    c.sweep_values = cell.sweep_values;
    c.options["problem.family"] = plan.experiment.problem.kind;
    c.options["runner.kind"] = plan.experiment.runner.kind;
    for (const auto& [k, v] : cell.problem_params.values()) c.options["problem." + k] = to_string(v);
    for (const auto& [k, v] : cell.runner_params.values()) c.options["runner." + k] = to_string(v);
    add_constants(plan.problem_of(cell), cell.problem_params, *cell.runner, c);

    // Union of recorded iterations over reps (runs that stop at a target record an extra point).
    std::vector<std::int64_t> iters;
    std::vector<Point> points;
    for (std::size_t r = 0; r < seeds; ++r)
      for (const auto& p : runs[cell.id * seeds + r].trace.points)
        if (std::find(iters.begin(), iters.end(), p.iter) == iters.end()) {
          iters.push_back(p.iter);
          points.push_back(p);
        }
    std::vector<std::size_t> order(iters.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return iters[a] < iters[b]; });
    std::vector<Point> sorted_points;
    for (auto k : order) sorted_points.push_back(points[k]);
    std::sort(iters.begin(), iters.end());

    const auto& metric_names = runs[cell.id * seeds].trace.metrics;
    for (std::size_t m = 0; m < metric_names.size(); ++m) {
      MetricSeries s;
      s.points = sorted_points;
      for (std::size_t r = 0; r < seeds; ++r) {
        const Trace& tr = runs[cell.id * seeds + r].trace;
        std::vector<double> row(iters.size(), NAN);
        for (std::size_t k = 0; k < tr.points.size(); ++k) {
          const auto pos = std::lower_bound(iters.begin(), iters.end(), tr.points[k].iter) - iters.begin();
          row[static_cast<std::size_t>(pos)] = tr.value(k, m);
        }
        s.values.push_back(std::move(row));
        s.seeds.push_back(static_cast<std::int64_t>(plan.seed));
      }
      s.compute_stats();
      c.metrics[metric_names[m]] = std::move(s);
    }
    for (std::size_t r = 0; r < seeds; ++r) {
      const RunResult& rr = runs[cell.id * seeds + r];
      c.runs.push_back({static_cast<std::int64_t>(plan.seed), static_cast<std::int64_t>(r), to_string(rr.termination),
                        rr.message, rr.iterations});
    }
    c.bounds = evaluate_bounds(plan, cell);
    rs.cells.push_back(std::move(c));
    // The cell's traces are now in the result set: release them (large sweeps hold many runs).
    for (std::size_t r = 0; r < seeds; ++r) runs[cell.id * seeds + r].trace = Trace{};
  }
  return ex;
}

}  // namespace sgdcheck::pipeline
