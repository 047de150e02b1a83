#include "http/query.hpp"

#include <catch2/catch.hpp>

using namespace hookd::http;

TEST_CASE("targets: paths, repeated parameters and escapes", "[http][query]") {
  auto t = parse_target("/v1/events?type=deployment.%2A&label=a%3Ab&label=c:d&limit=5&flag");
  REQUIRE(t.ok);
  CHECK(t.path == "/v1/events");
  CHECK(t.param("type") == "deployment.*");
  CHECK(t.params_named("label") == std::vector<std::string_view>{"a:b", "c:d"});
  CHECK(t.param("flag") == "");
  CHECK_FALSE(t.param("missing"));
  CHECK(percent_decode("a+b%20c") == "a b c");
  CHECK_FALSE(percent_decode("%G1"));
  CHECK_FALSE(percent_decode("%4"));
  CHECK_FALSE(parse_target("/v1/events?x=%zz").ok);
  CHECK(path_segments("//v1//events/") == std::vector<std::string_view>{"v1", "events"});
}
