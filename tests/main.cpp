// Catch2 v2 test main: prints the toolchain context that pinned-draw tests depend on.
#define CATCH_CONFIG_RUNNER
#include <Eigen/Core>
#include <boost/version.hpp>
#include <catch2/catch.hpp>
#include <cstdio>

int main(int argc, char* argv[]) {
  Catch::Session session;
  const int rc = session.applyCommandLine(argc, argv);
  if (rc != 0) return rc;
  std::fprintf(stderr,
               "sgdcheck tests: Catch rng-seed %u, Eigen %d.%d.%d, Boost %d.%d, %s\n",
               session.config().rngSeed(),
               EIGEN_WORLD_VERSION,
               EIGEN_MAJOR_VERSION,
               EIGEN_MINOR_VERSION,
               BOOST_VERSION / 100000,
               BOOST_VERSION / 100 % 1000,
               __VERSION__);
  return session.run();
}
