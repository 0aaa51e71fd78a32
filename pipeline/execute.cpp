#include "pipeline/execute.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>

#include "core/interrupt.hpp"
#include "core/thread_pool.hpp"
#include "pipeline/checkpoint.hpp"
#include "pipeline/reduction.hpp"

namespace sgdcheck::pipeline {

namespace fs = std::filesystem;

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
    if (a->constants) b.constants = a->constants(ctx);
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
double max_column_density(const problems::Problem& problem) {
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
  if (const auto* rd = problem.random_design()) return rd->density;
  return NAN;
}

void add_constants(const problems::Problem& problem, const runners::Runner& runner, CellResult& c) {
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
  put("Delta", max_column_density(problem), true);
  for (const auto& [name, v] : runner.derived_constants()) c.constants[name] = {v, true};
}

/// The per-run scalars every run gets: iterations, and iterations_to_target where the runner has a
/// target (+inf when the run did not reach it).
void add_standard_scalars(const CellPlan& cell, RunResult& r) {
  r.scalars.emplace_back("iterations", static_cast<double>(r.iterations));
  if (cell.runner->spec().target_metric != runners::TargetMetric::kNone)
    r.scalars.emplace_back("iterations_to_target",
                           r.termination == Termination::kConverged ? static_cast<double>(r.iterations) : INFINITY);
}

}  // namespace

std::map<std::string, std::pair<double, bool>> cell_constants(const problems::Problem& problem,
                                                              const runners::Runner& runner) {
  CellResult c;
  add_constants(problem, runner, c);
  return c.constants;
}

void describe_cell(const Plan& plan, std::size_t ci, CellResult& c) {
  const CellPlan& cell = plan.cells[ci];
  c.id = cell.id;
  c.sweep_values = cell.sweep_values;
  c.options["problem.family"] = plan.experiment.problem.kind;
  c.options["runner.kind"] = plan.experiment.runner.kind;
  for (const auto& [k, v] : cell.problem_params.values()) c.options["problem." + k] = to_string(v);
  for (const auto& [k, v] : cell.runner_params.values()) c.options["runner." + k] = to_string(v);
  if (cell.problem_params.has("data.file") && !cell.problem_params.get_string("data.file").empty()) {
    // A data-file problem has the file's n and d, not the generator's defaults (cells.csv).
    c.options["problem.n"] = std::to_string(plan.problem_of(cell).n());
    c.options["problem.d"] = std::to_string(plan.problem_of(cell).dim());
  }
  add_constants(plan.problem_of(cell), *cell.runner, c);
  c.bounds = evaluate_bounds(plan, cell);
}

void describe_cells(const Plan& plan, int jobs, ResultSet& rs) {
  // Each cell writes only its own CellResult, so the outcome is the same for any number of jobs; the
  // exact oracles (O(n d^2) per step) dominate here when cells have large data.
  parallel_for(plan.cells.size(), jobs, [&](std::size_t ci) { describe_cell(plan, ci, rs.cells[ci]); });
}

CellAccumulator accumulator_for(const Plan& plan, std::size_t cell, bool block) {
  const auto seeds = static_cast<double>(plan.experiment.seeds);
  auto top = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(0.001 * seeds)));
  if (block) top = std::min(top, kSeedBlock);
  // With traces every metric is kept per run, and the tail report is computed from those values.
  return CellAccumulator(&plan.per_run_metrics, plan.traces, plan.cells[cell].runner->spec().record_axis,
                         plan.traces ? nullptr : &plan.tail_metrics, top);
}

