#include "bounds/local_sgd_oracle.hpp"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <limits>

namespace sgdcheck::bounds {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// Allocates the four curves and fills entries t..N with +inf (the state overflowed at step t).
LocalSgdOracleCurve make_curve(std::int64_t n) {
  LocalSgdOracleCurve c;
  const auto sz = static_cast<std::size_t>(n);
  c.last_dist2.assign(sz, kInfinity);
  c.last_risk.assign(sz, kInfinity);
  c.pr_dist2.assign(sz, kInfinity);
  c.pr_risk.assign(sz, kInfinity);
  return c;
}

/// The running Polyak–Ruppert sums and the curve entries of step t.
struct CurveWriter {
  LocalSgdOracleCurve& curve;
  double sum_dist = 0.0;  // Σ_{s<=t} tr(A_s + 2B_s)
  double sum_risk = 0.0;  // Σ_{s<=t} ½tr(H(A_s + 2B_s))

  /// Returns false when the values are not finite (the caller stops; entries stay +inf).
  bool put(std::int64_t t, double tr_a, double tr_b, double risk_a, double risk_b) {
    sum_dist += tr_a + 2.0 * tr_b;
    sum_risk += risk_a + 2.0 * risk_b;
    if (!std::isfinite(tr_a) || !std::isfinite(risk_a) || !std::isfinite(sum_dist) || !std::isfinite(sum_risk)) {
      curve.diverged_at = t;
      return false;
    }
    const auto i = static_cast<std::size_t>(t - 1);
    const double n2 = static_cast<double>(t) * static_cast<double>(t);
    curve.last_dist2[i] = tr_a;
    curve.last_risk[i] = risk_a;
    curve.pr_dist2[i] = sum_dist / n2;
    curve.pr_risk[i] = sum_risk / n2;
    return true;
  }
};

void require_valid(const LocalSgdOracleParams& p) {
  if (auto why = hypotheses_violated(p)) throw HypothesisViolated("local SGD oracle: " + *why);
}

}  // namespace

void LocalSgdOracleParams::set_covariance(const Mat& H) {
  const Eigen::SelfAdjointEigenSolver<Mat> es(H);
  if (es.info() != Eigen::Success) throw std::invalid_argument("set_covariance: eigendecomposition failed");
  h = es.eigenvalues();
  basis = es.eigenvectors();
}

std::optional<std::string> hypotheses_violated(const LocalSgdOracleParams& p) {
  const Index d = p.h.size();
  if (d < 1) return std::string("dimension d = h.size() >= 1");
  for (Index i = 0; i < d; ++i)
    if (!(p.h[i] >= 0.0) || !std::isfinite(p.h[i])) return fmt::format("h[{}] = {} violates 0 <= h < inf", i, p.h[i]);
  if (p.basis.size() != 0 && (p.basis.rows() != d || p.basis.cols() != d))
    return fmt::format("basis is {}x{}, needs d x d = {}x{} or empty", p.basis.rows(), p.basis.cols(), d, d);
  if (p.basis.size() != 0 && !(p.basis.transpose() * p.basis).isIdentity(1e-10))
    return std::string("basis is orthogonal (QᵀQ = I)");
  if (p.eta0.size() != d) return fmt::format("eta0 has size {}, needs d = {}", p.eta0.size(), d);
  if (!p.eta0.allFinite()) return std::string("eta0 is finite");
  if (!(p.kurtosis >= 1.0) || !std::isfinite(p.kurtosis))
    return fmt::format("kurtosis = {} violates kurtosis >= 1 (E z^4 >= (E z^2)^2)", p.kurtosis);
  if (!(p.s2 >= 0.0) || !std::isfinite(p.s2)) return fmt::format("s2 = {} violates s2 >= 0", p.s2);
  if (p.workers < 1) return fmt::format("workers = {} violates workers >= 1", p.workers);
  if (p.local_steps < 1) return fmt::format("local_steps = {} violates local_steps >= 1", p.local_steps);
  if (p.batch < 1) return fmt::format("batch = {} violates batch >= 1", p.batch);
  if (!(p.c > 0.0) || !std::isfinite(p.c)) return fmt::format("c = {} violates c > 0", p.c);
  if (!std::isfinite(p.alpha)) return fmt::format("alpha = {} is finite", p.alpha);
  for (std::size_t k = 0; k < p.comm.size(); ++k) {
    const std::int64_t t = p.comm[k];
    if (t < 1 || t > p.local_steps)
      return fmt::format("communication step {} violates 1 <= t <= N = {}", t, p.local_steps);
    if (k > 0 && t <= p.comm[k - 1])
      return fmt::format("communication steps are strictly increasing ({} follows {})", t, p.comm[k - 1]);
  }
  return std::nullopt;
}

