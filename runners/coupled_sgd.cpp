#include "runners/coupled_sgd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "problems/stability_model.hpp"
#include "runners/delay_source.hpp"
#include "runners/delayed_sgd.hpp"

namespace sgdcheck::runners {

namespace {

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = {"delta",      "eps_avg",    "eps_sup", "gap",       "train_loss",
                                                 "test_loss",  "step",       "delay_mean", "lip_excess"};
  return names;
}

/// g = (1/b) Σ_k ∇f(at; row_k) over `idx` (in order), with row j replaced by (xj, yj) when
/// `replace` (the S′ run), plus the ridge term. One summation order for S, S′ and plain SGD.
void batch_gradient(const problems::StabilityModel& m, const RowMat& X, const Vec& y, std::span<const Index> idx,
                    Index j, bool replace, const Vec& xj, double yj, const Vec& at, Vec& g) {
  g.setZero();
  for (const Index i : idx) {
    if (replace && i == j) {
      g.noalias() += m.coefficient(xj.dot(at), yj) * xj;
    } else {
      g.noalias() += m.coefficient(X.row(i).dot(at), y[i]) * X.row(i).transpose();
    }
  }
  g /= static_cast<double>(idx.size());
  const double ridge = m.ridge();
  if (ridge != 0.0) g.noalias() += ridge * at;
}

void project(double radius, Vec& x) {
  if (!std::isfinite(radius)) return;
  const double norm = x.norm();
  if (norm > radius) x *= radius / norm;
}

double finite_or_inf(double v) { return std::isnan(v) ? INFINITY : v; }

}  // namespace

CoupledSgd::CoupledSgd(RunSpec spec, Options options) : spec_(std::move(spec)), options_(options) {
  if (!spec_.delay.source) throw std::logic_error("CoupledSgd: no delay source");
}

std::vector<std::pair<std::string, double>> CoupledSgd::derived_constants() const {
  return {{"alpha", spec_.step.at(1)},
          {"batch", static_cast<double>(spec_.batch())},
          {"tau", static_cast<double>(spec_.delay.max_delay)},
          {"K", static_cast<double>(options_.grads_per_update)},
          {"seeds_per_draw", static_cast<double>(options_.seeds_per_draw)},
          {"test_samples", static_cast<double>(options_.test_samples)}};
}

