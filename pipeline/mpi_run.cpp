#include "pipeline/mpi_run.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "core/interrupt.hpp"
#include "pipeline/distribute.hpp"

namespace sgdcheck::pipeline {

namespace {

enum Tag : int {
  kRequest = 1,  // worker → 0: a thread wants an item
  kItem,         // 0 → worker: uint64 cell, uint64 block
  kNoMore,       // 0 → worker: every item is handed out
  kAbort,        // 0 → worker: stop (a failure, an interrupt or an error on rank 0)
  kResult,       // worker → 0: encode_item bytes
  kFail,         // worker → 0: uint8 exit-code kind (2 bad input, 4 internal) + the error line
  kEndPlan,      // worker → 0: no more messages for this plan
  kBye,          // worker → 0: the worker's session ends
  kFinal,        // 0 → worker: int32 exit code
};

/// Thrown on a worker that rank 0 stopped; its session ends quietly.
struct Stopped : std::runtime_error {
  Stopped() : std::runtime_error("stopped by rank 0") {}
};

/// Waits for a message without spinning a core: MPI_Iprobe with sleeps growing to 1 ms.
MPI_Status wait_message(int source) {
  int flag = 0;
  MPI_Status st;
  auto pause = std::chrono::microseconds(20);
  for (;;) {
    MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    if (flag) return st;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
  }
}

/// Polls once; true and `st` set if a message is waiting.
bool poll_message(MPI_Status& st) {
  int flag = 0;
  MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
  return flag != 0;
}

std::string receive(const MPI_Status& st) {
  int n = 0;
  MPI_Get_count(&st, MPI_BYTE, &n);
  std::string b(static_cast<std::size_t>(std::max(n, 0)), '\0');
  MPI_Recv(b.data(), n, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return b;
}

void send(int dest, int tag, const std::string& bytes = {}) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX))
    throw std::runtime_error(
        fmt::format("a work item of {} bytes is too large for one MPI message", bytes.size()));
  MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, tag, MPI_COMM_WORLD);
}

/// "cell 3 (runner.batch = 8)".
std::string describe_cell(const Plan& plan, std::size_t c) {
  std::string s = fmt::format("cell {}", plan.cells[c].id);
  const auto& v = plan.cells[c].sweep_values;
  for (std::size_t k = 0; k < v.size() && k < plan.sweep_keys.size(); ++k)
    s += fmt::format("{}{} = {}", k == 0 ? " (" : ", ", plan.sweep_keys[k], v[k]);
  if (!v.empty()) s += ")";
  return s;
}

/// The kind byte of a failure: 2 for bad input (and out of memory), 4 for anything else.
char failure_kind(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const ConfigError&) {
    return 2;
  } catch (const std::bad_alloc&) {
    return 2;
  } catch (...) {
    return 4;
  }
}

std::string failure_text(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::bad_alloc&) {
    return "out of memory";
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown exception";
  }
}

/// Test hook: SGDCHECK_TEST_MPI_FAIL=RANK:CELL makes that rank fail in the first item of that cell
/// (tests/cluster: a failing rank aborts the job with one line). Returns the cell, or SIZE_MAX.
std::size_t test_fail_cell(int rank) {
  const char* v = std::getenv("SGDCHECK_TEST_MPI_FAIL");
  int r = -1;
  std::size_t c = 0;
  if (!v || std::sscanf(v, "%d:%zu", &r, &c) != 2 || r != rank) return SIZE_MAX;
  return c;
}

}  // namespace

MpiSession::MpiSession(int& argc, char**& argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  byed_.assign(static_cast<std::size_t>(size_), 0);
  if (provided < MPI_THREAD_SERIALIZED) {
    MPI_Finalize();
    throw std::runtime_error(
        "the MPI library does not support MPI_THREAD_SERIALIZED (needed for --jobs with MPI)");
  }
}

MpiSession::~MpiSession() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

bool MpiSession::schedule(const WorkItems& items, int jobs) {
  return rank_ == 0 ? schedule_root(items, jobs) : schedule_worker(items, jobs);
}

