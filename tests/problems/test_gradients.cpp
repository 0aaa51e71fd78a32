// Oracle correctness: central finite differences and the mean conventions of sample / batch gradients.
#include <bit>
#include <catch2/catch.hpp>
#include <numeric>
#include <vector>

#include "core/kernels.hpp"
#include "core/rng.hpp"
#include "helpers.hpp"
#include "problems/least_squares.hpp"
#include "problems/problem.hpp"
#include "problems/random_design_ls.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using namespace sgdcheck;
using namespace sgdcheck::problems;
using sgdcheck::problems::test::build;
using sgdcheck::problems::test::gradient_check_error;

namespace {

/// Seeded test points: x*, x0, and three Gaussian points of norm 2.
std::vector<Vec> test_points(const Problem& p, std::uint64_t seed) {
  std::vector<Vec> pts = {p.constants().x_star, p.initial_point()};
  Rng rng = make_stream(seed, 0, StreamPurpose::kProbe);
  for (int k = 0; k < 3; ++k) {
    Vec x(p.dim());
    for (Index j = 0; j < p.dim(); ++j) x[j] = rng.normal();
    pts.push_back(2.0 * x / x.norm());
  }
  return pts;
}

struct Case {
  std::string family;
  std::map<std::string, std::string> kv;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {"least_squares", {{"n", "60"}, {"d", "7"}, {"noise", "0.3"}, {"spectrum.kind", "geometric"}, {"spectrum.cond", "20"}}},
      {"least_squares", {{"n", "80"}, {"d", "9"}, {"density", "0.2"}, {"storage", "sparse"}, {"noise", "0.1"}}},
      {"logistic", {{"n", "200"}, {"d", "5"}, {"lambda", "0.01"}, {"m_estimate.probes", "2"}}},
      {"logistic", {{"n", "300"}, {"d", "8"}, {"lambda", "0.05"}, {"density", "0.2"}, {"storage", "sparse"}, {"m_estimate.probes", "2"}}},
      {"nonconvex_logistic", {{"n", "150"}, {"d", "6"}, {"lambda", "0.5"}, {"m_estimate.probes", "2"}, {"init.radius", "3"}}},
      {"random_design_ls", {{"d", "6"}, {"design", "bernoulli_gaussian"}, {"density", "0.3"}, {"spectrum.kind", "linear"}, {"spectrum.cond", "5"}, {"noise", "0.5"}}},
  };
  return c;
}

}  // namespace

TEST_CASE("every family's gradient matches central finite differences at seeded points", "[problems]") {
  for (const auto& c : cases()) {
    const auto p = build(c.family, c.kv);
    INFO(p->describe());
    for (const Vec& x : test_points(*p, 11)) REQUIRE(gradient_check_error(*p, x) < 1e-6);
  }
}

TEST_CASE("the finite-difference check fails on a wrong gradient", "[problems]") {
  // Guards the helper itself: a gradient scaled by 1.01 must be caught.
  struct Scaled final : Problem {
    const Problem& inner;
    explicit Scaled(const Problem& p) : inner(p) {}
    std::string family() const override { return "scaled"; }
    Index dim() const override { return inner.dim(); }
    Index n() const override { return inner.n(); }
    double value(const Vec& x) const override { return inner.value(x); }
    void gradient(const Vec& x, Vec& g) const override {
      inner.gradient(x, g);
      g *= 1.01;
    }
    Vec initial_point() const override { return inner.initial_point(); }
    std::string describe() const override { return "scaled"; }
  };
  const auto p = build("least_squares", {{"n", "30"}, {"d", "4"}});
  const Scaled s(*p);
  REQUIRE(gradient_check_error(s, p->initial_point()) > 1e-3);
}