RunResult CoupledSgd::run_with(const problems::Problem& problem,
                               const RunKey& key,
                               const std::vector<std::int64_t>& record_iters,
                               StepObserver* /*observer*/) const {
  const problems::StabilityModel* model = problem.stability_model();
  if (!model) throw std::logic_error("coupled_sgd on a problem without a stability model");
  const problems::StabilityModel& m = *model;
  const Index d = m.dim(), n = m.train_size();
  const std::int64_t T = spec_.iterations, b = spec_.batch(), K = options_.grads_per_update;
  const std::int64_t R = options_.seeds_per_draw, M = options_.test_samples;
  const std::int64_t tau_max = spec_.delay.max_delay;
  const std::size_t slots = static_cast<std::size_t>(tau_max + 1);
  const double radius = m.radius(), L = m.L();
  const bool check_plain = tau_max == 0 && K == 1;

  // The draw: S, j, z′_j and the test set (one data stream per repetition).
  Rng data = make_stream(key.seed, key.rep, StreamPurpose::kProblemData, 1);
  RowMat X(n, d), Z(M, d);
  Vec y(n), yz(M), xj(d), row(d);
  for (Index i = 0; i < n; ++i) {
    y[i] = m.draw(data, row);
    X.row(i) = row.transpose();
  }
  const Index j = static_cast<Index>(data.below(static_cast<std::uint64_t>(n)));
  const double yj = m.draw(data, xj);
  for (Index z = 0; z < M; ++z) {
    yz[z] = m.draw(data, row);
    Z.row(z) = row.transpose();
  }

  const std::size_t P = record_iters.size();
  const std::size_t nm = metric_names().size();
  std::vector<double> delta(P, 0.0), eps_avg(P, 0.0), gap(P, 0.0), train(P, 0.0), test(P, 0.0), step(P, 0.0),
      delay_mean(P, 0.0), lip(P, -INFINITY), diff_sum(P * static_cast<std::size_t>(M), 0.0);
  std::vector<Vec> ring(slots, Vec::Zero(d)), ringp(slots, Vec::Zero(d));
  Vec g(d), gp(d), gk(d), gpk(d), plain = Vec::Zero(d), gplain(d);
  std::vector<Index> idx(static_cast<std::size_t>(b * K));
  Vec fz(M), fzp(M);
  double pre_j_diff = 0.0, first_j_sum = 0.0, mismatches = 0.0;

  auto evaluate = [&](std::size_t k, const Vec& x, const Vec& xp, double alpha, double tau_sum, std::int64_t t) {
    const double dist = (x - xp).norm();
    delta[k] += dist;
    const double w2 = x.squaredNorm(), w2p = xp.squaredNorm();
    fz.noalias() = Z * x;
    fzp.noalias() = Z * xp;
    double abs_sum = 0.0, test_sum = 0.0, worst = -INFINITY;
    double* ds = diff_sum.data() + k * static_cast<std::size_t>(M);
    for (Index z = 0; z < M; ++z) {
      const double f = m.loss(fz[z], yz[z], w2), fp = m.loss(fzp[z], yz[z], w2p);
      const double diff = f - fp;
      abs_sum += std::abs(diff);
      test_sum += f;
      ds[z] += diff;
      worst = std::max(worst, std::abs(diff) - L * dist);
    }
    double train_sum = 0.0;
    for (Index i = 0; i < n; ++i) train_sum += m.loss(X.row(i).dot(x), y[i], w2);
    eps_avg[k] += abs_sum / static_cast<double>(M);
    test[k] += test_sum / static_cast<double>(M);
    train[k] += train_sum / static_cast<double>(n);
    gap[k] += test_sum / static_cast<double>(M) - train_sum / static_cast<double>(n);
    step[k] += alpha;
    delay_mean[k] += t > 0 ? tau_sum / static_cast<double>(t) : 0.0;
    lip[k] = std::max(lip[k], worst);
  };

  for (std::int64_t r = 0; r < R; ++r) {
    const RunKey inner{key.seed, key.rep * static_cast<std::uint64_t>(R) + static_cast<std::uint64_t>(r)};
    Rng rng = make_stream(inner.seed, inner.rep, StreamPurpose::kAlgorithm, 0);
    const std::unique_ptr<DelayCursor> cursor = spec_.delay.source->start(inner);
    for (auto& v : ring) v.setZero();
    for (auto& v : ringp) v.setZero();
    plain.setZero();
    std::size_t k = 0;
    if (k < P && record_iters[k] == 0) evaluate(k++, ring[0], ringp[0], spec_.step.at(1, 0), 0.0, 0);
    std::int64_t first_j = -1;
    double tau_sum = 0.0;
    for (std::int64_t t = 0; t < T; ++t) {
      g.setZero();
      gp.setZero();
      std::int64_t tau_t = 0;
      bool has_j = false;
      for (std::int64_t q = 0; q < K; ++q) {
        const std::int64_t tq = std::min<std::int64_t>(t, cursor->next());
        tau_t = std::max(tau_t, tq);
        const std::size_t slot = static_cast<std::size_t>((t - tq) % (tau_max + 1));
        const std::span<Index> batch(idx.data() + q * b, static_cast<std::size_t>(b));
        for (auto& i : batch) {
          i = static_cast<Index>(rng.below(static_cast<std::uint64_t>(n)));
          has_j = has_j || i == j;
        }
        batch_gradient(m, X, y, batch, j, false, xj, yj, ring[slot], gk);
        batch_gradient(m, X, y, batch, j, true, xj, yj, ringp[slot], gpk);
        if (K == 1) {
          g.swap(gk);
          gp.swap(gpk);
        } else {
          g += gk;
          gp += gpk;
        }
      }
      if (K > 1) {
        g /= static_cast<double>(K);
        gp /= static_cast<double>(K);
      }
      tau_sum += static_cast<double>(tau_t);
      const double alpha = spec_.step.at(t + 1, tau_t);
      const std::size_t cur = static_cast<std::size_t>(t % (tau_max + 1));
      const std::size_t next = static_cast<std::size_t>((t + 1) % (tau_max + 1));
      // x_{t+1} overwrites x_{t−τ}, whose gradient is already drawn.
      if (next != cur) {
        ring[next] = ring[cur];
        ringp[next] = ringp[cur];
      }
      ring[next].noalias() -= alpha * g;
      ringp[next].noalias() -= alpha * gp;
      project(radius, ring[next]);
      project(radius, ringp[next]);
      if (first_j < 0) {
        if (has_j) {
          first_j = t;
        } else if (ring[next] != ringp[next]) {
          pre_j_diff = std::max(pre_j_diff, (ring[next] - ringp[next]).norm());
        }
      }
      if (check_plain) {
        batch_gradient(m, X, y, std::span<const Index>(idx.data(), static_cast<std::size_t>(b)), j, false, xj, yj, plain,
                       gplain);
        plain.noalias() -= alpha * gplain;
        project(radius, plain);
        if (plain != ring[next]) mismatches += 1.0;
      }
      while (k < P && record_iters[k] == t + 1) evaluate(k++, ring[next], ringp[next], alpha, tau_sum, t + 1);
    }
    first_j_sum += static_cast<double>(first_j < 0 ? T : first_j);
  }

  RunResult out;
  out.termination = Termination::kMaxIterations;
  out.message = fmt::format("ran {} coupled pairs of {} updates", R, T);
  out.iterations = T;
  out.trace.metrics = metric_names();
  const double Rd = static_cast<double>(R);
  for (std::size_t k = 0; k < P; ++k) {
    Point p;
    p.iter = record_iters[k];
    p.samples = p.iter * b * K;
    p.rounds = p.iter;
    p.vtime = static_cast<double>(p.iter);
    out.trace.points.push_back(p);
    double sup = 0.0;
    const double* ds = diff_sum.data() + k * static_cast<std::size_t>(M);
    for (Index z = 0; z < M; ++z) sup = std::max(sup, std::abs(ds[z] / Rd));
    const double vals[] = {delta[k] / Rd, eps_avg[k] / Rd, sup, gap[k] / Rd, train[k] / Rd, test[k] / Rd,
                           step[k] / Rd, delay_mean[k] / Rd, lip[k]};
    for (std::size_t q = 0; q < nm; ++q) out.trace.values.push_back(finite_or_inf(vals[q]));
  }
  out.scalars.emplace_back("c1_pre_j_diff", pre_j_diff);
  out.scalars.emplace_back("first_j_update", first_j_sum / Rd);
  if (check_plain) out.scalars.emplace_back("c1_sgd_mismatch", mismatches);
  return out;
}

