#include "cli/critical_command.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <Eigen/Eigenvalues>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/params.hpp"
#include "core/rng.hpp"
#include "pipeline/bound_adapter_support.hpp"
#include "problems/critical.hpp"
#include "problems/critical_iterative.hpp"
#include "problems/dataset.hpp"
#include "problems/initial_point.hpp"
#include "problems/least_squares.hpp"
#include "problems/logistic_regression.hpp"
#include "problems/registry.hpp"

namespace sgdcheck::cli {

namespace {

using problems::Dataset;
using problems::Problem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Everything the command reports.
struct Report {
  std::string objective;  ///< least_squares | logistic | nonconvex_logistic | random_design_ls
  std::string source;     ///< describe() of the problem
  Index n = 0, d = 0, rank = -1;
  double L = kNaN, L_max = kNaN, mu = kNaN, sigma2 = kNaN;
  double M_grad = kNaN, M_curv = kNaN;
  bool M_exact = false;
  std::string M_method;
  std::string accuracy = "exact";  ///< "exact" or the iterative label with its tolerance
  std::string constants_method;    ///< least squares: exact (dense …) or iterative (Lanczos, tol …)
  std::string constants_work;      ///< iterative: passes over the rows
  double M_grad_hessian = kNaN, M_curv_hessian = kNaN;  ///< logistic: quadratic model at x* (§3.3)
  double delta = kNaN;
  double nsx0 = kNaN;                                ///< B_simple(x0), exact
  double ns_two_batch = kNaN;                        ///< two-batch estimate of B_simple(x0)
  std::vector<std::pair<std::int64_t, double>> ns_path;  ///< B_simple along an SGD path
  double path_step = kNaN;
  double critical_batch = kNaN, critical_delay = kNaN;
  /// The pair (M, sigmaM2) valid at every x for E|g - grad f|^2 <= M|grad f|^2 + sigmaM2 (what the
  /// general bounds use), with its source; NaN when none is known.
  double valid_M = kNaN, valid_sigmaM2 = kNaN;
  std::string valid_source;
  std::vector<std::string> warnings, notes;
};

// ---- input --------------------------------------------------------------------------------------

void flatten(const YAML::Node& map, const std::string& prefix, RawParams& out) {
  const SourceLoc loc{"--problem", 0};
  for (const auto& kv : map) {
    const std::string key = prefix + kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (v.IsMap()) {
      flatten(v, key + ".", out);
    } else if (v.IsSequence()) {
      RawValue rv;
      rv.is_list = true;
      rv.loc = loc;
      for (const auto& item : v) {
        if (!item.IsScalar()) throw ConfigError(loc, key + ": expected a list of scalars");
        rv.list.push_back(item.Scalar());
      }
      out[key] = std::move(rv);
    } else if (v.IsScalar()) {
      out[key] = RawValue{v.Scalar(), {}, false, loc};
    } else {
      throw ConfigError(loc, key + " has no value: expected a scalar, list or map");
    }
  }
}

std::unique_ptr<Problem> problem_from_spec(const std::string& spec, Params& params_out) {
  const SourceLoc loc{"--problem", 0};
  YAML::Node node;
  try {
    node = YAML::Load(spec);
  } catch (const YAML::Exception& e) {
    throw ConfigError(loc, "cannot parse '" + spec + "' as a YAML map: " + e.msg);
  }
  if (!node.IsMap())
    throw ConfigError(loc, "expected a YAML map such as '{family: least_squares, n: 2000, d: 50}', got '" + spec + "'");
  if (!node["family"] || !node["family"].IsScalar())
    throw ConfigError(loc, "the map needs a family key, e.g. '{family: least_squares, n: 2000, d: 50}'");
  const std::string family = node["family"].Scalar();
  const auto* f = problems::find_problem_family(family);
  if (!f) {
    std::string names;
    for (const auto& x : problems::problem_families()) names += (names.empty() ? "" : ", ") + x.schema.name;
    throw ConfigError(loc, "problem.family = " + family + " violates family is one of {" + names + "}");
  }
  RawParams raw;
  flatten(node, "", raw);
  params_out = validate(f->schema, raw, "problem", {"family"});
  problems::BuildContext ctx;
  ctx.config_file = "--problem";
  ctx.base_dir = std::filesystem::current_path().string();
  return f->build(params_out, ctx);
}

/// Rejects data the constants are meaningless for: fewer than 2 samples, an all-zero row.
void check_data(const Dataset& data) {
  if (data.rows() < 2)
    throw DataError(SourceLoc{data.source, 0},
                    fmt::format("n = {} sample(s): expected at least 2 (a noise parameter needs two samples)", data.rows()));
  const Vec norms2 = data.row_norms2();
  for (Index i = 0; i < norms2.size(); ++i) {
    if (norms2[i] == 0.0) {
      const int line = data.lines.empty() ? 0 : data.lines[static_cast<std::size_t>(i)];
      throw DataError(SourceLoc{data.source, line},
                      fmt::format("row {} is all zero: a sample without features carries no gradient (remove it, "
                                  "or add a constant feature with --intercept)",
                                  i + 1));
    }
  }
}

/// Dense data: centre and scale every column to unit variance; sparse data: scale only (centring
/// would densify the n×d matrix). Constant columns are left as they are.
void standardize(Dataset& data, std::vector<std::string>& notes) {
  const double n = static_cast<double>(data.rows());
  const Index d = data.cols();
  if (!data.is_sparse) {
    const Vec mean = data.dense.colwise().mean().transpose();
    data.dense.rowwise() -= mean.transpose();
    const Vec sd = (data.dense.cwiseAbs2().colwise().sum().transpose() / n).cwiseSqrt();
    for (Index j = 0; j < d; ++j)
      if (sd[j] > 0.0) data.dense.col(j) /= sd[j];
    notes.push_back("--standardize: columns centred and scaled to unit variance");
    return;
  }
  Vec ms = Vec::Zero(d);
  for (Index i = 0; i < data.sparse.outerSize(); ++i)
    for (SpMat::InnerIterator it(data.sparse, i); it; ++it) ms[it.index()] += it.value() * it.value();
  for (Index i = 0; i < data.sparse.outerSize(); ++i)
    for (SpMat::InnerIterator it(data.sparse, i); it; ++it)
      if (ms[it.index()] > 0.0) it.valueRef() /= std::sqrt(ms[it.index()] / n);
  notes.push_back("--standardize on sparse data: columns scaled to unit mean square, not centred (centring would "
                  "densify the matrix)");
}

void add_intercept(Dataset& data) {
  const Index n = data.rows(), d = data.cols();
  if (!data.is_sparse) {
    data.dense.conservativeResize(n, d + 1);
    data.dense.col(d).setOnes();
    return;
  }
  // CSR built in place: every row keeps its entries and gains the last column (no triplet list).
  SpMat out(n, d + 1);
  out.resizeNonZeros(data.sparse.nonZeros() + n);
  auto* outer = out.outerIndexPtr();
  auto* inner = out.innerIndexPtr();
  double* val = out.valuePtr();
  SpMat::StorageIndex k = 0;
  outer[0] = 0;
  for (Index i = 0; i < n; ++i) {
    for (SpMat::InnerIterator it(data.sparse, i); it; ++it) {
      inner[k] = static_cast<SpMat::StorageIndex>(it.index());
      val[k++] = it.value();
    }
    inner[k] = static_cast<SpMat::StorageIndex>(d);
    val[k++] = 1.0;
    outer[i + 1] = k;
  }
  data.sparse = std::move(out);
}

// ---- estimators ---------------------------------------------------------------------------------

/// M_grad and M_curv of a quadratic model with mean Hessian A and second moment B = E[H_i²] on
/// range(A) (spec §3.1 / §3.3 "quadratic sums"): M_grad + 1 = λ_max(A⁺BA⁺), M_curv + 1 = λ_max(A^{+½}BA^{+½})/L.
std::pair<double, double> quadratic_model_m(const Mat& A, const Mat& B, const std::string& source) {
  const SourceLoc where{source, 0};
  if (A.rows() < 1 || !A.allFinite() || !B.allFinite())
    throw DataError(where, "the Hessian moments are not finite: expected smaller values");
  const Eigen::SelfAdjointEigenSolver<Mat> es(A);
  if (es.info() != Eigen::Success) throw DataError(where, "the eigendecomposition of the mean Hessian did not converge");
  const Vec& lam = es.eigenvalues();
  const Index d = A.rows();
  const double L = lam[d - 1];
  if (!std::isfinite(L) || !(L > 0.0)) throw DataError(where, "the mean Hessian has no positive finite eigenvalue");
  Index first = 0;
  while (first < d && !(lam[first] > 1e-10 * L)) ++first;
  if (first >= d) throw DataError(where, "the mean Hessian has no eigenvalue above 1e-10 lambda_max");
  const Index r = d - first;
  const Mat V = es.eigenvectors().rightCols(r);
  const Vec lr = lam.tail(r);
  const Mat VtBV = V.transpose() * B * V;
  const Vec i1 = lr.cwiseInverse(), ih = lr.cwiseSqrt().cwiseInverse();
  const Mat C1 = i1.asDiagonal() * VtBV * i1.asDiagonal();
  const Mat Ch = ih.asDiagonal() * VtBV * ih.asDiagonal();
  if (!C1.allFinite() || !Ch.allFinite()) throw DataError(where, "the critical-parameter matrices are not finite");
  const double top1 = Eigen::SelfAdjointEigenSolver<Mat>(C1, Eigen::EigenvaluesOnly).eigenvalues()[r - 1];
  const double toph = Eigen::SelfAdjointEigenSolver<Mat>(Ch, Eigen::EigenvaluesOnly).eigenvalues()[r - 1];
  return {top1 - 1.0, toph / L - 1.0};
}

/// Logistic loss: Hessians H_i = w_i a_ia_iᵀ + λI at x*, w_i = s(m_i)(1 − s(m_i)).
std::pair<double, double> logistic_hessian_m(const Problem& p) {
  const Dataset& data = *p.dataset();
  const Vec& xs = p.constants().x_star;
  const Index n = data.rows(), d = data.cols();
  Vec w(n);
  for (Index i = 0; i < n; ++i) {
    const double m = data.y[i] * data.row_dot(i, xs);
    const double s = 1.0 / (1.0 + std::exp(-m));
    w[i] = s * (1.0 - s);
  }
  const Vec norms2 = data.row_norms2();
  const double lambda = *p.logistic_lambda();
  const Mat I = Mat::Identity(d, d);
  const Mat Wg = data.weighted_gram(w);
  const Mat A = Wg + lambda * I;
  const Mat B = data.weighted_gram(w.cwiseAbs2().cwiseProduct(norms2)) + 2.0 * lambda * Wg + lambda * lambda * I;
  return quadratic_model_m(A, B, data.source);
}

/// B_simple(x) = tr Σ(x) / ‖∇f(x)‖² (McCandlish et al. 2018; = M_loc(x), spec §3.4), exact:
/// finite sums by one pass over the samples, random designs by the population formula.
double noise_scale(const Problem& p, const Vec& x) {
  const Index d = p.dim();
  Vec g(d);
  p.gradient(x, g);
  const double g2 = g.squaredNorm();
  if (!(g2 > 0.0)) return kNaN;
  if (const auto* rd = p.random_design()) {
    // g_a = a(aᵀe − ε): E‖g_a‖² = Σ h_i(tr H + (κ−1)h_i) e_i² + s² tr H.
    const Vec e = x - rd->w_star;
    const double trH = rd->h.sum();
    double tr = rd->noise_var * trH;
    for (Index i = 0; i < d; ++i) {
      const double h = rd->h[i];
      tr += (h * (trH + (rd->kurtosis - 1.0) * h) - h * h) * e[i] * e[i];
    }
    return tr / g2;
  }
  const Index n = p.n();
  if (p.capabilities().finite_least_squares && p.dataset()) {
    // ∇f_i = r_i a_i with mean ∇f, so tr Σ = (1/n)Σ r_i²‖a_i‖² − ‖∇f‖²: one O(nnz) pass.
    const Dataset& data = *p.dataset();
    double second = 0.0;
    for (Index i = 0; i < n; ++i) {
      const double r = data.row_dot(i, x) - data.y[i];
      second += r * r * data.row_norm2(i);
    }
    return std::max(0.0, second / static_cast<double>(n) - g2) / g2;
  }
  Vec gi(d);
  double second = 0.0;
  for (Index i = 0; i < n; ++i) {
    p.sample_gradient(i, x, gi);
    second += (gi - g).squaredNorm();
  }
  return second / static_cast<double>(n) / g2;
}

/// Two-batch estimator of B_simple (spec §3.4): |G|² and tr Σ from the mean squared norms of K
/// batch means of sizes b_s and b_b, E|G_B|² = |G|² + tr Σ / B.
double two_batch_noise_scale(const Problem& p, const Vec& x, std::uint64_t seed) {
  const Index bs = 4, bb = 64;
  const int K = 2000;
  Rng rng = make_stream(seed, 0, StreamPurpose::kProbe, 1);
  auto ws = p.make_workspace(bb);
  Vec g(p.dim());
  double small = 0.0, big = 0.0;
  for (int k = 0; k < K; ++k) {
    p.stochastic_gradient(x, bs, problems::Sampling::kWithReplacement, rng, ws, g);
    small += g.squaredNorm();
    p.stochastic_gradient(x, bb, problems::Sampling::kWithReplacement, rng, ws, g);
    big += g.squaredNorm();
  }
  small /= K;
  big /= K;
  const double G2 = (static_cast<double>(bb) * big - static_cast<double>(bs) * small) / static_cast<double>(bb - bs);
  const double tr = (small - big) / (1.0 / static_cast<double>(bs) - 1.0 / static_cast<double>(bb));
  if (!(G2 > 0.0) || !(tr >= 0.0)) return kNaN;  // the noise swamps |G|²: the difference is not resolved
  return tr / G2;
}

/// B_simple along single-sample SGD from x0 at half the guideline step.
void noise_scale_path(const Problem& p, std::uint64_t seed, Report& r) {
  const double M = std::isfinite(r.M_grad) ? r.M_grad : 0.0;
  r.path_step = 0.5 / (r.L * (M + 1.0));
  if (!(r.path_step > 0.0) || !std::isfinite(r.path_step)) return;
  const std::int64_t T = 20000;
  Rng rng = make_stream(seed, 0, StreamPurpose::kAlgorithm);
  auto ws = p.make_workspace(1);
  Vec x = p.initial_point(), g(p.dim());
  const std::vector<std::int64_t> marks = {0, 10, 100, 1000, 10000, 20000};
  std::size_t m = 0;
  for (std::int64_t t = 0; t <= T; ++t) {
    if (m < marks.size() && t == marks[m]) {
      r.ns_path.emplace_back(t, noise_scale(p, x));
      ++m;
    }
    if (t == T) break;
    p.stochastic_gradient(x, 1, problems::Sampling::kWithReplacement, rng, ws, g);
    x.noalias() -= r.path_step * g;
    if (!x.allFinite()) break;
  }
}

// ---- report -------------------------------------------------------------------------------------

std::string num(double v) {
  if (std::isnan(v)) return "n/a";
  return fmt::format("{:.6g}", v);
}

nlohmann::json jnum(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

void print_json(const Report& r, std::ostream& out) {
  nlohmann::json j;
  j["objective"] = r.objective;
  j["source"] = r.source;
  j["n"] = r.n;
  j["d"] = r.d;
  if (r.rank >= 0) j["rank"] = r.rank;
  j["L"] = jnum(r.L);
  j["L_max"] = jnum(r.L_max);
  j["mu"] = jnum(r.mu);
  j["sigma2"] = jnum(r.sigma2);
  j["M_grad"] = jnum(r.M_grad);
  j["M_curv"] = jnum(r.M_curv);
  j["M_exact"] = r.M_exact;
  j["M_method"] = r.M_method;
  if (!r.constants_method.empty()) j["constants_method"] = r.constants_method;
  if (!r.constants_work.empty()) j["constants_work"] = r.constants_work;
  if (std::isfinite(r.M_grad_hessian)) j["M_grad_hessian_at_opt"] = r.M_grad_hessian;
  if (std::isfinite(r.M_curv_hessian)) j["M_curv_hessian_at_opt"] = r.M_curv_hessian;
  j["Delta"] = jnum(r.delta);
  j["inv_Delta"] = jnum(1.0 / r.delta);
  nlohmann::json ns;
  ns["x0"] = jnum(r.nsx0);
  ns["x0_two_batch"] = jnum(r.ns_two_batch);
  ns["path_step"] = jnum(r.path_step);
  ns["path"] = nlohmann::json::array();
  for (const auto& [t, v] : r.ns_path) ns["path"].push_back({{"iter", t}, {"value", jnum(v)}});
  j["noise_scale"] = ns;
  nlohmann::json vp;
  vp["M"] = jnum(r.valid_M);
  vp["sigmaM2"] = jnum(r.valid_sigmaM2);
  vp["source"] = r.valid_source;
  j["valid_noise_pair"] = vp;
  j["critical_batch"] = jnum(r.critical_batch);
  j["critical_delay"] = jnum(r.critical_delay);
  nlohmann::json steps = nlohmann::json::array();
  const double M = r.critical_batch;
  for (int b : {1, 4, 16, 64, 256, 1024})
    for (int tau : {0, 4, 16, 64})
      steps.push_back({{"b", b}, {"tau", tau}, {"gamma", jnum(1.0 / (r.L * (M / b + tau + 1.0)))}});
  j["guideline_step"] = steps;
  j["warnings"] = r.warnings;
  j["notes"] = r.notes;
  out << j.dump(2) << "\n";
}

void print_text(const Report& r, std::ostream& out) {
  auto line = [&out](const std::string& name, const std::string& value, const std::string& meaning) {
    out << fmt::format("  {:<11} = {:<12}  {}\n", name, value, meaning);
  };
  out << fmt::format("sgdcheck critical: {} — {}\n", r.objective, r.source);
  out << fmt::format("  n = {}{}, d = {}{}\n", r.n, r.n == 0 ? " (streaming)" : "", r.d,
                           r.rank >= 0 && r.rank < r.d ? fmt::format(" (rank {})", r.rank) : "");
  for (const auto& w : r.warnings) out << "warning: " << w << "\n";
  const bool exact = r.M_exact;
  out << "\nConstants" << (r.constants_method.empty() ? "" : ": " + r.constants_method) << "\n";
  line("L", num(r.L), exact ? "smoothness: largest eigenvalue of the mean Hessian A" : "smoothness (an upper bound)");
  line("L_max", num(r.L_max), "largest smoothness of a single sample, max_i L_i");
  line("mu", num(r.mu), exact ? "strong convexity: smallest nonzero eigenvalue of A (on its range)"
                              : "strong convexity (a lower bound: the L2 weight)");
  line("sigma2", num(r.sigma2), "gradient noise at the optimum, E|grad f_i(x*)|^2 (0: the model fits every sample)");
  const bool noisy = r.sigma2 > 0;
  line("M_grad", num(r.M_grad), std::string(exact ? r.accuracy : "estimate, a LOWER bound") +
                                    (noisy ? ": saturation parameter (relative gradient noise of the sigma2 = 0 part)"
                                           : ": noise relative to the gradient, E|g - grad f|^2 <= M |grad f|^2"));
  line("M_curv", num(r.M_curv), std::string(exact ? r.accuracy : "estimate, a LOWER bound") +
                                    (noisy ? ": saturation parameter, function-value form"
                                           : ": noise relative to the gap, E|g|^2 <= 2L(M + 1)(f - f*)"));
  if (std::isfinite(r.M_grad_hessian)) {
    line("M_grad_H", num(r.M_grad_hessian), "estimate: M_grad of the quadratic model with the Hessians at x*");
    line("M_curv_H", num(r.M_curv_hessian), "estimate: M_curv of the same quadratic model");
  }
  line("Delta", num(r.delta), "sparsity: largest fraction of samples that use one feature");
  line("1/Delta", num(1.0 / r.delta), "lower bound from sparsity: M + 1 >= 1/Delta for both forms");
  out << "  M from: " << r.M_method << "\n";
  out << "\nValid noise pair: E|g - grad f|^2 <= M |grad f|^2 + sigmaM2 at every x (what the general bounds use)\n";
  if (std::isfinite(r.valid_M)) {
    line("M", num(r.valid_M), "");
    line("sigmaM2", num(r.valid_sigmaM2), "");
    out << "  from: " << r.valid_source << "\n";
  } else {
    out << "  none known: " << r.valid_source << "\n";
  }
  if (noisy)
    out << "  (with sigma2 > 0 the pair (M_grad, sigma2) with sigma2 at x* is in general NOT valid: for least\n"
                 "   squares the variance has a term linear in x - x* that no M |grad f|^2 covers near x*)\n";

  out << "\nGradient noise scale B_simple = tr(Sigma)/|G|^2 (McCandlish et al. 2018; equals the local M)\n";
  line("at x0", num(r.nsx0), "exact, at the starting point");
  line("two-batch", num(r.ns_two_batch), "two-batch estimate at x0 (batches of 4 and 64, 2000 pairs; noisy for heavy-tailed data)");
  for (const auto& [t, v] : r.ns_path)
    line(fmt::format("SGD t={}", t), num(v), fmt::format("along single-sample SGD, step {}", num(r.path_step)));
  if (r.sigma2 > 0)
    out << "  (sigma2 > 0: B_simple grows without bound near x*, where the gradient vanishes but the noise does not)\n";

  out << "\nPredictions (Stich, Mohtashami & Jaggi 2021)\n";
  line("b*", num(r.critical_batch), "critical batch: iterations fall about linearly in b up to b ~ M, then saturate");
  line("tau*", num(r.critical_delay), "critical delay: delays up to about M cost little, beyond that iterations grow ~tau");
  out << "  (the knee uses M_curv; M_grad is the conservative value that keeps the bounds valid, and it overstates\n"
               "   the saturation point when the curvature spread kappa = L/mu is large)\n";
  if (r.sigma2 > 0)
    out << fmt::format("  with sigma2 > 0 the critical batch for accuracy eps grows by sigma2/(mu L eps) = {} / eps\n",
                             num(r.sigma2 / (r.mu * r.L)));
  out << "\nGuideline step gamma(b, tau) = 1/(L (M/b + tau + 1)) with M = " << num(r.critical_batch) << "\n";
  out << fmt::format("  {:>6}", "b");
  for (int tau : {0, 4, 16, 64}) out << fmt::format("  {:>12}", fmt::format("tau={}", tau));
  out << "\n";
  for (int b : {1, 4, 16, 64, 256, 1024}) {
    out << fmt::format("  {:>6}", b);
    for (int tau : {0, 4, 16, 64})
      out << fmt::format("  {:>12}", num(1.0 / (r.L * (r.critical_batch / b + tau + 1.0))));
    out << "\n";
  }
  out << "  (the step grows about linearly in b up to b ~ M and then stops growing; it barely changes while\n"
               "   tau < M and falls like 1/tau beyond)\n";
  for (const auto& note : r.notes) out << "note: " << note << "\n";
}

}  // namespace

CLI::App* add_critical_subcommand(CLI::App& app, CriticalArgs& a) {
  auto* c = app.add_subcommand("critical",
                               "print L, mu, sigma2, the critical parameter M (M_grad, M_curv), the gradient noise "
                               "scale and the predicted critical batch, delay and guideline step of a data set or problem");
  auto* prob = c->add_option("--problem", a.problem, "a problem as a YAML flow map, e.g. '{family: least_squares, n: 2000, d: 50}'");
  auto* data = c->add_option("--data", a.data, "a data file (LIBSVM text or CSV with a header)");
  prob->excludes(data);
  c->add_option("--format", a.format, "format of --data: libsvm (default) or csv")->check(CLI::IsMember({"libsvm", "csv"}));
  c->add_option("--label-column", a.label_column, "CSV: name of the label column (default label)");
  c->add_option("--objective", a.objective, "objective for --data: least_squares (default) or logistic")
      ->check(CLI::IsMember({"least_squares", "logistic"}));
  c->add_option("--lambda", a.lambda, "logistic: L2 weight lambda >= 0 (default 1e-3)")->check(CLI::NonNegativeNumber);
  c->add_flag("--standardize", a.standardize, "centre and scale the columns (sparse data: scale only)");
  c->add_flag("--intercept", a.intercept, "append a constant feature 1");
  c->add_option("--method", a.method,
                "least squares constants: auto (default: dense for d <= 2000, else iterative, dense again if the "
                "iterative path finds A rank-deficient and d <= 5000), dense (exact eigendecomposition, d <= 5000) "
                "or iterative (matrix-free Lanczos and CG, tol 1e-8 on eigenpair residuals, full-rank A)")
      ->check(CLI::IsMember({"auto", "dense", "iterative"}));
  c->add_flag("--json", a.json, "print one JSON object");
  c->add_option("--seed", a.seed, "seed of the probes, the SGD path and the two-batch draws");
  c->add_option("--jobs,-j", a.jobs,
                "threads of the row passes of the iterative least-squares constants (results are identical for "
                "any value; the other paths run in one thread)")
      ->check(CLI::Range(1, 1024));
  return c;
}

int cmd_critical(const CriticalArgs& a) {
  const bool has_data = !a.data.empty() || a.dataset;
  if (a.problem.empty() != has_data) throw UsageError("critical: give exactly one of --problem SPEC or --data FILE");
  if (!a.problem.empty())
    for (const auto& [set, flag] : std::vector<std::pair<bool, const char*>>{{!a.format.empty(), "--format"},
                                                                            {!a.label_column.empty(), "--label-column"},
                                                                            {!a.objective.empty(), "--objective"},
                                                                            {a.lambda.has_value(), "--lambda"},
                                                                            {a.standardize, "--standardize"},
                                                                            {a.intercept, "--intercept"},
                                                                            {!a.method.empty(), "--method"}})
      if (set) throw UsageError(std::string("critical: ") + flag + " applies to --data only (put the key in the --problem map)");
  const std::string objective = a.objective.empty() ? "least_squares" : a.objective;
  if (a.lambda && objective != "logistic") throw UsageError("critical: --lambda applies to --objective logistic only");
  if (!a.method.empty() && objective != "least_squares")
    throw UsageError("critical: --method applies to --objective least_squares only (logistic constants are dense)");
  const auto method = problems::parse_constants_method(a.method.empty() ? "auto" : a.method);
  const std::string format = a.format.empty() ? "libsvm" : a.format;
  if (!a.label_column.empty() && format != "csv") throw UsageError("critical: --label-column applies to --format csv only");

  // The constants are computed inside the problem's constructor: the thread count goes there as the
  // process-wide default of the iterative path, restored when the command returns (the Python module).
  struct JobsScope {
    int before;
    explicit JobsScope(int jobs) : before(problems::iterative_jobs()) { problems::set_iterative_jobs(jobs); }
    ~JobsScope() { problems::set_iterative_jobs(before); }
  } jobs_scope(a.jobs);

  Report r;
  std::unique_ptr<Problem> problem;
  Params problem_params;
  if (has_data) {
    Dataset data = a.dataset ? *a.dataset : format == "csv" ? problems::load_csv(a.data, a.label_column.empty() ? "label" : a.label_column)
                                   : problems::load_libsvm(a.data);
    problems::check_finite_sum_data(data);  // n >= 2 and d within the dense-constants limit, as for `run`
    if (a.standardize) standardize(data, r.notes);
    if (a.intercept) add_intercept(data);
    check_data(data);
    problems::InitOptions init;
    init.kind = problems::InitKind::kZeros;
    init.seed = a.seed;
    if (objective == "logistic")
      problem = std::make_unique<problems::LogisticRegression>(std::move(data), a.lambda.value_or(1e-3), init);
    else
      problem = std::make_unique<problems::LeastSquares>(std::move(data), init, method);
  } else {
    problem = problem_from_spec(a.problem, problem_params);
  }
  const Problem& p = *problem;
  const auto& c = p.constants();
  r.objective = p.family();
  r.source = p.describe();
  r.n = p.n();
  r.d = p.dim();
  r.L = c.L;
  r.L_max = c.L_max;
  r.mu = c.mu;
  r.sigma2 = c.sigma2;
  r.M_grad = c.M_grad;
  r.M_curv = c.M_curv;
  r.M_exact = c.exact_M;
  // σ² of a realizable least-squares problem is round-off of the direct solve: report it as 0.
  if (std::isfinite(r.sigma2) && r.sigma2 > 0.0 && r.sigma2 <= 1e-20 * std::max(1.0, r.L * r.L)) {
    r.notes.push_back(fmt::format("sigma2 = {:.3g} is round-off of the solve: treated as 0 (the model fits every sample)",
                                  r.sigma2));
    r.sigma2 = 0.0;
  }

  if (const auto* details = p.least_squares_details()) {
    const auto& det = *details;
    r.rank = det.rank;
    r.delta = det.delta;
    r.constants_method = det.method;
    r.constants_work = det.work;
    if (det.iterative) {
      r.accuracy = "iterative (tol " + fmt::format("{:g}", problems::kIterativeEigTol) + ")";
      r.M_method = det.method + ": Lanczos on A^-1 B A^-1 (M_grad) and on the pencil (B, A) (M_curv), with "
                   "A v = X'(Xv)/n and B v = X'(w Xv)/n, w_i = |a_i|^2, never forming d x d (Stich et al. 2021)";
    } else {
      r.M_method = "exact: eigendecomposition of A = (1/n) sum a_i a_i' and B = (1/n) sum |a_i|^2 a_i a_i' on "
                   "range(A) (Stich et al. 2021)";
    }
    for (const auto& note : det.notes) (note.rfind("rank-deficient", 0) == 0 ? r.warnings : r.notes).push_back(note);
  } else if (p.random_design()) {
    const std::string design = problem_params.get_string("design");
    r.delta = design == "bernoulli_gaussian" ? problem_params.get_real("density") : 1.0;
    r.M_method = "exact population values of the random design (Stich et al. 2021)";
    r.notes.push_back("streaming design: L_max is unbounded; Delta is the probability that a feature is nonzero");
  } else {
    r.M_method = "estimate: maximum of the centred local ratio (1/n) sum |grad f_i - grad f|^2 / |grad f|^2 over "
                 "random probes and a path around x* (Stich et al. 2021); a lower bound on the true M";
    if (p.logistic_lambda() && p.dataset()) {
      r.delta = p.dataset()->max_column_density();
      const auto [mg, mc] = logistic_hessian_m(p);
      r.M_grad_hessian = mg;
      r.M_curv_hessian = mc;
      r.M_method += "; M_*_H: the quadratic-sum formula with the sample Hessians at x*, a local estimate";
    }
    for (const auto& note : c.notes) r.notes.push_back(note);
  }
  // The knee: M_curv where it is known (spec §6: M_grad overstates saturation when κ > 1).
  r.critical_batch = std::isfinite(r.M_curv) ? r.M_curv : r.M_grad;
  r.critical_delay = r.critical_batch;
  if (std::isfinite(r.delta) && std::isfinite(r.M_curv) && r.M_curv + 1.0 < (1.0 / r.delta) * (1.0 - 1e-9))
    r.warnings.push_back(fmt::format("M_curv + 1 = {} < 1/Delta = {}: the M value is an underestimate",
                                     num(r.M_curv + 1.0), num(1.0 / r.delta)));

  {
    std::string why;
    if (const auto pair = pipeline::valid_noise_pair(p, why)) {
      r.valid_M = pair->M;
      r.valid_sigmaM2 = pair->sigmaM2;
      r.valid_source = pair->source;
    } else {
      r.valid_source = why;
    }
  }
  const Vec x0 = p.initial_point();
  r.nsx0 = noise_scale(p, x0);
  r.ns_two_batch = two_batch_noise_scale(p, x0, a.seed);
  if (std::isnan(r.ns_two_batch) && std::isfinite(r.nsx0))
    r.notes.push_back("two-batch estimate unresolved at x0: the noise swamps |G|^2 at batch 64 (estimated |G|^2 or "
                      "tr Sigma <= 0); it needs larger batches or more pairs");
  noise_scale_path(p, a.seed, r);

  if (a.json)
    print_json(r, a.out ? *a.out : std::cout);
  else
    print_text(r, a.out ? *a.out : std::cout);
  return 0;
}

}  // namespace sgdcheck::cli
