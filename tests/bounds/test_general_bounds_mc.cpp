// The general bounds D1–D3 and L1–L3 hold: against exact oracles where one exists (O2 for delayed SGD
// on realizable least squares, the local-SGD random-design oracle for L1–L3) and against Monte Carlo
// (fixed seeds, 3 standard errors) on noisy finite-sum least squares with fixed and random delays,
// periodic and irregular synchronisation. Constants are computed here from the data, independently
// of the problems/ classes; each setting uses the largest step the exact condition admits (where the
// bounds are tightest) and the closed-form sufficient step.
#include <catch2/catch.hpp>
#include <Eigen/Eigenvalues>
#include <cmath>
#include <cstdint>
#include <vector>

#include "bounds/delayed_lsq_oracle.hpp"
#include "bounds/general_bounds.hpp"
#include "bounds/local_sgd_oracle.hpp"
#include "core/rng.hpp"
#include "lsq_fixtures.hpp"

using namespace sgdcheck::bounds;
using bounds_test::LsqInstance;

namespace {

/// Constants of finite-sum least squares f = (1/2n)Σ(a_iᵀx − y_i)², from the rows.
struct LsqConstants {
  double L = 0, mu = 0, Lmax = 0, sigma2 = 0;
  double M = 0, sigmaM2 = 0;  ///< the valid pair (2 λ_max(H⁻¹QH⁻¹), 2σ²) of spec §0
};

LsqConstants constants_of(const LsqInstance& p) {
  const auto n = static_cast<double>(p.X.rows());
  const Eigen::Index d = p.X.cols();
  const Eigen::MatrixXd H = p.X.transpose() * p.X / n;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eh(H);
  LsqConstants c;
  c.L = eh.eigenvalues().maxCoeff();
  c.mu = eh.eigenvalues().minCoeff();
  c.Lmax = p.X.rowwise().squaredNorm().maxCoeff();
  Eigen::MatrixXd B = Eigen::MatrixXd::Zero(d, d);
  for (Eigen::Index i = 0; i < p.X.rows(); ++i) {
    const Eigen::VectorXd a = p.X.row(i).transpose();
    c.sigma2 += p.residuals(i) * p.residuals(i) * a.squaredNorm() / n;
    B += a.squaredNorm() * a * a.transpose() / n;  // mean of (a aᵀ)²
  }
  const Eigen::MatrixXd Q = B - H * H;
  const Eigen::MatrixXd Hi = H.inverse();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eq(Hi * Q * Hi);
  c.M = 2.0 * eq.eigenvalues().maxCoeff();
  c.sigmaM2 = 2.0 * c.sigma2;
  return c;
}

LsqInstance noisy_instance(Eigen::Index n, Eigen::Index d, std::uint64_t seed) {
  const Eigen::MatrixXd X = bounds_test::normal_matrix(n, d, seed);
  const Eigen::VectorXd w = bounds_test::normal_matrix(d, 1, seed + 1);
  const Eigen::VectorXd eps = 0.5 * bounds_test::normal_matrix(n, 1, seed + 2);
  return bounds_test::make_instance(X, X * w + eps);
}

/// Per-t sample mean and standard error of a metric over runs.
struct Stat {
  std::vector<double> s, s2;
  explicit Stat(std::size_t n) : s(n, 0.0), s2(n, 0.0) {}
  void add(std::size_t t, double v) {
    s[t] += v;
    s2[t] += v * v;
  }
  double mean(std::size_t t, int R) const { return s[t] / R; }
  double se(std::size_t t, int R) const {
    const double m = mean(t, R);
    return std::sqrt(std::max(0.0, s2[t] / R - m * m) / (R - 1));
  }
};

/// Monte Carlo of delayed SGD (with replacement, batch b) on finite-sum least squares, x_s = x_0 for
/// s < 0. At every t = 0..T: dist2(x_t), running mean over s < t of f(y_s) − f* (t = 0: f(x_0) − f*,
/// the first read point), running mean over s <= t of ‖∇f(x_s)‖².
struct DelayedMc {
  Stat dist2, avg_read, avg_grad2;
  explicit DelayedMc(std::size_t n) : dist2(n), avg_read(n), avg_grad2(n) {}
};

DelayedMc simulate_delayed(const LsqInstance& p, const Eigen::VectorXd& x0, double gamma, int b, int tau,
                           bool random_delay, int T, int R, std::uint64_t seed) {
  const int n = static_cast<int>(p.X.rows());
  const double nn = n;
  DelayedMc mc(static_cast<std::size_t>(T + 1));
  std::vector<Eigen::VectorXd> hist(static_cast<std::size_t>(tau + 1));
  std::vector<int> batch;
  Eigen::VectorXd g(p.X.cols());
  auto F = [&](const Eigen::VectorXd& x) { return 0.5 * (p.X * (x - p.x_star)).squaredNorm() / nn; };
  auto grad2 = [&](const Eigen::VectorXd& x) { return (p.X.transpose() * (p.X * (x - p.x_star)) / nn).squaredNorm(); };
  for (int run = 0; run < R; ++run) {
    sgdcheck::Rng rng = sgdcheck::make_stream(seed, static_cast<std::uint64_t>(run), sgdcheck::StreamPurpose::kAlgorithm);
    sgdcheck::Rng drng = sgdcheck::make_stream(seed, static_cast<std::uint64_t>(run), sgdcheck::StreamPurpose::kDelays);
    for (auto& h : hist) h = x0;
    Eigen::VectorXd x = x0;
    double read_sum = 0.0, g2_sum = 0.0;
    for (int t = 0; t <= T; ++t) {
      g2_sum += grad2(x);
      mc.dist2.add(static_cast<std::size_t>(t), (x - p.x_star).squaredNorm());
      mc.avg_grad2.add(static_cast<std::size_t>(t), g2_sum / (t + 1));
      mc.avg_read.add(static_cast<std::size_t>(t), t == 0 ? F(x0) : read_sum / t);
      if (t == T) break;
      const int d = random_delay ? static_cast<int>(drng.below(static_cast<std::uint64_t>(tau + 1))) : tau;
      const Eigen::VectorXd& y = hist[static_cast<std::size_t>(std::max(0, t - d) % (tau + 1))];
      read_sum += F(y);
      bounds_test::draw_batch(rng, n, b, true, batch);
      g.setZero();
      for (const int i : batch) g += p.X.row(i).transpose() * (p.X.row(i).dot(y) - p.y(i));
      g /= b;
      x -= gamma * g;
      hist[static_cast<std::size_t>((t + 1) % (tau + 1))] = x;
    }
  }
  return mc;
}

/// Monte Carlo of local SGD (P workers, batch b with replacement) on finite-sum least squares with
/// synchronisation after the steps in `sync`. At every t: dist2(x̄_t), running mean over s <= t of
/// the workers' mean f(x^p_s) − f*, running mean of ‖∇f(x̄_s)‖².
struct LocalMc {
  Stat dist2, avg_fbar, avg_grad2;
  explicit LocalMc(std::size_t n) : dist2(n), avg_fbar(n), avg_grad2(n) {}
};

LocalMc simulate_local(const LsqInstance& p, const Eigen::VectorXd& x0, double gamma, int b, int P,
                       const std::vector<int>& sync, int T, int R, std::uint64_t seed) {
  const int n = static_cast<int>(p.X.rows());
  const double nn = n;
  LocalMc mc(static_cast<std::size_t>(T + 1));
  std::vector<Eigen::VectorXd> w(static_cast<std::size_t>(P));
  std::vector<int> batch;
  Eigen::VectorXd g(p.X.cols()), xbar(p.X.cols());
  auto F = [&](const Eigen::VectorXd& x) { return 0.5 * (p.X * (x - p.x_star)).squaredNorm() / nn; };
  auto grad2 = [&](const Eigen::VectorXd& x) { return (p.X.transpose() * (p.X * (x - p.x_star)) / nn).squaredNorm(); };
  for (int run = 0; run < R; ++run) {
    std::vector<sgdcheck::Rng> rngs;
    for (int q = 0; q < P; ++q)
      rngs.push_back(sgdcheck::make_stream(seed, static_cast<std::uint64_t>(run), sgdcheck::StreamPurpose::kAlgorithm,
                                           static_cast<std::uint64_t>(q)));
    for (auto& v : w) v = x0;
    double fsum = 0.0, g2sum = 0.0;
    std::size_t next = 0;
    for (int t = 0; t <= T; ++t) {
      xbar.setZero();
      double fb = 0.0;
      for (const auto& v : w) {
        xbar += v / P;
        fb += F(v) / P;
      }
      fsum += fb;
      g2sum += grad2(xbar);
      mc.dist2.add(static_cast<std::size_t>(t), (xbar - p.x_star).squaredNorm());
      mc.avg_fbar.add(static_cast<std::size_t>(t), fsum / (t + 1));
      mc.avg_grad2.add(static_cast<std::size_t>(t), g2sum / (t + 1));
      if (t == T) break;
      for (int q = 0; q < P; ++q) {
        auto& v = w[static_cast<std::size_t>(q)];
        bounds_test::draw_batch(rngs[static_cast<std::size_t>(q)], n, b, true, batch);
        g.setZero();
        for (const int i : batch) g += p.X.row(i).transpose() * (p.X.row(i).dot(v) - p.y(i));
        v -= gamma * g / b;
      }
      if (next < sync.size() && sync[next] == t + 1) {
        ++next;
        xbar.setZero();
        for (const auto& v : w) xbar += v / P;
        for (auto& v : w) v = xbar;
      }
    }
  }
  return mc;
}

/// Sync steps of a periodic schedule (every H) or an irregular one with gaps H, 1, H−1, 2, … (<= H).
std::vector<int> sync_steps(int H, bool irregular, int T) {
  std::vector<int> s;
  int t = 0, k = 0;
  while (t < T) {
    int gap = H;
    if (irregular) gap = (k % 2 == 0) ? std::max(1, H - k / 2 % H) : std::min(H, 1 + k / 2 % H);
    t += gap;
    ++k;
    if (t <= T) s.push_back(t);
  }
  return s;
}

int max_gap(const std::vector<int>& s, int T) {
  int prev = 0, m = 0;
  for (int t : s) {
    m = std::max(m, t - prev);
    prev = t;
  }
  return std::max(m, T - prev);
}

constexpr double kSe = 3.0;

}  // namespace