RunnerKind CoupledSgd::kind() {
  RunnerKind k;
  k.schema.name = "coupled_sgd";
  k.schema.description =
      "coupled delayed SGD on neighbouring data sets S, S' for algorithmic stability (Regatti et al. 2019): one "
      "repetition is one draw of S, j, z'_j and a test set, with seeds_per_draw coupled pairs; records delta, "
      "eps_avg, eps_sup, gap, train_loss, test_loss, step, delay_mean, lip_excess";
  k.schema.fields = {
      int_field("iterations", 1000, 1, 1e9, "number of server updates T"),
      int_field("batch", 1, 1, 1e6, "mini-batch size b, drawn with replacement"),
      int_field("grads_per_update", 1, 1, 1000, "K stale gradients (each with its own delay and batch) averaged per update"),
      int_field("seeds_per_draw", 20, 1, 100000, "R coupled pairs (seeds) per draw of S; metrics are their means"),
      int_field("test_samples", 2000, 1, 10000000, "test points z for eps_avg, eps_sup and the test loss"),
      int_field("record.per_decade", 10, 1, 1000, "recorded points per factor 10 of iterations (log-spaced)"),
  };
  for (auto& f : delay_fields()) k.schema.fields.push_back(std::move(f));
  for (auto& f : stability_lr_fields()) k.schema.fields.push_back(std::move(f));
  k.validate = [](const Params& p, const problems::Problem& problem) {
    if (!problem.stability_model())
      throw ConfigError(p.where("iterations"),
                        fmt::format("runner.kind = coupled_sgd needs a problem with a stability model "
                                    "(sphere_logistic, ridge_logistic_projected, sigmoid_loss), not {}",
                                    problem.family()));
    const double cost = static_cast<double>(p.get_int("test_samples")) * static_cast<double>(problem.dim());
    if (cost > 1e8) p.fail("test_samples", "test_samples * d <= 1e8");
    // eps_sup keeps one running sum per (recorded point, test point).
    const double points = static_cast<double>(
        log_spaced_iterations(p.get_int("iterations"), static_cast<int>(p.get_int("record.per_decade"))).size());
    if (points * static_cast<double>(p.get_int("test_samples")) > 1e8)
      p.fail("test_samples", fmt::format("test_samples * (recorded points = {}) <= 1e8", points));
    const double ring = (static_cast<double>(p.get_int("delay.tau")) + 1.0) * static_cast<double>(problem.dim());
    if (ring > 1e8) p.fail("delay.tau", "(tau + 1) * d <= 1e8");
    (void)make_delay_source(p);
  };
  k.make = [](const Params& p, const problems::Problem& problem) -> std::unique_ptr<Runner> {
    const problems::StabilityModel* m = problem.stability_model();
    if (!m) p.fail("kind", "a problem with a stability model");
    RunSpec s;
    s.algorithm = Algorithm::kDelayed;
    s.iterations = p.get_int("iterations");
    s.batches = {p.get_int("batch")};
    s.theta_b = problems::batch_variance_factor(s.batch(), problem.n(), problems::Sampling::kWithReplacement);
    s.per_decade = p.get_int("record.per_decade");
    s.delay.source = make_delay_source(p);
    s.delay.kind = p.get_string("delay.kind") == "file"      ? DelayKind::kFile
                   : p.get_string("delay.kind") == "uniform" ? DelayKind::kUniform
                                                             : DelayKind::kFixed;
    s.delay.max_delay = s.delay.source->max_delay();
    s.delay.fixed = s.delay.source->is_fixed();
    s.delay.text = s.delay.source->describe();
    CoupledSgd::Options o;
    o.grads_per_update = p.get_int("grads_per_update");
    o.seeds_per_draw = p.get_int("seeds_per_draw");
    o.test_samples = p.get_int("test_samples");
    o.policy = parse_lr_policy(p);
    o.alpha0_beta = p.get_real("lr.alpha0_beta");
    o.c = p.get_real("lr.c");
    s.step = stability_step(o.policy, o.alpha0_beta, o.c, m->beta(), s.delay.max_delay);
    return std::make_unique<CoupledSgd>(std::move(s), o);
  };
  k.metrics = metric_names();
  return k;
}

}  // namespace sgdcheck::runners
