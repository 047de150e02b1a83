#pragma once

#include <mutex>
#include <utility>
#include <vector>

namespace hookd {

/// Items handed from any thread to one consumer, which takes all that are there at once. Only
/// the first item after a take asks for a wake-up, so that a burst costs the consumer one
/// wake-up (a message, a posted handler), not one per item (design note 37).
template <class T> class batch_handoff {
 public:
  /// Adds an item. True when the caller must wake the consumer: nothing was waiting since the
  /// last `take_all`, so no wake-up is on its way.
  bool put(T item) {
    std::lock_guard<std::mutex> guard{mutex_};
    items_.push_back(std::move(item));
    if (wake_sent_)
      return false;
    wake_sent_ = true;
    return true;
  }

  /// Moves every waiting item into `out` (cleared first; its capacity is reused), in the order
  /// they were put. The next `put` asks for a wake-up again.
  void take_all(std::vector<T>& out) {
    out.clear();
    std::lock_guard<std::mutex> guard{mutex_};
    out.swap(items_);
    wake_sent_ = false;
  }

 private:
  std::mutex mutex_;
  std::vector<T> items_;
  bool wake_sent_ = false;
};

} // namespace hookd
