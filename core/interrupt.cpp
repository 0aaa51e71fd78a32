#include "core/interrupt.hpp"

#include <signal.h>

#include <atomic>

namespace sgdcheck {

namespace {

// Lock-free atomics are async-signal-safe; the handler only stores the signal number.
std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_interrupt(int sig) {
  int expected = 0;
  if (g_signal.compare_exchange_strong(expected, sig)) return;  // first signal: stop cleanly
  // A second signal while stopping: die at once the default way (the staging folder stays behind
  // and is cleaned, or resumed, by the next run). Both calls are async-signal-safe.
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() { return g_signal.load(std::memory_order_relaxed) != 0; }

int interrupt_signal() { return g_signal.load(std::memory_order_relaxed); }

void request_interrupt(int signal) {
  int expected = 0;
  g_signal.compare_exchange_strong(expected, signal);
}

void reset_interrupt() { g_signal.store(0); }

void throw_if_interrupted() {
  if (interrupted()) throw Interrupted();
}

}  // namespace sgdcheck
