// Certificates and ACME stores in the domain layer: X.509 fields decoded from certificates a
// throwaway CA issues in the test, Traefik's acme.json (including half-written files), domain
// coverage with wildcards, and expiry thresholds.

#include "domain/certificate.hpp"
#include "domain/provisioning.hpp"
#include "tests/support/test_pki.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace hookd;

TEST_CASE("certificates: fields come from the certificate itself", "[domain][acme]") {
  test::test_ca ca{"Domain Test CA"};
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto chain =
      ca.issue("api.example.com", {"api.example.com", "*.api.example.com"}, -60, 86400, 0xABCDEF);
  auto infos = parse_pem_certificates(chain);
  REQUIRE(infos.size() == 2); // the leaf, then the CA
  const auto& leaf = infos[0];
  CHECK(leaf.issuer == "CN=Domain Test CA,O=hookd tests");
  CHECK(leaf.subject == "CN=api.example.com,O=hookd tests");
  CHECK(leaf.sans == std::vector<std::string>{"api.example.com", "*.api.example.com"});
  CHECK(leaf.serial == "ABCDEF");
  CHECK(std::abs(leaf.not_after_ms - (now_ms + 86'400'000)) < 5000);
  CHECK(std::abs(leaf.not_before_ms - (now_ms - 60'000)) < 5000);
  CHECK(leaf.fingerprint_sha256.size() == 95);
  CHECK(infos[1].subject == "CN=Domain Test CA,O=hookd tests");
  CHECK(parse_pem_certificates("not PEM").empty());
  CHECK(parse_pem_certificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            .empty());
}

TEST_CASE("acme stores: Traefik's format, partial writes and coverage", "[domain][acme]") {
  test::test_ca ca{"Store CA"};
  auto json = test::traefik_acme_json(
      "le",
      {{"example.com", {"www.example.com"}, ca.issue("example.com", {"example.com"}, 0, 3600, 1)},
       {"*.apps.example.com", {}, ca.issue("*.apps.example.com", {}, 0, 3600, 2)}});
  auto certs = parse_acme_store(json);
  REQUIRE(certs);
  REQUIRE(certs->size() == 2);
  CHECK((*certs)[0].resolver == "le");
  CHECK((*certs)[0].main == "example.com");
  CHECK((*certs)[0].sans == std::vector<std::string>{"www.example.com"});
  CHECK(parse_pem_certificates((*certs)[1].pem).at(0).serial == "02");
  // Every prefix of the file (a write in progress) is retried, never an error or a crash.
  for (std::size_t n = 0; n < json.size(); n += 97)
    CHECK_FALSE(parse_acme_store(json.substr(0, n)));
  CHECK(parse_acme_store(R"({"le":{"Certificates":null}})")->empty());
  CHECK(parse_acme_store(R"([1,2])") == std::nullopt);
  // Coverage: main, sans, one wildcard label, case-insensitively.
  CHECK(acme_covers((*certs)[0], "example.com"));
  CHECK(acme_covers((*certs)[0], "WWW.example.com"));
  CHECK_FALSE(acme_covers((*certs)[0], "api.example.com"));
  CHECK(acme_covers((*certs)[1], "a.apps.example.com"));
  CHECK_FALSE(acme_covers((*certs)[1], "a.b.apps.example.com"));
  CHECK_FALSE(acme_covers((*certs)[1], "apps.example.com"));
  CHECK(domain_covered_by("*.apps.example.com", "*.apps.example.com"));
  CHECK_FALSE(domain_covered_by(".apps.example.com", "*.apps.example.com"));
}

TEST_CASE("expiry: days left and thresholds", "[domain][acme][expiry]") {
  constexpr int64_t day = 86'400'000;
  CHECK(days_left(10 * day + 5, 0) == 10);
  CHECK(days_left(day - 1, 0) == 0);
  CHECK(days_left(-1, 0) == -1);
  CHECK(days_left(-day - 1, 0) == -2);
  std::vector<uint32_t> t{30, 14, 7, 1};
  CHECK(crossed_threshold(31, t) == std::nullopt);
  CHECK(crossed_threshold(30, t) == 30u);
  CHECK(crossed_threshold(8, t) == 14u);
  CHECK(crossed_threshold(0, t) == 1u);
  CHECK(crossed_threshold(-5, t) == 1u);
  CHECK(parse_thresholds("7,30,1,14") == std::vector<uint32_t>{30, 14, 7, 1});
  for (auto bad : {"", "0", "30,30", "x", "30,", "4000"})
    CHECK_FALSE(parse_thresholds(bad));
}

TEST_CASE("provisioning: requests read from event data", "[domain][acme]") {
  auto ok = parse_provisioning_request(
      R"({"domains":["a.example.com","*.b.example.com"],"certificate_type":"dns-01","resolver":"le","timeout_seconds":90})");
  REQUIRE(std::holds_alternative<provisioning_request>(ok));
  const auto& r = std::get<provisioning_request>(ok);
  CHECK(r.domains.size() == 2);
  CHECK(r.resolver == "le");
  CHECK(r.timeout_ms == 90'000);
  for (auto bad : {R"({})", R"({"domains":[]})", R"({"domains":["a b"]})",
                   R"({"domains":["a.example.com"],"timeout_seconds":0})", "nope"})
    CHECK(std::holds_alternative<std::string>(parse_provisioning_request(bad)));
}