TEST_CASE("batch gradient over all indices equals the full gradient and sample gradients average to it",
          "[problems]") {
  for (const auto& c : cases()) {
    const auto p = build(c.family, c.kv);
    if (p->n() == 0) continue;
    INFO(p->describe());
    const Vec x = test_points(*p, 5).back();
    Vec g(p->dim()), gb(p->dim()), gi(p->dim()), mean = Vec::Zero(p->dim());
    p->gradient(x, g);
    std::vector<Index> all(static_cast<std::size_t>(p->n()));
    std::iota(all.begin(), all.end(), Index{0});
    p->batch_gradient(all, x, gb);
    for (Index i = 0; i < p->n(); ++i) {
      p->sample_gradient(i, x, gi);
      mean += gi;
    }
    mean /= static_cast<double>(p->n());
    for (Index j = 0; j < p->dim(); ++j) {
      REQUIRE_THAT(gb[j], WithinAbs(g[j], 1e-12 * (1.0 + g.norm())));
      REQUIRE_THAT(mean[j], WithinAbs(g[j], 1e-12 * (1.0 + g.norm())));
    }
    // A batch repeating one index is that sample's gradient (mean, not sum).
    const std::vector<Index> twice = {3, 3};
    p->batch_gradient(twice, x, gb);
    p->sample_gradient(3, x, gi);
    for (Index j = 0; j < p->dim(); ++j) REQUIRE_THAT(gb[j], WithinAbs(gi[j], 1e-14 * (1.0 + gi.norm())));
  }
}

TEST_CASE("stochastic gradients are unbiased within 5 standard errors for every family and sampling", "[problems]") {
  const int R = 4000;
  for (const auto& c : cases()) {
    const auto p = build(c.family, c.kv);
    INFO(p->describe());
    for (Sampling s : {Sampling::kWithReplacement, Sampling::kWithoutReplacement}) {
      const Index b = 4;
      const Vec x = test_points(*p, 9).back();
      Vec g(p->dim()), full(p->dim());
      p->gradient(x, full);
      Workspace ws = p->make_workspace(b);
      Rng rng = make_stream(42, 0, StreamPurpose::kAlgorithm);
      Vec sum = Vec::Zero(p->dim()), sum2 = Vec::Zero(p->dim());
      for (int r = 0; r < R; ++r) {
        p->stochastic_gradient(x, b, s, rng, ws, g);
        sum += g;
        sum2 += g.cwiseAbs2();
      }
      const Vec mean = sum / R;
      const Vec var = (sum2 / R - mean.cwiseAbs2()).cwiseMax(0.0);
      for (Index j = 0; j < p->dim(); ++j)
        REQUIRE_THAT(mean[j], WithinAbs(full[j], 5.0 * std::sqrt(var[j] / R) + 1e-12));
    }
  }
}

TEST_CASE("value_and_gradient returns exactly value and gradient for every family", "[problems]") {
  // The recorder takes f and ∇f from value_and_gradient; results stay those of value / gradient
  // only if the shared pass gives the same doubles (exact comparison, not a tolerance).
  for (const auto& c : cases()) {
    const auto p = build(c.family, c.kv);
    INFO(p->describe());
    for (const Vec& x : test_points(*p, 21)) {
      Vec g(p->dim()), g2(p->dim());
      p->gradient(x, g);
      const double f = p->value_and_gradient(x, g2);
      REQUIRE(f == p->value(x));
      for (Index j = 0; j < p->dim(); ++j) REQUIRE(g2[j] == g[j]);
    }
  }
}

TEST_CASE("draw_step + apply_step equal stochastic_gradient + x - gamma g for every family at b = 1 and 3",
          "[problems]") {
  // Same stream for both sides: the two-phase step must draw the same samples and, for the fused
  // forms (least squares, random-design b = 1), perform the same operations. Exact for b = 1 on the
  // streaming problems (the fused form is elementwise the default); finite least squares adds row
  // by row (a different order from the dense mean gradient), hence the 1e-14 relative tolerance.
  for (const auto& c : cases()) {
    const auto p = build(c.family, c.kv);
    INFO(p->describe());
    for (Index b : {Index{1}, Index{3}}) {
      const Vec x0 = test_points(*p, 31).back();
      Workspace ws1 = p->make_workspace(b), ws2 = p->make_workspace(b);
      Rng r1 = make_stream(7, 1, StreamPurpose::kAlgorithm, 0), r2 = r1;
      Vec xa = x0, xb = x0, g(p->dim());
      const double gamma = 0.05;
      for (int t = 0; t < 5; ++t) {
        p->draw_step(xa, b, Sampling::kWithReplacement, r1, ws1);
        p->apply_step(gamma, ws1, xa);
        p->stochastic_gradient(xb, b, Sampling::kWithReplacement, r2, ws2, g);
        xb.noalias() -= gamma * g;
      }
      for (Index j = 0; j < p->dim(); ++j) {
        if (p->n() == 0 && b == 1)
          REQUIRE(xa[j] == xb[j]);
        else
          REQUIRE_THAT(xa[j], WithinAbs(xb[j], 1e-14 * (1.0 + xb.norm())));
      }
    }
  }
}

