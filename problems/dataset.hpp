#pragma once
/// \file A design matrix with labels, dense or sparse, plus the LIBSVM / CSV loaders.
///
/// Conventions: row i is sample a_iᵀ (row-major storage, so a row is contiguous); labels are y_i.
/// Exactly one of `dense` / `sparse` holds the rows (`is_sparse` says which). Loaders throw
/// DataError with a one-line message "file:line: <what was found>, expected <what>".
#include <filesystem>
#include <istream>
#include <string>
#include <utility>
#include <vector>

#include "core/kernels.hpp"
#include "core/types.hpp"

namespace sgdcheck::problems {

/// Largest feature index a LIBSVM file may use (d): iterates and gradients are dense vectors of size d.
constexpr long long kMaxFeatures = 10'000'000;
/// Largest |value| of a feature or label in a data file: the constants use fourth powers of the values
/// (B = (1/n)Σ‖a_i‖² a_ia_iᵀ), which must stay finite.
constexpr double kMaxAbsDataValue = 1e50;

/// Samples (rows) and labels of a finite-sum problem.
struct Dataset {
  RowMat dense;            ///< n×d rows when !is_sparse
  SpMat sparse;            ///< n×d rows (row-major, compressed) when is_sparse
  bool is_sparse = false;
  Vec y;                   ///< labels, size n
  std::string source;      ///< file name or generator description, for messages and describe()
  std::vector<int> lines;  ///< 1-based source line of each row (empty for generated data)

  Dataset() = default;
  Dataset(const Dataset&) = default;
  Dataset& operator=(const Dataset&) = default;
  /// Moves really move: Eigen 3.4's SparseMatrix has no move constructor (a "move" copies all nonzeros,
  /// 12 bytes each), so the sparse rows are swapped.
  Dataset(Dataset&& o) noexcept
      : dense(std::move(o.dense)), is_sparse(o.is_sparse), y(std::move(o.y)), source(std::move(o.source)),
        lines(std::move(o.lines)) {
    sparse.swap(o.sparse);
  }
  Dataset& operator=(Dataset&& o) noexcept {
    dense = std::move(o.dense);
    sparse.swap(o.sparse);
    is_sparse = o.is_sparse;
    y = std::move(o.y);
    source = std::move(o.source);
    lines = std::move(o.lines);
    return *this;
  }

  Index rows() const { return is_sparse ? sparse.rows() : dense.rows(); }
  Index cols() const { return is_sparse ? sparse.cols() : dense.cols(); }
  /// Stored nonzeros (dense: n·d).
  Index nonzeros() const { return is_sparse ? sparse.nonZeros() : dense.size(); }

  /// a_iᵀx without allocating.
  double row_dot(Index i, const Vec& x) const {
    if (!is_sparse) return kernels::dot(dense.data() + i * dense.cols(), x.data(), dense.cols());
    double s = 0.0;
    for (SpMat::InnerIterator it(sparse, i); it; ++it) s += it.value() * x[it.index()];
    return s;
  }
  /// g += c·a_i without allocating.
  void add_row(Index i, double c, Vec& g) const {
    if (!is_sparse) {
      kernels::axpy(c, dense.data() + i * dense.cols(), g.data(), dense.cols());
      return;
    }
    for (SpMat::InnerIterator it(sparse, i); it; ++it) g[it.index()] += c * it.value();
  }
  /// ‖a_i‖².
  double row_norm2(Index i) const;
  /// Row squared norms ‖a_i‖², size n.
  Vec row_norms2() const;
  /// Gram matrix AᵀDA/n (d×d, dense) with D = diag(weights) (empty weights: D = I). Sparse data are
  /// never densified: the product is formed sparse and only the d×d result is dense. Throws DataError
  /// (check_gram_dimension) when d > kMaxGramDimension.
  Mat weighted_gram(const Vec& weights = Vec()) const;
  /// Xᵀv (size d), e.g. the data part of a full gradient.
  Vec transpose_times(const Vec& v) const;
  /// X x (size n).
  Vec times(const Vec& x) const;
  /// Δ = max_j (fraction of rows with a_ij ≠ 0) (Stich et al. 2021 §3.2, sparsity).
  double max_column_density() const;
  /// Number of all-zero rows.
  Index zero_rows() const;
  /// A dense copy of the rows (for tests and small problems).
  RowMat to_dense() const;
};

/// Reads LIBSVM text: `label idx:value idx:value ...` with 1-based, increasing feature indices; labels
/// any finite real; `#` starts a comment; blank lines are skipped. d = largest index seen.
/// Throws DataError for: missing/unreadable file, empty file (no samples), malformed token,
/// non-numeric or non-finite (NaN/Inf) value, |value| > kMaxAbsDataValue, index < 1, index >
/// kMaxFeatures or not increasing.
Dataset load_libsvm(const std::filesystem::path& path);
/// load_libsvm from a stream or a string; `source` names the data in messages (Dataset::source).
Dataset read_libsvm(std::istream& in, const std::string& source);
Dataset read_libsvm_text(const std::string& text, const std::string& source);

/// Reads a dense CSV with a header row; `label_column` names the label column, every other column is a
/// feature. Throws DataError for: missing file, empty file, missing label column, a column name that
/// appears twice, ragged row, non-numeric or NaN/Inf value or |value| > kMaxAbsDataValue (naming
/// file:line, column and value).
Dataset load_csv(const std::filesystem::path& path, const std::string& label_column);
/// load_csv from a stream or a string; `source` names the data in messages (Dataset::source).
Dataset read_csv_dataset(std::istream& in, const std::string& source, const std::string& label_column);
Dataset read_csv_dataset_text(const std::string& text, const std::string& source, const std::string& label_column);

/// Largest d for which dense d×d matrices are formed (A'A/n, Hessians; O(d²) memory, O(d³) time): the
/// logistic families and the dense path of the least-squares constants.
constexpr long long kMaxGramDimension = 5000;
/// Least squares: the largest d that ConstantsMethod::kAuto sends to the dense path.
constexpr long long kDenseAutoMaxDimension = 2000;
/// Least squares: the largest d of the matrix-free (iterative) constants, O(ncv·d) Lanczos vectors plus
/// CG vectors (about 0.3 GB at the limit).
constexpr long long kMaxIterativeDimension = 1'000'000;
/// Largest n·d of generated data (dense storage, 8 bytes an entry: 800 MB).
constexpr double kMaxGeneratedEntries = 1e8;

/// Throws DataError naming the source when d > kMaxGramDimension (before any d×d allocation; also
/// called by weighted_gram).
void check_gram_dimension(const Dataset& data);
/// Rules every loaded data set of a finite-sum family meets (`run`, `validate` and `critical` alike):
/// n >= 2 (a noise parameter compares samples) and d <= kMaxIterativeDimension (the largest d any
/// family handles; the families that form d×d matrices refuse d > kMaxGramDimension in weighted_gram).
/// Throws DataError.
void check_finite_sum_data(const Dataset& data);

/// Labels as ±1 for logistic regression: accepts {−1, +1} or {0, 1} (0 → −1). Anything else throws
/// DataError naming the first offending line (for loaded data) and value.
Vec logistic_labels(const Dataset& data);

}  // namespace sgdcheck::problems
