// Fuzz target: URL parsing, IP literal parsing and the SSRF policy. Also checks an invariant:
// an address the parser reads from a URL's host is never let through when it is in a blocked
// range (the strict policy has no allow-list).

#include "domain/address_policy.hpp"
#include "domain/url.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  hookd::address_policy strict;
  if (auto ip = hookd::parse_ip_literal(text))
    if (hookd::blocked_range(*ip) && !strict.refuse(*ip))
      std::abort(); // a blocked address let through
  (void)hookd::cidr::parse(text);
  (void)hookd::looks_like_ipv4(text);
  if (auto u = hookd::parse_url(text)) {
    auto refused = strict.check_url(*u);
    if (!refused)
      if (auto ip = hookd::parse_ip_literal(u->host); ip && hookd::blocked_range(*ip))
        std::abort(); // a URL naming a blocked address accepted
  }
  return 0;
}