namespace {
/// Random-design cases for every design × dimension, with label noise 0.7 and without.
void add_random_designs(std::vector<Case>& all,
                        std::initializer_list<const char*> designs,
                        std::initializer_list<const char*> dims) {
  for (const char* design : designs)
    for (const char* d : dims)
      for (const char* noise : {"0.7", "0"})
        all.push_back({"random_design_ls",
                       {{"d", d},
                        {"design", design},
                        {"noise", noise},
                        {"spectrum.kind", "linear"},
                        {"spectrum.cond", "4"}}});
}
}  // namespace

TEST_CASE("sgd_step is draw_step + apply_step bit for bit, for every family and design at b = 1 and 3",
          "[problems]") {
  // The fused step (random-design b = 1: one call, the sample kept in place) and the default
  // (draw_step then apply_step) must draw the same samples and leave the same bits in x and the stream.
  std::vector<Case> all = cases();
  // d = 1 … 8 take the fixed-dimension step (sample in registers), d = 9 the generic one; with and
  // without label noise (one normal draw more or less per sample).
  add_random_designs(all, {"gaussian", "rademacher"}, {"1", "2", "3", "5", "8", "9"});
  for (const auto& c : all) {
    const auto p = build(c.family, c.kv);
    INFO(p->describe());
    for (Index b : {Index{1}, Index{3}}) {
      INFO("b = " << b);
      Workspace ws1 = p->make_workspace(b), ws2 = p->make_workspace(b);
      Rng r1 = make_stream(9, 2, StreamPurpose::kAlgorithm, 0), r2 = r1;
      Vec xa = test_points(*p, 5).back(), xb = xa;
      for (int t = 0; t < 40; ++t) {
        const double gamma = 0.3 / (1.0 + t);
        p->draw_step(xa, b, Sampling::kWithReplacement, r1, ws1);
        p->apply_step(gamma, ws1, xa);
        p->sgd_step(gamma, xb, b, Sampling::kWithReplacement, r2, ws2);
      }
      for (Index j = 0; j < p->dim(); ++j)
        REQUIRE(std::bit_cast<std::uint64_t>(xa[j]) == std::bit_cast<std::uint64_t>(xb[j]));
      REQUIRE(r1.next_u64() == r2.next_u64());
    }
  }
}

/// P slots twice over: copy 1 for the reference (stepped slot by slot), copy 2 behind `slots` (the form
/// under test), both starting from the same iterates x0(k), streams make_stream(seed, 2, kAlgorithm, k)
/// and workspaces for batches up to `ws_batch`. Not copyable: `slots` points into copy 2.
struct TwinSlots {
  std::vector<Workspace> ws1, ws2;
  std::vector<Rng> r1, r2;
  std::vector<Vec> x1, x2;
  std::vector<StepSlot> slots;
  template <class Start>
  TwinSlots(const Problem& p, const std::vector<Index>& batch, Index ws_batch, std::uint64_t seed, Start x0) {
    for (std::size_t k = 0; k < batch.size(); ++k) {
      ws1.push_back(p.make_workspace(ws_batch));
      ws2.push_back(p.make_workspace(ws_batch));
      r1.push_back(make_stream(seed, 2, StreamPurpose::kAlgorithm, k));
      x1.push_back(x0(k));
    }
    r2 = r1;
    x2 = x1;
    for (std::size_t k = 0; k < batch.size(); ++k) slots.push_back({&x2[k], batch[k], &r2[k], &ws2[k]});
  }
  TwinSlots(const TwinSlots&) = delete;
  TwinSlots& operator=(const TwinSlots&) = delete;
};

