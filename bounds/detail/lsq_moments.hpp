#pragma once
/// \file Internal: second-moment pieces shared by the least-squares oracles O1 and O2.
#include <Eigen/Core>

namespace sgdcheck::bounds::detail {

/// \f$\frac1n\sum_i w_i a_ia_i^\top = X^\top\operatorname{diag}(w)X/n\f$, O(nd²).
Eigen::MatrixXd weighted_gram(const Eigen::Ref<const Eigen::MatrixXd>& rows, const Eigen::VectorXd& w);

/// Quadratic forms \f$a_i^\top Q a_i\f$ of every row, O(nd²).
Eigen::VectorXd row_quadratic_forms(const Eigen::Ref<const Eigen::MatrixXd>& rows, const Eigen::MatrixXd& Q);

/// \f$\mathbb{E}[HQH]\f$ for the mean H of a b-batch of \f$a_ia_i^\top\f$, Q symmetric:
/// \f$(1-\theta_b)AQA + \theta_b S(Q)\f$, \f$S(Q) = \frac1n\sum_i (a_i^\top Qa_i)a_ia_i^\top\f$.
Eigen::MatrixXd batch_hessian_sandwich(const Eigen::Ref<const Eigen::MatrixXd>& rows,
                                       const Eigen::MatrixXd& A,
                                       const Eigen::MatrixXd& Q,
                                       double theta_b);

/// The oracles' state keeps symmetric matrices symmetric against round-off.
inline void symmetrize(Eigen::MatrixXd& P) { P = (0.5 * (P + P.transpose())).eval(); }

}  // namespace sgdcheck::bounds::detail
