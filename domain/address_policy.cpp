#include "domain/address_policy.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <charconv>

namespace hookd {

namespace {

// One part of an IPv4 literal: decimal, octal (leading 0) or hex (0x); nullopt when malformed.
std::optional<uint64_t> parse_v4_part(std::string_view part) {
  if (part.empty())
    return std::nullopt;
  int base = 10;
  if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
    base = 16;
    part.remove_prefix(2);
    if (part.empty())
      return 0; // "0x" alone is zero (WHATWG)
  } else if (part.size() >= 2 && part[0] == '0') {
    base = 8;
    part.remove_prefix(1);
  }
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v, base);
  if (ec != std::errc{} || end != part.data() + part.size())
    return std::nullopt;
  return v;
}

std::optional<ip_address> parse_v4(std::string_view host) {
  if (!host.empty() && host.back() == '.')
    host.remove_suffix(1); // A trailing dot names the same host.
  std::vector<uint64_t> parts;
  while (true) {
    auto dot = host.find('.');
    auto p = parse_v4_part(host.substr(0, dot));
    if (!p)
      return std::nullopt;
    parts.push_back(*p);
    if (dot == std::string_view::npos)
      break;
    host.remove_prefix(dot + 1);
  }
  if (parts.empty() || parts.size() > 4)
    return std::nullopt;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i)
    if (parts[i] > 255)
      return std::nullopt;
  auto last_bits = 8 * (5 - parts.size());
  if (last_bits < 64 && parts.back() >= (uint64_t{1} << last_bits))
    return std::nullopt;
  uint64_t v = parts.back();
  for (std::size_t i = 0; i + 1 < parts.size(); ++i)
    v |= parts[i] << (8 * (3 - i));
  return ip_address::from_v4(static_cast<uint32_t>(v));
}

// The IPv4 address embedded in an IPv6 address at byte `offset`.
ip_address embedded_v4(const ip_address& a, std::size_t offset) {
  uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i)
    v = (v << 8) | a.bytes[offset + i];
  return ip_address::from_v4(v);
}

struct named_range {
  const char* net;
  const char* name;
};

// Special-purpose ranges (RFC 6890 and its updates). Order: the first match names the reason.
constexpr named_range v4_ranges[] = {
    {"0.0.0.0/8", "'this network' (0.0.0.0/8)"},
    {"10.0.0.0/8", "private (10.0.0.0/8)"},
    {"100.64.0.0/10", "shared address space / CGNAT (100.64.0.0/10)"},
    {"127.0.0.0/8", "loopback (127.0.0.0/8)"},
    {"169.254.0.0/16", "link-local, cloud metadata included (169.254.0.0/16)"},
    {"172.16.0.0/12", "private (172.16.0.0/12)"},
    {"192.0.0.0/24", "IETF protocol assignments (192.0.0.0/24)"},
    {"192.0.2.0/24", "documentation (192.0.2.0/24)"},
    {"192.88.99.0/24", "6to4 relay anycast (192.88.99.0/24)"},
    {"192.168.0.0/16", "private (192.168.0.0/16)"},
    {"198.18.0.0/15", "benchmarking (198.18.0.0/15)"},
    {"198.51.100.0/24", "documentation (198.51.100.0/24)"},
    {"203.0.113.0/24", "documentation (203.0.113.0/24)"},
    {"224.0.0.0/4", "multicast (224.0.0.0/4)"},
    {"255.255.255.255/32", "broadcast (255.255.255.255)"},
    {"240.0.0.0/4", "reserved (240.0.0.0/4)"},
};

constexpr named_range v6_ranges[] = {
    {"::/128", "unspecified (::)"},
    {"::1/128", "loopback (::1)"},
    {"::/96", "IPv4-compatible, deprecated (::/96)"},
    {"64:ff9b:1::/48", "local-use NAT64 (64:ff9b:1::/48)"},
    {"100::/64", "discard-only (100::/64)"},
    {"2001::/23", "IETF protocol assignments, Teredo included (2001::/23)"},
    {"2001:db8::/32", "documentation (2001:db8::/32)"},
    {"fc00::/7", "unique local (fc00::/7)"},
    {"fe80::/10", "link-local (fe80::/10)"},
    {"fec0::/10", "site-local, deprecated (fec0::/10)"},
    {"ff00::/8", "multicast (ff00::/8)"},
};