LocalSgdOracleCurve local_sgd_oracle_diagonal(const LocalSgdOracleParams& p) {
  require_valid(p);
  const Index d = p.h.size();
  const double P = static_cast<double>(p.workers);
  const double inv_b = 1.0 / static_cast<double>(p.batch);
  // E[(xxᵀ)_ii-part] of the batch fourth moment: ((κ−1)/b + 1 − 1/b)·h_i² m_i (spec §3, batch b).
  const double q = (p.kurtosis - 1.0) * inv_b + 1.0 - inv_b;
  const Vec& h = p.h;
  const Vec eta = p.basis.size() == 0 ? p.eta0 : Vec(p.basis.transpose() * p.eta0);

  Vec m = eta.cwiseAbs2();
  Vec k = m;
  Vec a = m;  // a_{t-1}
  Vec bb = Vec::Zero(d);
  LocalSgdOracleCurve curve = make_curve(p.local_steps);
  CurveWriter out{curve};
  std::size_t next_comm = 0;
  for (std::int64_t t = 1; t <= p.local_steps; ++t) {
    const double g = p.c * std::pow(static_cast<double>(t), -p.alpha);
    if (t >= 2)
      for (Index i = 0; i < d; ++i) bb[i] = (1.0 - g * h[i]) * (bb[i] + a[i]);
    const double hm = h.dot(m);  // previous m
    for (Index i = 0; i < d; ++i) {
      const double gh = g * h[i];
      m[i] = (1.0 - 2.0 * gh + q * gh * gh) * m[i] + g * gh * (hm + p.s2) * inv_b;
      k[i] = (1.0 - gh) * (1.0 - gh) * k[i];
    }
    if (next_comm < p.comm.size() && p.comm[next_comm] == t) {
      ++next_comm;
      m = m / P + (1.0 - 1.0 / P) * k;
      k = m;
    }
    a = m / P + (1.0 - 1.0 / P) * k;
    if (!out.put(t, a.sum(), bb.sum(), 0.5 * h.dot(a), 0.5 * h.dot(bb))) break;
  }
  return curve;
}