TEST_CASE("sgd_steps moves every slot as sgd_step would, bit for bit, on both builds of the lane steps",
          "[problems]") {
  // The random design steps four slots at a time in SIMD lanes (d <= 8, b = 1, Gaussian / Rademacher):
  // each slot's iterate and stream must end exactly where its own sgd_step calls leave them, for
  // every slot count (groups of four and a rest), mixed batch sizes (a group with b = 2 falls back),
  // both designs, the Bernoulli-Gaussian design (never in lanes), with and without label noise, and
  // on the AVX2 and the baseline build of the lanes. 300 steps: ~1.2 % of normal draws per lane take
  // the ziggurat's slow path, so every lane position meets it many times.
  std::vector<Case> all = {{"least_squares", {{"n", "30"}, {"d", "3"}}}};
  add_random_designs(
      all, {"gaussian", "rademacher", "bernoulli_gaussian"}, {"1", "2", "3", "4", "5", "8", "9"});
  std::vector<bool> builds{false};
  if (kernels::cpu_has_avx2()) builds.push_back(true);
  for (const auto& c : all) {
    const auto p = build(c.family, c.kv);
    auto* rd = dynamic_cast<RandomDesignLs*>(const_cast<Problem*>(p.get()));
    for (bool avx2 : builds) {
      if (rd) rd->use_avx2(avx2);
      for (std::size_t P : {std::size_t{1}, std::size_t{4}, std::size_t{7}, std::size_t{8}}) {
        for (bool mixed : {false, true}) {
          INFO(p->describe() << ", avx2 = " << avx2 << ", P = " << P << ", mixed batches = " << mixed);
          std::vector<Index> batch(P, 1);
          if (mixed && P >= 8) batch[5] = 2;  // the second group falls back to sgd_step
          TwinSlots twin(*p, batch, 2, 9, [&](std::size_t k) { return test_points(*p, 5)[k % 5]; });
          auto& [ws1, ws2, r1, r2, x1, x2, slots] = twin;
          for (int t = 0; t < 300; ++t) {
            const double gamma = 0.3 / (1.0 + t);
            for (std::size_t k = 0; k < P; ++k)
              p->sgd_step(gamma, x1[k], batch[k], Sampling::kWithReplacement, r1[k], ws1[k]);
            p->sgd_steps(gamma, Sampling::kWithReplacement, slots);
          }
          for (std::size_t k = 0; k < P; ++k) {
            for (Index j = 0; j < p->dim(); ++j)
              REQUIRE(std::bit_cast<std::uint64_t>(x1[k][j]) == std::bit_cast<std::uint64_t>(x2[k][j]));
            REQUIRE(r1[k].next_u64() == r2[k].next_u64());
          }
        }
      }
    }
  }
}

TEST_CASE("least squares steps and value_and_gradient give the same bits on the AVX2 and the baseline build",
          "[problems]") {
  if (!kernels::cpu_has_avx2()) {
    WARN("this CPU has no AVX2: only the baseline step phases exist here");
    return;
  }
  // Dense rows at lengths around the 4- and 2-wide blocks of the kernels, up to and past the widths with
  // their own compiled forms on the AVX2 build (ls_step::kFixedMaxDim = 16), batches below, at and above
  // the 4-row passes, with and without replacement; sparse rows take the same path on both builds.
  for (const char* d : {"1", "3", "4", "5", "6", "7", "10", "16", "17"}) {
    for (const char* storage : {"dense", "sparse"}) {
      const auto p = build("least_squares", {{"n", "70"}, {"d", d}, {"noise", "0.2"}, {"storage", storage}});
      auto* ls = dynamic_cast<LeastSquares*>(const_cast<Problem*>(p.get()));
      REQUIRE(ls != nullptr);
      for (Index b : {Index{1}, Index{3}, Index{4}, Index{9}, Index{64}}) {
        for (Sampling s : {Sampling::kWithReplacement, Sampling::kWithoutReplacement}) {
          INFO(p->describe() << ", b = " << b
                             << ", without replacement = " << (s == Sampling::kWithoutReplacement));
          Vec x1 = test_points(*p, 3)[2], x2 = x1;
          Rng r1 = make_stream(4, 1, StreamPurpose::kAlgorithm), r2 = r1;
          Workspace w1 = p->make_workspace(b), w2 = p->make_workspace(b);
          for (int t = 0; t < 200; ++t) {
            const double gamma = 0.2 / (1.0 + 0.1 * t);
            ls->use_avx2(false);
            p->sgd_step(gamma, x1, b, s, r1, w1);
            ls->use_avx2(true);
            p->sgd_step(gamma, x2, b, s, r2, w2);
          }
          for (Index j = 0; j < p->dim(); ++j)
            REQUIRE(std::bit_cast<std::uint64_t>(x1[j]) == std::bit_cast<std::uint64_t>(x2[j]));
        }
      }
      // value_and_gradient (the recorded metrics) on both builds
      for (const Vec& x : test_points(*p, 4)) {
        Vec g1(p->dim()), g2(p->dim());
        ls->use_avx2(false);
        const double f1 = p->value_and_gradient(x, g1);
        ls->use_avx2(true);
        const double f2 = p->value_and_gradient(x, g2);
        REQUIRE(std::bit_cast<std::uint64_t>(f1) == std::bit_cast<std::uint64_t>(f2));
        for (Index j = 0; j < p->dim(); ++j)
          REQUIRE(std::bit_cast<std::uint64_t>(g1[j]) == std::bit_cast<std::uint64_t>(g2[j]));
      }
    }
  }
}