template <std::size_t N>
std::optional<std::string> first_match(const named_range (&ranges)[N], const ip_address& a) {
  for (const auto& r : ranges)
    if (cidr::parse(r.net)->contains(a))
      return std::string{r.name};
  return std::nullopt;
}

} // namespace

ip_address ip_address::from_v4(uint32_t v) {
  ip_address a;
  a.v4 = true;
  a.bytes[10] = a.bytes[11] = 0xff;
  for (int i = 0; i < 4; ++i)
    a.bytes[12 + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
  return a;
}

std::optional<uint32_t> ip_address::as_v4() const {
  if (!v4)
    return std::nullopt;
  return (uint32_t{bytes[12]} << 24) | (uint32_t{bytes[13]} << 16) | (uint32_t{bytes[14]} << 8) |
         bytes[15];
}

std::string ip_address::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (v4)
    inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof(buf));
  else
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof(buf));
  return buf;
}

bool looks_like_ipv4(std::string_view host) {
  if (!host.empty() && host.back() == '.')
    host.remove_suffix(1);
  auto last = host.substr(host.rfind('.') == std::string_view::npos ? 0 : host.rfind('.') + 1);
  if (last.empty())
    return false;
  if (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return true;
  return last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') &&
         std::all_of(last.begin() + 2, last.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

std::optional<ip_address> parse_ip_literal(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.find(':') != std::string_view::npos) {
    std::string text{host};
    ip_address a;
    if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) != 1)
      return std::nullopt;
    // An IPv4-mapped address is that IPv4 address.
    a.v4 = std::all_of(a.bytes.begin(), a.bytes.begin() + 10, [](uint8_t b) { return b == 0; }) &&
           a.bytes[10] == 0xff && a.bytes[11] == 0xff;
    return a;
  }
  if (!looks_like_ipv4(host))
    return std::nullopt;
  return parse_v4(host);
}

std::optional<cidr> cidr::parse(std::string_view text) {
  auto slash = text.find('/');
  auto addr = parse_ip_literal(text.substr(0, slash));
  if (!addr)
    return std::nullopt;
  unsigned max = addr->v4 ? 32 : 128;
  unsigned prefix = max;
  if (slash != std::string_view::npos) {
    auto bits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (ec != std::errc{} || end != bits.data() + bits.size() || prefix > max || bits.empty())
      return std::nullopt;
  }
  cidr out;
  out.network = *addr;
  out.prefix = addr->v4 ? prefix + 96 : prefix;
  return out;
}

bool cidr::contains(const ip_address& a) const {
  for (unsigned bit = 0; bit < prefix; ++bit) {
    auto mask = static_cast<uint8_t>(0x80 >> (bit % 8));
    if ((a.bytes[bit / 8] & mask) != (network.bytes[bit / 8] & mask))
      return false;
  }
  return true;
}

std::optional<std::string> blocked_range(const ip_address& a) {
  if (a.v4)
    return first_match(v4_ranges, a);
  // Addresses that carry an IPv4 address are judged by it.
  if (cidr::parse("64:ff9b::/96")->contains(a))
    if (auto inner = blocked_range(embedded_v4(a, 12)))
      return "NAT64 of " + *inner;
  if (cidr::parse("2002::/16")->contains(a))
    if (auto inner = blocked_range(embedded_v4(a, 2)))
      return "6to4 of " + *inner;
  return first_match(v6_ranges, a);
}

std::optional<std::string> address_policy::refuse(const ip_address& a) const {
  for (const auto& net : allow)
    if (net.contains(a))
      return std::nullopt;
  if (auto range = blocked_range(a))
    return a.to_string() + " is " + *range + "; allow it with --allow-net";
  return std::nullopt;
}

std::optional<url_error> address_policy::check_url(const url& u) const {
  if (u.scheme != "https" && !allow_http)
    return url_error{"scheme", "only https URLs are accepted (the operator may allow http with "
                               "--allow-http)"};
  if (u.ipv6_literal || looks_like_ipv4(u.host)) {
    auto a = parse_ip_literal(u.host);
    if (!a)
      return url_error{"host", "'" + u.host + "' is neither a host name nor a valid IP address"};
    if (auto why = refuse(*a))
      return url_error{"blocked_address", "the URL's address " + *why};
  }
  return std::nullopt;
}

} // namespace hookd