Execution execute(const Plan& plan, const ExecuteOptions& options, const CheckpointOptions& ck) {
  const std::size_t seeds = static_cast<std::size_t>(plan.experiment.seeds);
  const std::size_t ncells = plan.cells.size();
  const std::size_t blocks_per_cell = (seeds + kSeedBlock - 1) / kSeedBlock;
  const auto t_start = std::chrono::steady_clock::now();
  if (options.phases) options.phases->start("runs");

  Execution ex;
  ResultSet& rs = ex.results;
  rs.name = plan.experiment.name;
  rs.sweep_keys = plan.sweep_keys;
  if (!plan.traces) rs.tail_only = plan.tail_metrics;  // with traces every metric is written per run
  rs.cells.resize(ncells);
  ex.wall_seconds.assign(ncells * seeds, 0.0);

  // Resume: cells whose checkpoint matches are taken as they are.
  std::vector<std::string> keys(ncells);
  std::vector<char> resumed(ncells, 0);
  const bool use_checkpoints = !ck.checkpoint_dir.empty() || !ck.resume_from.empty();
  for (std::size_t c = 0; c < ncells && use_checkpoints; ++c) {
    keys[c] = checkpoint_key(plan, plan.cells[c], ck.code_version);
    const std::string fname = checkpoint_file_name(plan.cells[c].id, keys[c]);
    for (const auto& dir : ck.resume_from) {
      std::vector<double> wall;
      if (!read_checkpoint(dir / fname, keys[c], seeds, rs.cells[c], wall)) continue;
      std::copy(wall.begin(), wall.end(), ex.wall_seconds.begin() + static_cast<std::ptrdiff_t>(c * seeds));
      if (!ck.checkpoint_dir.empty() && fs::absolute(dir) != fs::absolute(ck.checkpoint_dir))
        write_checkpoint(ck.checkpoint_dir / fname, keys[c], rs.cells[c], wall);
      resumed[c] = 1;
      ++ex.resumed_cells;
      break;
    }
  }

  // Work items (cell, seed block) of the cells still to run, in cell-major order.
  std::vector<std::pair<std::size_t, std::size_t>> items;
  for (std::size_t c = 0; c < ncells; ++c)
    if (!resumed[c])
      for (std::size_t b = 0; b < blocks_per_cell; ++b) items.emplace_back(c, b);
  std::vector<CellAccumulator> blocks;
  blocks.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) blocks.push_back(accumulator_for(plan, items[i].first, true));
  std::vector<std::size_t> first_item(ncells, 0);
  for (std::size_t i = items.size(); i-- > 0;) first_item[items[i].first] = i;
  std::unique_ptr<std::atomic<std::size_t>[]> remaining(new std::atomic<std::size_t>[ncells]);
  for (std::size_t c = 0; c < ncells; ++c) remaining[c].store(blocks_per_cell);

  const std::size_t total = (ncells - ex.resumed_cells) * seeds;
  std::atomic<std::size_t> done{0}, cells_done{0};
  std::mutex progress_mutex;
  // Runs item i's reps here into its block.
  auto run_item = [&](std::size_t i) -> bool {
    const auto [c, b] = items[i];
    const CellPlan& cell = plan.cells[c];
    CellAccumulator& acc = blocks[i];
    const problems::Problem& problem = plan.problem_of(cell);
    // The block's runs reuse one set of buffers (workers, recorder) and one result, so a cell of
    // many short runs does not spend its time in malloc; the results are bit-identical to fresh runs.
    const auto scratch = cell.runner->make_scratch(problem, cell.record_iters);
    RunResult run;
    for (std::size_t r = b * kSeedBlock; r < std::min(seeds, (b + 1) * kSeedBlock); ++r) {
      // SIGINT / SIGTERM: leave this block unfinished, so its cell is neither merged nor
      // checkpointed; the caller keeps the staging folder (finished cells' checkpoints) and exits.
      if (interrupted()) return false;
      const runners::RunKey key{plan.seed, static_cast<std::uint64_t>(r)};
      const auto t0 = std::chrono::steady_clock::now();
      cell.runner->run_reusing(problem, key, cell.record_iters, scratch.get(), run);
      ex.wall_seconds[c * seeds + r] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      add_standard_scalars(cell, run);
      acc.add(run, static_cast<std::int64_t>(plan.seed), static_cast<std::int64_t>(r));
      const std::size_t d = ++done;
      if (options.progress) {
        std::lock_guard lock(progress_mutex);
        options.progress(d, total);
      }
    }
    return true;
  };
  // Item i's block is final; the call that finishes a cell's last block merges the blocks in block order.
  auto reduce_item = [&](std::size_t i) {
    const std::size_t c = items[i].first;
    const CellPlan& cell = plan.cells[c];
    if (remaining[c].fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    CellAccumulator whole = accumulator_for(plan, c, false);
    for (std::size_t k = first_item[c]; k < first_item[c] + blocks_per_cell; ++k) {
      whole.merge(std::move(blocks[k]));
      blocks[k] = accumulator_for(plan, c, true);  // release
    }
    std::move(whole).finish(rs.cells[c]);
    if (options.cell_progress) {
      const std::size_t d = ++cells_done;
      std::lock_guard lock(progress_mutex);
      options.cell_progress(d, ncells - ex.resumed_cells);
    }
    if (!ck.checkpoint_dir.empty()) {
      const std::vector<double> wall(ex.wall_seconds.begin() + static_cast<std::ptrdiff_t>(c * seeds),
                                     ex.wall_seconds.begin() + static_cast<std::ptrdiff_t>((c + 1) * seeds));
      write_checkpoint(ck.checkpoint_dir / checkpoint_file_name(cell.id, keys[c]), keys[c], rs.cells[c], wall);
    }
  };
  bool complete = true;
  if (options.scheduler) {
    WorkItems wi;
    wi.plan = &plan;
    wi.list = items;
    wi.run = run_item;
    wi.block = [&](std::size_t i) -> CellAccumulator& { return blocks[i]; };
    wi.reduce = reduce_item;
    wi.count_runs = [&](std::size_t n) {
      const std::size_t d = done.fetch_add(n) + n;
      if (options.progress) {
        std::lock_guard lock(progress_mutex);
        options.progress(d, total);
      }
    };
    wi.wall_seconds = ex.wall_seconds.data();
    complete = options.scheduler->schedule(wi, options.jobs);
  } else {
    parallel_for(items.size(), options.jobs, [&](std::size_t i) {
      if (run_item(i)) reduce_item(i);
    });
  }
  ex.executed_runs = done.load();
  if (interrupted()) return ex;  // incomplete: the caller keeps the staging folder and exits 130 / 143
  if (!complete) {  // an MPI worker rank or a shard: the reduction happens elsewhere
    ex.complete = false;
    return ex;
  }
  ex.total_wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();

  if (options.phases) options.phases->start("describe");
  describe_cells(plan, options.jobs, rs);
  return ex;
}

}  // namespace sgdcheck::pipeline
