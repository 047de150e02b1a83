#pragma once

#include "domain/url.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd {

/// An IPv4 or IPv6 address. IPv4 addresses are held in their IPv4-mapped IPv6 form
/// (`::ffff:a.b.c.d`), so one comparison covers both.
struct ip_address {
  /// The 16 bytes, network order.
  std::array<uint8_t, 16> bytes{};
  /// True for an IPv4 address.
  bool v4 = false;

  /// The address from 4 bytes.
  static ip_address from_v4(uint32_t host_order);
  /// The IPv4 address, when this is one.
  std::optional<uint32_t> as_v4() const;
  /// Dotted quad or RFC 5952 text.
  std::string to_string() const;
  friend bool operator==(const ip_address&, const ip_address&) = default;
};

/// Parses an IP literal strictly, the way a connecting library would read it: an IPv6 address
/// (brackets allowed), or an IPv4 address in any form `inet_aton` accepts (WHATWG URL host
/// rules): 1 to 4 parts, each decimal, octal (`0177`) or hex (`0x7f`), the last filling the
/// remaining bytes (`2130706433`, `0x7f.1`, `127.1`). Nullopt when it is not an address.
std::optional<ip_address> parse_ip_literal(std::string_view host);

/// True when `host` must be read as an IPv4 address (its last label is a number: `1.2.3.4`,
/// `0x7f`, `2130706433`), so that failing to parse it is an error rather than a host name.
bool looks_like_ipv4(std::string_view host);

/// A network: an address and a prefix length.
struct cidr {
  /// The network address.
  ip_address network;
  /// Prefix length in bits of the 128-bit form (IPv4 prefixes are stored plus 96).
  unsigned prefix = 128;

  /// Parses `10.0.0.0/8`, `::1/128`, or a bare address (a single host).
  static std::optional<cidr> parse(std::string_view text);
  /// True when `a` is in this network.
  bool contains(const ip_address& a) const;
};

/// The special-purpose range `a` falls in (loopback, private, link-local, metadata, CGNAT,
/// multicast, reserved, ...), or nullopt for an ordinary public address. IPv4-mapped, NAT64
/// and 6to4 addresses are judged by the IPv4 address inside them.
std::optional<std::string> blocked_range(const ip_address& a);

/// Where hookd may send webhooks: public addresses, plus the operator's allow-list.
struct address_policy {
  /// Accept plain `http` URLs (`--allow-http`).
  bool allow_http = false;
  /// Networks allowed although special (`--allow-net`), for local development and tests.
  std::vector<cidr> allow;

  /// Nullopt when hookd may connect to `a`; else why not.
  std::optional<std::string> refuse(const ip_address& a) const;
  /// Checks a webhook URL when it is created or changed: the scheme, and an address written as
  /// the host. Host names are checked when they are resolved, on every connection.
  std::optional<url_error> check_url(const url& u) const;
};

} // namespace hookd
