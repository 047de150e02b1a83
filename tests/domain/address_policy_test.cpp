#include "domain/address_policy.hpp"

#include <catch2/catch.hpp>

using namespace hookd;

namespace {

std::string blocked(std::string_view literal) {
  auto a = parse_ip_literal(literal);
  REQUIRE(a);
  return blocked_range(*a).value_or("public");
}

} // namespace

TEST_CASE("address policy: every IPv4 form a resolver accepts is recognised", "[domain][ssrf]") {
  auto loopback = ip_address::from_v4(0x7f000001);
  for (auto form : {"127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.1", "0x7f000001", "127.1",
                    "127.0.1", "0x7F.0.0.1", "017700000001", "127.0.0.1.", "0x7f.0x0.0x0.0x1"}) {
    INFO(form);
    auto a = parse_ip_literal(form);
    REQUIRE(a);
    CHECK(*a == loopback);
    CHECK(looks_like_ipv4(form));
  }
  for (auto bad : {"256.0.0.1", "1.2.3.4.5", "08.0.0.1", "0x1g", "1..2", "4294967296", "1.2.3.256",
                   "1.2.65536"}) {
    INFO(bad);
    CHECK_FALSE(parse_ip_literal(bad));
  }
  // Host names are not literals, even with digits in them.
  for (auto name : {"example.com", "1.example.com", "0x7f.example", "localhost"}) {
    INFO(name);
    CHECK_FALSE(looks_like_ipv4(name));
    CHECK_FALSE(parse_ip_literal(name));
  }
}

TEST_CASE("address policy: every special-purpose IPv4 range is blocked", "[domain][ssrf]") {
  struct row {
    const char* address;
    const char* range;
  };
  for (auto [address, range] : std::initializer_list<row>{
           {"0.0.0.0", "0.0.0.0/8"},
           {"0.1.2.3", "0.0.0.0/8"},
           {"10.0.0.1", "10.0.0.0/8"},
           {"10.255.255.255", "10.0.0.0/8"},
           {"100.64.0.1", "100.64.0.0/10"},
           {"100.127.255.254", "100.64.0.0/10"},
           {"127.0.0.1", "127.0.0.0/8"},
           {"127.255.0.9", "127.0.0.0/8"},
           {"169.254.169.254", "169.254.0.0/16"}, // cloud metadata
           {"169.254.0.1", "169.254.0.0/16"},
           {"172.16.0.1", "172.16.0.0/12"},
           {"172.31.255.255", "172.16.0.0/12"},
           {"192.0.0.170", "192.0.0.0/24"},
           {"192.0.2.1", "192.0.2.0/24"},
           {"192.168.1.1", "192.168.0.0/16"},
           {"198.18.0.1", "198.18.0.0/15"},
           {"198.19.255.255", "198.18.0.0/15"},
           {"198.51.100.7", "198.51.100.0/24"},
           {"203.0.113.9", "203.0.113.0/24"},
           {"224.0.0.1", "224.0.0.0/4"},
           {"239.255.255.250", "224.0.0.0/4"},
           {"240.0.0.1", "240.0.0.0/4"},
           {"255.255.255.255", "broadcast"},
       }) {
    INFO(address);
    CHECK(blocked(address).find(range) != std::string::npos);
  }
  for (auto pub :
       {"1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
        "192.169.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255"}) {
    INFO(pub);
    CHECK(blocked(pub) == "public");
  }
}

