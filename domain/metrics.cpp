#include "domain/metrics.hpp"

#include <algorithm>

namespace hookd {

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void histogram::observe(double v) noexcept {
  auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  counts_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

histogram::reading histogram::read() const {
  reading r;
  r.bounds = bounds_;
  uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    r.cumulative.push_back(running);
  }
  // The total is the +Inf bucket, so that a scrape never shows count < +Inf.
  r.count = running;
  r.sum = sum_.load(std::memory_order_relaxed);
  return r;
}

tenant_counters& metrics::tenant(std::string_view tenant) {
  std::lock_guard guard{mutex_};
  if (auto it = tenants_.find(tenant); it != tenants_.end())
    return *it->second;
  std::string key = tenants_.size() < max_tenants ? std::string{tenant} : std::string{"_other"};
  auto& slot = tenants_[key];
  if (!slot)
    slot = std::make_unique<tenant_counters>();
  return *slot;
}

void metrics::for_each_tenant(
    const std::function<void(const std::string&, const tenant_counters&)>& visit) const {
  std::lock_guard guard{mutex_};
  for (const auto& [name, counters] : tenants_)
    visit(name, *counters);
}

} // namespace hookd