TEST_CASE("the valid noise pair of least squares holds everywhere and sigma2 at the optimum does not",
          "[bounds][general]") {
  // (NM) for one sample: Var(x) = eᵀQe + 2eᵀu + σ², u = mean(A_i c_i). Check Var(x) <= M‖∇f‖² + σ_M²
  // at points e = s·v near and far from x*, and that (M/2, σ²) fails somewhere near x*.
  const LsqInstance p = noisy_instance(20, 4, 501);
  const LsqConstants c = constants_of(p);
  const double n = static_cast<double>(p.X.rows());
  auto var1 = [&](const Eigen::VectorXd& e) {
    const Eigen::VectorXd grad = p.X.transpose() * (p.X * e) / n;
    double s = 0.0;
    for (Eigen::Index i = 0; i < p.X.rows(); ++i) {
      const Eigen::VectorXd gi = p.X.row(i).transpose() * (p.X.row(i).dot(e) + p.residuals(i));
      s += (gi - grad).squaredNorm() / n;
    }
    return std::pair{s, grad.squaredNorm()};
  };
  bool star_fails = false;
  for (int k = 0; k < 200; ++k) {
    const Eigen::VectorXd v = bounds_test::normal_matrix(4, 1, 900 + static_cast<std::uint64_t>(k));
    for (double s : {1e-3, 1e-2, 0.1, 1.0, 10.0}) {
      const auto [var, g2] = var1(s * v);
      REQUIRE(var <= c.M * g2 + c.sigmaM2 * (1 + 1e-12));
      star_fails = star_fails || var > 0.5 * c.M * g2 + c.sigma2;
    }
  }
  REQUIRE(star_fails);
}

