#pragma once
/// \file Shared numeric aliases. Pass `const Vec&` across APIs; never hold an Eigen expression in `auto`.
#include <Eigen/Core>
#include <Eigen/SparseCore>

namespace sgdcheck {

using Index = Eigen::Index;
using Vec = Eigen::VectorXd;
using Mat = Eigen::MatrixXd;
/// Row-major so that one sample (row) is contiguous: every per-sample gradient walks one row.
using SpMat = Eigen::SparseMatrix<double, Eigen::RowMajor>;
/// Dense design matrices are row-major for the same reason.
using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace sgdcheck
