#include "problems/registry.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "core/errors.hpp"
#include "core/rng.hpp"
#include "problems/cosine_toy.hpp"
#include "problems/data_generator.hpp"
#include "problems/dataset.hpp"
#include "problems/least_squares.hpp"
#include "problems/logistic_regression.hpp"
#include "problems/noisy_quadratic.hpp"
#include "problems/nonconvex_logistic.hpp"
#include "problems/random_design_logistic.hpp"
#include "problems/random_design_ls.hpp"
#include "problems/sphere_glm.hpp"

namespace sgdcheck::problems {

namespace {


std::vector<Field> data_fields() {
  return {
      string_field("data.file", "", "data file (relative to the experiment file); empty: use the generator"),
      choice_field("data.format", "libsvm", {"libsvm", "csv"}, "format of data.file: LIBSVM text (sparse) or CSV "
                   "with a header (dense)"),
      string_field("data.label_column", "label", "CSV only: name of the label column"),
  };
}

std::vector<Field> generator_fields() {
  return {
      int_field("n", 1000, 2, kInf, "generator: number of samples"),
      int_field("d", 20, 1, static_cast<double>(kMaxGramDimension),
                "generator: number of features (dense d x d constants)"),
      int_field("seed", 0, 0, kMaxSeed, "problem instance seed (data, w*, x0, probes)"),
      choice_field("spectrum.kind",
                   "identity",
                   {"identity", "geometric", "linear"},
                   "generator: covariance eigenvalues diag(h) from scale down to scale/cond (geometric or "
                   "linear spacing)"),
      real_field("spectrum.cond", 1.0, 1.0, kInf, "generator: condition number of the covariance (1 for identity)"),
      real_field("spectrum.scale", 1.0, 0.0, kInf, "generator: largest covariance eigenvalue", true),
      real_field("density", 1.0, 0.0, 1.0, "generator: probability that an entry is nonzero (Bernoulli mask)", true),
      choice_field("storage", "auto", {"auto", "dense", "sparse"}, "generator: row storage (auto: sparse when at "
                   "most 1/4 of the entries are nonzero)"),
  };
}

std::vector<Field> init_fields(std::vector<std::string> kinds, const std::string& center) {
  return {
      choice_field("init.kind", "gaussian", std::move(kinds), "starting point x0: zeros, or " + center +
                   " + radius * (random unit / top-curvature / worst-case-M direction)"),
      real_field("init.radius", 1.0, 0.0, kInf, "distance of x0 from " + center + " (unused for init.kind zeros)"),
  };
}

std::vector<Field> logistic_fields(double default_lambda, const std::string& lambda_text) {
  return {
      real_field("lambda", default_lambda, 0.0, kInf, lambda_text),
      real_field("signal", 2.0, 0.0, kInf, "generator: norm of w* in the label model P(y = 1 | a) = sigmoid(a'w*)"),
      int_field("m_estimate.probes", 40, 1, 1e6, "random directions of the local-ratio M estimate (5 radii each)"),
  };
}

template <typename... Lists>
std::vector<Field> concat(Lists... lists) {
  std::vector<Field> out;
  (out.insert(out.end(), lists.begin(), lists.end()), ...);
  return out;
}

InitOptions init_options(const Params& p) {
  InitOptions o;
  o.kind = parse_init_kind(p.get_string("init.kind"));
  o.radius = p.get_real("init.radius");
  o.seed = static_cast<std::uint64_t>(p.get_int("seed"));
  return o;
}

/// Keys that only the generator reads: naming them next to data.file is an error, not silently ignored.
void check_data_source(const Params& p, const std::vector<std::string>& generator_keys) {
  if (p.get_string("data.file").empty()) return;
  for (const auto& k : generator_keys)
    if (p.is_explicit(k)) p.fail(k, k + " unset when data.file is given (the file defines the data)");
}

void check_spectrum(const Params& p) {
  if (p.get_string("spectrum.kind") == "identity" && p.get_real("spectrum.cond") != 1.0)
    p.fail("spectrum.cond", "cond = 1 when spectrum.kind = identity");
}

/// Generated data are bounded before anything is allocated: n·d entries and the d×d constants.
void check_generated_size(const Params& p) {
  const auto n = p.get_int("n"), d = p.get_int("d");  // d <= kMaxGramDimension by the schema
  if (static_cast<double>(n) * static_cast<double>(d) > kMaxGeneratedEntries)
    p.fail("n", fmt::format("n * d <= {:g} (generated rows: n = {} times d = {})", kMaxGeneratedEntries, n, d));
}

DesignOptions design_options(const Params& p) {
  check_generated_size(p);
  DesignOptions o;
  o.n = p.get_int("n");
  o.d = p.get_int("d");
  o.seed = static_cast<std::uint64_t>(p.get_int("seed"));
  o.spectrum = parse_spectrum_kind(p.get_string("spectrum.kind"));
  o.cond = p.get_real("spectrum.cond");
  o.scale = p.get_real("spectrum.scale");
  o.density = p.get_real("density");
  o.storage = parse_storage(p.get_string("storage"));
  if (p.has("structure")) o.structure = parse_structure(p.get_string("structure"));
  return o;
}

Dataset load_data(const Params& p, const BuildContext& ctx) {
  std::filesystem::path path = p.get_string("data.file");
  if (path.is_relative() && !ctx.base_dir.empty()) path = std::filesystem::path(ctx.base_dir) / path;
  if (p.get_string("data.format") == "csv") {
    Dataset d = load_csv(path, p.get_string("data.label_column"));
    check_finite_sum_data(d);
    return d;
  }
  if (p.is_explicit("data.label_column")) p.fail("data.label_column", "data.label_column unset for data.format libsvm");
  Dataset d = load_libsvm(path);
  check_finite_sum_data(d);
  return d;
}

const std::vector<std::string> kGeneratorKeys = {
    "n", "d", "spectrum.kind", "spectrum.cond", "spectrum.scale", "density", "storage"};

ProblemFamily least_squares_family() {
  ProblemFamily f;
  f.schema.name = "least_squares";
  f.schema.description = "finite-sum least squares (1/2n)||Ax - y||^2 with exact x*, L, mu, sigma2, M_grad, M_curv";
  f.schema.fields = concat(data_fields(),
                           generator_fields(),
                           std::vector<Field>{
                               real_field("noise", 0.0, 0.0, kInf, "generator: label noise std, y = Aw* + noise * N(0,1)"),
                               choice_field("structure",
                                            "random",
                                            {"random", "identical_rows", "orthogonal_rows", "collinear_rows"},
                                            "generator: row construction (Stich et al. 2021 reference cases)"),
                           },
                           init_fields({"zeros", "gaussian", "top_eigenvector", "worst_case"}, "x*"));
  f.build = [](const Params& p, const BuildContext& ctx) -> std::unique_ptr<Problem> {
    auto keys = kGeneratorKeys;
    keys.insert(keys.end(), {"noise", "structure"});
    check_data_source(p, keys);
    check_spectrum(p);
    const InitOptions init = init_options(p);
    if (!p.get_string("data.file").empty()) return std::make_unique<LeastSquares>(load_data(p, ctx), init);
    const DesignOptions o = design_options(p);
    if (o.structure == Structure::kOrthogonalRows && o.n > o.d)
      p.fail("n", fmt::format("n <= d = {} for structure orthogonal_rows", o.d));
    return std::make_unique<LeastSquares>(generate_least_squares(o, p.get_real("noise")).data, init);
  };
  return f;
}

template <typename P>
ProblemFamily logistic_like_family(const std::string& name,
                                   const std::string& description,
                                   double default_lambda,
                                   const std::string& lambda_text,
                                   std::vector<std::string> init_kinds,
                                   const std::string& center) {
  ProblemFamily f;
  f.schema.name = name;
  f.schema.description = description;
  f.schema.fields = concat(data_fields(),
                           generator_fields(),
                           logistic_fields(default_lambda, lambda_text),
                           init_fields(std::move(init_kinds), center));
  f.build = [](const Params& p, const BuildContext& ctx) -> std::unique_ptr<Problem> {
    auto keys = kGeneratorKeys;
    keys.push_back("signal");
    check_data_source(p, keys);
    check_spectrum(p);
    const InitOptions init = init_options(p);
    const int probes = static_cast<int>(p.get_int("m_estimate.probes"));
    Dataset data = p.get_string("data.file").empty()
                       ? generate_logistic(design_options(p), p.get_real("signal")).data
                       : load_data(p, ctx);
    try {
      return std::make_unique<P>(std::move(data), p.get_real("lambda"), init, probes);
    } catch (const NoMinimiserError& e) {
      throw ConfigError(p.where("lambda"), e.what());
    }
  };
  return f;
}

ProblemFamily random_design_family() {
  ProblemFamily f;
  f.schema.name = "random_design_ls";
  f.schema.description =
      "streaming least squares a = sqrt(h) * z, y = <w*, a> + noise; exact population L, mu, sigma2, M";
  f.schema.fields = concat(
      std::vector<Field>{
          int_field("d", 20, 1, 1e7, "dimension (taken from h when h is given)"),
          int_field("seed", 0, 0, kMaxSeed, "problem instance seed (w*, x0)"),
          choice_field("design",
                       "gaussian",
                       {"gaussian", "rademacher", "bernoulli_gaussian"},
                       "distribution of the standardised coordinates z: kurtosis 3, 1 or 3/density"),
          real_field("density", 1.0, 0.0, 1.0, "bernoulli_gaussian: P(z_i != 0)", true),
          choice_field("spectrum.kind",
                       "identity",
                       {"identity", "geometric", "linear"},
                       "covariance eigenvalues h from scale down to scale/cond"),
          real_field("spectrum.cond", 1.0, 1.0, kInf, "condition number of H (1 for identity)"),
          real_field("spectrum.scale", 1.0, 0.0, kInf, "largest eigenvalue of H", true),
          list_field("h", std::vector<double>{}, "explicit diagonal of H (overrides spectrum.*); empty: use spectrum"),
          real_field("noise", 0.0, 0.0, kInf, "label noise std s: y = <w*, a> + s * N(0,1)"),
          list_field("w_star", std::vector<double>{}, "optimum w* (size d); empty: w* ~ N(0, I/d) from seed"),
      },
      init_fields({"zeros", "gaussian", "top_eigenvector", "worst_case"}, "w*"));
  f.build = [](const Params& p, const BuildContext&) -> std::unique_ptr<Problem> {
    const Design design = parse_design(p.get_string("design"));
    const double density = p.get_real("density");
    if (design != Design::kBernoulliGaussian && density != 1.0)
      p.fail("density", "density = 1 unless design = bernoulli_gaussian");
    Vec h;
    const auto& h_list = p.get_list("h");
    if (!h_list.empty()) {
      for (const char* k : {"spectrum.kind", "spectrum.cond", "spectrum.scale"})
        if (p.is_explicit(k)) p.fail(k, std::string(k) + " unset when h is given");
      for (double v : h_list)
        if (!(v > 0.0)) p.fail("h", "every h_i > 0");
      h = Eigen::Map<const Vec>(h_list.data(), static_cast<Index>(h_list.size()));
      if (p.is_explicit("d") && p.get_int("d") != h.size())
        p.fail("d", fmt::format("d = size of h = {}", h.size()));
    } else {
      check_spectrum(p);
      h = make_spectrum(parse_spectrum_kind(p.get_string("spectrum.kind")),
                        p.get_int("d"),
                        p.get_real("spectrum.cond"),
                        p.get_real("spectrum.scale"));
    }
    const Index d = h.size();
    Vec w;
    const auto& w_list = p.get_list("w_star");
    if (!w_list.empty()) {
      if (static_cast<Index>(w_list.size()) != d) p.fail("w_star", fmt::format("w_star has d = {} entries", d));
      w = Eigen::Map<const Vec>(w_list.data(), d);
    } else {
      Rng rng = make_stream(static_cast<std::uint64_t>(p.get_int("seed")), 0, StreamPurpose::kProblemData);
      w.resize(d);
      for (Index j = 0; j < d; ++j) w[j] = rng.normal() / std::sqrt(static_cast<double>(d));
    }
    return std::make_unique<RandomDesignLs>(h, design, density, p.get_real("noise"), w, init_options(p));
  };
  return f;
}

}  // namespace

const std::vector<ProblemFamily>& problem_families() {
  // One entry per family; `sgdcheck list problems` prints them in this order.
  static const std::vector<ProblemFamily> families = [] {
    std::vector<ProblemFamily> out = {
      least_squares_family(),
      logistic_like_family<LogisticRegression>(
          "logistic",
          "logistic regression (1/n) sum log(1 + exp(-y a'x)) + (lambda/2)||x||^2; Newton x*, estimated M",
          1e-3,
          "L2 regularisation lambda >= 0 (0: convex, needs non-separable data)",
          {"zeros", "gaussian", "top_eigenvector"},
          "x*"),
      logistic_like_family<NonconvexLogistic>(
          "nonconvex_logistic",
          "logistic loss + lambda sum x_j^2/(1 + x_j^2) (nonconvex); stationary point f_low, estimated M",
          0.1,
          "weight of the nonconvex regulariser lambda sum x_j^2/(1 + x_j^2)",
          {"zeros", "gaussian"},
          "0"),
      random_design_family(),
      random_design_logistic_family(),
      noisy_quadratic_family(),
      cosine_toy_family(),
    };
    for (auto& f : sphere_glm_families()) out.push_back(std::move(f));
    return out;
  }();
  return families;
}

const ProblemFamily* find_problem_family(const std::string& name) {
  for (const auto& f : problem_families())
    if (f.schema.name == name) return &f;
  return nullptr;
}

}  // namespace sgdcheck::problems
