#include "http/answer_deadlines.hpp"

#include <vector>

namespace hookd::http {

uint64_t answer_deadlines::add(time_point deadline, std::function<void()> expire) {
  std::lock_guard lock{mutex_};
  auto ticket = next_++;
  waiting_.emplace(ticket, waiting{deadline, std::move(expire)});
  return ticket;
}

bool answer_deadlines::claim(uint64_t ticket) {
  std::lock_guard lock{mutex_};
  return waiting_.erase(ticket) == 1;
}

std::size_t answer_deadlines::expire_overdue(time_point now) {
  std::vector<std::function<void()>> due;
  {
    std::lock_guard lock{mutex_};
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (it->second.deadline <= now) {
        due.push_back(std::move(it->second.expire));
        it = waiting_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& expire : due)
    expire();
  return due.size();
}

std::size_t answer_deadlines::size() const {
  std::lock_guard lock{mutex_};
  return waiting_.size();
}

} // namespace hookd::http
