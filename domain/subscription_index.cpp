#include "domain/subscription_index.hpp"

#include "domain/composite_key.hpp"
#include "domain/event_type.hpp"

#include <algorithm>

namespace hookd {

namespace {} // namespace

void subscription_index::add_to(bucket& b, slot s) {
  const auto& filter = slots_[s].value.label_filter;
  if (filter.empty())
    b.unfiltered.push_back(s);
  else
    b.by_label[composite_key(filter.front().key, filter.front().value)].push_back(s);
}

void subscription_index::remove_from(bucket& b, slot s) {
  const auto& filter = slots_[s].value.label_filter;
  if (filter.empty()) {
    std::erase(b.unfiltered, s);
    return;
  }
  auto it = b.by_label.find(composite_key(filter.front().key, filter.front().value));
  if (it == b.by_label.end())
    return;
  std::erase(it->second, s);
  if (it->second.empty())
    b.by_label.erase(it);
}

void subscription_index::collect(const bucket& b, const std::vector<label>& labels) const {
  scratch_.insert(scratch_.end(), b.unfiltered.begin(), b.unfiltered.end());
  if (b.by_label.empty())
    return;
  for (const auto& l : labels)
    if (auto it = b.by_label.find(composite_key(l.key, l.value)); it != b.by_label.end())
      scratch_.insert(scratch_.end(), it->second.begin(), it->second.end());
}

void subscription_index::upsert(const webhook& w) {
  auto key = composite_key(w.tenant, w.id);
  slot s;
  if (auto it = by_id_.find(key); it != by_id_.end()) {
    s = it->second;
    unlink(s);
  } else {
    if (free_.empty()) {
      s = static_cast<slot>(slots_.size());
      slots_.emplace_back();
    } else {
      s = free_.back();
      free_.pop_back();
    }
    by_id_.emplace(std::move(key), s);
  }
  auto& st = slots_[s];
  st.value = entry{w.id, w.tenant, w.label_filter};
  st.patterns = w.events;
  st.live = true;
  auto& t = tenants_[w.tenant];
  for (const auto& p : st.patterns) {
    auto parsed = event_type_pattern::parse(p);
    if (!parsed)
      continue; // Validated at the API; a stored bad pattern matches nothing.
    switch (parsed->form()) {
    case event_type_pattern::kind::exact:
      add_to(t.exact[parsed->stem()], s);
      break;
    case event_type_pattern::kind::prefix:
      add_to(t.prefix[parsed->stem()], s);
      break;
    case event_type_pattern::kind::any:
      add_to(t.any, s);
      break;
    }
  }
}

void subscription_index::unlink(slot s) {
  auto& st = slots_[s];
  auto t = tenants_.find(st.value.tenant);
  if (t == tenants_.end())
    return;
  auto from_map = [&](std::unordered_map<std::string, bucket>& map, const std::string& stem) {
    auto it = map.find(stem);
    if (it == map.end())
      return;
    remove_from(it->second, s);
    if (it->second.empty())
      map.erase(it);
  };
  for (const auto& p : st.patterns) {
    auto parsed = event_type_pattern::parse(p);
    if (!parsed)
      continue;
    switch (parsed->form()) {
    case event_type_pattern::kind::exact:
      from_map(t->second.exact, parsed->stem());
      break;
    case event_type_pattern::kind::prefix:
      from_map(t->second.prefix, parsed->stem());
      break;
    case event_type_pattern::kind::any:
      remove_from(t->second.any, s);
      break;
    }
  }
  st.patterns.clear();
}

void subscription_index::remove(std::string_view tenant, std::string_view id) {
  auto it = by_id_.find(composite_key(tenant, id));
  if (it == by_id_.end())
    return;
  auto s = it->second;
  unlink(s);
  slots_[s] = stored{};
  free_.push_back(s);
  by_id_.erase(it);
}

void subscription_index::match(std::string_view tenant, std::string_view type,
                               const std::vector<label>& labels,
                               std::vector<const entry*>& out) const {
  auto t = tenants_.find(std::string{tenant});
  if (t == tenants_.end())
    return;
  auto& candidates = scratch_;
  candidates.clear();
  const auto& idx = t->second;
  collect(idx.any, labels);
  if (auto e = idx.exact.find(std::string{type}); e != idx.exact.end())
    collect(e->second, labels);
  if (!idx.prefix.empty()) {
    // Every proper dotted ancestor of the type: "a.b.c" -> "a", "a.b".
    for (auto dot = type.find('.'); dot != std::string_view::npos; dot = type.find('.', dot + 1))
      if (auto p = idx.prefix.find(std::string{type.substr(0, dot)}); p != idx.prefix.end())
        collect(p->second, labels);
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  for (auto s : candidates) {
    const auto& e = slots_[s].value;
    bool labels_ok = std::all_of(e.label_filter.begin(), e.label_filter.end(), [&](const label& l) {
      auto have = find_label(labels, l.key);
      return have && *have == l.value;
    });
    if (labels_ok)
      out.push_back(&e);
  }
}

} // namespace hookd