TEST_CASE("D1 and D2 lie above the exact oracle of delayed SGD on realizable least squares", "[bounds][general]") {
  // Realizable: σ² = 0, so C = 0 with noise (i); O2 gives E‖x_t − x*‖² and E f(x_t) − f* exactly.
  const Eigen::MatrixXd X = bounds_test::normal_matrix(20, 5, 71);
  const Eigen::VectorXd w = bounds_test::normal_matrix(5, 1, 72);
  const LsqInstance p = bounds_test::make_instance(X, X * w);
  const LsqConstants c = constants_of(p);
  const Eigen::VectorXd e0 = Eigen::VectorXd::Constant(5, 1.0);
  const int T = 400;
  std::vector<std::int64_t> ts;
  for (int t = 0; t <= T; ++t) ts.push_back(t);
  for (int tau : {0, 1, 4, 10}) {
    for (int b : {1, 4}) {
      const ConvexNoise noise = convex_noise_from_smoothness(c.Lmax, 0.0, b);
      for (const bool largest : {false, true}) {
        CAPTURE(tau, b, largest);
        DelayedSgdParams d{.L = c.L, .mu = c.mu, .noise = noise, .tau = tau, .r0 = e0.squaredNorm()};
        d.gamma = largest ? delayed_convex_step_max(c.L, c.mu, noise.A, tau)
                          : delayed_convex_step_sufficient(c.L, noise.A, tau);
        const double theta = 1.0 / b;
        const OracleCurve o =
            delayed_lsq_oracle(p.X, {.e0 = e0, .step = StepSchedule::constant(d.gamma), .theta_b = theta, .tau = tau,
                                     .iterations = ts});
        double read_sum = 0.0;
        for (int t = 0; t <= T; ++t) {
          REQUIRE(o.dist2[static_cast<std::size_t>(t)] <= delayed_sc_dist2_bound(d, t) * (1 + 1e-12));
          if (t >= 1) {
            read_sum += o.subopt[static_cast<std::size_t>(std::max(0, t - 1 - tau))];
            REQUIRE(read_sum / t <= delayed_convex_avg_subopt_bound(d, t) * (1 + 1e-12));
          }
        }
      }
    }
  }
}

