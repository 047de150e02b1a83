#pragma once

#include "domain/delivery_transport.hpp"

#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

namespace hookd {

/// The transport's answers on their way to one webhook actor. The transport's thread puts
/// them in; the actor takes all that are there at once. Only the first answer after a take
/// asks for a wake-up message, so that a burst of answers costs the actor one message and
/// one scheduling, not one per answer (design note 37).
class answer_inbox {
 public:
  /// One answer: the attempt's token and what the transport said.
  using entry = std::pair<uint64_t, delivery_response>;

  /// Adds an answer. True when the caller must wake the actor: nothing was waiting since the
  /// last `take_all`, so no wake-up is on its way.
  bool put(uint64_t token, delivery_response res);

  /// Moves every waiting answer into `out` (cleared first; its capacity is reused), in the
  /// order they were put. The next `put` asks for a wake-up again.
  void take_all(std::vector<entry>& out);

 private:
  std::mutex mutex_;
  std::vector<entry> entries_;
  bool wake_sent_ = false;
};

} // namespace hookd