TEST_CASE("random design draw_step and apply_step give the same bits on the AVX2 and the baseline build",
          "[problems]") {
  if (!kernels::cpu_has_avx2()) {
    WARN("this CPU has no AVX2: only the baseline step phases exist here");
    return;
  }
  // The two phases as delayed SGD calls them (the draw at one point, the update of another), at
  // dimensions on and off the 4- and 2-wide blocks, b = 1 (the AVX2 phases) and b = 2 (the default).
  std::vector<Case> all;
  add_random_designs(all, {"gaussian", "rademacher", "bernoulli_gaussian"}, {"3", "9", "16", "17"});
  for (const auto& c : all) {
    const auto p = build(c.family, c.kv);
    auto* rd = dynamic_cast<RandomDesignLs*>(const_cast<Problem*>(p.get()));
    REQUIRE(rd != nullptr);
    for (Index b : {Index{1}, Index{2}}) {
      INFO(p->describe() << ", b = " << b);
      const Vec at = test_points(*p, 2)[1];
      Vec x1 = test_points(*p, 2)[0], x2 = x1;
      Rng r1 = make_stream(6, 0, StreamPurpose::kAlgorithm), r2 = r1;
      Workspace w1 = p->make_workspace(b), w2 = p->make_workspace(b);
      for (int t = 0; t < 300; ++t) {
        rd->use_avx2(false);
        p->draw_step(at, b, Sampling::kWithReplacement, r1, w1);
        p->apply_step(0.01, w1, x1);
        rd->use_avx2(true);
        p->draw_step(at, b, Sampling::kWithReplacement, r2, w2);
        p->apply_step(0.01, w2, x2);
      }
      for (Index j = 0; j < p->dim(); ++j)
        REQUIRE(std::bit_cast<std::uint64_t>(x1[j]) == std::bit_cast<std::uint64_t>(x2[j]));
      REQUIRE(r1.next_u64() == r2.next_u64());
    }
  }
}

TEST_CASE(
    "local_sgd_steps is sgd_steps, the slot-order average and the copy after a communication, bit for bit",
    "[problems]") {
  // The fused local SGD run (the random design keeps the slots' iterates and streams in SIMD lanes from
  // a run's first step to its last) against the steps taken one by one: sgd_step per slot, then
  // w̄ = ((x_0 + x_1) + …)·(1/P) per coordinate, then every slot's iterate set to w̄ when the step
  // communicates. Runs of 1, 7 and 64 steps with communication at none, some and every step, step sizes
  // 0 (from −0 iterates: the signs of zeros must survive the average and the copy) and > 0, 4 to 16
  // slots, both designs, with and without noise, on the AVX2 and the baseline build.
  std::vector<Case> all;
  add_random_designs(all, {"gaussian", "rademacher"}, {"1", "2", "3", "5", "8"});
  std::vector<bool> builds{false};
  if (kernels::cpu_has_avx2()) builds.push_back(true);
  for (const auto& c : all) {
    const auto p = build(c.family, c.kv);
    auto* rd = dynamic_cast<RandomDesignLs*>(const_cast<Problem*>(p.get()));
    REQUIRE(rd != nullptr);
    const Index d = p->dim();
    for (bool avx2 : builds) {
      rd->use_avx2(avx2);
      for (std::size_t P : {std::size_t{4}, std::size_t{8}, std::size_t{16}}) {
        INFO(p->describe() << ", avx2 = " << avx2 << ", P = " << P);
        const double inv_p = 1.0 / static_cast<double>(P);
        TwinSlots twin(
            *p, std::vector<Index>(P, 1), 1, 3, [&](std::size_t) { return Vec::Constant(d, -0.0); });
        auto& [ws1, ws2, r1, r2, x1, x2, slots] = twin;
        std::vector<Vec> wbar(64, Vec::Zero(d));
        int t = 0;
        for (std::size_t n :
             {std::size_t{7}, std::size_t{1}, std::size_t{64}, std::size_t{7}, std::size_t{64}}) {
          std::vector<double> gammas(n);
          std::vector<std::uint8_t> average(n);
          for (std::size_t k = 0; k < n; ++k, ++t) {
            gammas[k] = t < 5 ? 0.0 : 0.3 / (1.0 + 0.05 * t);
            average[k] = (t % 5 == 4 || t > 120) ? 1 : 0;  // some rounds, then every step
          }
          INFO("run of " << n << " steps ending at step " << t);
          REQUIRE(p->local_sgd_steps(
              Sampling::kWithReplacement, slots, LocalStepRun{gammas, average, inv_p, wbar.data()}));
          for (std::size_t k = 0; k < n; ++k) {
            for (std::size_t s = 0; s < P; ++s)
              p->sgd_step(gammas[k], x1[s], 1, Sampling::kWithReplacement, r1[s], ws1[s]);
            Vec mean(d);
            for (Index j = 0; j < d; ++j) {
              double sum = x1[0][j];
              for (std::size_t s = 1; s < P; ++s) sum += x1[s][j];
              mean[j] = sum * inv_p;
            }
            for (Index j = 0; j < d; ++j)
              REQUIRE(std::bit_cast<std::uint64_t>(wbar[k][j]) == std::bit_cast<std::uint64_t>(mean[j]));
            if (average[k])
              for (std::size_t s = 0; s < P; ++s) x1[s] = mean;
          }
          for (std::size_t s = 0; s < P; ++s)
            for (Index j = 0; j < d; ++j)
              REQUIRE(std::bit_cast<std::uint64_t>(x1[s][j]) == std::bit_cast<std::uint64_t>(x2[s][j]));
        }
        for (std::size_t s = 0; s < P; ++s) REQUIRE(r1[s].next_u64() == r2[s].next_u64());
      }
    }
  }
}

