#pragma once

#include <string>
#include <string_view>

namespace hookd {

/// `a` NUL `b`: the key shape for pairs such as (tenant, id) or (label key, value). Neither
/// part may contain NUL (tenant ids, event ids, webhook ids and label keys cannot), so the join
/// is unambiguous and all keys sharing `a` form one contiguous, prefix-seekable range.
inline std::string composite_key(std::string_view a, std::string_view b) {
  std::string out;
  out.reserve(a.size() + 1 + b.size());
  out.append(a);
  out.push_back('\0');
  out.append(b);
  return out;
}

} // namespace hookd