TEST_CASE("D1, D2 and D3 hold in Monte Carlo on noisy least squares with fixed and random delays",
          "[bounds][general]") {
  const LsqInstance p = noisy_instance(20, 4, 601);
  const LsqConstants c = constants_of(p);
  const Eigen::VectorXd x0 = p.x_star + Eigen::VectorXd::Constant(4, 1.5);
  const double r0 = (x0 - p.x_star).squaredNorm();
  const double F0 = 0.5 * (p.X * (x0 - p.x_star)).squaredNorm() / p.X.rows();  // f_inf = f*
  const int T = 300, R = 3000;
  struct Setting {
    int tau, b;
    bool random;
  };
  std::uint64_t seed = 11;
  for (const Setting s : {Setting{0, 1, false}, Setting{4, 1, false}, Setting{10, 4, true}, Setting{4, 2, true}}) {
    for (const bool m_form : {false, true}) {
      CAPTURE(s.tau, s.b, s.random, m_form);
      const ConvexNoise noise = m_form ? convex_noise_from_m(c.L, c.M, c.sigmaM2, s.b)
                                       : convex_noise_from_smoothness(c.Lmax, c.sigma2, s.b);
      DelayedSgdParams d{.L = c.L, .mu = c.mu, .noise = noise, .tau = s.tau, .r0 = r0};
      d.gamma = delayed_convex_step_max(c.L, c.mu, noise.A, s.tau);
      const DelayedMc mc = simulate_delayed(p, x0, d.gamma, s.b, s.tau, s.random, T, R, seed++);
      for (int t = 0; t <= T; ++t) {
        const auto k = static_cast<std::size_t>(t);
        CAPTURE(t);
        REQUIRE(mc.dist2.mean(k, R) - kSe * mc.dist2.se(k, R) <= delayed_sc_dist2_bound(d, t));
        REQUIRE(mc.avg_read.mean(k, R) - kSe * mc.avg_read.se(k, R) <= delayed_convex_avg_subopt_bound(d, std::max(t, 1)));
      }
    }
    // D3 with the valid (M, σ_M²) pair.
    DelayedNonconvexParams nc{.L = c.L, .noise = nonconvex_noise(c.M, c.sigmaM2, s.b), .tau = s.tau, .F0 = F0};
    nc.gamma = delayed_nonconvex_step_max(c.L, nc.noise.m, s.tau);
    CAPTURE(s.tau, s.b, nc.gamma);
    const DelayedMc mc = simulate_delayed(p, x0, nc.gamma, s.b, s.tau, s.random, T, R, seed++);
    for (int t = 0; t <= T; ++t) {
      const auto k = static_cast<std::size_t>(t);
      CAPTURE(t);
      REQUIRE(mc.avg_grad2.mean(k, R) - kSe * mc.avg_grad2.se(k, R) <= delayed_nonconvex_avg_grad2_bound(nc, t + 1));
    }
  }
}

