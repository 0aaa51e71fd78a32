#pragma once
/// \file Cooperative interruption. `install_interrupt_handlers()` makes SIGINT and SIGTERM set a
/// flag (nothing else happens in the handler); long loops poll `interrupted()` between runs and stop
/// cleanly, keeping finished work. The CLI exits with 128 + interrupt_signal() (130 / 143).
#include <stdexcept>

namespace sgdcheck {

/// Thrown by long preparatory work (planning: building problems, loading data) that polls
/// interrupted(); the CLI turns it into "interrupted ... nothing was written" and exit 128 + signal.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

/// Throws Interrupted if a stop was requested. Call between units of work, not inside inner loops.
void throw_if_interrupted();

/// Installs the SIGINT / SIGTERM handlers (sigaction, SA_RESTART). Idempotent. The first signal only
/// sets the flag; a second one terminates the process the default way (impatient Ctrl-C Ctrl-C).
void install_interrupt_handlers();

/// True once SIGINT or SIGTERM was received (or request_interrupt() was called). Lock-free, cheap:
/// call it between runs, never inside an iteration loop.
bool interrupted();

/// The first signal received (SIGINT = 2, SIGTERM = 15), or 0 if none.
int interrupt_signal();

/// Marks the process as interrupted by `signal` as if it had arrived (tests, and a second source of
/// stop requests such as an executor error).
void request_interrupt(int signal);

/// Clears the flag (tests only).
void reset_interrupt();

}  // namespace sgdcheck
