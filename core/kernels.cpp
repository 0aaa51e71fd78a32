#include "core/kernels.hpp"

namespace sgdcheck::kernels {

#if defined(__x86_64__)
bool cpu_has_avx2() {
  static const bool has = [] {
    __builtin_cpu_init();  // needed if this runs before main (a static problem's constructor)
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
}
#else
bool cpu_has_avx2() { return false; }
#endif

}  // namespace sgdcheck::kernels