TEST_CASE("L1, L2 and L3 hold in Monte Carlo on noisy least squares with periodic and irregular sync",
          "[bounds][general]") {
  const LsqInstance p = noisy_instance(20, 4, 701);
  const LsqConstants c = constants_of(p);
  const Eigen::VectorXd x0 = p.x_star + Eigen::VectorXd::Constant(4, 1.5);
  const double r0 = (x0 - p.x_star).squaredNorm();
  const double F0 = 0.5 * (p.X * (x0 - p.x_star)).squaredNorm() / p.X.rows();
  const int T = 200, R = 1500;
  std::uint64_t seed = 31;
  for (const int P : {2, 4}) {
    for (const int Hs : {1, 4, 16}) {
      for (const bool irregular : {false, true}) {
        const int b = Hs == 4 ? 2 : 1;
        const std::vector<int> sync = sync_steps(Hs, irregular, T);
        const int H = max_gap(sync, T);
        CAPTURE(P, H, irregular, b);
        const ConvexNoise noise = convex_noise_from_smoothness(c.Lmax, c.sigma2, b);
        LocalSgdParams l{.L = c.L, .mu = c.mu, .noise = noise, .P = P, .H = H, .r0 = r0};
        l.gamma = local_convex_step_max(c.L, c.mu, noise.A, P, H);
        const LocalMc mc = simulate_local(p, x0, l.gamma, b, P, sync, T, R, seed++);
        LocalNonconvexParams nc{.L = c.L, .noise = nonconvex_noise(c.M, c.sigmaM2, b), .P = P, .H = H, .F0 = F0};
        nc.gamma = local_nonconvex_step_max(c.L, nc.noise.m, P, H);
        const LocalMc mn = simulate_local(p, x0, nc.gamma, b, P, sync, T, R, seed++);
        for (int t = 0; t <= T; ++t) {
          const auto k = static_cast<std::size_t>(t);
          CAPTURE(t);
          REQUIRE(mc.dist2.mean(k, R) - kSe * mc.dist2.se(k, R) <= local_sc_dist2_bound(l, t));
          REQUIRE(mc.avg_fbar.mean(k, R) - kSe * mc.avg_fbar.se(k, R) <= local_convex_avg_subopt_bound(l, t + 1));
          REQUIRE(mn.avg_grad2.mean(k, R) - kSe * mn.avg_grad2.se(k, R) <= local_nonconvex_avg_grad2_bound(nc, t + 1));
        }
      }
    }
  }
}

