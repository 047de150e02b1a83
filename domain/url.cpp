#include "domain/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace hookd {

namespace {

std::optional<url> fail(url_error* why, std::string code, std::string detail) {
  if (why != nullptr)
    *why = url_error{std::move(code), std::move(detail)};
  return std::nullopt;
}

bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

} // namespace

std::optional<url> parse_url(std::string_view text, url_error* why) {
  if (text.size() > max_url_length)
    return fail(why, "too_long", "the URL is longer than 2048 bytes");
  for (char c : text)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F)
      return fail(why, "format", "the URL contains whitespace or control characters");
  url out;
  auto sep = text.find("://");
  if (sep == std::string_view::npos)
    return fail(why, "format", "the URL must be absolute (https://host/path)");
  for (char c : text.substr(0, sep))
    out.scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (out.scheme != "http" && out.scheme != "https")
    return fail(why, "scheme", "the URL scheme must be https (or http)");
  auto rest = text.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos)
    return fail(why, "fragment", "the URL must not have a fragment");
  auto path_start = rest.find_first_of("/?");
  auto authority = rest.substr(0, path_start);
  out.target = path_start == std::string_view::npos ? "/" : std::string{rest.substr(path_start)};
  if (out.target.front() == '?')
    out.target.insert(out.target.begin(), '/');
  if (authority.find('@') != std::string_view::npos)
    return fail(why, "userinfo", "the URL must not contain credentials (user:pass@)");
  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return fail(why, "host", "an IPv6 literal must be closed with ']'");
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return fail(why, "host", "unexpected characters after the IPv6 literal");
      port = after.substr(1);
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        }))
      return fail(why, "host", "the IPv6 literal is malformed");
    out.ipv6_literal = true;
  } else {
    auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos)
      port = authority.substr(colon + 1);
    if (host.empty() || !std::all_of(host.begin(), host.end(), is_host_char))
      return fail(why, "host", "the URL needs a valid host name or address");
  }
  for (char c : host)
    out.host.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  out.port = out.scheme == "https" ? 443 : 80;
  if (!port.empty() || (authority.size() > 0 && authority.back() == ':')) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value < 1 ||
        value > 65535)
      return fail(why, "port", "the port must be from 1 to 65535");
    out.port = static_cast<uint16_t>(value);
  }
  return out;
}

} // namespace hookd
