#include "actors/answer_inbox.hpp"

namespace hookd {

bool answer_inbox::put(uint64_t token, delivery_response res) {
  std::lock_guard<std::mutex> guard{mutex_};
  entries_.emplace_back(token, std::move(res));
  if (wake_sent_)
    return false;
  wake_sent_ = true;
  return true;
}

void answer_inbox::take_all(std::vector<entry>& out) {
  out.clear();
  std::lock_guard<std::mutex> guard{mutex_};
  out.swap(entries_);
  wake_sent_ = false;
}

} // namespace hookd
