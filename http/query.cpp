#include "http/query.hpp"

#include "domain/crypto.hpp"

namespace hookd::http {

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size())
        return std::nullopt;
      auto hi = hex_digit_value(text[i + 1]);
      auto lo = hex_digit_value(text[i + 2]);
      if (hi < 0 || lo < 0)
        return std::nullopt;
      out.push_back(static_cast<char>((hi << 4) | lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::string_view> target::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name)
      return std::string_view{v};
  return std::nullopt;
}

std::vector<std::string_view> target::params_named(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : params)
    if (k == name)
      out.emplace_back(v);
  return out;
}

target parse_target(std::string_view raw) {
  target t;
  auto q = raw.find('?');
  auto path = percent_decode(raw.substr(0, q));
  if (!path) {
    t.ok = false;
    return t;
  }
  t.path = std::move(*path);
  if (q == std::string_view::npos)
    return t;
  auto query = raw.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!key || !value) {
      t.ok = false;
      return t;
    }
    t.params.emplace_back(std::move(*key), std::move(*value));
  }
  return t;
}

std::vector<std::string_view> path_segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto seg = path.substr(0, slash);
    if (!seg.empty())
      out.push_back(seg);
    if (slash == std::string_view::npos)
      break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

} // namespace hookd::http
