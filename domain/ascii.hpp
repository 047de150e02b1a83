#pragma once

// ASCII case helpers for protocol tokens (header names, status words). Not for text in general:
// bytes outside ASCII are left as they are.

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace hookd {

/// `s` with ASCII letters lower-cased.
inline std::string ascii_lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// True when `a` and `b` are equal ignoring ASCII case.
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

} // namespace hookd
