#include "domain/application_limiter.hpp"

#include "domain/composite_key.hpp"

namespace hookd {

namespace {

// Windows are swept after this many acquisitions, so idle applications do not pile up.
constexpr uint64_t sweep_every = 4096;

} // namespace

void application_limiter::set_limit(std::string_view tenant, uint32_t per_minute) {
  std::lock_guard guard{mtx_};
  if (per_minute == 0) {
    limits_.erase(std::string{tenant});
    auto prefix = composite_key(tenant, {});
    std::erase_if(windows_, [&](const auto& w) { return w.first.starts_with(prefix); });
  } else {
    limits_[std::string{tenant}] = per_minute;
  }
  limited_tenants_.store(limits_.size(), std::memory_order_release);
}

uint32_t application_limiter::limit(std::string_view tenant) const {
  std::lock_guard guard{mtx_};
  auto it = limits_.find(std::string{tenant});
  return it == limits_.end() ? 0 : it->second;
}

std::optional<application_limiter::time_point>
application_limiter::acquire(std::string_view tenant, std::string_view application,
                             time_point now) {
  if (limited_tenants_.load(std::memory_order_acquire) == 0)
    return std::nullopt;
  std::lock_guard guard{mtx_};
  auto lim = limits_.find(std::string{tenant});
  if (lim == limits_.end())
    return std::nullopt;
  if (++acquires_ % sweep_every == 0)
    sweep(now);
  auto& starts = windows_[composite_key(tenant, application)];
  while (!starts.empty() && starts.front() + window <= now)
    starts.pop_front();
  // After a lower limit, only the newest `limit` starts decide when the next may happen.
  while (starts.size() > lim->second)
    starts.pop_front();
  if (starts.size() == lim->second)
    return starts.front() + window;
  starts.push_back(now);
  return std::nullopt;
}

std::size_t application_limiter::tracked() const {
  std::lock_guard guard{mtx_};
  return windows_.size();
}

void application_limiter::sweep(time_point now) {
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (it->second.empty() || it->second.back() + window <= now)
      it = windows_.erase(it);
    else
      ++it;
  }
}

} // namespace hookd