TEST_CASE("address policy: IPv6 ranges, and IPv4 inside IPv6 judged by the IPv4 address",
          "[domain][ssrf]") {
  CHECK(blocked("::1").find("loopback") != std::string::npos);
  CHECK(blocked("::").find("unspecified") != std::string::npos);
  CHECK(blocked("fc00::1").find("unique local") != std::string::npos);
  CHECK(blocked("fdff:ffff::1").find("unique local") != std::string::npos);
  CHECK(blocked("fe80::1").find("link-local") != std::string::npos);
  CHECK(blocked("febf::1").find("link-local") != std::string::npos);
  CHECK(blocked("ff02::1").find("multicast") != std::string::npos);
  CHECK(blocked("2001:db8::1").find("documentation") != std::string::npos);
  // IPv4-mapped: the IPv4 address decides, written either way.
  CHECK(blocked("::ffff:127.0.0.1").find("loopback") != std::string::npos);
  CHECK(blocked("::ffff:7f00:1").find("loopback") != std::string::npos);
  CHECK(blocked("[::ffff:169.254.169.254]").find("169.254.0.0/16") != std::string::npos);
  CHECK(blocked("::ffff:8.8.8.8") == "public");
  // NAT64 and 6to4 carry an IPv4 address too.
  CHECK(blocked("64:ff9b::7f00:1").find("NAT64 of loopback") != std::string::npos);
  CHECK(blocked("64:ff9b::a00:1").find("NAT64 of private") != std::string::npos);
  CHECK(blocked("64:ff9b::808:808") == "public");
  CHECK(blocked("2002:7f00:1::").find("6to4 of loopback") != std::string::npos);
  CHECK(blocked("2002:c0a8:101::1").find("6to4 of private") != std::string::npos);
  CHECK(blocked("2002:808:808::1") == "public");
  CHECK(blocked("::127.0.0.1").find("IPv4-compatible") != std::string::npos);
  CHECK(blocked("2606:4700:4700::1111") == "public");
  CHECK(blocked("2a00:1450:4001::1") == "public");
  CHECK_FALSE(parse_ip_literal("[::1"));
  CHECK_FALSE(parse_ip_literal("::g"));
  CHECK_FALSE(parse_ip_literal("1:2:3:4:5:6:7:8:9"));
}

TEST_CASE("address policy: the allow-list and the URL check", "[domain][ssrf]") {
  address_policy strict;
  auto check = [](const address_policy& p, std::string_view text) -> std::string {
    auto u = parse_url(text);
    REQUIRE(u);
    auto err = p.check_url(*u);
    return err ? err->code : "ok";
  };
  CHECK(check(strict, "https://example.com/h") == "ok");
  CHECK(check(strict, "http://example.com/h") == "scheme");
  CHECK(check(strict, "https://127.0.0.1/h") == "blocked_address");
  CHECK(check(strict, "https://2130706433/h") == "blocked_address");
  CHECK(check(strict, "https://0x7f.1/h") == "blocked_address");
  CHECK(check(strict, "https://0177.0.0.1:8443/h") == "blocked_address");
  CHECK(check(strict, "https://[::1]/h") == "blocked_address");
  CHECK(check(strict, "https://[::ffff:10.0.0.1]/h") == "blocked_address");
  CHECK(check(strict, "https://169.254.169.254/latest/meta-data") == "blocked_address");
  CHECK(check(strict, "https://999.1.1.1/h") == "host");
  CHECK(check(strict, "https://8.8.8.8/h") == "ok");
  CHECK(check(strict, "https://localhost/h") == "ok"); // a name: checked when resolved
  address_policy dev;
  dev.allow_http = true;
  dev.allow.push_back(*cidr::parse("127.0.0.0/8"));
  dev.allow.push_back(*cidr::parse("::1"));
  CHECK(check(dev, "http://127.0.0.1:8080/h") == "ok");
  CHECK(check(dev, "http://[::1]:8080/h") == "ok");
  CHECK(check(dev, "http://10.0.0.1/h") == "blocked_address");
  CHECK_FALSE(dev.refuse(*parse_ip_literal("127.9.9.9")));
  CHECK(dev.refuse(*parse_ip_literal("169.254.169.254")));
  CHECK_FALSE(cidr::parse("10.0.0.0/33"));
  CHECK_FALSE(cidr::parse("10.0.0.0/"));
  CHECK_FALSE(cidr::parse("example.com/8"));
  CHECK(cidr::parse("fd00::/8")->contains(*parse_ip_literal("fd12::1")));
  CHECK_FALSE(cidr::parse("10.0.0.0/8")->contains(*parse_ip_literal("11.0.0.1")));
  CHECK_FALSE(cidr::parse("10.0.0.0/8")->contains(*parse_ip_literal("::a00:1")));
}
