#include "problems/data_generator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>
#include <stdexcept>

#include "core/rng.hpp"
#include "problems/logistic_math.hpp"

namespace sgdcheck::problems {

Structure parse_structure(const std::string& name) {
  if (name == "random") return Structure::kRandom;
  if (name == "identical_rows") return Structure::kIdenticalRows;
  if (name == "orthogonal_rows") return Structure::kOrthogonalRows;
  if (name == "collinear_rows") return Structure::kCollinearRows;
  throw std::logic_error("parse_structure: unknown structure '" + name + "'");
}

std::string to_string(Structure s) {
  switch (s) {
    case Structure::kRandom: return "random";
    case Structure::kIdenticalRows: return "identical_rows";
    case Structure::kOrthogonalRows: return "orthogonal_rows";
    case Structure::kCollinearRows: return "collinear_rows";
  }
  return "?";
}

Storage parse_storage(const std::string& name) {
  if (name == "auto") return Storage::kAuto;
  if (name == "dense") return Storage::kDense;
  if (name == "sparse") return Storage::kSparse;
  throw std::logic_error("parse_storage: unknown storage '" + name + "'");
}

namespace {

/// Rows in CSR form, appended in row order with increasing columns (every structure generates them so):
/// 12 bytes a nonzero, copied once into the matrix, no triplet list.
struct CsrRows {
  std::vector<SpMat::StorageIndex> outer{0}, inner;
  std::vector<double> values;
  void push(Index j, double v) {
    inner.push_back(static_cast<SpMat::StorageIndex>(j));
    values.push_back(v);
  }
  void end_row() { outer.push_back(static_cast<SpMat::StorageIndex>(values.size())); }
  std::size_t size() const { return values.size(); }
};

/// One random row √(h_j/p)·m_j·z_j into `row` (dense, size d).
void random_row(const Vec& sqrt_h_over_p, double p, Rng& rng, Vec& row) {
  for (Index j = 0; j < row.size(); ++j) {
    const bool keep = p >= 1.0 || rng.bernoulli(p);
    const double z = rng.normal();
    row[j] = keep ? sqrt_h_over_p[j] * z : 0.0;
  }
}

void push_row(const Vec& row, double c, CsrRows& t) {
  for (Index j = 0; j < row.size(); ++j)
    if (row[j] != 0.0 && c != 0.0) t.push(j, c * row[j]);
  t.end_row();
}

/// The design rows (labels empty), drawing from `rng` in a fixed order.
Dataset generate_design(const DesignOptions& o, Rng& rng) {
  if (o.n < 1 || o.d < 1) throw std::logic_error("generate_design: need n >= 1 and d >= 1");
  if (!(o.density > 0.0 && o.density <= 1.0)) throw std::logic_error("generate_design: density must be in (0, 1]");
  if (o.structure == Structure::kOrthogonalRows && o.n > o.d)
    throw std::logic_error("generate_design: orthogonal_rows needs n <= d");
  CsrRows t;
  const Vec h = make_spectrum(o.spectrum, o.d, o.cond, o.scale);
  const Vec sqrt_h_over_p = (h / o.density).cwiseSqrt();
  Vec row(o.d);
  switch (o.structure) {
    case Structure::kRandom:
      {
        const auto expect = static_cast<std::size_t>(static_cast<double>(o.n * o.d) * o.density * 1.1) + 16;
        t.inner.reserve(expect);
        t.values.reserve(expect);
      }
      for (Index i = 0; i < o.n; ++i) {
        random_row(sqrt_h_over_p, o.density, rng, row);
        push_row(row, 1.0, t);
      }
      break;
    case Structure::kIdenticalRows:
    case Structure::kCollinearRows: {
      // The shared row must not be zero (a sparse mask could empty it): redraw until it is not.
      for (int attempt = 0; attempt < 1000; ++attempt) {
        random_row(sqrt_h_over_p, o.density, rng, row);
        if (row.squaredNorm() > 0.0) break;
      }
      if (row.squaredNorm() == 0.0) row[0] = std::sqrt(h[0]);
      for (Index i = 0; i < o.n; ++i) {
        const double c = o.structure == Structure::kIdenticalRows ? 1.0 : rng.normal();
        push_row(row, c, t);
      }
      break;
    }
    case Structure::kOrthogonalRows: {
      const Vec hn = make_spectrum(o.spectrum, o.n, o.cond, o.scale);
      const Index base = o.d / o.n, extra = o.d % o.n;
      Index start = 0;
      for (Index i = 0; i < o.n; ++i) {
        const Index len = base + (i < extra ? 1 : 0);
        Vec block(len);
        for (Index j = 0; j < len; ++j) block[j] = rng.normal();
        if (block.squaredNorm() == 0.0) block[0] = 1.0;
        block *= std::sqrt(static_cast<double>(o.n) * hn[i]) / block.norm();
        for (Index j = 0; j < len; ++j) t.push(start + j, block[j]);
        t.end_row();
        start += len;
      }
      break;
    }
  }
  Dataset data;
  const double fill = static_cast<double>(t.size()) / (static_cast<double>(o.n) * static_cast<double>(o.d));
  data.is_sparse = o.storage == Storage::kSparse || (o.storage == Storage::kAuto && fill <= 0.25);
  if (data.is_sparse) {
    data.sparse.resize(o.n, o.d);
    data.sparse.resizeNonZeros(static_cast<Index>(t.size()));
    std::copy(t.outer.begin(), t.outer.end(), data.sparse.outerIndexPtr());
    std::copy(t.inner.begin(), t.inner.end(), data.sparse.innerIndexPtr());
    std::copy(t.values.begin(), t.values.end(), data.sparse.valuePtr());
  } else {
    data.dense = RowMat::Zero(o.n, o.d);
    for (Index i = 0; i < o.n; ++i)
      for (auto k = t.outer[static_cast<std::size_t>(i)]; k < t.outer[static_cast<std::size_t>(i) + 1]; ++k)
        data.dense(i, t.inner[static_cast<std::size_t>(k)]) = t.values[static_cast<std::size_t>(k)];
  }
  data.source = fmt::format("generated {} n={} d={} spectrum={} cond={} density={} seed={}",
                            to_string(o.structure), o.n, o.d, to_string(o.spectrum), o.cond, o.density, o.seed);
  return data;
}

}  // namespace

GeneratedData generate_least_squares(const DesignOptions& o, double noise) {
  Rng rng = make_stream(o.seed, 0, StreamPurpose::kProblemData);
  GeneratedData g;
  g.data = generate_design(o, rng);
  g.w_star.resize(o.d);
  const double s = 1.0 / std::sqrt(static_cast<double>(o.d));
  for (Index j = 0; j < o.d; ++j) g.w_star[j] = s * rng.normal();
  g.data.y = g.data.times(g.w_star);
  if (noise > 0.0)
    for (Index i = 0; i < o.n; ++i) g.data.y[i] += noise * rng.normal();
  return g;
}

GeneratedData generate_logistic(const DesignOptions& o, double signal) {
  Rng rng = make_stream(o.seed, 0, StreamPurpose::kProblemData);
  GeneratedData g;
  g.data = generate_design(o, rng);
  g.w_star.resize(o.d);
  for (Index j = 0; j < o.d; ++j) g.w_star[j] = rng.normal();
  const double norm = g.w_star.norm();
  g.w_star *= norm > 0.0 ? signal / norm : 0.0;
  const Vec margin = g.data.times(g.w_star);
  g.data.y.resize(o.n);
  for (Index i = 0; i < o.n; ++i) g.data.y[i] = rng.uniform() < sigmoid(margin[i]) ? 1.0 : -1.0;
  return g;
}

}  // namespace sgdcheck::problems