TEST_CASE("local_sgd_steps declines, changing nothing, where there is no fused form", "[problems]") {
  // 3 or 20 slots (not whole groups of four, more than four groups), a slot with b = 2, the
  // Bernoulli-Gaussian design, d = 9, and every other family (the default).
  struct Setup {
    Case c;
    std::size_t slots;
    Index batch_of_slot_2;
  };
  const std::map<std::string, std::string> gauss{{"d", "3"}, {"design", "gaussian"}, {"noise", "0.7"}};
  auto with = [&](const char* key, const char* value) {
    auto kv = gauss;
    kv[key] = value;
    return kv;
  };
  const std::vector<Setup> setups = {
      {{"random_design_ls", gauss}, 3, 1},
      {{"random_design_ls", gauss}, 20, 1},
      {{"random_design_ls", gauss}, 8, 2},
      {{"random_design_ls", with("design", "bernoulli_gaussian")}, 4, 1},
      {{"random_design_ls", with("d", "9")}, 4, 1},
      {{"least_squares", {{"n", "30"}, {"d", "3"}}}, 4, 1},
  };
  for (const Setup& st : setups) {
    const auto p = build(st.c.family, st.c.kv);
    INFO(p->describe() << ", " << st.slots << " slots");
    std::vector<Workspace> ws;
    std::vector<Rng> rng;
    std::vector<Vec> x;
    for (std::size_t k = 0; k < st.slots; ++k) {
      ws.push_back(p->make_workspace(2));
      rng.push_back(make_stream(5, 0, StreamPurpose::kAlgorithm, k));
      x.push_back(test_points(*p, 2)[k % 5]);
    }
    const std::vector<Vec> x_before = x;
    const std::vector<Rng> rng_before = rng;
    std::vector<StepSlot> slots;
    for (std::size_t k = 0; k < st.slots; ++k)
      slots.push_back({&x[k], k == 2 ? st.batch_of_slot_2 : 1, &rng[k], &ws[k]});
    const std::vector<double> gammas{0.1, 0.1};
    const std::vector<std::uint8_t> average{0, 1};
    std::vector<Vec> wbar(2, Vec::Zero(p->dim()));
    REQUIRE_FALSE(
        p->local_sgd_steps(Sampling::kWithReplacement,
                           slots,
                           LocalStepRun{gammas, average, 1.0 / static_cast<double>(st.slots), wbar.data()}));
    for (std::size_t k = 0; k < st.slots; ++k) {
      REQUIRE(x[k] == x_before[k]);
      Rng a = rng[k], b = rng_before[k];
      REQUIRE(a.next_u64() == b.next_u64());
    }
  }
}
