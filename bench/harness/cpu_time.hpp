#pragma once

#include <ctime>

namespace hookd::bench {

/// CPU time of the calling thread so far, seconds (the sink's and the load generator's own
/// share of the harness's CPU).
inline double thread_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

} // namespace hookd::bench