TEST_CASE("L1, L2 and L3 lie above the exact local SGD oracle on random-design least squares",
          "[bounds][general]") {
  // Gaussian design x ~ N(0, H), y = ⟨w*, x⟩ + ε: Var(g) = eᵀH²e + tr(H)·eᵀHe + s2·tr(H) exactly, so
  // (M, σ_M²) = (1 + tr(H)/λ_min(H), s2·tr(H)) is valid everywhere (no L_max: noise form (ii)).
  const sgdcheck::Vec h = (sgdcheck::Vec(4) << 1.0, 0.5, 0.3, 0.2).finished();
  const double s2 = 0.4, trH = h.sum(), L = h.maxCoeff(), mu = h.minCoeff();
  const double M = 1.0 + trH / mu, sigmaM2 = s2 * trH;
  const sgdcheck::Vec eta0 = sgdcheck::Vec::Constant(4, 1.0);
  const int N = 600;
  for (const std::int64_t P : {2, 8}) {
    for (const std::int64_t H : {1, 4, 16}) {
      for (const std::int64_t b : {1, 4}) {
        for (const bool largest : {false, true}) {
          CAPTURE(P, H, b, largest);
          const ConvexNoise noise = convex_noise_from_m(L, M, sigmaM2, static_cast<double>(b));
          LocalSgdParams l{.L = L, .mu = mu, .noise = noise, .P = P, .H = H, .r0 = eta0.squaredNorm()};
          l.gamma = largest ? local_convex_step_max(L, mu, noise.A, P, H) : local_convex_step_sufficient(L, noise.A, H);
          LocalSgdOracleParams op;
          op.h = h;
          op.s2 = s2;
          op.workers = P;
          op.local_steps = N;
          op.batch = b;
          op.c = l.gamma;
          op.alpha = 0.0;
          op.eta0 = eta0;
          for (std::int64_t t = H; t <= N; t += H) op.comm.push_back(t);
          const LocalSgdOracleCurve o = local_sgd_oracle_diagonal(op);
          double risk_sum = 0.5 * eta0.dot(h.asDiagonal() * eta0);
          for (int t = 1; t <= N; ++t) {
            REQUIRE(o.last_dist2_at(t) <= local_sc_dist2_bound(l, t) * (1 + 1e-12));
            REQUIRE(risk_sum / t <= local_convex_avg_subopt_bound(l, t) * (1 + 1e-12));
            risk_sum += o.last_risk_at(t);
          }
        }
      }
    }
  }
  // L3 on an isotropic design h·I (‖∇f(w̄)‖² = h²‖w̄ − w*‖²): M = 1 + d.
  const double hh = 0.8;
  const sgdcheck::Vec hi = sgdcheck::Vec::Constant(4, hh);
  for (const std::int64_t P : {2, 8}) {
    for (const std::int64_t H : {1, 4, 16}) {
      CAPTURE(P, H);
      LocalNonconvexParams nc{.L = hh, .noise = nonconvex_noise(1.0 + 4.0, s2 * 4.0 * hh, 1.0), .P = P, .H = H,
                              .F0 = 0.5 * hh * eta0.squaredNorm()};
      nc.gamma = local_nonconvex_step_max(hh, nc.noise.m, P, H);
      LocalSgdOracleParams op;
      op.h = hi;
      op.s2 = s2;
      op.workers = P;
      op.local_steps = N;
      op.c = nc.gamma;
      op.alpha = 0.0;
      op.eta0 = eta0;
      for (std::int64_t t = H; t <= N; t += H) op.comm.push_back(t);
      const LocalSgdOracleCurve o = local_sgd_oracle_diagonal(op);
      double g2_sum = hh * hh * eta0.squaredNorm();
      for (int t = 1; t <= N; ++t) {
        REQUIRE(g2_sum / t <= local_nonconvex_avg_grad2_bound(nc, t) * (1 + 1e-12));
        g2_sum += hh * hh * o.last_dist2_at(t);
      }
    }
  }
}