LocalSgdOracleCurve local_sgd_oracle_full(const LocalSgdOracleParams& p) {
  require_valid(p);
  const Index d = p.h.size();
  const double P = static_cast<double>(p.workers);
  const double inv_b = 1.0 / static_cast<double>(p.batch);
  const Mat Q = p.basis.size() == 0 ? Mat(Mat::Identity(d, d)) : p.basis;
  const Mat H = Q * p.h.asDiagonal() * Q.transpose();
  const Vec h2 = p.h.cwiseAbs2();
  const bool gaussian_fourth = p.kurtosis == 3.0;

  Mat M = p.eta0 * p.eta0.transpose();
  Mat K = M;
  Mat A = M;  // A_{t-1}
  Mat B = Mat::Zero(d, d);
  Mat G(d, d), HM(d, d), HMH(d, d), tmp(d, d), QMQ_diag_term(d, d);
  Vec qmq(d);
  LocalSgdOracleCurve curve = make_curve(p.local_steps);
  CurveWriter out{curve};
  std::size_t next_comm = 0;
  for (std::int64_t t = 1; t <= p.local_steps; ++t) {
    const double g = p.c * std::pow(static_cast<double>(t), -p.alpha);
    G = Mat::Identity(d, d) - g * H;
    if (t >= 2) {
      tmp = B + A;
      B.noalias() = G * tmp;
    }
    // M ← M − g(HM + MH) + g²[𝓜(M)/b + (1 − 1/b)HMH] + g² s2 H / b, all from the previous M.
    HM.noalias() = H * M;
    HMH.noalias() = HM * H;
    const double tr_hm = HM.trace();
    tmp = (2.0 * inv_b + 1.0 - inv_b) * HMH + (tr_hm + p.s2) * inv_b * H;
    if (!gaussian_fourth) {
      // (κ − 3) Σ_i h_i² (q_iᵀ M q_i) q_i q_iᵀ: the non-Gaussian part, defined in the design basis Q.
      qmq = (Q.cwiseProduct(M * Q)).colwise().sum().transpose();
      QMQ_diag_term.noalias() = Q * (h2.cwiseProduct(qmq)).asDiagonal() * Q.transpose();
      tmp += (p.kurtosis - 3.0) * inv_b * QMQ_diag_term;
    }
    M = M - g * (HM + HM.transpose()) + g * g * tmp;  // MH = (HM)ᵀ for symmetric M
    tmp.noalias() = G * K;
    K.noalias() = tmp * G;
    if (next_comm < p.comm.size() && p.comm[next_comm] == t) {
      ++next_comm;
      M = M / P + (1.0 - 1.0 / P) * K;
      K = M;
    }
    A = M / P + (1.0 - 1.0 / P) * K;
    const double risk_a = 0.5 * (H.cwiseProduct(A.transpose())).sum();  // ½tr(HA)
    const double risk_b = 0.5 * (H.cwiseProduct(B.transpose())).sum();
    if (!out.put(t, A.trace(), B.trace(), risk_a, risk_b)) break;
  }
  return curve;
}

std::vector<double> local_sgd_oracle_at(const LocalSgdOracleParams& p,
                                        LocalSgdOracleOutput output,
                                        std::span<const std::int64_t> ts) {
  for (std::int64_t t : ts)
    if (t < 1 || t > p.local_steps)
      throw std::invalid_argument(fmt::format("local_sgd_oracle_at: t = {} violates 1 <= t <= N = {}", t, p.local_steps));
  const LocalSgdOracleCurve c = local_sgd_oracle_diagonal(p);
  std::vector<double> v;
  v.reserve(ts.size());
  for (std::int64_t t : ts) {
    switch (output) {
      case LocalSgdOracleOutput::kLastDist2: v.push_back(c.last_dist2_at(t)); break;
      case LocalSgdOracleOutput::kLastRisk: v.push_back(c.last_risk_at(t)); break;
      case LocalSgdOracleOutput::kPrDist2: v.push_back(c.pr_dist2_at(t)); break;
      case LocalSgdOracleOutput::kPrRisk: v.push_back(c.pr_risk_at(t)); break;
    }
  }
  return v;
}

BoundInfo local_sgd_oracle_info(LocalSgdOracleOutput output) {
  BoundInfo info;
  info.reference =
      "Dieuleveut & Patel (2019), arXiv:1904.11325 (algorithm); exact moment recursion derived for sgdcheck";
  info.label = Label::kDerived;
  info.guarantee = Guarantee::kExact;
  switch (output) {
    case LocalSgdOracleOutput::kLastDist2:
      info.id = "patel.local_sgd.oracle.last.dist2";
      info.title = "local SGD exact oracle (last iterate)";
      info.metric = "dist2";
      break;
    case LocalSgdOracleOutput::kLastRisk:
      info.id = "patel.local_sgd.oracle.last.subopt";
      info.title = "local SGD exact oracle (last iterate, excess risk)";
      info.metric = "subopt";
      break;
    case LocalSgdOracleOutput::kPrDist2:
      info.id = "patel.local_sgd.oracle.pr.dist2";
      info.title = "local SGD exact oracle (Polyak-Ruppert average)";
      info.metric = "dist2";
      break;
    case LocalSgdOracleOutput::kPrRisk:
      info.id = "patel.local_sgd.oracle.pr.subopt";
      info.title = "local SGD exact oracle (Polyak-Ruppert average, excess risk)";
      info.metric = "subopt";
      break;
  }
  return info;
}

}  // namespace sgdcheck::bounds
