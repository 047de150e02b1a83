#include "domain/id_generator.hpp"
#include "domain/timestamp.hpp"

#include <catch2/catch.hpp>

using namespace hookd;

TEST_CASE("rfc3339: parses offsets, fractions and leap days", "[domain][time]") {
  CHECK(parse_rfc3339("2026-11-24T07:00:00.500Z") == 1795503600500);
  CHECK(parse_rfc3339("2026-11-24T08:00:00.5+01:00") == 1795503600500);
  CHECK(parse_rfc3339("2026-11-24t02:00:00.500-05:00") == 1795503600500);
  CHECK(parse_rfc3339("2000-02-29T23:59:59Z") == 951868799000);
  CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_rfc3339("2026-11-24T07:00:00.123456789Z") == 1795503600123);
  CHECK(parse_rfc3339("2016-12-31T23:59:60Z") == parse_rfc3339("2017-01-01T00:00:00Z"));
}

TEST_CASE("rfc3339: rejects impossible and malformed times", "[domain][time]") {
  for (auto bad : {"", "2026-11-24", "2026-11-24T07:00Z", "2026-13-01T00:00:00Z",
                   "2026-00-01T00:00:00Z", "2026-04-31T00:00:00Z", "1900-02-29T00:00:00Z",
                   "2026-11-24T24:00:00Z", "2026-11-24T07:60:00Z", "2026-11-24T07:00:00.Z",
                   "2026-11-24T07:00:00+0100", "2026-11-24T07:00:00+01:00x",
                   "2026-11-24T07:00:00 Z", "20261124T070000Z", "2026-11-24T07:00:00+24:00"}) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339(bad));
  }
}

TEST_CASE("rfc3339: formats in UTC with milliseconds, and round-trips", "[domain][time]") {
  CHECK(format_rfc3339(1795503600500) == "2026-11-24T07:00:00.500Z");
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(format_rfc3339(951868799999) == "2000-02-29T23:59:59.999Z");
  CHECK(format_rfc3339(1700000000007) == "2023-11-14T22:13:20.007Z");
  // Four-digit years are written digit by digit; others take the general path.
  CHECK(format_rfc3339(253402300799999) == "9999-12-31T23:59:59.999Z");
  CHECK(format_rfc3339(253402300800000) == "10000-01-01T00:00:00.000Z");
  for (int64_t ms : {int64_t{951868799000}, int64_t{1795503600123}, int64_t{4102444800000}})
    CHECK(parse_rfc3339(format_rfc3339(ms)) == ms);
}

TEST_CASE("ulid: encodes time first and orders ids monotonically", "[domain][ids]") {
  std::array<uint8_t, 10> zeros{};
  CHECK(encode_ulid(0, zeros) == "00000000000000000000000000");
  std::array<uint8_t, 10> ones;
  ones.fill(0xFF);
  CHECK(encode_ulid(0xFFFFFFFFFFFF, ones) == "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
  // Spec example timestamp 1469918176385 encodes as 01ARYZ6S41.
  CHECK(encode_ulid(1469918176385, zeros).substr(0, 10) == "01ARYZ6S41");

  int calls = 0;
  id_generator gen{[&](std::span<uint8_t> out) {
    ++calls;
    for (auto& b : out)
      b = 0xFF; // Worst case: the increment carries through every byte.
  }};
  auto a = gen.next("evt_", 1000);
  auto b = gen.next("evt_", 1000);
  auto c = gen.next("evt_", 999); // The clock stepped back: order is kept anyway.
  auto d = gen.next("evt_", 1001);
  CHECK(a < b);
  CHECK(b < c);
  CHECK(c < d);
  // Each increment of all-ones entropy overflows, which moves to the next millisecond with
  // fresh entropy instead of wrapping around.
  CHECK(calls == 4);
  CHECK(b.substr(4, 10) == encode_ulid(1001, ones).substr(0, 10));

  uint8_t counter = 0;
  id_generator seq{[&](std::span<uint8_t> out) {
    for (auto& x : out)
      x = 0;
    out[9] = counter++;
  }};
  auto p = seq.next("", 5);
  auto q = seq.next("", 5);
  CHECK(p < q);
  CHECK(p.substr(0, 10) == q.substr(0, 10)); // Same millisecond, incremented entropy.
  CHECK(a.size() == 30);
}