bool MpiSession::schedule_root(const WorkItems& items, int jobs) {
  const Plan& plan = *items.plan;
  const std::string fingerprint = config_fingerprint(plan, SGDCHECK_GIT_COMMIT);
  const std::size_t fail_cell = test_fail_cell(0);
  const std::size_t n = items.list.size();
  const std::size_t workers = static_cast<std::size_t>(size_ - 1);
  std::mutex m;  // next, failure
  std::size_t next = 0;
  std::atomic<bool> abort{false};
  std::string failure;  // the first failure's line
  char failure_code = 4;
  std::atomic<std::size_t> reduced{0};
  auto fail = [&](std::string line, char code) {
    std::lock_guard lock(m);
    if (failure.empty()) {
      failure = std::move(line);
      failure_code = code;
    }
    abort = true;
  };
  auto take = [&]() -> std::size_t {
    std::lock_guard lock(m);
    if (abort || interrupted() || next >= n) return n;
    return next++;
  };

  // Rank 0's own threads take items like any worker thread.
  std::vector<std::thread> local;
  std::atomic<int> local_running{std::max(jobs, 1)};
  for (int t = 0; t < std::max(jobs, 1); ++t)
    local.emplace_back([&] {
      for (std::size_t i; (i = take()) < n;) {
        try {
          if (items.list[i].first == fail_cell) throw std::runtime_error("SGDCHECK_TEST_MPI_FAIL");
          if (!items.run(i)) break;  // interrupted
          items.reduce(i);
          ++reduced;
        } catch (...) {
          const auto e = std::current_exception();
          fail(fmt::format(
                   "rank 0 failed in {}: {}", describe_cell(plan, items.list[i].first), failure_text(e)),
               failure_kind(e));
          break;
        }
      }
      --local_running;
    });

  // This thread answers the workers.
  std::vector<char> ended(static_cast<std::size_t>(size_), 0);
  for (std::size_t r = 1; r < ended.size(); ++r) ended[r] = byed_[r];
  auto all_ended = [&] {
    return std::count(ended.begin() + 1, ended.end(), 1) == static_cast<std::ptrdiff_t>(workers);
  };
  auto pause = std::chrono::microseconds(20);
  try {
    for (;;) {
      if (interrupted()) abort = true;
      const bool local_done = local_running.load() == 0;
      if (local_done && all_ended() && (abort || reduced.load() == n)) break;
      if (local_done && all_ended())  // every rank is done but items are missing: never wait for them
        fail(fmt::format("rank 0: {} of {} work items never came back", n - reduced.load(), n), 4);
      MPI_Status st;
      if (!poll_message(st)) {
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(1000));
        continue;
      }
      pause = std::chrono::microseconds(20);
      const int src = st.MPI_SOURCE;
      const std::string msg = receive(st);
      switch (st.MPI_TAG) {
        case kRequest: {
          if (msg != fingerprint && !abort)
            fail(fmt::format("rank {} planned another configuration (fingerprint {}, rank 0: {}): every rank "
                             "needs the same "
                             "files, options and sgdcheck build",
                             src,
                             msg,
                             fingerprint),
                 2);
          const std::size_t i = take();
          if (i < n) {
            ByteWriter w;
            w.put<std::uint64_t>(items.list[i].first);
            w.put<std::uint64_t>(items.list[i].second);
            send(src, kItem, w.buffer());
          } else if (abort) {
            send(src, kAbort);
            ended[static_cast<std::size_t>(src)] = 1;
          } else {
            send(src, kNoMore);
          }
          break;
        }
        case kResult:
          if (abort) break;
          try {
            const std::size_t j = decode_item(plan, items, msg, fmt::format("work item from rank {}", src));
            items.reduce(j);
            ++reduced;
            items.count_runs(block_reps(plan, items.list[j].second));
          } catch (...) {
            const auto e = std::current_exception();
            fail(fmt::format("rank 0 failed reducing a result of rank {}: {}", src, failure_text(e)), 4);
          }
          break;
        case kFail:
          fail(msg.size() > 1 ? msg.substr(1) : fmt::format("rank {} failed", src), msg.empty() ? 4 : msg[0]);
          ended[static_cast<std::size_t>(src)] = 1;
          break;
        case kEndPlan:
          ended[static_cast<std::size_t>(src)] = 1;
          break;
        case kBye:
          ended[static_cast<std::size_t>(src)] = 1;
          byed_[static_cast<std::size_t>(src)] = 1;
          break;
        default:
          break;
      }
    }
  } catch (...) {  // MPI trouble on rank 0: stop the local threads before leaving
    abort = true;
    for (auto& t : local) t.join();
    throw;
  }
  for (auto& t : local) t.join();
  if (!failure.empty()) {
    if (failure_code == 2) throw ConfigError(failure);
    throw std::runtime_error(failure);
  }
  return true;  // interrupted: execute() sees it and returns the unfinished execution
}

