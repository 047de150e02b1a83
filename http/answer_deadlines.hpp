#pragma once

#include <caf/actor_clock.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace hookd::http {

/// Requests waiting for an actor's answer, each with a deadline. Whichever comes first, the
/// answer (`claim`) or the deadline (`expire_overdue`), is handed to the caller; the other is
/// dropped. Thread-safe: appends are registered on HTTP threads, claimed on the writer's, and
/// expired by the bridge's sweep.
///
/// Why not CAF's request timeouts: CAF 0.17 never cancels one. Each stays on the clock
/// thread until it expires and is then delivered as a stray message, so a timeout per HTTP
/// request costs two clock-thread wake-ups and a message 30 s later.
class answer_deadlines {
 public:
  using time_point = caf::actor_clock::time_point;

  /// Registers a request; `expire` answers it with a timeout. Returns its ticket.
  uint64_t add(time_point deadline, std::function<void()> expire);

  /// True (once) when the answer may be given: the deadline has not expired it.
  bool claim(uint64_t ticket);

  /// Calls `expire` of every request whose deadline is at or before `now` (outside the
  /// lock) and forgets them. Returns how many.
  std::size_t expire_overdue(time_point now);

  /// Requests waiting.
  std::size_t size() const;

 private:
  struct waiting {
    time_point deadline;
    std::function<void()> expire;
  };
  mutable std::mutex mutex_;
  uint64_t next_ = 1;
  std::map<uint64_t, waiting> waiting_;
};

} // namespace hookd::http
