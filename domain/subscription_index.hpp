#pragma once

#include "domain/event.hpp"
#include "domain/webhook.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hookd {

/// Which webhooks want an event: an index from event types to subscriptions, per tenant.
/// Matching an event of type `a.b.c` looks up the exact type, each dotted ancestor (`a.*`,
/// `a.b.*`) and `*`. Inside each of those buckets, subscriptions with a label filter are
/// indexed by their first label (`application_id=app_42`), so the event's own labels find them
/// by lookup too; only candidates found this way get the full label check. The cost depends on
/// the type's depth and the event's labels, not on how many webhooks exist: ten thousand
/// per-application webhooks cost memory, not CPU per event.
/// Not thread-safe; the router actor owns one.
class subscription_index {
 public:
  /// A stored subscription.
  struct entry {
    /// The webhook id.
    std::string id;
    /// Its tenant.
    std::string tenant;
    /// Labels an event must carry.
    std::vector<label> label_filter;
  };

  /// Adds `w`, or replaces its previous patterns and filter.
  void upsert(const webhook& w);
  /// Removes the webhook `id` of `tenant`; unknown ids are ignored.
  void remove(std::string_view tenant, std::string_view id);
  /// Appends to `out` each subscription of `tenant` that matches `type` and `labels`, once,
  /// in no particular order. `out` is a caller-owned scratch vector (no allocation once warm).
  void match(std::string_view tenant, std::string_view type, const std::vector<label>& labels,
             std::vector<const entry*>& out) const;
  /// Number of subscriptions.
  std::size_t size() const noexcept { return by_id_.size(); }

 private:
  using slot = uint32_t;
  /// Subscriptions of one pattern: those without a label filter, and the others by the
  /// `key NUL value` of their first filter label.
  struct bucket {
    std::vector<slot> unfiltered;
    std::unordered_map<std::string, std::vector<slot>> by_label;
    bool empty() const noexcept { return unfiltered.empty() && by_label.empty(); }
  };
  struct tenant_index {
    std::unordered_map<std::string, bucket> exact;
    std::unordered_map<std::string, bucket> prefix;
    bucket any;
  };
  void add_to(bucket& b, slot s);
  void remove_from(bucket& b, slot s);
  void collect(const bucket& b, const std::vector<label>& labels) const;
  struct stored {
    entry value;
    std::vector<std::string> patterns;
    bool live = false;
  };
  void unlink(slot s);

  std::vector<stored> slots_;
  std::vector<slot> free_;
  std::unordered_map<std::string, slot> by_id_; // tenant NUL id -> slot
  std::unordered_map<std::string, tenant_index> tenants_;
  mutable std::vector<slot> scratch_;
};

} // namespace hookd