bool MpiSession::schedule_worker(const WorkItems& items, int jobs) {
  const Plan& plan = *items.plan;
  const std::string fingerprint = config_fingerprint(plan, SGDCHECK_GIT_COMMIT);
  const std::size_t fail_cell = test_fail_cell(rank_);
  std::mutex mpi;  // MPI_THREAD_SERIALIZED: one thread in MPI at a time
  bool stop = false, aborted = false, failed = false;
  // Records this thread's failure and tells rank 0 (once per rank); the other threads stop asking.
  auto report = [&](const std::exception_ptr& error, std::size_t cell) {
    std::lock_guard lock(mpi);
    if (!stop) {
      const std::string where = cell < plan.cells.size() ? describe_cell(plan, cell) : "no cell";
      std::string line(1, failure_kind(error));
      line += fmt::format("rank {} failed in {}: {}", rank_, where, failure_text(error));
      try {
        send(0, kFail, line);
      } catch (...) {
      }
      failed_sent_ = true;
    }
    stop = failed = true;
  };
  auto worker = [&] {
    std::size_t cell = SIZE_MAX;
    try {
      for (;;) {
        std::pair<std::size_t, std::size_t> key;
        {
          std::lock_guard lock(mpi);
          if (stop) return;
          send(0, kRequest, fingerprint);
          const MPI_Status st = wait_message(0);
          const std::string msg = receive(st);
          if (st.MPI_TAG == kNoMore || st.MPI_TAG == kAbort || st.MPI_TAG != kItem) {
            stop = true;
            aborted = st.MPI_TAG != kNoMore;
            return;
          }
          ByteReader in(msg, "work item request");
          key.first = static_cast<std::size_t>(in.get<std::uint64_t>());
          key.second = static_cast<std::size_t>(in.get<std::uint64_t>());
          cell = key.first;
        }
        const auto it = std::lower_bound(items.list.begin(), items.list.end(), key);
        const auto j = static_cast<std::size_t>(it - items.list.begin());
        std::string bytes;
        std::exception_ptr error;
        bool done = false;
        try {
          if (it == items.list.end() || *it != key)
            throw std::runtime_error(fmt::format(
                "cell {} block {} is not a work item of this rank's plan", key.first, key.second));
          if (key.first == fail_cell) throw std::runtime_error("SGDCHECK_TEST_MPI_FAIL");
          done = items.run(j);
          // A signal to this rank alone: its item will not come back, so rank 0 must stop the job.
          if (!done) throw std::runtime_error(fmt::format("interrupted by signal {}", interrupt_signal()));
          if (done) {
            bytes = encode_item(plan, items, j);
            items.block(j) = accumulator_for(plan, key.first, true);
          }
        } catch (...) {
          error = std::current_exception();
        }
        if (error) {
          report(error, key.first);
          return;
        }
        std::lock_guard lock(mpi);
        if (!done) {  // interrupted: rank 0 stops too
          stop = true;
          return;
        }
        if (!failed && !aborted) send(0, kResult, bytes);
      }
    } catch (...) {  // MPI or protocol trouble outside a run: still one line, never std::terminate
      report(std::current_exception(), cell);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(jobs, 1); ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (aborted || failed) {
    stopped_ = true;
    throw Stopped();
  }
  send(0, kEndPlan);
  return false;  // rank 0 reduces
}

int MpiSession::finish(int rc, const std::string& error) {
  if (rank_ == 0) {
    // Stop every worker still in a plan, wait for each one's BYE, then tell them the exit code.
    for (int r = 1; r < size_; ++r) {
      while (!byed_[static_cast<std::size_t>(r)]) {
        const MPI_Status st = wait_message(MPI_ANY_SOURCE);
        receive(st);
        if (st.MPI_TAG == kRequest) send(st.MPI_SOURCE, kAbort);
        if (st.MPI_TAG == kBye) byed_[static_cast<std::size_t>(st.MPI_SOURCE)] = 1;
      }
    }
    const std::int32_t code = rc;
    for (int r = 1; r < size_; ++r) MPI_Send(&code, 4, MPI_BYTE, r, kFinal, MPI_COMM_WORLD);
    MPI_Finalize();
    return rc;
  }
  if (!error.empty() && !stopped_ && !failed_sent_) {
    std::string line(1, static_cast<char>(rc == 2 ? 2 : 4));
    line += fmt::format("rank {} failed: {}", rank_, error);
    send(0, kFail, line);
  }
  send(0, kBye);
  for (;;) {  // answers to REQUESTs of an aborted plan may still be queued
    const MPI_Status st = wait_message(0);
    const std::string msg = receive(st);
    if (st.MPI_TAG == kFinal && msg.size() == 4) {
      std::int32_t code = 0;
      std::memcpy(&code, msg.data(), 4);
      MPI_Finalize();
      return code;
    }
  }
}

}  // namespace sgdcheck::pipeline
